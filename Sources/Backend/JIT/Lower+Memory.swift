import IR

/// The CPU state (ldEnv/stEnv) and guest memory (load/store, linear: host = r15 + address).
extension BlockCompiler {
    /// Loads `memOp.bytes` bytes at `src` into `rd`, extended to `type` as the memop says.
    mutating func emitLoad(_ rd: GPR, _ src: Mem, _ memOp: MemOp, _ type: IRType) {
        let w = width(type)
        switch memOp.bytes {
        case 1: if memOp.signed { asm.movsx(w, rd, src, from: .b8) } else { asm.movzx(.b32, rd, src, from: .b8) }
        case 2: if memOp.signed { asm.movsx(w, rd, src, from: .b16) } else { asm.movzx(.b32, rd, src, from: .b16) }
        case 4: if memOp.signed && type == .i64 { asm.movsxd(rd, src) } else { asm.mov(.b32, rd, src) }
        default: asm.mov(w, rd, src)
        }
    }

    /// Stores the low `memOp.bytes` bytes of input `i` at `dst`.
    mutating func emitStore(_ inst: Inst, _ i: Int, _ dst: Mem, _ memOp: MemOp) {
        let w: Width = memOp.bytes == 1 ? .b8 : memOp.bytes == 2 ? .b16 : memOp.bytes == 4 ? .b32 : .b64
        let t = inst.input(i)
        if alloc.isConst(t), w != .b64 || Int64(bitPattern: alloc.constValue(t)).fitsInt32 {
            asm.mov(w, dst, imm: Int32(truncatingIfNeeded: alloc.constValue(t)))
        } else {
            asm.mov(w, dst, use(t))
        }
    }

    mutating func lowerLoadEnv(_ inst: Inst) {
        for g in EnvAccess.overlappingGlobals(inst, block) { alloc.syncGlobal(g, &asm) }
        let rd = alloc.allocate(&asm)
        emitLoad(rd, Mem(.r14, Int32(truncatingIfNeeded: inst.imm)), inst.memOp, inst.type)
        finish(inst, rd)
    }

    mutating func lowerStoreEnv(_ inst: Inst) {
        let overlapping = EnvAccess.overlappingGlobals(inst, block)
        for g in overlapping { alloc.syncGlobal(g, &asm) }
        emitStore(inst, 0, Mem(.r14, Int32(truncatingIfNeeded: inst.imm)), inst.memOp)
        releaseDeadInputs(inst)
        // The store changed the global behind its register copy.
        for g in overlapping { alloc.invalidateGlobal(g) }
    }

    /// Jumps to a #PF stub unless `address + bytes <= mem_size` without wrapping.
    mutating func emitBoundsCheck(_ address: GPR, bytes: Int, write: Bool) {
        let fault = asm.newLabel()
        stubs.append(.pageFault(fault, address: address, write: write, pc: currentPC))
        // Valid when address <= mem_size - bytes: one compare against the precomputed limit.
        asm.alu(.cmp, .b64, address, Mem(.r14, StateField.memLast + 8 * Int32(bytes.trailingZeroBitCount)))
        asm.jcc(.a, fault)
    }

    mutating func lowerGuestLoad(_ inst: Inst) {
        alloc.syncGlobals(&asm)
        let ra = use(inst.a0)
        emitBoundsCheck(ra, bytes: inst.memOp.bytes, write: false)
        // The fault stub reads the address before the load runs, so the result may take its register.
        let rd = resultFrom(ra, inst)
        emitLoad(rd, Mem(.r15, index: ra), inst.memOp, inst.type)
        finish(inst, rd)
    }

    mutating func lowerGuestStore(_ inst: Inst) {
        alloc.syncGlobals(&asm)
        let ra = use(inst.a0)
        emitBoundsCheck(ra, bytes: inst.memOp.bytes, write: true)
        emitStore(inst, 1, Mem(.r15, index: ra), inst.memOp)
        releaseDeadInputs(inst)
    }
}
