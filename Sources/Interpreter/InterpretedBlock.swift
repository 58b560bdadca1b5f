import IR

/// A block made ready for the interpreter: its ops, where each label is, and how to read each
/// temp (from the CPU state for a global, from this table for a constant, from the scratch
/// area for a local). Kept in plain memory so running it touches no reference counts.
public final class InterpretedBlock: @unchecked Sendable {
    enum Kind: UInt8 {
        case global64, global32, constant, local
    }

    let insts: UnsafeMutableBufferPointer<Inst>
    /// Op index of each label's `setLabel`.
    let labelTargets: UnsafeMutableBufferPointer<Int32>
    /// A constant's value, or a global's byte offset in the CPU state.
    let tempValues: UnsafeMutableBufferPointer<UInt64>
    let tempKinds: UnsafeMutableBufferPointer<Kind>
    /// Where `gotoTB` stores its target: the program counter's byte offset in the CPU state.
    let programCounterOffset: Int

    public init(_ block: IRBlock) {
        insts = .allocate(capacity: block.insts.count)
        _ = insts.initialize(from: block.insts)
        labelTargets = .allocate(capacity: max(1, block.labelCount))
        labelTargets.initialize(repeating: -1)
        for (i, inst) in block.insts.enumerated() where inst.op == .setLabel {
            labelTargets[Int(inst.imm)] = Int32(i)
        }
        programCounterOffset = block.layout.globals[block.layout.programCounter].offset
        tempValues = .allocate(capacity: block.temps.count)
        tempKinds = .allocate(capacity: block.temps.count)
        for (i, info) in block.temps.enumerated() {
            tempValues[i] = info.value
            switch info.kind {
            case .global: tempKinds[i] = info.type == .i64 ? .global64 : .global32
            case .const: tempKinds[i] = .constant
            case .local: tempKinds[i] = .local
            }
        }
    }

    deinit {
        insts.deallocate()
        labelTargets.deallocate()
        tempValues.deallocate()
        tempKinds.deallocate()
    }

    var tempCount: Int { tempValues.count }
}
