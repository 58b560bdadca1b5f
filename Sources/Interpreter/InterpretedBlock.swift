import IR

/// A block made ready for the interpreter: its ops, where each label is, and the initial
/// value of every temp (constants filled in, globals by offset).
public struct InterpretedBlock: Sendable {
    public let insts: [Inst]
    /// Op index of each label's `setLabel`.
    public let labelTargets: [Int32]
    /// One entry per temp: the constant's value, or for a global its byte offset in the CPU state.
    public let tempValues: [UInt64]
    public let tempTypes: [IRType]
    public let globalCount: Int

    public init(_ block: IRBlock) {
        insts = block.insts
        var labels = [Int32](repeating: -1, count: block.labelCount)
        for (i, inst) in block.insts.enumerated() where inst.op == .setLabel {
            labels[Int(inst.imm)] = Int32(i)
        }
        labelTargets = labels
        tempValues = block.temps.map(\.value)
        tempTypes = block.temps.map(\.type)
        globalCount = block.globalCount
    }
}
