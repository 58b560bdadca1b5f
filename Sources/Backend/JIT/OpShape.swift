import IR

/// The columns of `Op.info` the backend reads for every op (operand counts and flags), one
/// word per op in a table indexed by the op's raw value. `Op.info` is a switch, which compiles
/// to an indirect jump at each use, and the liveness pass and the compiler ask several times
/// per op.
struct OpShape {
    var ins: UInt8
    var outs: UInt8
    var flags: OpInfo.Flags
    /// The liveness pass must look closer: the op ends a basic block or the block, may fault,
    /// calls a helper, or addresses the CPU state directly (ldEnv, stEnv).
    var isSpecial: Bool

    /// The table, built on first use: 256 rows, so that any raw value indexes it.
    static let table: UnsafePointer<OpShape> = {
        let rows = UnsafeMutablePointer<OpShape>.allocate(capacity: 256)
        rows.initialize(repeating: OpShape(ins: 0, outs: 0, flags: [], isSpecial: false), count: 256)
        for op in Op.allCases {
            let info = op.info
            let special = !info.flags.isDisjoint(with: [.basicBlockEnd, .leavesBlock, .mayFault, .call]) || op == .ldEnv || op == .stEnv
            rows[Int(op.rawValue)] = OpShape(ins: UInt8(info.ins), outs: UInt8(info.outs), flags: info.flags, isSpecial: special)
        }
        return UnsafePointer(rows)
    }()
}
