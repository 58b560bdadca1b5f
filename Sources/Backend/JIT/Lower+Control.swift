import CCPU
import IR

/// Labels, branches, the three ways out of a block, and the out-of-line exit stubs.
extension BlockCompiler {
    mutating func lowerSetLabel(_ inst: Inst) {
        alloc.syncBlockEnd(&asm)
        let l = Int(inst.imm)
        if hasRegistersAtBranch[l] {
            alloc.restore(registersAtBranch + 16 * l)
        } else {
            alloc.forgetRegisters()
        }
        asm.bind(label(inst.imm))
    }

    mutating func lowerBr(_ inst: Inst) {
        alloc.syncBlockEnd(&asm)
        asm.jmp(label(inst.imm))
        alloc.forgetRegisters()
    }

    mutating func lowerBrcond(_ inst: Inst) {
        alloc.syncBlockEnd(&asm)
        let cc = compare(inst, 0, 1)
        asm.jcc(cc, label(inst.imm))
        releaseDeadInputs(inst)
        // Both successors start with the globals where they are now, when this branch is the
        // only way in (the fall-through always is; the target when nothing else jumps there).
        alloc.forgetLocals()
        let l = Int(inst.imm)
        if liveness.onlyEnteredFromItsBranch[l] {
            alloc.saveGlobalRegisters(into: registersAtBranch + 16 * l)
            hasRegistersAtBranch[l] = true
        }
    }

    /// A patchable `jmp rel32` whose displacement is 4-byte aligned (so patching it is one
    /// atomic store), initially jumping to the exit that follows it. A jump back to this block
    /// or an earlier one first tests the CPU's exit request: every loop of chained blocks has
    /// such a jump, so a request reaches a guest that never leaves generated code otherwise.
    mutating func lowerGotoTB(_ inst: Inst) {
        alloc.syncGlobals(&asm)
        let unchained = asm.newLabel()
        if UInt64(bitPattern: inst.imm) <= guestPC { testExitRequest(orGoTo: unchained) }
        asm.align(4, remainder: 3)
        let jump = asm.offset
        asm.jmp(absolute: asm.origin + UInt(jump + 5))
        asm.bind(unchained)
        if inst.slot == 0 { gotoTBJumpOffsets.0 = jump } else { gotoTBJumpOffsets.1 = jump }
        // Not chained yet: leave with the target in the program counter.
        let pc = inst.imm
        if programCounterOffset == StateField.rip {
            asm.loadImmediate(.rsi, UInt64(bitPattern: pc))
            asm.loadImmediate(.rax, exitValue(Int32(inst.slot)))
            asm.jmp(absolute: exits.pcExit)
        } else {
            if pc == Int64(Int32(truncatingIfNeeded: pc)) {
                asm.mov(.b64, Mem(.r14, programCounterOffset), imm: Int32(truncatingIfNeeded: pc))
            } else {
                asm.movImm64(.rax, UInt64(bitPattern: pc))
                asm.mov(.b64, Mem(.r14, programCounterOffset), .rax)
            }
            emitExit(Int32(inst.slot))
        }
        alloc.forgetRegisters()
    }

    mutating func lowerExitTB(_ inst: Inst) {
        alloc.syncGlobals(&asm)
        emitExit(Int32(truncatingIfNeeded: inst.imm))
        alloc.forgetRegisters()
    }

    /// Probes the jump cache inline: entry = cache[(pc ^ pc >> 10) & mask]; a matching tag
    /// jumps straight to the entry's code.
    mutating func lowerLookupAndGoto(_ inst: Inst) {
        alloc.syncGlobals(&asm)
        // Nothing is live any more, so any register will do.
        alloc.materialize(inst.a0, into: .rdi, &asm)
        let miss = asm.newLabel()
        testExitRequest(orGoTo: miss)
        asm.mov(.b64, .rsi, .rdi)
        asm.shift(.shr, .b64, .rsi, imm: 10)
        asm.alu(.xor, .b64, .rsi, .rdi)
        asm.alu(.and, .b64, .rsi, Mem(.r14, StateField.jumpCacheMask))
        asm.shift(.shl, .b64, .rsi, imm: UInt8(MemoryLayout<MimicJumpCacheEntry>.stride.trailingZeroBitCount))
        asm.alu(.add, .b64, .rsi, Mem(.r14, StateField.jumpCache))
        asm.alu(.cmp, .b64, .rdi, Mem(.rsi, Int32(MemoryLayout<MimicJumpCacheEntry>.offset(of: \.tag)!)))
        asm.jcc(.ne, miss, short: true)
        asm.jmp(Mem(.rsi, Int32(MemoryLayout<MimicJumpCacheEntry>.offset(of: \.code)!)))
        asm.bind(miss)
        emitExit(Int32(MIMIC_EXIT_LOOKUP))
        alloc.forgetRegisters()
    }

    /// Leaves through `exit` (a nearby exit with rip already set) when the CPU's exit request is
    /// raised (see `exit_request` in cpu_state.h).
    mutating func testExitRequest(orGoTo exit: Label) {
        asm.alu(.cmp, .b32, Mem(.r14, StateField.exitRequest), imm: 0)
        asm.jcc(.ne, exit, short: true)
    }

    /// The exits that leave from the middle of a basic block, placed after the block so the
    /// common path runs straight through. Each loads what differs (the address, the guest pc)
    /// and jumps to a shared exit of the entry trampoline that stores it.
    mutating func emitStubs() {
        for i in 0..<stubCount {
            switch stubs[i] {
            case .pageFault(let label, let address, let write, let pc):
                asm.bind(label)
                if address != .rdi { asm.mov(.b64, .rdi, address) }
                asm.loadImmediate(.rsi, pc)
                asm.jmp(absolute: write ? exits.pageFaultWrite : exits.pageFaultRead)
            case .raised(let label, let pc):
                asm.bind(label)
                asm.loadImmediate(.rsi, pc)
                asm.jmp(absolute: exits.raised)
            case .tlbMiss(let miss):
                emitTLBMiss(miss)
            }
        }
    }

    mutating func storeRIP(_ pc: UInt64) {
        if Int64(bitPattern: pc).fitsInt32 {
            asm.mov(.b64, Mem(.r14, StateField.rip), imm: Int32(truncatingIfNeeded: pc))
        } else {
            asm.loadImmediate(.rax, pc)
            asm.mov(.b64, Mem(.r14, StateField.rip), .rax)
        }
    }
}
