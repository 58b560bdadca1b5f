import IR

/// Extensions, bit fields, byte swaps and bit counts.
extension BlockCompiler {
    /// A register for a result computed from `ra` by a non-destructive instruction: `ra` itself
    /// when input 0 dies here, else a fresh one.
    mutating func resultFrom(_ ra: GPR, _ inst: Inst, avoid: RegSet = .empty) -> GPR {
        if dies(0), !alloc.isConst(inst.a0), !avoid.contains(ra) { return ra }
        return alloc.allocate(&asm, avoid: avoid)
    }

    /// ext8s … ext32u and the i32/i64 conversions: sign- or zero-extend the low `from` bits.
    mutating func lowerExtend(_ inst: Inst, from: Width, signed: Bool) {
        let t = inst.a0
        if from == .b32, !signed, alloc.hasUpperZero(t) {
            // Already zero-extended: a copy, or nothing when the input dies here.
            let rd = resultStarting(with: 0, inst)
            finish(inst, rd)
            alloc.noteUpperZero(inst.d0)
            return
        }
        if alloc.onlyInMemory(t) {
            // Extend straight from the memory home: one load instead of a load and an extension.
            let src = alloc.home(t)
            let rd = alloc.allocate(&asm)
            let w = width(inst.type)
            switch (from, signed) {
            case (.b8, true), (.b16, true): asm.movsx(w, rd, src, from: from)
            case (.b8, false), (.b16, false): asm.movzx(.b32, rd, src, from: from)
            case (_, true) where w == .b64: asm.movsxd(rd, src)
            default: asm.mov(.b32, rd, src)
            }
            finish(inst, rd)
            if !signed || w == .b32 { alloc.noteUpperZero(inst.d0) }
            return
        }
        let ra = use(inst.a0)
        let rd = resultFrom(ra, inst)
        let w = width(inst.type)
        switch (from, signed) {
        case (.b8, true), (.b16, true): asm.movsx(w, rd, ra, from: from)
        case (.b8, false), (.b16, false): asm.movzx(.b32, rd, ra, from: from)
        case (_, true) where w == .b64: asm.movsxd(rd, ra)
        default: asm.mov(.b32, rd, ra)
        }
        finish(inst, rd)
        if !signed || w == .b32 { alloc.noteUpperZero(inst.d0) }
    }

    /// Bits [pos, pos+len) of a, zero- or sign-extended.
    mutating func lowerExtract(_ inst: Inst, signed: Bool) {
        let bits = inst.type.bits, pos = inst.bitPosition, len = inst.bitLength
        let w = width(inst.type)
        if pos == 0, len == 8 || len == 16 || (len == 32 && bits == 64) {
            let ra = use(inst.a0)
            let rd = resultFrom(ra, inst)
            let from: Width = len == 8 ? .b8 : len == 16 ? .b16 : .b32
            switch (from, signed) {
            case (.b32, true): asm.movsxd(rd, ra)
            case (.b32, false): asm.mov(.b32, rd, ra)
            case (_, true): asm.movsx(w, rd, ra, from: from)
            case (_, false): asm.movzx(.b32, rd, ra, from: from)
            }
            finish(inst, rd)
            return
        }
        let rd = resultStarting(with: 0, inst)
        if pos + len == bits {
            if pos > 0 { asm.shift(signed ? .sar : .shr, w, rd, imm: UInt8(pos)) }
        } else if !signed, len < 32 {
            if pos > 0 { asm.shift(.shr, w, rd, imm: UInt8(pos)) }
            asm.alu(.and, w, rd, imm: Int32((1 << len) - 1))
        } else {
            asm.shift(.shl, w, rd, imm: UInt8(bits - pos - len))
            asm.shift(signed ? .sar : .shr, w, rd, imm: UInt8(bits - len))
        }
        finish(inst, rd)
    }

    /// a with bits [pos, pos+len) replaced by the low bits of b.
    mutating func lowerDeposit(_ inst: Inst) {
        let bits = inst.type.bits, pos = inst.bitPosition, len = inst.bitLength
        let w = width(inst.type)
        if len == bits {
            let rd = resultStarting(with: 1, inst)
            finish(inst, rd)
            return
        }
        let fieldMask: UInt64 = ((1 << UInt64(len)) - 1) << UInt64(pos)
        let keepMask = ~fieldMask & inst.type.mask
        if alloc.isConst(inst.a1) {
            let field = (alloc.constValue(inst.a1) << UInt64(pos)) & fieldMask
            let rd = resultStarting(with: 0, inst)
            andImmediate(w, rd, keepMask, inst.type)
            if field != 0 { orImmediate(w, rd, field, inst.type) }
            finish(inst, rd)
            return
        }
        if pos == 0, len == 8 || len == 16 {
            let rb = use(inst.a1)
            let rd = resultStarting(with: 0, inst)
            asm.mov(len == 8 ? .b8 : .b16, rd, rb)
            finish(inst, rd)
            return
        }
        // t = the field in place with zeros around it; d = (a & keepMask) | t.
        let t = alloc.allocate(&asm)
        alloc.materialize(inst.a1, into: t, &asm)
        asm.shift(.shl, w, t, imm: UInt8(bits - len))
        if bits - len - pos > 0 { asm.shift(.shr, w, t, imm: UInt8(bits - len - pos)) }
        let rd = resultStarting(with: 0, inst, keep: RegSet(t))
        andImmediate(w, rd, keepMask, inst.type)
        asm.alu(.or, w, rd, t)
        finish(inst, rd)
    }

