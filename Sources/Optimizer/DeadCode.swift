import IR

extension Optimizer {
    /// Removes pure ops (and `ld_env`) none of whose results is read again.
    ///
    /// Liveness of globals is computed over the block's basic blocks (branches and labels inside
    /// the block) until it settles. Globals are live where the CPU state must be exact: where the
    /// block leaves (except those in `deadAtChainedExit` at a `goto_tb`), before an op that may
    /// fault, and before a helper that reads the state or may raise. Between those points, a
    /// write to a global that is overwritten before it is read is dead — so a status flag set by
    /// one instruction and set again by the next is never computed.
    ///
    /// Locals read in a basic block other than the one that writes them are kept conservatively.
    public static func eliminateDeadCode(_ block: inout IRBlock) {
        let arena = ScratchArena.current
        let mark = arena.mark
        defer { arena.release(to: mark) }
        // The ops are moved out of the block so that compacting them copies nothing.
        var insts: [Inst] = []
        swap(&insts, &block.insts)
        let kept = insts.withUnsafeMutableBufferPointer { eliminateDeadCode($0, &block, arena) }
        insts.removeLast(insts.count - kept)
        swap(&insts, &block.insts)
    }

    /// Compacts `insts` to the live ops; returns how many remain. `block` is an inout
    /// parameter rather than captured by the caller's closure, which would copy it.
    static func eliminateDeadCode(_ insts: UnsafeMutableBufferPointer<Inst>, _ block: inout IRBlock, _ arena: ScratchArena) -> Int {
        var pass = DeadCodePass(UnsafeBufferPointer(insts), block, arena)
        pass.solve()
        var kept = 0
        for i in insts.indices where pass.keep[i] {
            insts[kept] = insts[i]
            kept += 1
        }
        return kept
    }
}

/// The backward liveness walk of `eliminateDeadCode`, per basic block.
struct DeadCodePass {
    let insts: UnsafeBufferPointer<Inst>
    let globalCount: Int
    let allGlobals: UInt64
    /// Globals live where the block leaves through goto_tb slot 0 and slot 1.
    let chainedExitLive: (UInt64, UInt64)
    let crossing: UnsafeMutableBufferPointer<Bool>
    /// Basic block b is insts[starts[b] ..< starts[b + 1]]; there are `count` of them.
    let starts: UnsafeMutableBufferPointer<Int>
    var count = 0
    /// Per basic block: the basic blocks it may continue in (-1: none).
    let successor0: UnsafeMutableBufferPointer<Int>
    let successor1: UnsafeMutableBufferPointer<Int>
    /// Globals live where a basic block leaves the translation block (0 when it does not).
    let exitLive: UnsafeMutableBufferPointer<UInt64>
    let liveIn: UnsafeMutableBufferPointer<UInt64>
    /// Every branch goes forward: one backward sweep over the basic blocks settles liveness.
    var forwardOnly = true
    let keep: UnsafeMutableBufferPointer<Bool>
    /// A local is live in the walk of the current basic block when its stamp is the current one.
    let localStamp: UnsafeMutableBufferPointer<UInt32>
    var stamp: UInt32 = 0

    init(_ insts: UnsafeBufferPointer<Inst>, _ block: IRBlock, _ arena: ScratchArena) {
        self.insts = insts
        globalCount = block.globalCount
        precondition(globalCount <= 64, "global liveness is a 64-bit mask")
        allGlobals = globalCount == 64 ? ~0 : (1 << UInt64(globalCount)) - 1
        let pc: UInt64 = 1 << UInt64(block.layout.programCounter)
        chainedExitLive = (allGlobals & ~block.deadAtChainedExit.0 & ~pc, allGlobals & ~block.deadAtChainedExit.1 & ~pc)
        crossing = arena.allocate(Bool.self, count: block.temps.count, repeating: false)
        keep = arena.allocate(Bool.self, count: insts.count, repeating: true)
        localStamp = arena.allocate(UInt32.self, count: block.temps.count, repeating: 0)
        let most = insts.count + 1
        starts = arena.allocate(Int.self, count: most + 1, repeating: 0)
        successor0 = arena.allocate(Int.self, count: most, repeating: -1)
        successor1 = arena.allocate(Int.self, count: most, repeating: -1)
        exitLive = arena.allocate(UInt64.self, count: most, repeating: 0)
        liveIn = arena.allocate(UInt64.self, count: most, repeating: 0)
        findBasicBlocks(labelBlock: arena.allocate(Int.self, count: block.labelCount, repeating: -1),
                        writtenIn: arena.allocate(Int32.self, count: block.temps.count, repeating: -1), block.temps)
    }

