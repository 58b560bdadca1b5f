let vo: EntryFlags = [.vexOnly]
let von: EntryFlags = [.vexOnly, .nds]
let vow: EntryFlags = [.vexOnly, .nds, .wSelects]
let Vy = OperandSpec(kind: .vReg, size: .qq)
let Hy = OperandSpec(kind: .vVVVV, size: .qq)
let Rdy = OperandSpec(kind: .rmReg, size: .y)

extension TableBuilder {
    /// Rows that exist only VEX- or EVEX-encoded: AVX/AVX2/FMA/BMI in the 0F38 and 0F3A maps, mask
    /// instructions in map 0F, and the EVEX-only AVX-512 rows (SDM vol. 2, tables and
    /// the instruction pages).
    mutating func buildVEXOnlyRows() {
        row(.map0F38, .p66, 0x0C, .op(.vpermilps, Vx, Hx, Wx, flags: vo))
        row(.map0F38, .p66, 0x0D, .op(.vpermilpd, Vx, Hx, Wx, flags: vo))
        row(.map0F38, .p66, 0x0E, .op(.vtestps, Vx, Wx, flags: vo))
        row(.map0F38, .p66, 0x0F, .op(.vtestpd, Vx, Wx, flags: vo))
        row(.map0F38, .p66, 0x13, .op(.vcvtph2ps, Vx, Wh, flags: vo))
        row(.map0F38, .p66, 0x16, .op(.vpermps, Vx, Hx, Wx, flags: vo))
        row(.map0F38, .p66, 0x18, .op(.vbroadcastss, Vx, Wd, flags: vo))
        row(.map0F38, .p66, 0x19, .op(.vbroadcastsd, Vx, Wq, flags: vo))
        row(.map0F38, .p66, 0x1A, .op(.vbroadcastf128, Vx, Mdq, flags: vo))
        row(.map0F38, .p66, 0x2C, .op(.vmaskmovps, Vx, Hx, Mx, flags: vo))
        row(.map0F38, .p66, 0x2D, .op(.vmaskmovpd, Vx, Hx, Mx, flags: vo))
        row(.map0F38, .p66, 0x2E, .op(.vmaskmovps, Mx, Hx, Vx, flags: vo))
        row(.map0F38, .p66, 0x2F, .op(.vmaskmovpd, Mx, Hx, Vx, flags: vo))
        row(.map0F38, .p66, 0x36, .op(.vpermd, Vx, Hx, Wx, flags: von))
        row(.map0F38, .p66, 0x45, .op(.vpsrlvd, Vx, Hx, Wx, flags: vow))
        row(.map0F38, .p66, 0x46, .op(.vpsravd, Vx, Hx, Wx, flags: vow))
        row(.map0F38, .p66, 0x47, .op(.vpsllvd, Vx, Hx, Wx, flags: vow))
        row(.map0F38, .p66, 0x58, .op(.vpbroadcastd, Vx, Wd, flags: vo))
        row(.map0F38, .p66, 0x59, .op(.vpbroadcastq, Vx, Wq, flags: vo))
        row(.map0F38, .p66, 0x5A, .op(.vbroadcasti128, Vx, Mdq, flags: vo))
        row(.map0F38, .p66, 0x78, .op(.vpbroadcastb, Vx, Wb, flags: vo))
        row(.map0F38, .p66, 0x79, .op(.vpbroadcastw, Vx, Ww, flags: vo))
        row(.map0F38, .p66, 0x8C, .op(.vpmaskmovd, Vx, Hx, Mx, flags: vow))
        row(.map0F38, .p66, 0x8E, .op(.vpmaskmovd, Mx, Hx, Vx, flags: vow))
        let gathers: [(Int, Mnemonic)] = [(0x90, .vpgatherdd), (0x91, .vpgatherqd), (0x92, .vgatherdps), (0x93, .vgatherqps)]
        for (op, m) in gathers {
            row(.map0F38, .p66, op, .op(m, Vx, VSIB, Hx, flags: [.vexOnly, .wSelects]))
        }
        let fmaPacked: [(Int, Mnemonic)] = [
            (0x96, .vfmaddsub132ps), (0x97, .vfmsubadd132ps), (0x98, .vfmadd132ps), (0x9A, .vfmsub132ps),
            (0x9C, .vfnmadd132ps), (0x9E, .vfnmsub132ps),
            (0xA6, .vfmaddsub213ps), (0xA7, .vfmsubadd213ps), (0xA8, .vfmadd213ps), (0xAA, .vfmsub213ps),
            (0xAC, .vfnmadd213ps), (0xAE, .vfnmsub213ps),
            (0xB6, .vfmaddsub231ps), (0xB7, .vfmsubadd231ps), (0xB8, .vfmadd231ps), (0xBA, .vfmsub231ps),
            (0xBC, .vfnmadd231ps), (0xBE, .vfnmsub231ps),
        ]
        for (op, m) in fmaPacked {
            row(.map0F38, .p66, op, .op(m, Vx, Hx, Wx, flags: vow))
        }
        let fmaScalar: [(Int, Mnemonic)] = [
            (0x99, .vfmadd132ss), (0x9B, .vfmsub132ss), (0x9D, .vfnmadd132ss), (0x9F, .vfnmsub132ss),
            (0xA9, .vfmadd213ss), (0xAB, .vfmsub213ss), (0xAD, .vfnmadd213ss), (0xAF, .vfnmsub213ss),
            (0xB9, .vfmadd231ss), (0xBB, .vfmsub231ss), (0xBD, .vfnmadd231ss), (0xBF, .vfnmsub231ss),
        ]
        for (op, m) in fmaScalar {
            row(.map0F38, .p66, op, .op(m, Vdq, Hdq, We, flags: [.vexOnly, .nds, .wSelects, .noVL]))
        }
        row(.map0F38, .none, 0xF2, .op(.andn, Gy, By, Ey, flags: [.vexOnly, .vexL0]))
        for p in [MandatoryPrefix.none, .p66, .pF3, .pF2] {
            row(.map0F38, p, 0xF3, .group(.g17_VEX_0F38F3, .vexOnly))
        }
        row(.map0F38, .none, 0xF5, .op(.bzhi, Gy, Ey, By, flags: [.vexOnly, .vexL0]))
        row(.map0F38, .pF3, 0xF5, .op(.pext, Gy, By, Ey, flags: [.vexOnly, .vexL0]))
        row(.map0F38, .pF2, 0xF5, .op(.pdep, Gy, By, Ey, flags: [.vexOnly, .vexL0]))
        row(.map0F38, .pF2, 0xF6, .op(.mulx, Gy, By, Ey, flags: [.vexOnly, .vexL0]))
        row(.map0F38, .none, 0xF7, .op(.bextr, Gy, Ey, By, flags: [.vexOnly, .vexL0]))
        row(.map0F38, .p66, 0xF7, .op(.shlx, Gy, Ey, By, flags: [.vexOnly, .vexL0]))
        row(.map0F38, .pF3, 0xF7, .op(.sarx, Gy, Ey, By, flags: [.vexOnly, .vexL0]))
        row(.map0F38, .pF2, 0xF7, .op(.shrx, Gy, Ey, By, flags: [.vexOnly, .vexL0]))

        row(.map0F3A, .p66, 0x00, .op(.vpermq, Vx, Wx, Ub, flags: vo))
        row(.map0F3A, .p66, 0x01, .op(.vpermpd, Vx, Wx, Ub, flags: vo))
        row(.map0F3A, .p66, 0x02, .op(.vpblendd, Vx, Hx, Wx, Ub, flags: vo))
        row(.map0F3A, .p66, 0x04, .op(.vpermilps, Vx, Wx, Ub, flags: vo))
        row(.map0F3A, .p66, 0x05, .op(.vpermilpd, Vx, Wx, Ub, flags: vo))
        row(.map0F3A, .p66, 0x06, .op(.vperm2f128, Vy, Hy, Wqq, Ub, flags: vo))
        row(.map0F3A, .p66, 0x18, .op(.vinsertf128, Vy, Hy, Wdq, Ub, flags: vo))
        row(.map0F3A, .p66, 0x19, .op(.vextractf128, Wdq, Vy, Ub, flags: vo))
        row(.map0F3A, .p66, 0x1D, .op(.vcvtps2ph, Wh, Vx, Ub, flags: vo))
        row(.map0F3A, .p66, 0x38, .op(.vinserti128, Vy, Hy, Wdq, Ub, flags: vo))
        row(.map0F3A, .p66, 0x39, .op(.vextracti128, Wdq, Vy, Ub, flags: vo))
        row(.map0F3A, .p66, 0x46, .op(.vperm2i128, Vy, Hy, Wqq, Ub, flags: vo))
        row(.map0F3A, .p66, 0x4A, .op(.vblendvps, Vx, Hx, Wx, Lx, flags: vo))
        row(.map0F3A, .p66, 0x4B, .op(.vblendvpd, Vx, Hx, Wx, Lx, flags: vo))
        row(.map0F3A, .p66, 0x4C, .op(.vpblendvb, Vx, Hx, Wx, Lx, flags: vo))
        row(.map0F3A, .pF2, 0xF0, .op(.rorx, Gy, Ey, Ub, flags: [.vexOnly, .vexL0]))

        // Map 0F under VEX: mask-register instructions replace CMOVcc/SETcc rows.
        let maskBinary: [(Int, Mnemonic)] = [
            (0x41, .kand), (0x42, .kandn), (0x45, .kor), (0x46, .kxnor), (0x47, .kxor), (0x4A, .kadd), (0x4B, .kunpck),
        ]
        let mw: EntryFlags = [.vexOnly, .widthFromW]
        for (op, m) in maskBinary {
            row(.vex0F, .none, op, .op(m, KG, KH, KR, flags: mw))
            row(.vex0F, .p66, op, .op(m, KG, KH, KR, flags: mw))
        }
        for p in [MandatoryPrefix.none, .p66] {
            row(.vex0F, p, 0x44, .op(.knot, KG, KR, flags: mw))
            row(.vex0F, p, 0x90, .op(.kmov, KG, KE, flags: mw))
            row(.vex0F, p, 0x91, .op(.kmov, OperandSpec(kind: .mem, size: .none), KG, flags: mw))
            row(.vex0F, p, 0x98, .op(.kortest, KG, KR, flags: mw))
            row(.vex0F, p, 0x99, .op(.ktest, KG, KR, flags: mw))
        }
        for p in [MandatoryPrefix.none, .p66, .pF2] {
            row(.vex0F, p, 0x92, .op(.kmov, KG, Rdy, flags: mw))
            row(.vex0F, p, 0x93, .op(.kmov, Gy, KR, flags: mw))
        }
        row(.vex0F, .none, 0x77, .op(.vzeroupper, flags: [.vexOnly, .fixup]))
        row(.map0F3A, .p66, 0x30, .op(.kshiftr, KG, KR, Ub, flags: [.vexOnly, .fixup]))
        row(.map0F3A, .p66, 0x31, .op(.kshiftr, KG, KR, Ub, flags: [.vexOnly, .fixup]))
        row(.map0F3A, .p66, 0x32, .op(.kshiftl, KG, KR, Ub, flags: [.vexOnly, .fixup]))
        row(.map0F3A, .p66, 0x33, .op(.kshiftl, KG, KR, Ub, flags: [.vexOnly, .fixup]))
        buildEVEXOnlyRows()
    }

