import IR

/// mov, the ALU ops, multiplication, negation and the shifts and rotates.
extension BlockCompiler {
    mutating func lowerMov(_ inst: Inst) {
        let t = inst.a0
        if alloc.isGlobal(inst.d0), !dies(0) || alloc.isConst(t) {
            // A global takes a value that stays in use (or a constant): store it to the CPU state
            // now rather than copy it to a register of its own to store at the next sync.
            let w = alloc.width(inst.d0)
            let home = alloc.home(inst.d0)
            if let v = immediate(t, inst.type) {
                asm.mov(w, home, imm: v)
            } else {
                asm.mov(w, home, use(t))
            }
            releaseDeadInputs(inst)
            alloc.invalidateGlobal(Int(inst.d0.index))
            return
        }
        let rd = resultStarting(with: 0, inst)
        let upperZero = alloc.hasUpperZero(inst.a0)
        finish(inst, rd)
        if upperZero { alloc.noteUpperZero(inst.d0) }
    }

    /// Whether only the low 32 bits of this i64 op's result are ever read: its first reader,
    /// among the next few ops, zero-extends or truncates it from 32 bits, and it dies there.
    /// Then the op may run at 32 bits (its low half is the same, and the upper half is zero).
    @inline(__always) func onlyLow32Read(_ inst: Inst) -> Bool {
        let d = inst.d0
        guard inst.type == .i64, !alloc.isGlobal(d) else { return false }
        let ops = insts.baseAddress!
        var i = opIndex + 1
        let end = min(insts.count, opIndex + 4)
        while i < end {
            let next = ops + i
            switch next.pointee.op {
            case .ext32u, .extuI32I64, .truncI64I32:
                if next.pointee.a0 == d { return Liveness.inputDies(liveness.deadMask[i], 0) }
            default: break
            }
            if next.pointee.a0 == d || next.pointee.a1 == d || next.pointee.a2 == d || next.pointee.a3 == d
                || next.pointee.d0 == d || next.pointee.d1 == d || shapes[Int(next.pointee.op.rawValue)].isSpecial {
                return false
            }
            i += 1
        }
        return false
    }

    /// d = a op b with x86's two-operand form: d starts as a copy of a.
    mutating func lowerALU(_ op: ALUOp, _ inst: Inst, commutative: Bool) {
        var a = 0, b = 1
        // Put a constant on the right where it can be an immediate, a dying value on the left
        // where its register can become the result, and a value only in memory on the right
        // where the instruction can read it there.
        if commutative, alloc.isConst(inst.a0) || (!dies(0) && dies(1) && !alloc.isConst(inst.a1))
            || (alloc.onlyInMemory(inst.a0) && !alloc.onlyInMemory(inst.a1) && !alloc.isConst(inst.a1) && dies(0) == dies(1)) {
            swap(&a, &b)
        }
        let narrow = onlyLow32Read(inst)
        let type = narrow ? IRType.i32 : inst.type
        let w = width(type)
        if alloc.onlyInMemory(inst.input(b)), inst.input(b) != inst.input(a) {
            // op r, m: the value stays in memory (a later use loads it as this op would have).
            let rd = resultStarting(with: a, inst)
            asm.alu(op, w, rd, alloc.home(inst.input(b)))
            hostFlags = HostFlagsSource(op: op, a0: inst.a0, a1: inst.a1, d0: inst.d0, width: w, opIndex: opIndex, asm)
            finish(inst, rd)
        } else {
            let src = operand(inst.input(b), type)
            let rd = resultStarting(with: a, inst)
            switch src {
            case .reg(let rb): asm.alu(op, w, rd, rb)
            case .imm(let v): asm.alu(op, w, rd, imm: v)
            }
            hostFlags = HostFlagsSource(op: op, a0: inst.a0, a1: inst.a1, d0: inst.d0, width: w, opIndex: opIndex, asm)
            finish(inst, rd)
        }
        if narrow { alloc.noteUpperZero(inst.d0) }
    }

