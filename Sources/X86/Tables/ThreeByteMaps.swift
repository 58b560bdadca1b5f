extension TableBuilder {
    /// The 0F 38 map (SDM vol. 2, tables ): SSSE3 (MMX and 66 forms), SSE4.1/4.2, AES, SHA,
    /// MOVBE, CRC32, ADX.
    mutating func build0F38Map() {
        let ssse3: [(Int, Mnemonic)] = [
            (0x00, .pshufb), (0x01, .phaddw), (0x02, .phaddd), (0x03, .phaddsw), (0x04, .pmaddubsw),
            (0x05, .phsubw), (0x06, .phsubd), (0x07, .phsubsw), (0x08, .psignb), (0x09, .psignw),
            (0x0A, .psignd), (0x0B, .pmulhrsw),
        ]
        for (op, m) in ssse3 {
            let evex: EntryFlags = [0x00, 0x04, 0x0B].contains(op) ? vn : [.vex, .nds]
            set0F(.map0F38, op, .op(m, Pq, Qq), .op(m, Vx, Wx, flags: evex), nil, nil)
        }
        for (op, m) in [(0x1C, Mnemonic.pabsb), (0x1D, .pabsw), (0x1E, .pabsd)] {
            set0F(.map0F38, op, .op(m, Pq, Qq), .op(m, Vx, Wx, flags: vx), nil, nil)
        }
        row(.map0F38, .p66, 0x10, .op(.pblendvb, Vdq, Wdq, XMM0))
        row(.map0F38, .p66, 0x14, .op(.blendvps, Vdq, Wdq, XMM0))
        row(.map0F38, .p66, 0x15, .op(.blendvpd, Vdq, Wdq, XMM0))
        row(.map0F38, .p66, 0x17, .op(.ptest, Vx, Wx, flags: .vex))
        let extend: [(Int, Mnemonic, OperandSpec)] = [
            (0x20, .pmovsxbw, Wh), (0x21, .pmovsxbd, Wqtr), (0x22, .pmovsxbq, W8th),
            (0x23, .pmovsxwd, Wh), (0x24, .pmovsxwq, Wqtr), (0x25, .pmovsxdq, Wh),
            (0x30, .pmovzxbw, Wh), (0x31, .pmovzxbd, Wqtr), (0x32, .pmovzxbq, W8th),
            (0x33, .pmovzxwd, Wh), (0x34, .pmovzxwq, Wqtr), (0x35, .pmovzxdq, Wh),
        ]
        for (op, m, src) in extend {
            row(.map0F38, .p66, op, .op(m, Vx, src, flags: vx))
        }
        let sse41: [(Int, Mnemonic)] = [
            (0x28, .pmuldq), (0x29, .pcmpeqq), (0x2B, .packusdw), (0x37, .pcmpgtq),
            (0x38, .pminsb), (0x39, .pminsd), (0x3A, .pminuw), (0x3B, .pminud),
            (0x3C, .pmaxsb), (0x3D, .pmaxsd), (0x3E, .pmaxuw), (0x3F, .pmaxud), (0x40, .pmulld),
            (0xDC, .aesenc), (0xDD, .aesenclast), (0xDE, .aesdec), (0xDF, .aesdeclast),
        ]
        for (op, m) in sse41 {
            let compare = op == 0x29 || op == 0x37
            row(.map0F38, .p66, op, .op(m, Vx, Wx, flags: compare ? [.vex, .evex, .nds, .kDest] : vn))
        }
        row(.map0F38, .p66, 0x2A, .op(.movntdqa, Vx, Mx, flags: vx))
        row(.map0F38, .p66, 0x41, .op(.phminposuw, Vdq, Wdq, flags: [.vex, .vexL0]))
        row(.map0F38, .p66, 0xDB, .op(.aesimc, Vdq, Wdq, flags: [.vex, .vexL0]))
        row(.map0F38, .p66, 0xCF, .op(.gf2p8mulb, Vx, Wx, flags: vn))
        let sha: [(Int, Mnemonic)] = [
            (0xC8, .sha1nexte), (0xC9, .sha1msg1), (0xCA, .sha1msg2), (0xCC, .sha256msg1), (0xCD, .sha256msg2),
        ]
        for (op, m) in sha {
            row(.map0F38, .none, op, .op(m, Vdq, Wdq))
        }
        row(.map0F38, .none, 0xCB, .op(.sha256rnds2, Vdq, Wdq, XMM0))
        row(.map0F38, .p66, 0x80, .op(.invept, Gq, Mdq, flags: .force64))
        row(.map0F38, .p66, 0x81, .op(.invvpid, Gq, Mdq, flags: .force64))
        row(.map0F38, .p66, 0x82, .op(.invpcid, Gq, Mdq, flags: .force64))
        row(.map0F38, .none, 0xF0, .op(.movbe, Gv, Mv))
        row(.map0F38, .none, 0xF1, .op(.movbe, Mv, Gv))
        row(.map0F38, .p66, 0xF0, .op(.movbe, Gv, Mv))
        row(.map0F38, .p66, 0xF1, .op(.movbe, Mv, Gv))
        row(.map0F38, .pF2, 0xF0, .op(.crc32, Gy, Eb))
        row(.map0F38, .pF2, 0xF1, .op(.crc32, Gy, Ev))
        row(.map0F38, .p66, 0xF6, .op(.adcx, Gy, Ey))
        row(.map0F38, .pF3, 0xF6, .op(.adox, Gy, Ey))
        row(.map0F38, .p66, 0xF8, .op(.movdir64b, Gv, M64))
        row(.map0F38, .none, 0xF9, .op(.movdiri, My, Gy))
    }

    /// The 0F 3A map: every row takes an imm8.
    mutating func build0F3AMap() {
        row(.map0F3A, .p66, 0x08, .op(.roundps, Vx, Wx, Ub, flags: .vex))
        row(.map0F3A, .p66, 0x09, .op(.roundpd, Vx, Wx, Ub, flags: .vex))
        row(.map0F3A, .p66, 0x0A, .op(.roundss, Vdq, Wd, Ub, flags: [.vex, .nds, .noVL]))
        row(.map0F3A, .p66, 0x0B, .op(.roundsd, Vdq, Wq, Ub, flags: [.vex, .nds, .noVL]))
        row(.map0F3A, .p66, 0x0C, .op(.blendps, Vx, Wx, Ub, flags: [.vex, .nds]))
        row(.map0F3A, .p66, 0x0D, .op(.blendpd, Vx, Wx, Ub, flags: [.vex, .nds]))
        row(.map0F3A, .p66, 0x0E, .op(.pblendw, Vx, Wx, Ub, flags: [.vex, .nds]))
        row(.map0F3A, .none, 0x0F, .op(.palignr, Pq, Qq, Ub))
        row(.map0F3A, .p66, 0x0F, .op(.palignr, Vx, Wx, Ub, flags: vn))
        let rmb = OperandSpec(kind: .rm, size: .b), rmw = OperandSpec(kind: .rm, size: .w)
        row(.map0F3A, .p66, 0x14, .op(.pextrb, rmb, Vdq, Ub, flags: [.vex, .evex, .vexL0, .fixup]))
        row(.map0F3A, .p66, 0x15, .op(.pextrw, rmw, Vdq, Ub, flags: [.vex, .evex, .vexL0, .fixup]))
        row(.map0F3A, .p66, 0x16, .op(.pextrd, Ey, Vdq, Ub, flags: [.vex, .evex, .vexL0, .wSelects]))
        row(.map0F3A, .p66, 0x17, .op(.extractps, Ed, Vdq, Ub, flags: [.vex, .evex, .vexL0]))
        row(.map0F3A, .p66, 0x20, .op(.pinsrb, Vdq, rmb, Ub, flags: [.vex, .evex, .nds, .vexL0, .fixup]))
        row(.map0F3A, .p66, 0x21, .op(.insertps, Vdq, Wd, Ub, flags: [.vex, .evex, .nds, .vexL0]))
        row(.map0F3A, .p66, 0x22, .op(.pinsrd, Vdq, Ey, Ub, flags: [.vex, .evex, .nds, .vexL0, .wSelects]))
        row(.map0F3A, .p66, 0x40, .op(.dpps, Vx, Wx, Ub, flags: [.vex, .nds]))
        row(.map0F3A, .p66, 0x41, .op(.dppd, Vdq, Wdq, Ub, flags: [.vex, .nds, .vexL0]))
        row(.map0F3A, .p66, 0x42, .op(.mpsadbw, Vx, Wx, Ub, flags: [.vex, .nds]))
        row(.map0F3A, .p66, 0x44, .op(.pclmulqdq, Vx, Wx, Ub, flags: vn))
        row(.map0F3A, .p66, 0x60, .op(.pcmpestrm, Vdq, Wdq, Ub, flags: [.vex, .vexL0]))
        row(.map0F3A, .p66, 0x61, .op(.pcmpestri, Vdq, Wdq, Ub, flags: [.vex, .vexL0]))
        row(.map0F3A, .p66, 0x62, .op(.pcmpistrm, Vdq, Wdq, Ub, flags: [.vex, .vexL0]))
        row(.map0F3A, .p66, 0x63, .op(.pcmpistri, Vdq, Wdq, Ub, flags: [.vex, .vexL0]))
        row(.map0F3A, .p66, 0xCE, .op(.gf2p8affineqb, Vx, Wx, Ub, flags: vn))
        row(.map0F3A, .p66, 0xCF, .op(.gf2p8affineinvqb, Vx, Wx, Ub, flags: vn))
        row(.map0F3A, .p66, 0xDF, .op(.aeskeygenassist, Vdq, Wdq, Ub, flags: [.vex, .vexL0]))
        row(.map0F3A, .none, 0xCC, .op(.sha1rnds4, Vdq, Wdq, Ub))
    }
}
