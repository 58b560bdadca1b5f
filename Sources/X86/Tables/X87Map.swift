extension TableBuilder {
    /// The x87 escape opcodes D8-DF (SDM vol. 2, tables ): memory forms by ModRM.reg,
    /// register forms by the whole ModRM byte.
    mutating func buildX87() {
        let m32 = OperandSpec(kind: .mem, size: .d), m64 = OperandSpec(kind: .mem, size: .q)
        let m16 = OperandSpec(kind: .mem, size: .w), m80 = OperandSpec(kind: .mem, size: .t)
        let arith: [Mnemonic] = [.fadd, .fmul, .fcom, .fcomp, .fsub, .fsubr, .fdiv, .fdivr]
        let intArith: [Mnemonic] = [.fiadd, .fimul, .ficom, .ficomp, .fisub, .fisubr, .fidiv, .fidivr]
        for r in 0..<8 {
            x87Mem[0 * 8 + r] = .op(arith[r], m32)
            x87Mem[2 * 8 + r] = .op(intArith[r], m32)
            x87Mem[4 * 8 + r] = .op(arith[r], m64)
            x87Mem[6 * 8 + r] = .op(intArith[r], m16)
        }
        let d9: [OpcodeEntry] = [.op(.fld, m32), .invalid, .op(.fst, m32), .op(.fstp, m32),
                                 .op(.fldenv, M), .op(.fldcw, m16), .op(.fnstenv, M), .op(.fnstcw, m16)]
        let db: [OpcodeEntry] = [.op(.fild, m32), .op(.fisttp, m32), .op(.fist, m32), .op(.fistp, m32),
                                 .invalid, .op(.fld, m80), .invalid, .op(.fstp, m80)]
        let dd: [OpcodeEntry] = [.op(.fld, m64), .op(.fisttp, m64), .op(.fst, m64), .op(.fstp, m64),
                                 .op(.frstor, M), .invalid, .op(.fnsave, M), .op(.fnstsw, m16)]
        let df: [OpcodeEntry] = [.op(.fild, m16), .op(.fisttp, m16), .op(.fist, m16), .op(.fistp, m16),
                                 .op(.fbld, m80), .op(.fild, m64), .op(.fbstp, m80), .op(.fistp, m64)]
        for r in 0..<8 {
            x87Mem[1 * 8 + r] = d9[r]
            x87Mem[3 * 8 + r] = db[r]
            x87Mem[5 * 8 + r] = dd[r]
            x87Mem[7 * 8 + r] = df[r]
        }

        func reg(_ opcode: Int, _ modrm: Int, _ e: OpcodeEntry) {
            x87Reg[(opcode - 0xD8) * 64 + modrm - 0xC0] = e
        }
        func fcmov(_ condition: UInt8) -> OpcodeEntry {
            OpcodeEntry(.fcmovcc, kind: .op, index: condition, operands: [ST0, STi])
        }
        let reversed: [Mnemonic] = [.fadd, .fmul, .undefined, .undefined, .fsubr, .fsub, .fdivr, .fdiv]
        let popped: [Mnemonic] = [.faddp, .fmulp, .undefined, .undefined, .fsubrp, .fsubp, .fdivrp, .fdivp]
        for i in 0..<8 {
            for r in 0..<8 {
                reg(0xD8, 0xC0 + r * 8 + i, r == 2 || r == 3 ? .op(arith[r], STi) : .op(arith[r], ST0, STi))
                if reversed[r] != .undefined {
                    reg(0xDC, 0xC0 + r * 8 + i, .op(reversed[r], STi, ST0))
                    reg(0xDE, 0xC0 + r * 8 + i, .op(popped[r], STi, ST0))
                }
            }
            reg(0xD9, 0xC0 + i, .op(.fld, STi))
            reg(0xD9, 0xC8 + i, .op(.fxch, STi))
            reg(0xDA, 0xC0 + i, fcmov(2))
            reg(0xDA, 0xC8 + i, fcmov(4))
            reg(0xDA, 0xD0 + i, fcmov(6))
            reg(0xDA, 0xD8 + i, fcmov(10))
            reg(0xDB, 0xC0 + i, fcmov(3))
            reg(0xDB, 0xC8 + i, fcmov(5))
            reg(0xDB, 0xD0 + i, fcmov(7))
            reg(0xDB, 0xD8 + i, fcmov(11))
            reg(0xDB, 0xE8 + i, .op(.fucomi, ST0, STi))
            reg(0xDB, 0xF0 + i, .op(.fcomi, ST0, STi))
            reg(0xDD, 0xC0 + i, .op(.ffree, STi))
            reg(0xDD, 0xD0 + i, .op(.fst, STi))
            reg(0xDD, 0xD8 + i, .op(.fstp, STi))
            reg(0xDD, 0xE0 + i, .op(.fucom, STi))
            reg(0xDD, 0xE8 + i, .op(.fucomp, STi))
            reg(0xDF, 0xC0 + i, .op(.ffreep, STi))
            reg(0xDF, 0xE8 + i, .op(.fucomip, ST0, STi))
            reg(0xDF, 0xF0 + i, .op(.fcomip, ST0, STi))
        }
        let d9Specials: [(Int, Mnemonic)] = [
            (0xD0, .fnop), (0xE0, .fchs), (0xE1, .fabs), (0xE4, .ftst), (0xE5, .fxam),
            (0xE8, .fld1), (0xE9, .fldl2t), (0xEA, .fldl2e), (0xEB, .fldpi), (0xEC, .fldlg2), (0xED, .fldln2),
            (0xEE, .fldz), (0xF0, .f2xm1), (0xF1, .fyl2x), (0xF2, .fptan), (0xF3, .fpatan), (0xF4, .fxtract),
            (0xF5, .fprem1), (0xF6, .fdecstp), (0xF7, .fincstp), (0xF8, .fprem), (0xF9, .fyl2xp1),
            (0xFA, .fsqrt), (0xFB, .fsincos), (0xFC, .frndint), (0xFD, .fscale), (0xFE, .fsin), (0xFF, .fcos),
        ]
        for (modrm, m) in d9Specials {
            reg(0xD9, modrm, .op(m))
        }
        reg(0xDA, 0xE9, .op(.fucompp))
        reg(0xDB, 0xE0, .op(.fneni))
        reg(0xDB, 0xE1, .op(.fndisi))
        reg(0xDB, 0xE2, .op(.fnclex))
        reg(0xDB, 0xE3, .op(.fninit))
        reg(0xDB, 0xE4, .op(.fsetpm))
        reg(0xDE, 0xD9, .op(.fcompp))
        reg(0xDF, 0xE0, .op(.fnstsw, AX))
    }
}
