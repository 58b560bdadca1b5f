import Foundation
import TestSupport

/// SSE..SSE4.2 and MMX instruction forms as the Intel SDM writes them ("addps xmm, xmm/m128"),
/// with the lane type their inputs are drawn from, the immediates worth trying and the flags
/// they write. Every register/memory operand is tried in both forms.
struct SIMDForm {
    var syntax: String
    var lane: Lane
    var immediates: [Int]
    var flags: FlagEffect

    var mnemonic: String { String(syntax.split(separator: " ")[0]) }
    var operands: [String] {
        let rest = syntax.drop { $0 != " " }.trimmingCharacters(in: .whitespaces)
        return rest.isEmpty ? [] : rest.components(separatedBy: ", ")
    }
}

private func form(_ syntax: String, _ lane: Lane, _ immediates: [Int] = [], flags: FlagEffect = FlagEffect()) -> SIMDForm {
    SIMDForm(syntax: syntax, lane: lane, immediates: immediates, flags: flags)
}

/// The same operands for several mnemonics.
private func forms(_ mnemonics: String, _ operands: String, _ lane: Lane, _ immediates: [Int] = [],
                   flags: FlagEffect = FlagEffect()) -> [SIMDForm] {
    mnemonics.split(separator: " ").map { form("\($0) \(operands)", lane, immediates, flags: flags) }
}