    /// rd &= mask, through a scratch register when the mask is no imm32.
    mutating func andImmediate(_ w: Width, _ rd: GPR, _ mask: UInt64, _ type: IRType) {
        if type == .i32 || Int64(bitPattern: mask).fitsInt32 {
            asm.alu(.and, w, rd, imm: Int32(truncatingIfNeeded: mask))
        } else {
            let k = alloc.allocate(&asm)
            asm.loadImmediate(k, mask)
            asm.alu(.and, w, rd, k)
        }
    }

    mutating func orImmediate(_ w: Width, _ rd: GPR, _ value: UInt64, _ type: IRType) {
        if type == .i32 || Int64(bitPattern: value).fitsInt32 {
            asm.alu(.or, w, rd, imm: Int32(truncatingIfNeeded: value))
        } else {
            let k = alloc.allocate(&asm)
            asm.loadImmediate(k, value)
            asm.alu(.or, w, rd, k)
        }
    }

    /// The low `bytes` bytes of a, reversed; the bits above them zero.
    mutating func lowerBswap(_ inst: Inst, bytes: Int) {
        let rd = resultStarting(with: 0, inst)
        switch bytes {
        case 2:
            asm.bswap(.b32, rd)
            asm.shift(.shr, .b32, rd, imm: 16)
        case 4:
            asm.bswap(.b32, rd)
        default:
            asm.bswap(.b64, rd)
            // On an i32 the swapped-in bytes were the zero upper half (what IR.Evaluate gives too).
            if inst.type == .i32 { asm.mov(.b32, rd, rd) }
        }
        finish(inst, rd)
    }

    /// clz/ctz a, b: the count, or b when a is zero.
    mutating func lowerCountZeros(_ inst: Inst, leading: Bool) {
        let w = width(inst.type), bits = inst.type.bits
        let ra = use(inst.a0)
        if leading ? features.lzcnt : features.bmi1 {
            // LZCNT/TZCNT give the width for zero and set CF then.
            if alloc.isConst(inst.a1), alloc.constValue(inst.a1) == UInt64(bits) {
                let rd = resultFrom(ra, inst)
                if leading { asm.lzcnt(w, rd, ra) } else { asm.tzcnt(w, rd, ra) }
                finish(inst, rd)
                return
            }
            let rb = use(inst.a1)
            let rd = resultFrom(ra, inst, avoid: RegSet(rb))
            if leading { asm.lzcnt(w, rd, ra) } else { asm.tzcnt(w, rd, ra) }
            asm.cmov(.b, w, rd, rb)
            finish(inst, rd)
            return
        }
        // BSR/BSF set ZF for zero (leaving the destination undefined).
        if leading {
            // clz = index ^ (bits-1); feeding b ^ (bits-1) through the same XOR yields b.
            let t = alloc.allocate(&asm)
            alloc.materialize(inst.a1, into: t, &asm)
            asm.alu(.xor, w, t, imm: Int32(bits - 1))
            let rd = resultFrom(ra, inst, avoid: RegSet(t))
            asm.bsr(w, rd, ra)
            asm.cmov(.e, w, rd, t)
            asm.alu(.xor, w, rd, imm: Int32(bits - 1))
            finish(inst, rd)
        } else {
            let rb = use(inst.a1)
            let rd = resultFrom(ra, inst, avoid: RegSet(rb))
            asm.bsf(w, rd, ra)
            asm.cmov(.e, w, rd, rb)
            finish(inst, rd)
        }
    }

    mutating func lowerPopcount(_ inst: Inst) {
        let w = width(inst.type)
        if features.popcnt {
            let ra = use(inst.a0)
            let rd = resultFrom(ra, inst)
            asm.popcnt(w, rd, ra)
            finish(inst, rd)
            return
        }
        // The bit-slicing count: pairs, nibbles, bytes, then a multiply sums the bytes.
        let wide = inst.type == .i64
        let rd = resultStarting(with: 0, inst)
        let t = alloc.allocate(&asm), k = alloc.allocate(&asm)
        func mask(_ byte: UInt64) {
            asm.loadImmediate(k, wide ? byte &* 0x0101_0101_0101_0101 : byte &* 0x0101_0101)
        }
        asm.mov(w, t, rd)
        asm.shift(.shr, w, t, imm: 1)
        mask(0x55)
        asm.alu(.and, w, t, k)
        asm.alu(.sub, w, rd, t)
        asm.mov(w, t, rd)
        asm.shift(.shr, w, t, imm: 2)
        mask(0x33)
        asm.alu(.and, w, t, k)
        asm.alu(.and, w, rd, k)
        asm.alu(.add, w, rd, t)
        asm.mov(w, t, rd)
        asm.shift(.shr, w, t, imm: 4)
        asm.alu(.add, w, rd, t)
        mask(0x0F)
        asm.alu(.and, w, rd, k)
        mask(0x01)
        asm.imul(w, rd, k)
        asm.shift(.shr, w, rd, imm: UInt8(inst.type.bits - 8))
        finish(inst, rd)
    }
}
