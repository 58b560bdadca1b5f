import CCPU
import IR
import X86

/// Where instructions that run as host instructions go (SSE, MMX, x87: see the HostThunks
/// target): the runtime that owns the thunks supplies this to the lifter.
public struct HostInstructions: Sendable {
    /// Whether an instruction is one the thunks run.
    public var handles: @Sendable (Instruction) -> Bool
    /// The helper that runs an instruction given its encoding, or nil when it cannot run (#UD).
    public var helper: @Sendable (Instruction, [UInt8]) -> Int?

    public init(handles: @escaping @Sendable (Instruction) -> Bool,
                helper: @escaping @Sendable (Instruction, [UInt8]) -> Int?) {
        self.handles = handles
        self.helper = helper
    }
}

extension BlockTranslator {
    /// An instruction run by a host-instruction thunk: its memory operand's linear address is
    /// the one argument; the thunk reads and writes the registers it names in the CPU state.
    mutating func runOnHost(helper: Int?) -> Flow {
        guard let helper else { return raise(MIMIC_EXC_UD) }
        var arguments: [Temp] = []
        for i in 0..<insn.operandCount {
            if case .memory(let m) = insn[i] { arguments.append(linearAddress(m)) }
        }
        ir.call(helper, arguments)
        return .next
    }
}
