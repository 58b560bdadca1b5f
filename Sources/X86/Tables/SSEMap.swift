/// VEX/EVEX availability shorthands for SSE rows: `vx` keeps the legacy operands,
/// `vn` inserts VEX.vvvv as the second operand (non-destructive source).
let vx: EntryFlags = [.vex, .evex]
let vn: EntryFlags = [.vex, .evex, .nds]
let vns: EntryFlags = [.vex, .evex, .nds, .noVL]

extension TableBuilder {
    /// The SSE rows of the two-byte map: columns none / 66 / F3 / F2 (SDM vol. 2, table A-3).
    mutating func buildSSEMap() {
        sse(0x10, .op(.movups, Vx, Wx, flags: vx), .op(.movupd, Vx, Wx, flags: vx),
            .op(.movss, Vdq, Wd, flags: [.vex, .evex, .fixup, .noVL]),
            .op(.movsd, Vdq, Wq, flags: [.vex, .evex, .fixup, .noVL]))
        sse(0x11, .op(.movups, Wx, Vx, flags: vx), .op(.movupd, Wx, Vx, flags: vx),
            .op(.movss, Wd, Vdq, flags: [.vex, .evex, .fixup, .noVL]),
            .op(.movsd, Wq, Vdq, flags: [.vex, .evex, .fixup, .noVL]))
        sse(0x12, .op(.movlps, Vdq, Wq, flags: [.vex, .evex, .nds, .fixup, .vexL0]),
            .op(.movlpd, Vdq, Mq, flags: [.vex, .evex, .nds, .vexL0]),
            .op(.movsldup, Vx, Wx, flags: vx), .op(.movddup, Vx, Wq, flags: [.vex, .evex, .fixup]))
        sse(0x13, .op(.movlps, Mq, Vdq, flags: [.vex, .evex, .vexL0]),
            .op(.movlpd, Mq, Vdq, flags: [.vex, .evex, .vexL0]))
        sse(0x14, .op(.unpcklps, Vx, Wx, flags: vn), .op(.unpcklpd, Vx, Wx, flags: vn))
        sse(0x15, .op(.unpckhps, Vx, Wx, flags: vn), .op(.unpckhpd, Vx, Wx, flags: vn))
        sse(0x16, .op(.movhps, Vdq, Wq, flags: [.vex, .evex, .nds, .fixup, .vexL0]),
            .op(.movhpd, Vdq, Mq, flags: [.vex, .evex, .nds, .vexL0]), .op(.movshdup, Vx, Wx, flags: vx))
        sse(0x17, .op(.movhps, Mq, Vdq, flags: [.vex, .evex, .vexL0]),
            .op(.movhpd, Mq, Vdq, flags: [.vex, .evex, .vexL0]))
        sse(0x28, .op(.movaps, Vx, Wx, flags: vx), .op(.movapd, Vx, Wx, flags: vx))
        sse(0x29, .op(.movaps, Wx, Vx, flags: vx), .op(.movapd, Wx, Vx, flags: vx))
        sse(0x2A, .op(.cvtpi2ps, Vdq, Qq), .op(.cvtpi2pd, Vdq, Qq),
            .op(.cvtsi2ss, Vdq, Ey, flags: vns), .op(.cvtsi2sd, Vdq, Ey, flags: vns))
        sse(0x2B, .op(.movntps, Mx, Vx, flags: vx), .op(.movntpd, Mx, Vx, flags: vx))
        sse(0x2C, .op(.cvttps2pi, Pq, Wq), .op(.cvttpd2pi, Pq, Wdq),
            .op(.cvttss2si, Gy, Wd, flags: [.vex, .evex, .noVL]), .op(.cvttsd2si, Gy, Wq, flags: [.vex, .evex, .noVL]))
        sse(0x2D, .op(.cvtps2pi, Pq, Wq), .op(.cvtpd2pi, Pq, Wdq),
            .op(.cvtss2si, Gy, Wd, flags: [.vex, .evex, .noVL]), .op(.cvtsd2si, Gy, Wq, flags: [.vex, .evex, .noVL]))
        sse(0x2E, .op(.ucomiss, Vdq, Wd, flags: [.vex, .evex, .noVL]), .op(.ucomisd, Vdq, Wq, flags: [.vex, .evex, .noVL]))
        sse(0x2F, .op(.comiss, Vdq, Wd, flags: [.vex, .evex, .noVL]), .op(.comisd, Vdq, Wq, flags: [.vex, .evex, .noVL]))
        sse(0x50, .op(.movmskps, Gd, Ux, flags: .vex), .op(.movmskpd, Gd, Ux, flags: .vex))
        sse(0x51, .op(.sqrtps, Vx, Wx, flags: vx), .op(.sqrtpd, Vx, Wx, flags: vx),
            .op(.sqrtss, Vdq, Wd, flags: vns), .op(.sqrtsd, Vdq, Wq, flags: vns))
        sse(0x52, .op(.rsqrtps, Vx, Wx, flags: .vex), nil, .op(.rsqrtss, Vdq, Wd, flags: [.vex, .nds, .noVL]))
        sse(0x53, .op(.rcpps, Vx, Wx, flags: .vex), nil, .op(.rcpss, Vdq, Wd, flags: [.vex, .nds, .noVL]))
        let logic: [(Int, Mnemonic, Mnemonic)] = [
            (0x54, .andps, .andpd), (0x55, .andnps, .andnpd), (0x56, .orps, .orpd), (0x57, .xorps, .xorpd),
        ]
        for (op, ps, pd) in logic {
            sse(op, .op(ps, Vx, Wx, flags: vn), .op(pd, Vx, Wx, flags: vn))
        }
        let arith: [(Int, Mnemonic, Mnemonic, Mnemonic, Mnemonic)] = [
            (0x58, .addps, .addpd, .addss, .addsd), (0x59, .mulps, .mulpd, .mulss, .mulsd),
            (0x5C, .subps, .subpd, .subss, .subsd), (0x5D, .minps, .minpd, .minss, .minsd),
            (0x5E, .divps, .divpd, .divss, .divsd), (0x5F, .maxps, .maxpd, .maxss, .maxsd),
        ]
        for (op, ps, pd, ss, sd) in arith {
            sse(op, .op(ps, Vx, Wx, flags: vn), .op(pd, Vx, Wx, flags: vn),
                .op(ss, Vdq, Wd, flags: vns), .op(sd, Vdq, Wq, flags: vns))
        }
        sse(0x5A, .op(.cvtps2pd, Vx, Wh, flags: vx), .op(.cvtpd2ps, Vh, Wx, flags: vx),
            .op(.cvtss2sd, Vdq, Wd, flags: vns), .op(.cvtsd2ss, Vdq, Wq, flags: vns))
        sse(0x5B, .op(.cvtdq2ps, Vx, Wx, flags: vx), .op(.cvtps2dq, Vx, Wx, flags: vx),
            .op(.cvttps2dq, Vx, Wx, flags: vx))

        // MMX (no prefix) and SSE2 (66) integer rows.
        let integer: [(Int, Mnemonic)] = [
            (0x60, .punpcklbw), (0x61, .punpcklwd), (0x62, .punpckldq), (0x63, .packsswb),
            (0x64, .pcmpgtb), (0x65, .pcmpgtw), (0x66, .pcmpgtd), (0x67, .packuswb),
            (0x68, .punpckhbw), (0x69, .punpckhwd), (0x6A, .punpckhdq), (0x6B, .packssdw),
            (0x74, .pcmpeqb), (0x75, .pcmpeqw), (0x76, .pcmpeqd),
            (0xD1, .psrlw), (0xD2, .psrld), (0xD3, .psrlq), (0xD4, .paddq), (0xD5, .pmullw),
            (0xD8, .psubusb), (0xD9, .psubusw), (0xDA, .pminub), (0xDB, .pand),
            (0xDC, .paddusb), (0xDD, .paddusw), (0xDE, .pmaxub), (0xDF, .pandn),
            (0xE0, .pavgb), (0xE1, .psraw), (0xE2, .psrad), (0xE3, .pavgw), (0xE4, .pmulhuw), (0xE5, .pmulhw),
            (0xE8, .psubsb), (0xE9, .psubsw), (0xEA, .pminsw), (0xEB, .por),
            (0xEC, .paddsb), (0xED, .paddsw), (0xEE, .pmaxsw), (0xEF, .pxor),
            (0xF1, .psllw), (0xF2, .pslld), (0xF3, .psllq), (0xF4, .pmuludq), (0xF5, .pmaddwd), (0xF6, .psadbw),
            (0xF8, .psubb), (0xF9, .psubw), (0xFA, .psubd), (0xFB, .psubq),
            (0xFC, .paddb), (0xFD, .paddw), (0xFE, .paddd),
        ]
        for (op, m) in integer {
            let shiftByXMM = [0xD1, 0xD2, 0xD3, 0xE1, 0xE2, 0xF1, 0xF2, 0xF3].contains(op)
            let compare = (0x64...0x66).contains(op) || (0x74...0x76).contains(op)
            let flags: EntryFlags = compare ? [.vex, .evex, .nds, .kDest] : vn
            sse(op, .op(m, Pq, Qq), .op(m, Vx, shiftByXMM ? Wdq : Wx, flags: flags))
        }
        sse(0x6C, nil, .op(.punpcklqdq, Vx, Wx, flags: vn))
        sse(0x6D, nil, .op(.punpckhqdq, Vx, Wx, flags: vn))
        sse(0x6E, .op(.movd, Pq, Ey, flags: .wSelects), .op(.movd, Vdq, Ey, flags: [.vex, .evex, .wSelects, .vexL0]))
        sse(0x6F, .op(.movq, Pq, Qq), .op(.movdqa, Vx, Wx, flags: vx), .op(.movdqu, Vx, Wx, flags: vx))
        sse(0x70, .op(.pshufw, Pq, Qq, Ub), .op(.pshufd, Vx, Wx, Ub, flags: vx),
            .op(.pshufhw, Vx, Wx, Ub, flags: vx), .op(.pshuflw, Vx, Wx, Ub, flags: vx))
        sse(0x71, .group(.g12_0F71), .group(.g12_0F71_66))
        sse(0x72, .group(.g13_0F72), .group(.g13_0F72_66))
        sse(0x73, .group(.g14_0F73), .group(.g14_0F73_66))
        sse(0x7C, nil, .op(.haddpd, Vx, Wx, flags: [.vex, .nds]), nil, .op(.haddps, Vx, Wx, flags: [.vex, .nds]))
        sse(0x7D, nil, .op(.hsubpd, Vx, Wx, flags: [.vex, .nds]), nil, .op(.hsubps, Vx, Wx, flags: [.vex, .nds]))
        sse(0x7E, .op(.movd, Ey, Pq, flags: .wSelects), .op(.movd, Ey, Vdq, flags: [.vex, .evex, .wSelects, .vexL0]),
            .op(.movq, Vdq, Wq, flags: [.vex, .evex, .vexL0]))
        sse(0x7F, .op(.movq, Qq, Pq), .op(.movdqa, Wx, Vx, flags: vx), .op(.movdqu, Wx, Vx, flags: vx))
        sse(0xC2, .op(.cmpps, Vx, Wx, Ub, flags: [.vex, .evex, .nds, .kDest]),
            .op(.cmppd, Vx, Wx, Ub, flags: [.vex, .evex, .nds, .kDest]),
            .op(.cmpss, Vdq, Wd, Ub, flags: [.vex, .evex, .nds, .kDest, .noVL]),
            .op(.cmpsd, Vdq, Wq, Ub, flags: [.vex, .evex, .nds, .kDest, .noVL]))
        sse(0xC4, .op(.pinsrw, Pq, OperandSpec(kind: .rm, size: .w), Ub),
            .op(.pinsrw, Vdq, OperandSpec(kind: .rm, size: .w), Ub, flags: [.vex, .evex, .nds, .vexL0, .fixup]))
        sse(0xC5, .op(.pextrw, Gd, Nq, Ub), .op(.pextrw, Gd, Udq, Ub, flags: [.vex, .evex, .vexL0]))
        sse(0xC6, .op(.shufps, Vx, Wx, Ub, flags: vn), .op(.shufpd, Vx, Wx, Ub, flags: vn))
        sse(0xD0, nil, .op(.addsubpd, Vx, Wx, flags: [.vex, .nds]), nil, .op(.addsubps, Vx, Wx, flags: [.vex, .nds]))
        sse(0xD6, nil, .op(.movq, Wq, Vdq, flags: [.vex, .evex, .vexL0]), .op(.movq2dq, Vdq, Nq), .op(.movdq2q, Pq, Udq))
        sse(0xD7, .op(.pmovmskb, Gd, Nq), .op(.pmovmskb, Gd, Ux, flags: .vex))
        sse(0xE6, nil, .op(.cvttpd2dq, Vh, Wx, flags: vx), .op(.cvtdq2pd, Vx, Wh, flags: vx),
            .op(.cvtpd2dq, Vh, Wx, flags: vx))
        sse(0xE7, .op(.movntq, Mq, Pq), .op(.movntdq, Mx, Vx, flags: vx))
        sse(0xF0, nil, nil, nil, .op(.lddqu, Vx, Mx, flags: .vex))
        sse(0xF7, .op(.maskmovq, Pq, Nq), .op(.maskmovdqu, Vdq, Udq, flags: [.vex, .vexL0]))
    }
}