    /// EVEX rows that differ from the shared map: element-typed moves and logic, mask compares.
    mutating func buildEVEXOnlyRows() {
        let ew: EntryFlags = [.vexOnly, .wSelects]
        let ewn: EntryFlags = [.vexOnly, .wSelects, .nds]
        row(.evex0F, .p66, 0x6F, .op(.vmovdqa32, Vx, Wx, flags: ew))
        row(.evex0F, .pF3, 0x6F, .op(.vmovdqu32, Vx, Wx, flags: ew))
        row(.evex0F, .pF2, 0x6F, .op(.vmovdqu8, Vx, Wx, flags: ew))
        row(.evex0F, .p66, 0x7F, .op(.vmovdqa32, Wx, Vx, flags: ew))
        row(.evex0F, .pF3, 0x7F, .op(.vmovdqu32, Wx, Vx, flags: ew))
        row(.evex0F, .pF2, 0x7F, .op(.vmovdqu8, Wx, Vx, flags: ew))
        row(.evex0F, .p66, 0xDB, .op(.vpandd, Vx, Wx, flags: ewn))
        row(.evex0F, .p66, 0xDF, .op(.vpandnd, Vx, Wx, flags: ewn))
        row(.evex0F, .p66, 0xEB, .op(.vpord, Vx, Wx, flags: ewn))
        row(.evex0F, .p66, 0xEF, .op(.vpxord, Vx, Wx, flags: ewn))
        row(.evex0F38, .p66, 0x26, .op(.vptestmb, KG, Hx, Wx, flags: ew))
        row(.evex0F38, .pF3, 0x26, .op(.vptestnmb, KG, Hx, Wx, flags: ew))
        row(.evex0F38, .p66, 0x27, .op(.vptestmd, KG, Hx, Wx, flags: ew))
        row(.evex0F38, .pF3, 0x27, .op(.vptestnmd, KG, Hx, Wx, flags: ew))
        row(.evex0F38, .pF3, 0x28, .op(.vpmovm2b, Vx, KR, flags: ew))
        row(.evex0F38, .pF3, 0x29, .op(.vpmovb2m, KG, Ux, flags: ew))
        row(.evex0F38, .pF3, 0x38, .op(.vpmovm2d, Vx, KR, flags: ew))
        row(.evex0F38, .pF3, 0x39, .op(.vpmovd2m, KG, Ux, flags: ew))
        row(.evex0F38, .p66, 0x64, .op(.vpblendmd, Vx, Wx, flags: ewn))
        row(.evex0F38, .p66, 0x66, .op(.vpblendmb, Vx, Wx, flags: ewn))
        row(.evex0F38, .p66, 0x75, .op(.vpermi2b, Vx, Wx, flags: ewn))
        row(.evex0F38, .p66, 0x76, .op(.vpermi2d, Vx, Wx, flags: ewn))
        row(.evex0F38, .p66, 0x7D, .op(.vpermt2b, Vx, Wx, flags: ewn))
        row(.evex0F38, .p66, 0x7E, .op(.vpermt2d, Vx, Wx, flags: ewn))
        row(.evex0F38, .p66, 0x8D, .op(.vpermb, Vx, Wx, flags: ewn))
        row(.evex0F38, .p66, 0x7A, .op(.vpbroadcastb, Vx, Rd, flags: .vexOnly))
        row(.evex0F38, .p66, 0x7B, .op(.vpbroadcastw, Vx, Rd, flags: .vexOnly))
        row(.evex0F38, .p66, 0x7C, .op(.vpbroadcastd, Vx, Rdy, flags: ew))
        row(.evex0F38, .p66, 0x8A, .op(.vpcompressd, Wx, Vx, flags: ew))
        row(.evex0F38, .p66, 0x89, .op(.vpexpandd, Vx, Wx, flags: ew))
        row(.evex0F38, .p66, 0x63, .op(.vpcompressb, Wx, Vx, flags: ew))
        row(.evex0F38, .p66, 0x62, .op(.vpexpandb, Vx, Wx, flags: ew))
        row(.evex0F38, .p66, 0x1F, .op(.vpabsq, Vx, Wx, flags: .vexOnly))
        row(.evex0F3A, .p66, 0x25, .op(.vpternlogd, Vx, Wx, Ub, flags: ewn))
        row(.evex0F3A, .p66, 0x1E, .op(.vpcmpud, KG, Hx, Wx, Ub, flags: ew))
        row(.evex0F3A, .p66, 0x1F, .op(.vpcmpd, KG, Hx, Wx, Ub, flags: ew))
        row(.evex0F3A, .p66, 0x3E, .op(.vpcmpub, KG, Hx, Wx, Ub, flags: ew))
        row(.evex0F3A, .p66, 0x3F, .op(.vpcmpb, KG, Hx, Wx, Ub, flags: ew))
        row(.evex0F3A, .p66, 0x18, .op(.vinsertf32x4, Vx, Hx, Wdq, Ub, flags: ew))
        row(.evex0F3A, .p66, 0x19, .op(.vextractf32x4, Wdq, Vx, Ub, flags: ew))
        row(.evex0F3A, .p66, 0x1A, .op(.vinsertf32x8, Vx, Hx, Wqq, Ub, flags: ew))
        row(.evex0F3A, .p66, 0x1B, .op(.vextractf32x8, Wqq, Vx, Ub, flags: ew))
        row(.evex0F3A, .p66, 0x38, .op(.vinserti32x4, Vx, Hx, Wdq, Ub, flags: ew))
        row(.evex0F3A, .p66, 0x39, .op(.vextracti32x4, Wdq, Vx, Ub, flags: ew))
        row(.evex0F3A, .p66, 0x3A, .op(.vinserti32x8, Vx, Hx, Wqq, Ub, flags: ew))
        row(.evex0F3A, .p66, 0x3B, .op(.vextracti32x8, Wqq, Vx, Ub, flags: ew))
    }
}

