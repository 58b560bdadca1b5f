import TestSupport

/// Unmasked floating-point exceptions: SSE raises #XM (vector 19) at the faulting instruction;
/// the x87 records the exception and raises #MF (vector 16) at the next waiting x87
/// instruction. Natively both arrive as SIGFPE with the vector in the signal frame; under
/// Mimic the guest must get the same vector at the same instruction, and Mimic must survive.
enum SIMDExceptionCases {
    static func cases(_ random: inout SplitMix64) -> [SIMDTestCase] {
        var cases: [SIMDTestCase] = []
        // MXCSR with one exception unmasked, then an instruction that raises it (or not).
        let sse: [(String, Int, Lane)] = [
            ("divps xmm1, xmm2", 2, .ps), ("divsd xmm3, xmm4", 2, .pd), ("sqrtps xmm5, xmm6", 0, .ps),
            ("addsd xmm7, xmm8", 3, .pd), ("mulps xmm9, xmm10", 4, .ps), ("cvtsd2ss xmm11, xmm12", 5, .pd),
            ("comisd xmm13, xmm14", 0, .pd), ("cvttsd2si eax, xmm1", 0, .pd), ("minps xmm2, xmm3", 1, .ps),
        ]
        for (text, exception, lane) in sse {
            for _ in 0..<12 {
                var builder = SIMDBuilder(lane: lane, &random)
                VectorImage.write32(&builder.vector.image, VectorImage.mxcsr, 0x1F80 & ~(UInt32(1) << UInt32(7 + exception)))
                let flags = text.hasPrefix("comi") ? SIMDFlags.all : FlagEffect()
                cases.append(builder.testCase(key: "#XM \(text.split(separator: " ")[0])", [simd("xorps xmm0, xmm0"), simd(text, flags)]))
            }
        }
        // An x87 exception unmasked by FLDCW, raised by the next arithmetic, reported by the
        // instruction after it.
        let x87: [(String, Int)] = [("fdiv st, st(1)", 2), ("fsqrt", 0), ("fmul st, st(1)", 3), ("fadd st, st(1)", 5), ("fld1", 0)]
        for (text, exception) in x87 {
            for _ in 0..<12 {
                var builder = X87Builder(&random)
                let cw = UInt16(0x37F) & ~(UInt16(1) << UInt16(exception))
                builder.patches.append((0x1F00, LaneValues.bytes(cw)))
                let program: [Piece] = [simd("fldcw WORD PTR [rsi - 0x100]"), simd(text), simd("fld1"), .insn(Insn(.add, "r8, r9"))]
                cases.append(builder.testCase(key: "#MF \(text.split(separator: " ")[0])", program))
            }
        }
        return cases
    }
}
