import CCPU
import IR
import X86

/// Where instructions that run as host instructions go (SSE, MMX, x87, and locked
/// read-modify-writes that must be atomic: see the HostThunks target): the runtime that owns
/// the thunks supplies this to the lifter.
public struct HostInstructions: Sendable {
    /// Whether an instruction is one the thunks run (locked read-modify-writes aside: the lifter
    /// sends those by `LifterOptions.atomicLocks`).
    public var handles: @Sendable (Instruction) -> Bool
    /// The helper that runs an instruction given its encoding (the bytes are only borrowed for
    /// the call), or nil when it cannot run (#UD).
    public var helper: @Sendable (Instruction, UnsafeRawBufferPointer) -> Int?

    public init(handles: @escaping @Sendable (Instruction) -> Bool,
                helper: @escaping @Sendable (Instruction, UnsafeRawBufferPointer) -> Int?) {
        self.handles = handles
        self.helper = helper
    }
}

extension Instruction {
    /// A read-modify-write that is atomic on x86: LOCK with a memory destination (the decoder
    /// accepts LOCK nowhere else) or XCHG with memory, locked without the prefix.
    var isAtomicReadModifyWrite: Bool {
        switch mnemonic {
        case .add, .or, .adc, .sbb, .and, .sub, .xor, .inc, .dec, .not, .neg,
             .cmpxchg, .xadd, .bts, .btr, .btc, .cmpxchg8b, .cmpxchg16b:
            guard case .memory = self[0] else { return false }
            return prefixes.contains(.lock)
        case .xchg:
            if case .memory = self[0] { return true }
            if case .memory = self[1] { return true }
            return false
        default:
            return false
        }
    }
}

extension LifterOptions {
    /// Whether `insn` runs as the host instruction so that it is atomic against other threads.
    /// Never in system mode: the thunk's address is a user-mode linear one (guest memory at
    /// mem_base + address), not a virtual address to translate.
    func runsAtomicallyOnHost(_ insn: Instruction) -> Bool {
        atomicLocks && !system && insn.isAtomicReadModifyWrite
    }
}

extension BlockTranslator {
    /// An instruction run by a host-instruction thunk: its memory operand's linear address is
    /// the one argument; the thunk reads and writes the registers it names in the CPU state.
    mutating func runOnHost(helper: Int?) -> Flow {
        guard let helper else { return raise(MIMIC_EXC_UD) }
        var arguments: [Temp] = []
        for i in 0..<insn.operandCount {
            if case .memory(let m) = insn[i] { arguments.append(hostOperandAddress(m)) }
        }
        ir.call(helper, arguments)
        return .next
    }

    /// The linear address the thunk's instruction accesses. BTS, BTR and BTC with a register
    /// bit offset address a bit string: the unit holding the bit is operand-sized, at the
    /// offset's floor division by the width (signed) from the operand, and the thunk runs the
    /// instruction there with the offset reduced modulo the width, so the host touches only
    /// the bytes checked against guest memory.
    mutating func hostOperandAddress(_ m: MemoryOperand) -> Temp {
        switch insn.mnemonic {
        case .bt, .bts, .btr, .btc:
            guard case .register(let r) = insn[1] else { break }
            let w = operandBytes
            let offset = signExtend(readGPR(r), from: w)
            let unitOffset = op(.shl, op(.sar, offset, UInt64((8 * w).trailingZeroBitCount)), UInt64(w.trailingZeroBitCount))
            var address = op(.add, effectiveAddress(m), unitOffset)
            if addressBytes(m) == 4 { address = zeroExtend(address, from: 4) }
            return addSegmentBase(address, m.segment ?? insn.segment)
        default:
            break
        }
        return linearAddress(m)
    }
}
