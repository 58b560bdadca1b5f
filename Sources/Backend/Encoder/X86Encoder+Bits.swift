/// Shifts, rotates and bit scans.
extension X86Encoder {
    /// Group 2 by an immediate: D0/D1 /op for a count of 1, else C0/C1 /op ib.
    public mutating func shift(_ op: ShiftOp, _ w: Width, _ r: GPR, imm: UInt8) {
        if imm == 1 {
            rr(w, w == .b8 ? 0xD0 : 0xD1, reg: op.rawValue, rm: r, byteRM: w == .b8)
        } else {
            rr(w, w == .b8 ? 0xC0 : 0xC1, reg: op.rawValue, rm: r, byteRM: w == .b8)
            byte(imm)
        }
    }

    /// Group 2 by cl (D2/D3 /op). The CPU masks the count to 5 bits (6 for 64-bit operands).
    public mutating func shiftByCL(_ op: ShiftOp, _ w: Width, _ r: GPR) {
        rr(w, w == .b8 ? 0xD2 : 0xD3, reg: op.rawValue, rm: r, byteRM: w == .b8)
    }

    /// SHLX/SHRX/SARX dst, src, count (BMI2, VEX.0F38 F7 with implied 66/F2/F3): three operands,
    /// any count register, flags untouched. Only shl, shr and sar exist in this form.
    public mutating func shiftX(_ op: ShiftOp, _ w: Width, _ dst: GPR, _ src: GPR, count: GPR) {
        let pp: UInt8
        switch op {
        case .shl: pp = 1
        case .sar: pp = 2
        case .shr: pp = 3
        case .rol, .ror, .rcl, .rcr: preconditionFailure("no BMI2 form of \(op)")
        }
        vex0F38(w, pp: pp, 0xF7, reg: dst, vvvv: count, rm: src)
    }

    /// LZCNT (F3 0F BD): CF is set when the source is zero (the result is then the width).
    public mutating func lzcnt(_ w: Width, _ dst: GPR, _ src: GPR) {
        rr(w, mandatory: 0xF3, 0x0FBD, reg: dst.rawValue, rm: src)
    }

    /// TZCNT (F3 0F BC): CF is set when the source is zero.
    public mutating func tzcnt(_ w: Width, _ dst: GPR, _ src: GPR) {
        rr(w, mandatory: 0xF3, 0x0FBC, reg: dst.rawValue, rm: src)
    }

    /// POPCNT (F3 0F B8).
    public mutating func popcnt(_ w: Width, _ dst: GPR, _ src: GPR) {
        rr(w, mandatory: 0xF3, 0x0FB8, reg: dst.rawValue, rm: src)
    }

    /// BSR (0F BD): index of the highest set bit; ZF is set (and dst undefined) when src is zero.
    public mutating func bsr(_ w: Width, _ dst: GPR, _ src: GPR) {
        rr(w, 0x0FBD, reg: dst.rawValue, rm: src)
    }

    /// BSF (0F BC): index of the lowest set bit; ZF is set (and dst undefined) when src is zero.
    public mutating func bsf(_ w: Width, _ dst: GPR, _ src: GPR) {
        rr(w, 0x0FBC, reg: dst.rawValue, rm: src)
    }

    /// SETcc r8 (0F 90+cc /0).
    public mutating func setcc(_ cc: ConditionCode, _ r: GPR) {
        rr(.b32, 0x0F90 | UInt32(cc.rawValue), reg: 0, rm: r, byteRM: true)
    }

    /// CMOVcc r, r (0F 40+cc /r). A 32-bit CMOV zero-extends dst even when the move is not taken.
    public mutating func cmov(_ cc: ConditionCode, _ w: Width, _ dst: GPR, _ src: GPR) {
        rr(w, 0x0F40 | UInt32(cc.rawValue), reg: dst.rawValue, rm: src)
    }
}

extension X86Encoder {
    /// BT r, imm8 (0F BA /4 ib): CF = bit `bit` of r.
    public mutating func bt(_ w: Width, _ r: GPR, bit: UInt8) {
        rr(w, 0x0FBA, reg: 4, rm: r)
        byte(bit)
    }

    /// PUSHFQ (9C): pushes RFLAGS, the way generated code reads the host's status flags.
    public mutating func pushFlags() {
        begin()
        byte(0x9C)
    }
}
