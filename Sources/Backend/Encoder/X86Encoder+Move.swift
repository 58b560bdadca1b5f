/// Data movement: MOV, MOVZX/MOVSX/MOVSXD, LEA, XCHG, PUSH/POP, BSWAP.
extension X86Encoder {
    /// MOV r, r (88/89 /r: the source goes in ModRM.reg).
    public mutating func mov(_ w: Width, _ dst: GPR, _ src: GPR) {
        flagsKeepingCount += 1
        rr(w, w == .b8 ? 0x88 : 0x89, reg: src.rawValue, rm: dst, byteReg: w == .b8, byteRM: w == .b8)
    }

    /// MOV r, m (8A/8B /r): a load.
    public mutating func mov(_ w: Width, _ dst: GPR, _ src: Mem) {
        flagsKeepingCount += 1
        rm(w, w == .b8 ? 0x8A : 0x8B, reg: dst.rawValue, mem: src, byteReg: w == .b8)
    }

    /// MOV m, r (88/89 /r): a store.
    public mutating func mov(_ w: Width, _ dst: Mem, _ src: GPR) {
        flagsKeepingCount += 1
        rm(w, w == .b8 ? 0x88 : 0x89, reg: src.rawValue, mem: dst, byteReg: w == .b8)
    }

    /// MOV m, imm (C6/C7 /0): the immediate is sign-extended to 64 bits for a qword store.
    public mutating func mov(_ w: Width, _ dst: Mem, imm: Int32) {
        flagsKeepingCount += 1
        rm(w, w == .b8 ? 0xC6 : 0xC7, reg: 0, mem: dst)
        immZ(w, imm)
    }

    /// MOV r32, imm32 (B8+r id): zero-extends into the 64-bit register.
    public mutating func movImm32(_ dst: GPR, _ v: UInt32) {
        flagsKeepingCount += 1
        opReg(.b32, 0xB8, dst)
        imm32(Int32(bitPattern: v))
    }

    /// MOV r64, imm32 (REX.W C7 /0 id): sign-extends.
    public mutating func movImmSext(_ dst: GPR, _ v: Int32) {
        flagsKeepingCount += 1
        rr(.b64, 0xC7, reg: 0, rm: dst)
        imm32(v)
    }

    /// MOV r64, imm64 (REX.W B8+r io), "movabs".
    public mutating func movImm64(_ dst: GPR, _ v: UInt64) {
        flagsKeepingCount += 1
        opReg(.b64, 0xB8, dst)
        imm64(v)
    }

    /// Loads a 64-bit constant with the shortest MOV; leaves the flags alone (no XOR idiom).
    public mutating func loadImmediate(_ dst: GPR, _ v: UInt64) {
        if v <= UInt64(UInt32.max) {
            movImm32(dst, UInt32(v))
        } else if Int64(bitPattern: v).fitsInt32 {
            movImmSext(dst, Int32(truncatingIfNeeded: v))
        } else {
            movImm64(dst, v)
        }
    }

    /// MOVZX r, r/m8 (0F B6) or r/m16 (0F B7). `w` is the destination size (b32 or b64).
    public mutating func movzx(_ w: Width, _ dst: GPR, _ src: GPR, from: Width) {
        flagsKeepingCount += 1
        rr(w, from == .b8 ? 0x0FB6 : 0x0FB7, reg: dst.rawValue, rm: src, byteRM: from == .b8)
    }

    public mutating func movzx(_ w: Width, _ dst: GPR, _ src: Mem, from: Width) {
        flagsKeepingCount += 1
        rm(w, from == .b8 ? 0x0FB6 : 0x0FB7, reg: dst.rawValue, mem: src)
    }

    /// MOVSX r, r/m8 (0F BE) or r/m16 (0F BF).
    public mutating func movsx(_ w: Width, _ dst: GPR, _ src: GPR, from: Width) {
        flagsKeepingCount += 1
        rr(w, from == .b8 ? 0x0FBE : 0x0FBF, reg: dst.rawValue, rm: src, byteRM: from == .b8)
    }

    public mutating func movsx(_ w: Width, _ dst: GPR, _ src: Mem, from: Width) {
        flagsKeepingCount += 1
        rm(w, from == .b8 ? 0x0FBE : 0x0FBF, reg: dst.rawValue, mem: src)
    }

    /// MOVSXD r64, r/m32 (REX.W 63 /r).
    public mutating func movsxd(_ dst: GPR, _ src: GPR) {
        flagsKeepingCount += 1
        rr(.b64, 0x63, reg: dst.rawValue, rm: src)
    }

    public mutating func movsxd(_ dst: GPR, _ src: Mem) {
        flagsKeepingCount += 1
        rm(.b64, 0x63, reg: dst.rawValue, mem: src)
    }

    /// LEA r, m (8D /r).
    public mutating func lea(_ w: Width, _ dst: GPR, _ src: Mem) {
        rm(w, 0x8D, reg: dst.rawValue, mem: src)
    }

    /// XCHG r, r: 90+r when one side is the accumulator, else 87 /r.
    public mutating func xchg(_ w: Width, _ a: GPR, _ b: GPR) {
        if w != .b8, a == .rax || b == .rax, a != b {
            opReg(w, 0x90, a == .rax ? b : a)
        } else {
            rr(w, w == .b8 ? 0x86 : 0x87, reg: b.rawValue, rm: a, byteReg: w == .b8, byteRM: w == .b8)
        }
    }

    /// PUSH r64 (50+r).
    public mutating func push(_ r: GPR) { opReg(.b32, 0x50, r) }

    /// POP r64 (58+r).
    public mutating func pop(_ r: GPR) { opReg(.b32, 0x58, r) }

    /// BSWAP r32/r64 (0F C8+r).
    public mutating func bswap(_ w: Width, _ r: GPR) { opReg(w, 0x0FC8, r) }
}
