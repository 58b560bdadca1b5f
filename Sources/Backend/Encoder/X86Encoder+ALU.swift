/// Integer arithmetic: the eight ALU operations, TEST, IMUL/MUL, NEG/NOT.
extension X86Encoder {
    /// op r, r (the MR form, 00-39 /r: the source goes in ModRM.reg).
    public mutating func alu(_ op: ALUOp, _ w: Width, _ dst: GPR, _ src: GPR) {
        rr(w, UInt32(op.rawValue << 3 | (w == .b8 ? 0 : 1)), reg: src.rawValue, rm: dst, byteReg: w == .b8, byteRM: w == .b8)
    }

    /// op r, m (the RM form: a load operand).
    public mutating func alu(_ op: ALUOp, _ w: Width, _ dst: GPR, _ src: Mem) {
        rm(w, UInt32(op.rawValue << 3 | (w == .b8 ? 2 : 3)), reg: dst.rawValue, mem: src, byteReg: w == .b8)
    }

    /// op m, r (the MR form with memory as destination).
    public mutating func alu(_ op: ALUOp, _ w: Width, _ dst: Mem, _ src: GPR) {
        rm(w, UInt32(op.rawValue << 3 | (w == .b8 ? 0 : 1)), reg: src.rawValue, mem: dst, byteReg: w == .b8)
    }

    /// op r, imm: 83 /op ib when the value fits a sign-extended byte, the short accumulator form
    /// (04/05 + op<<3) for al/ax/eax/rax, else 80/81 /op.
    public mutating func alu(_ op: ALUOp, _ w: Width, _ dst: GPR, imm: Int32) {
        if w == .b8 {
            if dst == .rax {
                begin()
                byte(op.rawValue << 3 | 4)
            } else {
                rr(.b8, 0x80, reg: op.rawValue, rm: dst, byteRM: w == .b8)
            }
            imm8(Int8(truncatingIfNeeded: imm))
        } else if imm.fitsInt8 {
            rr(w, 0x83, reg: op.rawValue, rm: dst)
            imm8(Int8(truncatingIfNeeded: imm))
        } else if dst == .rax {
            begin()
            prefixes(w, mandatory: 0, reg: 0, index: 0, base: 0, forceREX: false)
            byte(op.rawValue << 3 | 5)
            immZ(w, imm)
        } else {
            rr(w, 0x81, reg: op.rawValue, rm: dst)
            immZ(w, imm)
        }
    }

    /// op m, imm (80/81/83 /op).
    public mutating func alu(_ op: ALUOp, _ w: Width, _ dst: Mem, imm: Int32) {
        if w == .b8 {
            rm(.b8, 0x80, reg: op.rawValue, mem: dst)
            imm8(Int8(truncatingIfNeeded: imm))
        } else if imm.fitsInt8 {
            rm(w, 0x83, reg: op.rawValue, mem: dst)
            imm8(Int8(truncatingIfNeeded: imm))
        } else {
            rm(w, 0x81, reg: op.rawValue, mem: dst)
            immZ(w, imm)
        }
    }

    /// TEST r, r (84/85 /r).
    public mutating func test(_ w: Width, _ a: GPR, _ b: GPR) {
        rr(w, w == .b8 ? 0x84 : 0x85, reg: b.rawValue, rm: a, byteReg: w == .b8, byteRM: w == .b8)
    }

    /// TEST r, imm (A8/A9 for the accumulator, else F6/F7 /0).
    public mutating func test(_ w: Width, _ a: GPR, imm: Int32) {
        if a == .rax {
            begin()
            prefixes(w, mandatory: 0, reg: 0, index: 0, base: 0, forceREX: false)
            byte(w == .b8 ? 0xA8 : 0xA9)
        } else {
            rr(w, w == .b8 ? 0xF6 : 0xF7, reg: 0, rm: a, byteRM: w == .b8)
        }
        immZ(w, imm)
    }

    /// IMUL r, r/m (0F AF /r): the low half of the product.
    public mutating func imul(_ w: Width, _ dst: GPR, _ src: GPR) {
        rr(w, 0x0FAF, reg: dst.rawValue, rm: src)
    }

    public mutating func imul(_ w: Width, _ dst: GPR, _ src: Mem) {
        rm(w, 0x0FAF, reg: dst.rawValue, mem: src)
    }

    /// IMUL r, r/m, imm (6B /r ib or 69 /r iz).
    public mutating func imul(_ w: Width, _ dst: GPR, _ src: GPR, imm: Int32) {
        if imm.fitsInt8 {
            rr(w, 0x6B, reg: dst.rawValue, rm: src)
            imm8(Int8(truncatingIfNeeded: imm))
        } else {
            rr(w, 0x69, reg: dst.rawValue, rm: src)
            immZ(w, imm)
        }
    }

    /// MUL r/m (F7 /4) or IMUL r/m (F7 /5): rdx:rax = rax * src, the full double-width product.
    public mutating func mulWide(signed: Bool, _ w: Width, _ src: GPR) {
        rr(w, w == .b8 ? 0xF6 : 0xF7, reg: signed ? 5 : 4, rm: src, byteRM: w == .b8)
    }

    /// NEG r (F7 /3).
    public mutating func neg(_ w: Width, _ r: GPR) {
        rr(w, w == .b8 ? 0xF6 : 0xF7, reg: 3, rm: r, byteRM: w == .b8)
    }

    /// NOT r (F7 /2).
    public mutating func not(_ w: Width, _ r: GPR) {
        rr(w, w == .b8 ? 0xF6 : 0xF7, reg: 2, rm: r, byteRM: w == .b8)
    }

    /// ANDN dst, a, b (BMI1, VEX.0F38 F2): dst = ~a & b.
    public mutating func andn(_ w: Width, _ dst: GPR, _ a: GPR, _ b: GPR) {
        vex0F38(w, pp: 0, 0xF2, reg: dst, vvvv: a, rm: b)
    }
}
