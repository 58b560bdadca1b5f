import CCPU
import IR
import X86

/// The stack, EFLAGS images, ENTER and LEAVE.
extension BlockTranslator {
    /// Width of a pushed value: 8 (or 2 with 66) in 64-bit mode, 4 (or 2) in 32-bit mode.
    var pushBytes: Int {
        if operandBytes == 2 { return 2 }
        return mode == .long64 ? 8 : 4
    }

    /// Width of a return address: fixed at 8 in 64-bit mode.
    var stackOperandBytes: Int { mode == .long64 ? 8 : pushBytes }

    var stackPointerBytes: Int { mode == .long64 ? 8 : 4 }

    mutating func readStackPointer() -> Temp { readGPR(number: 4, bytes: stackPointerBytes) }
    mutating func writeStackPointer(_ v: Temp) { writeGPR(number: 4, bytes: stackPointerBytes, v) }
    /// As `writeStackPointer`, for the instruction's last use of `v` (see `writeGPRLast`).
    mutating func writeStackPointerLast(_ v: Temp) { writeGPRLast(Register.gpr(4, bytes: stackPointerBytes), v) }

    /// The guest address of a stack slot (SS has base 0), wrapped to the stack pointer's width.
    mutating func stackAddress(_ sp: Temp) -> Temp { zeroExtend(sp, from: stackPointerBytes) }

    /// Pushes `value`; the stack pointer changes only after the store succeeds.
    mutating func push(_ value: Temp, bytes: Int) {
        let sp = stackAddress(op(.sub, readStackPointer(), UInt64(bytes)))
        store(sp, bytes: bytes, value)
        writeStackPointer(sp)
    }

    mutating func liftPush() -> Flow {
        let bytes = pushBytes
        let value = readLow(locate(operand: 0, bytes: bytes))  // stored at its width
        push(value, bytes: bytes)
        return .next
    }

    mutating func liftPop() -> Flow {
        let bytes = pushBytes
        let sp = readStackPointer()
        let value = load(stackAddress(sp), bytes: bytes)
        if case .register(let r) = insn[0], r.file == .gpr64 || r.file == .gpr32, r.number != 4 {
            // The load writes the register, then the stack pointer moves: nothing is written
            // before the load has succeeded.
            writeGPRLast(r, value)
            writeStackPointerLast(stackAddress(op(.add, sp, UInt64(bytes))))
            return .next
        }
        let newSP = stackAddress(op(.add, sp, UInt64(bytes)))
        switch insn[0] {
        case .memory(let m):
            // The destination address uses the incremented stack pointer (POP [RSP+8]).
            store(linearAddress(m, stackPointer: newSP), bytes: bytes, value)
            writeStackPointer(newSP)
        case .register(let r):
            writeStackPointer(newSP)
            writeGPR(r, value)  // POP RSP keeps the popped value
        default:
            return raise(MIMIC_EXC_UD)
        }
        return .next
    }

    // MARK: EFLAGS

    /// EFLAGS bits that POPF may change at CPL 3 besides the status flags and DF: TF, NT, AC, ID.
    /// IF and IOPL are left alone, as the CPU does at CPL 3 with IOPL 0.
    static let popfWritableRest: UInt64 = 1 << 8 | 1 << 14 | 1 << 18 | 1 << 21

    /// The EFLAGS image: the status flags and DF from their globals, the rest from `eflags_rest`;
    /// RF and VM read as 0 in a pushed image, bit 1 as 1.
    mutating func flagsImage() -> Temp {
        let rest = ir.ldEnv(.i64, .u64, offset: StateOffset.eflagsRest)
        var image = op(.or, op(.and, rest, ~UInt64(0x3_0000)), 2)
        image = op(.or, image, X86Globals.flags)
        return op(.or, image, op(.shl, X86Globals.df, 10))
    }

    mutating func liftPushFlags() -> Flow {
        let bytes = pushBytes
        push(flagsImage(), bytes: bytes)
        return .next
    }

    mutating func liftPopFlags() -> Flow {
        let bytes = pushBytes
        let sp = readStackPointer()
        let value = load(stackAddress(sp), bytes: bytes)
        writeStackPointer(stackAddress(op(.add, sp, UInt64(bytes))))
        let writable = bytes == 2 ? Self.popfWritableRest & 0xFFFF : Self.popfWritableRest
        let rest = ir.ldEnv(.i64, .u64, offset: StateOffset.eflagsRest)
        let newRest = op(.or, op(.and, rest, ~writable), op(.and, value, writable))
        ir.stEnv(.i64, .u64, offset: StateOffset.eflagsRest, newRest)
        commit(FlagValues(word: value, mask: StatusFlags.all))
        ir.mov(X86Globals.df, bit(value, 10))
        return .next
    }

    /// LAHF: AH = SF:ZF:0:AF:0:PF:1:CF.
    mutating func liftLoadAHFromFlags() -> Flow {
        let ah = op(.or, op(.and, X86Globals.flags, 0xFF), 2)
        writeGPR(Register(.gpr8High, 4), ah)
        return .next
    }

    /// SAHF: SF, ZF, AF, PF and CF from AH.
    mutating func liftStoreAHIntoFlags() -> Flow {
        let ah = readGPR(Register(.gpr8High, 4))
        commit(FlagValues(word: ah, mask: StatusFlags.all & 0xFF))
        return .next
    }

    // MARK: Frames

    /// ENTER size, level: pushes RBP, copies `level - 1` frame pointers from the enclosing
    /// frame, pushes the new frame pointer, then allocates `size` bytes.
    mutating func liftEnter() -> Flow {
        var size: UInt64 = 0, level = 0
        if case .immediate(let v, _) = insn[0] { size = UInt64(v) & 0xFFFF }
        if case .immediate(let v, _) = insn[1] { level = Int(v & 31) }
        let bytes = pushBytes
        let oldFrame = readGPR(number: 5, bytes: bytes)
        var sp = stackAddress(op(.sub, readStackPointer(), UInt64(bytes)))
        store(sp, bytes: bytes, oldFrame)
        let frame = sp
        if level > 0 {
            let framePointer = readGPR(number: 5, bytes: stackPointerBytes)
            for i in 1..<level {
                let slot = stackAddress(op(.sub, framePointer, UInt64(i * bytes)))
                let v = load(slot, bytes: bytes)
                sp = stackAddress(op(.sub, sp, UInt64(bytes)))
                store(sp, bytes: bytes, v)
            }
            sp = stackAddress(op(.sub, sp, UInt64(bytes)))
            store(sp, bytes: bytes, frame)
        }
        writeGPR(number: 5, bytes: bytes, frame)
        writeStackPointer(stackAddress(op(.sub, sp, size)))
        return .next
    }

    /// LEAVE: RSP = RBP, then pop RBP.
    mutating func liftLeave() -> Flow {
        let bytes = pushBytes
        let framePointer = readGPR(number: 5, bytes: stackPointerBytes)
        let value = load(stackAddress(framePointer), bytes: bytes)
        writeStackPointer(stackAddress(op(.add, framePointer, UInt64(bytes))))
        writeGPR(number: 5, bytes: bytes, value)
        return .next
    }
}
