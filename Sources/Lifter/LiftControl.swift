import CCPU
import IR
import X86

/// Control transfer and the ways a block leaves.
extension BlockTranslator {
    // MARK: Leaving the block

    /// Continues at `address` through chaining slot `slot`.
    mutating func leave(to address: UInt64, slot: Int = 0) {
        ir.gotoTB(slot, pc: address)
        if slot == 0 {
            if let known = chainedTargets.0, known != address { slotConflict.0 = true }
            chainedTargets.0 = address
        } else {
            if let known = chainedTargets.1, known != address { slotConflict.1 = true }
            chainedTargets.1 = address
        }
    }

    /// Per goto_tb slot, the globals (the flags) that the successor overwrites before reading.
    func globalsDeadInSuccessors<Source: InstructionSource>(_ source: Source) -> (UInt64, UInt64) {
        func dead(_ target: UInt64?, _ conflict: Bool) -> UInt64 {
            guard let target, !conflict else { return 0 }
            return FlagLiveness.globalMask(allFlagsDead: FlagLiveness.allFlagsDead(at: target, source: source))
        }
        return (dead(chainedTargets.0, slotConflict.0), dead(chainedTargets.1, slotConflict.1))
    }

    /// Continues at a computed address through the jump cache.
    mutating func leave(toComputed target: Temp) {
        ir.mov(X86Globals.rip, target)
        ir.lookupAndGoto(target)
    }

    /// Raises exception `vector` with rip at `address` (the instruction's own, for a fault).
    @discardableResult
    mutating func raise(_ vector: Int, at address: UInt64? = nil) -> Flow {
        ir.mov(X86Globals.rip, constant(address ?? insn.address))
        ir.stEnv(.i64, .u64, offset: StateOffset.exception, constant(UInt64(vector)))
        ir.exitTB(Int32(MIMIC_EXIT_EXCEPTION))
        return .end
    }

    /// The first instruction of a block could not be fetched: #PF on the first missing byte.
    mutating func raiseFetchFault(at pc: UInt64, faultAddress: UInt64) {
        ir.stEnv(.i64, .u64, offset: StateOffset.faultAddress, constant(faultAddress))
        ir.stEnv(.i64, .u64, offset: StateOffset.errorCode, constant(0x10))  // instruction fetch
        raise(MIMIC_EXC_PF, at: pc)
    }

    /// Asks the execution loop to act (HLT, SYSCALL), with rip after the instruction.
    mutating func request(_ what: Int) -> Flow {
        ir.mov(X86Globals.rip, constant(insn.nextAddress))
        ir.stEnv(.i64, .u64, offset: StateOffset.request, constant(UInt64(what)))
        ir.exitTB(Int32(MIMIC_EXIT_REQUEST))
        return .end
    }

    /// A branch target cut to the instruction pointer's width outside 64-bit mode.
    mutating func instructionPointer(_ target: Temp) -> Temp {
        mode == .long64 ? target : zeroExtend(target, from: 4)
    }

    // MARK: Jumps, calls and returns

    mutating func liftJump() -> Flow {
        if case .relative(let target) = insn[0] {
            leave(to: target)
        } else {
            let target = instructionPointer(read(locate(operand: 0, bytes: operandBytes)))
            leave(toComputed: target)
        }
        return .end
    }

    mutating func liftConditionalJump() -> Flow {
        guard case .relative(let target) = insn[0] else { return raise(MIMIC_EXC_UD) }
        let (value, mask, cond) = conditionTest(insn.condition)
        let taken = ir.newLabel()
        ir.brcond(cond, .i64, value, mask, taken)
        leave(to: insn.nextAddress, slot: 0)
        ir.setLabel(taken)
        leave(to: target, slot: 1)
        return .end
    }

    mutating func liftCall() -> Flow {
        let size = stackOperandBytes
        if case .relative(let target) = insn[0] {
            push(constant(insn.nextAddress), bytes: size)
            leave(to: target)
        } else {
            // The target is read before the push: CALL [RSP] uses the old stack pointer.
            let target = instructionPointer(read(locate(operand: 0, bytes: size)))
            push(constant(insn.nextAddress), bytes: size)
            leave(toComputed: target)
        }
        return .end
    }

    mutating func liftReturn() -> Flow {
        let size = stackOperandBytes
        let sp = readStackPointer()
        let target = load(stackAddress(sp), bytes: size)
        var release = UInt64(size)
        if case .immediate(let v, _) = insn[0] { release += UInt64(v) & 0xFFFF }
        writeStackPointerLast(op(.add, sp, release))
        leave(toComputed: target)
        return .end
    }

    /// LOOP, LOOPE, LOOPNE and JRCXZ: the counter is RCX or ECX by address size.
    mutating func liftLoop(_ m: Mnemonic) -> Flow {
        guard case .relative(let target) = insn[0] else { return raise(MIMIC_EXC_UD) }
        let counterBytes = insn.addressBytes == 4 || mode == .protected32 ? 4 : 8
        let count = readGPR(number: 1, bytes: counterBytes)
        let taken: Temp
        if m == .jrcxz {
            taken = setcond(.eq, count, 0)
        } else {
            let remaining = zeroExtend(op(.sub, count, 1), from: counterBytes)
            writeGPR(number: 1, bytes: counterBytes, remaining)
            let nonzero = setcond(.ne, remaining, 0)
            switch m {
            case .loope: taken = op(.and, nonzero, readFlag(.zf))
            case .loopne: taken = op(.andc, nonzero, readFlag(.zf))
            default: taken = nonzero
            }
        }
        let label = ir.newLabel()
        ir.brcond(.ne, .i64, taken, zero, label)
        leave(to: insn.nextAddress, slot: 0)
        ir.setLabel(label)
        leave(to: target, slot: 1)
        return .end
    }
}