/// W=1 siblings: rows flagged `wSelects` name the W=0 form; REX.W/VEX.W/EVEX.W picks these.
let wSiblings: [(Mnemonic, Mnemonic)] = [
    (.movd, .movq), (.pextrd, .pextrq), (.pinsrd, .pinsrq), (.cmpxchg8b, .cmpxchg16b),
    (.fxsave, .fxsave64), (.fxrstor, .fxrstor64), (.xsave, .xsave64), (.xrstor, .xrstor64),
    (.xsaveopt, .xsaveopt64), (.xsavec, .xsavec64), (.xsaves, .xsaves64), (.xrstors, .xrstors64),
    (.vpsrlvd, .vpsrlvq), (.vpsllvd, .vpsllvq), (.vpsravd, .vpsravq),
    (.vpmaskmovd, .vpmaskmovq),
    (.vpgatherdd, .vpgatherdq), (.vpgatherqd, .vpgatherqq), (.vgatherdps, .vgatherdpd), (.vgatherqps, .vgatherqpd),
    (.vfmaddsub132ps, .vfmaddsub132pd), (.vfmsubadd132ps, .vfmsubadd132pd), (.vfmadd132ps, .vfmadd132pd),
    (.vfmsub132ps, .vfmsub132pd), (.vfnmadd132ps, .vfnmadd132pd), (.vfnmsub132ps, .vfnmsub132pd),
    (.vfmaddsub213ps, .vfmaddsub213pd), (.vfmsubadd213ps, .vfmsubadd213pd), (.vfmadd213ps, .vfmadd213pd),
    (.vfmsub213ps, .vfmsub213pd), (.vfnmadd213ps, .vfnmadd213pd), (.vfnmsub213ps, .vfnmsub213pd),
    (.vfmaddsub231ps, .vfmaddsub231pd), (.vfmsubadd231ps, .vfmsubadd231pd), (.vfmadd231ps, .vfmadd231pd),
    (.vfmsub231ps, .vfmsub231pd), (.vfnmadd231ps, .vfnmadd231pd), (.vfnmsub231ps, .vfnmsub231pd),
    (.vfmadd132ss, .vfmadd132sd), (.vfmsub132ss, .vfmsub132sd), (.vfnmadd132ss, .vfnmadd132sd),
    (.vfnmsub132ss, .vfnmsub132sd), (.vfmadd213ss, .vfmadd213sd), (.vfmsub213ss, .vfmsub213sd),
    (.vfnmadd213ss, .vfnmadd213sd), (.vfnmsub213ss, .vfnmsub213sd), (.vfmadd231ss, .vfmadd231sd),
    (.vfmsub231ss, .vfmsub231sd), (.vfnmadd231ss, .vfnmadd231sd), (.vfnmsub231ss, .vfnmsub231sd),
    (.vmovdqa32, .vmovdqa64), (.vmovdqu32, .vmovdqu64), (.vmovdqu8, .vmovdqu16),
    (.vpandd, .vpandq), (.vpandnd, .vpandnq), (.vpord, .vporq), (.vpxord, .vpxorq),
    (.vptestmb, .vptestmw), (.vptestnmb, .vptestnmw), (.vptestmd, .vptestmq), (.vptestnmd, .vptestnmq),
    (.vpmovm2b, .vpmovm2w), (.vpmovb2m, .vpmovw2m), (.vpmovm2d, .vpmovm2q), (.vpmovd2m, .vpmovq2m),
    (.vpblendmd, .vpblendmq), (.vpblendmb, .vpblendmw), (.vpermi2b, .vpermi2w), (.vpermi2d, .vpermi2q),
    (.vpermt2b, .vpermt2w), (.vpermt2d, .vpermt2q), (.vpermb, .vpermw), (.vpbroadcastd, .vpbroadcastq),
    (.vpcompressd, .vpcompressq), (.vpexpandd, .vpexpandq), (.vpcompressb, .vpcompressw), (.vpexpandb, .vpexpandw),
    (.vpternlogd, .vpternlogq), (.vpcmpud, .vpcmpuq), (.vpcmpd, .vpcmpq), (.vpcmpub, .vpcmpuw), (.vpcmpb, .vpcmpw),
    (.vinsertf32x4, .vinsertf64x2), (.vextractf32x4, .vextractf64x2), (.vinsertf32x8, .vinsertf64x4),
    (.vextractf32x8, .vextractf64x4), (.vinserti32x4, .vinserti64x2), (.vextracti32x4, .vextracti64x2),
    (.vinserti32x8, .vinserti64x4), (.vextracti32x8, .vextracti64x4), (.vprord, .vprorq), (.vprold, .vprolq),
]