    /// Cuts the ops into basic blocks and finds the locals whose value flows between basic
    /// blocks (written in one, read in another, or written in several): the walk tracks locals
    /// within one basic block, so these stay live.
    mutating func findBasicBlocks(labelBlock: UnsafeMutableBufferPointer<Int>, writtenIn: UnsafeMutableBufferPointer<Int32>,
                                  _ temps: [TempInfo]) {
        count = 1
        starts[0] = 0
        let hasLabels = labelBlock.count > 0
        for i in insts.indices {
            let inst = insts[i]
            let info = inst.op.info
            if (inst.op == .br || inst.op == .brcond) && labelBlock[Int(inst.imm)] >= 0 { forwardOnly = false }
            if inst.op == .setLabel {
                if starts[count - 1] != i {
                    starts[count] = i
                    count += 1
                }
                labelBlock[Int(inst.imm)] = count - 1
            }
            // Without labels there are no crossing locals: control can continue past a
            // basic-block end (an exit) only at a label, so what follows one is dead code.
            guard hasLabels else {
                if info.flags.contains(.basicBlockEnd), i + 1 < insts.count {
                    starts[count] = i + 1
                    count += 1
                }
                continue
            }
            let basicBlock = Int32(count - 1)
            for a in 0..<info.ins {
                let t = inst.input(a)
                guard !t.isNone, Int(t.index) >= globalCount, writtenIn[Int(t.index)] != basicBlock,
                      temps[Int(t.index)].kind == .local else { continue }
                crossing[Int(t.index)] = true
            }
            for o in 0..<info.outs {
                let d = inst.output(o)
                guard !d.isNone, Int(d.index) >= globalCount else { continue }
                let w = writtenIn[Int(d.index)]
                if w >= 0, w != basicBlock { crossing[Int(d.index)] = true }
                writtenIn[Int(d.index)] = basicBlock
            }
            if info.flags.contains(.basicBlockEnd), inst.op != .setLabel, i + 1 < insts.count {
                starts[count] = i + 1
                count += 1
            }
        }
        starts[count] = insts.count
        for b in 0..<count {
            let last = starts[b + 1] > starts[b] ? insts[starts[b + 1] - 1] : Inst(.setLabel)
            let next = b + 1 < count ? b + 1 : -1
            switch last.op {
            case .br:
                successor0[b] = labelBlock[Int(last.imm)]
            case .brcond:
                successor0[b] = labelBlock[Int(last.imm)]
                successor1[b] = next
                exitLive[b] = next < 0 ? allGlobals : 0
            case .gotoTB:
                exitLive[b] = last.slot == 0 ? chainedExitLive.0 : chainedExitLive.1
            case .exitTB, .lookupAndGoto:
                exitLive[b] = allGlobals
            default:
                successor0[b] = next
                exitLive[b] = next < 0 ? allGlobals : 0
            }
        }
    }

    mutating func solve() {
        let count = self.count
        if forwardOnly {
            // Successors come later, so walking the basic blocks from the last one sees each
            // successor's final liveness before its predecessors.
            for b in stride(from: count - 1, through: 0, by: -1) { liveIn[b] = walk(b, liveOut(b), apply: true) }
            return
        }
        var changed = true
        while changed {
            changed = false
            for b in stride(from: count - 1, through: 0, by: -1) {
                let live = walk(b, liveOut(b), apply: false)
                if live != liveIn[b] {
                    liveIn[b] = live
                    changed = true
                }
            }
        }
        for b in 0..<count { _ = walk(b, liveOut(b), apply: true) }
    }

    func liveOut(_ b: Int) -> UInt64 {
        var live = exitLive[b]
        let s0 = successor0[b], s1 = successor1[b]
        if s0 >= 0 { live |= liveIn[s0] }
        if s1 >= 0 { live |= liveIn[s1] }
        return live
    }

    /// Walks basic block `b` backward from the globals live at its end; returns those live at
    /// its start. With `apply`, marks the ops it finds dead.
    mutating func walk(_ b: Int, _ out: UInt64, apply: Bool) -> UInt64 {
        var globals = out
        stamp &+= 1
        var i = starts[b + 1]
        while i > starts[b] {
            i -= 1
            let inst = insts[i]
            let info = inst.op.info
            if !info.flags.contains(.sideEffects) {
                var used = false
                for o in 0..<info.outs where isLive(inst.output(o), globals) { used = true }
                if !used {
                    if apply { keep[i] = false }
                    continue
                }
            }
            for o in 0..<info.outs { kill(inst.output(o), &globals) }
            for a in 0..<info.ins { use(inst.input(a), &globals) }
            // The state must be exact before an op that may fault or a helper that looks at it.
            if info.flags.contains(.mayFault) {
                globals = allGlobals
            } else if inst.op == .call, !Helpers.flags(Int(inst.imm)).isDisjoint(with: [.readsState, .mayRaise]) {
                globals = allGlobals
            }
        }
        return globals
    }

    func isLive(_ t: Temp, _ globals: UInt64) -> Bool {
        if t.isNone { return false }
        let i = Int(t.index)
        if i < globalCount { return globals & (1 << UInt64(i)) != 0 }
        return crossing[i] || localStamp[i] == stamp
    }

    mutating func kill(_ t: Temp, _ globals: inout UInt64) {
        if t.isNone { return }
        let i = Int(t.index)
        if i < globalCount { globals &= ~(1 << UInt64(i)) } else { localStamp[i] = 0 }
    }

    mutating func use(_ t: Temp, _ globals: inout UInt64) {
        if t.isNone { return }
        let i = Int(t.index)
        if i < globalCount { globals |= 1 << UInt64(i) } else { localStamp[i] = stamp }
    }
}