    mutating func lowerMul(_ inst: Inst) {
        var a = 0, b = 1
        if alloc.isConst(inst.a0) || (!dies(0) && dies(1) && !alloc.isConst(inst.a1)) { swap(&a, &b) }
        let w = width(inst.type)
        if let v = immediate(inst.input(b), inst.type) {
            let ra = use(inst.input(a))
            let rd = dies(a) && !alloc.isConst(inst.input(a)) ? ra : alloc.allocate(&asm)
            asm.imul(w, rd, ra, imm: v)
            finish(inst, rd)
            return
        }
        let rb = use(inst.input(b))
        let rd = resultStarting(with: a, inst)
        asm.imul(w, rd, rb)
        finish(inst, rd)
    }

    /// d = a & ~b.
    mutating func lowerAndc(_ inst: Inst) {
        let w = width(inst.type)
        if alloc.isConst(inst.a1) {
            let mask = ~alloc.constValue(inst.a1) & inst.type.mask
            if inst.type == .i32 || Int64(bitPattern: mask).fitsInt32 {
                let rd = resultStarting(with: 0, inst)
                asm.alu(.and, w, rd, imm: Int32(truncatingIfNeeded: mask))
                finish(inst, rd)
                return
            }
        }
        if features.bmi1 {
            let ra = use(inst.a0), rb = use(inst.a1)
            let rd = dies(0) && !alloc.isConst(inst.a0) ? ra : (dies(1) && !alloc.isConst(inst.a1) ? rb : alloc.allocate(&asm))
            asm.andn(w, rd, rb, ra)
            finish(inst, rd)
            return
        }
        let a = operand(inst.a0, inst.type)
        var keep = RegSet.empty
        if case .reg(let ra) = a { keep.insert(ra) }
        let rd = resultStarting(with: 1, inst, keep: keep)
        asm.not(w, rd)
        switch a {
        case .reg(let ra): asm.alu(.and, w, rd, ra)
        case .imm(let v): asm.alu(.and, w, rd, imm: v)
        }
        finish(inst, rd)
    }

    mutating func lowerUnary(_ inst: Inst, _ emit: (inout X86Encoder, Width, GPR) -> Void) {
        let rd = resultStarting(with: 0, inst)
        emit(&asm, width(inst.type), rd)
        finish(inst, rd)
    }

    /// (d0, d1) = the double-width product: one-operand MUL/IMUL, rdx:rax = rax * b. When
    /// nothing reads the high half (the guest's flags of IMUL r, r/m are dead), the low half is
    /// the same signed or unsigned: a two-operand IMUL in any registers.
    mutating func lowerMulWide(_ inst: Inst, signed: Bool) {
        if outputDead(1) || inst.d1.isNone { return lowerMul(inst) }
        alloc.useFixed(inst.a0, .rax, clobbered: true, dies: dies(0), &asm)
        alloc.evict(.rdx, &asm)
        alloc.locked.insert(.rdx)
        let rb = use(inst.a1)
        asm.mulWide(signed: signed, width(inst.type), rb)
        finish(inst, .rax, .rdx)
    }

    /// Shifts and rotates take the count modulo the width, as x86 does.
    mutating func lowerShift(_ op: ShiftOp, _ inst: Inst) {
        let w = width(inst.type)
        if alloc.isConst(inst.a1) {
            let count = UInt8(alloc.constValue(inst.a1) & UInt64(inst.type.bits - 1))
            let rd = resultStarting(with: 0, inst)
            if count != 0 { asm.shift(op, w, rd, imm: count) }
            finish(inst, rd)
            return
        }
        if features.bmi2, op == .shl || op == .shr || op == .sar {
            // Three operands, any registers: the result may take either dying input's register.
            let rb = use(inst.a1), ra = use(inst.a0)
            let rd: GPR
            if dies(0) && !alloc.isConst(inst.a0) { rd = ra } else if dies(1) { rd = rb } else { rd = alloc.allocate(&asm) }
            asm.shiftX(op, w, rd, ra, count: rb)
            finish(inst, rd)
            return
        }
        alloc.useFixed(inst.a1, .rcx, clobbered: false, dies: dies(1), &asm)
        let rd = resultStarting(with: 0, inst, keep: RegSet(.rcx))
        asm.shiftByCL(op, w, rd)
        finish(inst, rd)
    }
}
