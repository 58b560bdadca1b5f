import IR

/// The optimizer: runs its passes in order over one block.
///
/// 1. `propagate`: constant folding and propagation, copy propagation, algebraic identities and
///    branch folding, in one forward walk (each fact learned feeds the next op).
/// 2. `foldFlagConditions`: a condition tested on a flags word becomes a direct comparison of
///    the operands the flags came from.
/// 3. `sinkIntoExits`: work computed before a conditional branch that only the exits need
///    moves into both exits, so that each copy can die where it is not needed.
/// 4. `eliminateDeadCode`: a backward liveness walk that removes pure ops whose results are never
///    read, including writes to globals that are overwritten before any read — which is how the
///    status flags that x86 computes on nearly every instruction cost nothing when unused.
public enum Optimizer {
    public static func optimize(_ block: inout IRBlock) {
        let arena = ScratchArena.current
        let mark = arena.mark
        defer { arena.release(to: mark) }
        // What the first propagation learns of the locals' widths spares the flag conditions
        // zero-extensions (and so, mostly, a second propagation).
        let widths = arena.allocate(UInt8.self, count: block.temps.count + block.insts.count + 1, repeating: 64)
        propagate(&block, widths: widths)
        if foldFlagConditions(&block, widths: widths) { propagate(&block) }
        sinkIntoExits(&block)
        eliminateDeadCode(&block)
    }
}
