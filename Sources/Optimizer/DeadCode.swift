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
        var pass = DeadCodePass(block)
        pass.solve()
        let keep = pass.keep
        var out: [Inst] = []
        out.reserveCapacity(block.insts.count)
        for (i, inst) in block.insts.enumerated() where keep[i] { out.append(inst) }
        block.insts = out
    }
}

/// The backward liveness walk of `eliminateDeadCode`, per basic block.
struct DeadCodePass {
    let insts: [Inst]
    let globalCount: Int
    let allGlobals: UInt64
    /// Globals live where the block leaves through goto_tb slot 0 and slot 1.
    let chainedExitLive: (UInt64, UInt64)
    let crossing: [Bool]
    /// Basic block b is insts[starts[b] ..< starts[b + 1]].
    var starts: [Int] = []
    var successors: [(Int, Int)] = []
    /// Globals live where a basic block leaves the translation block (0 when it does not).
    var exitLive: [UInt64] = []
    var liveIn: [UInt64] = []
    /// Every branch goes forward: one backward sweep over the basic blocks settles liveness.
    var forwardOnly = true
    var keep: [Bool]
    /// A local is live in the walk of the current basic block when its stamp is the current one.
    var localStamp: [UInt32]
    var stamp: UInt32 = 0

    init(_ block: IRBlock) {
        insts = block.insts
        globalCount = block.globalCount
        precondition(globalCount <= 64, "global liveness is a 64-bit mask")
        allGlobals = globalCount == 64 ? ~0 : (1 << UInt64(globalCount)) - 1
        let pc: UInt64 = 1 << UInt64(block.layout.programCounter)
        chainedExitLive = (allGlobals & ~block.deadAtChainedExit.0 & ~pc, allGlobals & ~block.deadAtChainedExit.1 & ~pc)
        crossing = Optimizer.localsCrossingBasicBlocks(block)
        keep = [Bool](repeating: true, count: block.insts.count)
        localStamp = [UInt32](repeating: 0, count: block.temps.count)
        findBasicBlocks(labelCount: block.labelCount)
    }

    mutating func findBasicBlocks(labelCount: Int) {
        var labelBlock = [Int](repeating: -1, count: labelCount)
        starts = [0]
        for (i, inst) in insts.enumerated() {
            if (inst.op == .br || inst.op == .brcond) && labelBlock[Int(inst.imm)] >= 0 { forwardOnly = false }
            if inst.op == .setLabel {
                if starts.last! != i { starts.append(i) }
                labelBlock[Int(inst.imm)] = starts.count - 1
            } else if inst.op.info.flags.contains(.basicBlockEnd), i + 1 < insts.count {
                starts.append(i + 1)
            }
        }
        let count = starts.count
        starts.append(insts.count)
        for b in 0..<count {
            let last = starts[b + 1] > starts[b] ? insts[starts[b + 1] - 1] : Inst(.setLabel)
            let next = b + 1 < count ? b + 1 : -1
            switch last.op {
            case .br: successors.append((labelBlock[Int(last.imm)], -1)); exitLive.append(0)
            case .brcond: successors.append((labelBlock[Int(last.imm)], next)); exitLive.append(next < 0 ? allGlobals : 0)
            case .gotoTB:
                successors.append((-1, -1))
                exitLive.append(last.slot == 0 ? chainedExitLive.0 : chainedExitLive.1)
            case .exitTB, .lookupAndGoto: successors.append((-1, -1)); exitLive.append(allGlobals)
            default: successors.append((next, -1)); exitLive.append(next < 0 ? allGlobals : 0)
            }
        }
        liveIn = [UInt64](repeating: 0, count: count)
    }

    mutating func solve() {
        let count = liveIn.count
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
        let (s0, s1) = successors[b]
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
            } else if inst.op == .call, !Helpers[Int(inst.imm)].flags.isDisjoint(with: [.readsState, .mayRaise]) {
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

extension Optimizer {
    /// Locals whose value flows between basic blocks (written in one, read in another, or
    /// written in several): the walk tracks locals within one basic block, so these stay live.
    static func localsCrossingBasicBlocks(_ block: IRBlock) -> [Bool] {
        var crossing = [Bool](repeating: false, count: block.temps.count)
        var writtenIn = [Int32](repeating: -1, count: block.temps.count)
        var basicBlock: Int32 = 0
        for inst in block.insts {
            let info = inst.op.info
            if inst.op == .setLabel { basicBlock += 1 }
            for a in 0..<info.ins {
                let t = inst.input(a)
                guard !t.isNone, !block.isGlobal(t) else { continue }
                let w = writtenIn[Int(t.index)]
                if w != basicBlock, block.temps[Int(t.index)].kind == .local { crossing[Int(t.index)] = true }
            }
            for o in 0..<info.outs {
                let d = inst.output(o)
                guard !d.isNone, !block.isGlobal(d) else { continue }
                let w = writtenIn[Int(d.index)]
                if w >= 0, w != basicBlock { crossing[Int(d.index)] = true }
                writtenIn[Int(d.index)] = basicBlock
            }
            if info.flags.contains(.basicBlockEnd), inst.op != .setLabel { basicBlock += 1 }
        }
        return crossing
    }
}