enum SIMDTable {
    static let comparePredicates = Array(0...7)
    static let shuffleImmediates = [0x00, 0x1B, 0x4E, 0xB1, 0xE4, 0xFF, 0x93, 0x39]
    static let byteShifts = [0, 1, 3, 7, 8, 15, 16, 200]
    static let bitShifts = [0, 1, 3, 7, 15, 16, 31, 32, 63, 64, 255]
    static let rounding = Array(0...15)
    /// PCMPxSTRx controls: byte/word, unsigned/signed, each aggregation, polarity, index/mask.
    static let stringControls = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0C, 0x0D, 0x10, 0x14, 0x18, 0x1A,
                                 0x30, 0x34, 0x38, 0x3A, 0x40, 0x44, 0x48, 0x4C, 0x4E, 0x62, 0x70, 0x7C]

    static let sse: [SIMDForm] =
        forms("addps subps mulps divps minps maxps", "xmm, xmm/m128", .ps)
        + forms("addss subss mulss divss minss maxss", "xmm, xmm/m32", .ps)
        + forms("addpd subpd mulpd divpd minpd maxpd", "xmm, xmm/m128", .pd)
        + forms("addsd subsd mulsd divsd minsd maxsd", "xmm, xmm/m64", .pd)
        + forms("sqrtps rcpps rsqrtps", "xmm, xmm/m128", .ps) + forms("sqrtss rcpss rsqrtss", "xmm, xmm/m32", .ps)
        + [form("sqrtpd xmm, xmm/m128", .pd), form("sqrtsd xmm, xmm/m64", .pd)]
        + forms("andps andnps orps xorps", "xmm, xmm/m128", .ps) + forms("andpd andnpd orpd xorpd", "xmm, xmm/m128", .pd)
        + [form("cmpps xmm, xmm/m128, imm8", .ps, comparePredicates), form("cmpss xmm, xmm/m32, imm8", .ps, comparePredicates),
           form("cmppd xmm, xmm/m128, imm8", .pd, comparePredicates), form("cmpsd xmm, xmm/m64, imm8", .pd, comparePredicates)]
        + forms("comiss ucomiss", "xmm, xmm/m32", .ps, flags: SIMDFlags.all)
        + forms("comisd ucomisd", "xmm, xmm/m64", .pd, flags: SIMDFlags.all)

    static let conversions: [SIMDForm] =
        forms("cvtsi2ss cvtsi2sd", "xmm, r/m32", .int) + forms("cvtsi2ss cvtsi2sd", "xmm, r/m64", .int)
        + forms("cvtss2si cvttss2si", "r32, xmm/m32", .ps) + forms("cvtss2si cvttss2si", "r64, xmm/m32", .ps)
        + forms("cvtsd2si cvttsd2si", "r32, xmm/m64", .pd) + forms("cvtsd2si cvttsd2si", "r64, xmm/m64", .pd)
        + [form("cvtss2sd xmm, xmm/m32", .ps), form("cvtsd2ss xmm, xmm/m64", .pd), form("cvtps2pd xmm, xmm/m64", .ps),
           form("cvtpd2ps xmm, xmm/m128", .pd), form("cvtdq2ps xmm, xmm/m128", .int), form("cvtps2dq xmm, xmm/m128", .ps),
           form("cvttps2dq xmm, xmm/m128", .ps), form("cvtdq2pd xmm, xmm/m64", .int), form("cvtpd2dq xmm, xmm/m128", .pd),
           form("cvttpd2dq xmm, xmm/m128", .pd),
           form("cvtpi2ps xmm, mm/m64", .int), form("cvtps2pi mm, xmm/m64", .ps), form("cvttps2pi mm, xmm/m64", .ps),
           form("cvtpi2pd xmm, mm/m64", .int), form("cvtpd2pi mm, xmm/m128", .pd), form("cvttpd2pi mm, xmm/m128", .pd)]

    static let moves: [SIMDForm] =
        forms("movaps movups movapd movupd movdqa movdqu", "xmm, xmm/m128", .int)
        + forms("movaps movups movapd movupd movdqa movdqu movntps movntpd movntdq", "m128, xmm", .int)
        + [form("movss xmm, xmm/m32", .ps), form("movss m32, xmm", .ps), form("movsd xmm, xmm/m64", .pd), form("movsd m64, xmm", .pd)]
        + forms("movlps movhps movlpd movhpd", "xmm, m64", .int) + forms("movlps movhps movlpd movhpd", "m64, xmm", .int)
        + forms("movhlps movlhps", "xmm, xmm", .ps)
        + [form("movd xmm, r/m32", .int), form("movd r/m32, xmm", .int), form("movq xmm, r/m64", .int), form("movq r/m64, xmm", .int),
           form("movq xmm, xmm/m64", .int), form("movq m64, xmm", .int),
           form("movmskps r32, xmm", .ps), form("movmskpd r32, xmm", .pd), form("pmovmskb r32, xmm", .int),
           form("lddqu xmm, m128", .int), form("movntdqa xmm, m128", .int),
           form("movddup xmm, xmm/m64", .pd), form("movshdup xmm, xmm/m128", .ps), form("movsldup xmm, xmm/m128", .ps),
           form("movdq2q mm, xmm", .int), form("movq2dq xmm, mm", .int)]

    static let shuffles: [SIMDForm] =
        [form("shufps xmm, xmm/m128, imm8", .ps, shuffleImmediates), form("shufpd xmm, xmm/m128, imm8", .pd, [0, 1, 2, 3]),
         form("pshufd xmm, xmm/m128, imm8", .int, shuffleImmediates), form("pshufhw xmm, xmm/m128, imm8", .int, shuffleImmediates),
         form("pshuflw xmm, xmm/m128, imm8", .int, shuffleImmediates),
         form("palignr xmm, xmm/m128, imm8", .int, [0, 1, 4, 8, 15, 16, 17, 31, 32, 255]),
         form("pslldq xmm, imm8", .int, byteShifts), form("psrldq xmm, imm8", .int, byteShifts)]
        + forms("unpcklps unpckhps", "xmm, xmm/m128", .ps) + forms("unpcklpd unpckhpd", "xmm, xmm/m128", .pd)
        + forms("punpcklbw punpcklwd punpckldq punpcklqdq punpckhbw punpckhwd punpckhdq punpckhqdq packsswb packssdw packuswb packusdw pshufb",
                "xmm, xmm/m128", .int)
        + forms("psllw pslld psllq psrlw psrld psrlq psraw psrad", "xmm, xmm/m128", .int)
        + forms("psllw pslld psllq psrlw psrld psrlq psraw psrad", "xmm, imm8", .int, bitShifts)
        + [form("pinsrw xmm, r32/m16, imm8", .int, Array(0...7)), form("pextrw r32, xmm, imm8", .int, Array(0...7)),
           form("pinsrb xmm, r32/m8, imm8", .int, [0, 1, 7, 15]), form("pinsrd xmm, r/m32, imm8", .int, Array(0...3)),
           form("pinsrq xmm, r/m64, imm8", .int, [0, 1]), form("pextrb r32/m8, xmm, imm8", .int, [0, 5, 15]),
           form("pextrd r/m32, xmm, imm8", .int, Array(0...3)), form("pextrq r/m64, xmm, imm8", .int, [0, 1]),
           form("pextrw m16, xmm, imm8", .int, [0, 7]), form("extractps r/m32, xmm, imm8", .ps, Array(0...3)),
           form("insertps xmm, xmm/m32, imm8", .ps, [0x00, 0x10, 0x30, 0xC0, 0x4A, 0x0F, 0xE5, 0x71]),
           form("blendps xmm, xmm/m128, imm8", .ps, [0, 5, 10, 15]), form("blendpd xmm, xmm/m128, imm8", .pd, [0, 1, 2, 3]),
           form("pblendw xmm, xmm/m128, imm8", .int, [0x00, 0xFF, 0x5A, 0x81]),
           form("blendvps xmm, xmm/m128", .ps), form("blendvpd xmm, xmm/m128", .pd), form("pblendvb xmm, xmm/m128", .int)]

    static let integer: [SIMDForm] =
        forms("paddb paddw paddd paddq psubb psubw psubd psubq paddsb paddsw paddusb paddusw psubsb psubsw psubusb psubusw "
              + "pmullw pmulhw pmulhuw pmuludq pmaddwd psadbw pavgb pavgw pminub pmaxub pminsw pmaxsw "
              + "pcmpeqb pcmpeqw pcmpeqd pcmpgtb pcmpgtw pcmpgtd pand pandn por pxor", "xmm, xmm/m128", .int)
        + forms("phaddw phaddd phaddsw phsubw phsubd phsubsw pmaddubsw pmulhrsw psignb psignw psignd pabsb pabsw pabsd",
                "xmm, xmm/m128", .int)
        + forms("pmulld pmuldq pminsb pminsd pminuw pminud pmaxsb pmaxsd pmaxuw pmaxud pcmpeqq pcmpgtq phminposuw",
                "xmm, xmm/m128", .int)
        + [form("ptest xmm, xmm/m128", .int, flags: SIMDFlags.all), form("mpsadbw xmm, xmm/m128, imm8", .int, Array(0...7))]
        + forms("pmovsxbw pmovsxwd pmovsxdq pmovzxbw pmovzxwd pmovzxdq", "xmm, xmm/m64", .int)
        + forms("pmovsxbd pmovsxwq pmovzxbd pmovzxwq", "xmm, xmm/m32", .int)
        + forms("pmovsxbq pmovzxbq", "xmm, xmm/m16", .int)

    static let sse3And41FloatingPoint: [SIMDForm] =
        forms("haddps hsubps addsubps", "xmm, xmm/m128", .ps) + forms("haddpd hsubpd addsubpd", "xmm, xmm/m128", .pd)
        + [form("dpps xmm, xmm/m128, imm8", .ps, [0xFF, 0xF1, 0x71, 0x3C, 0x82]), form("dppd xmm, xmm/m128, imm8", .pd, [0x31, 0x33, 0xF3, 0x12]),
           form("roundps xmm, xmm/m128, imm8", .ps, rounding), form("roundpd xmm, xmm/m128, imm8", .pd, rounding),
           form("roundss xmm, xmm/m32, imm8", .ps, rounding), form("roundsd xmm, xmm/m64, imm8", .pd, rounding)]

    static let strings: [SIMDForm] =
        forms("pcmpistri pcmpistrm pcmpestri pcmpestrm", "xmm, xmm/m128, imm8", .text, stringControls, flags: SIMDFlags.all)

    static let mmx: [SIMDForm] =
        forms("paddb paddsw pmaddwd pmulhuw pavgb psadbw pxor pcmpgtw pshufb pabsw pmulhrsw psubq", "mm, mm/m64", .int)
        + [form("pshufw mm, mm/m64, imm8", .int, shuffleImmediates), form("palignr mm, mm/m64, imm8", .int, [0, 3, 8, 15]),
           form("psrlq mm, imm8", .int, [0, 1, 63, 64]), form("psraw mm, mm/m64", .int), form("punpcklbw mm, mm/m32", .int),
           form("packsswb mm, mm/m64", .int), form("movq mm, r/m64", .int), form("movd r/m32, mm", .int),
           form("movq mm, mm/m64", .int), form("movq m64, mm", .int), form("pmovmskb r32, mm", .int), form("emms", .int),
           form("pinsrw mm, r32/m16, imm8", .int, [0, 3]), form("pextrw r32, mm, imm8", .int, [1, 2])]

    static let control: [SIMDForm] = [form("stmxcsr m32", .int), form("ldmxcsr m32", .int)]
}
