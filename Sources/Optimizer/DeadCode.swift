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

/// The backward liveness walk of `eliminateDeadCode`.
///
/// Most blocks branch only forward (a Jcc's two exits, a skipped helper call): one backward
/// walk over the ops then settles liveness, taking the globals live at a label from the walk
/// that already passed it. A block with a backward branch (a REP loop) is cut into basic blocks
/// whose liveness is iterated until it settles.
struct DeadCodePass {
    let insts: UnsafeBufferPointer<Inst>
    let globalCount: Int
    let allGlobals: UInt64
    /// Globals live where the block leaves through goto_tb slot 0 and slot 1.
    let chainedExitLive: (UInt64, UInt64)
    let labelCount: Int
    let tempCount: Int
    /// Locals whose value may flow past a label: kept wherever they are written.
    let crossing: UnsafeMutableBufferPointer<Bool>
    let keep: UnsafeMutableBufferPointer<Bool>
    /// A local is live when its stamp is nonzero: the stamp of the region (the ops between two
    /// labels) that reads it. Read again in an earlier region, or written in one, it may flow
    /// through a label, and becomes crossing.
    let localStamp: UnsafeMutableBufferPointer<UInt32>
    var stamp: UInt32 = 1
    let arena: ScratchArena

    init(_ insts: UnsafeBufferPointer<Inst>, _ block: IRBlock, _ arena: ScratchArena) {
        self.insts = insts
        self.arena = arena
        globalCount = block.globalCount
        precondition(globalCount <= 64, "global liveness is a 64-bit mask")
        allGlobals = globalCount == 64 ? ~0 : (1 << UInt64(globalCount)) - 1
        let pc: UInt64 = 1 << UInt64(block.layout.programCounter)
        chainedExitLive = (allGlobals & ~block.deadAtChainedExit.0 & ~pc, allGlobals & ~block.deadAtChainedExit.1 & ~pc)
        labelCount = block.labelCount
        tempCount = block.temps.count
        crossing = arena.allocate(Bool.self, count: tempCount, repeating: false)
        keep = arena.allocate(Bool.self, count: insts.count, repeating: true)
        localStamp = arena.allocate(UInt32.self, count: tempCount, repeating: 0)
    }

    mutating func solve() {
        if !solveForwardOnly() {
            keep.update(repeating: true)
            crossing.update(repeating: false)
            localStamp.update(repeating: 0)
            solveByBasicBlocks()
        }
    }

    /// The one backward walk; false (with `keep` partly filled) when a branch goes backward.
    mutating func solveForwardOnly() -> Bool {
        let liveAtLabel = arena.allocate(UInt64.self, count: labelCount, repeating: 0)
        let seen = arena.allocate(Bool.self, count: labelCount, repeating: false)
        var globals = allGlobals
        var i = insts.count
        while i > 0 {
            i -= 1
            let inst = insts[i]
            switch inst.op {
            case .setLabel:
                liveAtLabel[Int(inst.imm)] = globals
                seen[Int(inst.imm)] = true
                stamp &+= 1
                continue
            case .br:
                guard seen[Int(inst.imm)] else { return false }
                globals = liveAtLabel[Int(inst.imm)]
                continue
            case .brcond:
                guard seen[Int(inst.imm)] else { return false }
                globals |= liveAtLabel[Int(inst.imm)]
            case .gotoTB:
                globals = inst.slot == 0 ? chainedExitLive.0 : chainedExitLive.1
                continue
            case .exitTB, .lookupAndGoto:
                globals = allGlobals
            default:
                break
            }
            if !step(inst, &globals) { keep[i] = false }
        }
        return true
    }

    /// One op of a backward walk, from the globals live after it to those live before it;
    /// false when the op is dead.
    @inline(__always)
    mutating func step(_ inst: Inst, _ globals: inout UInt64) -> Bool {
        let info = inst.op.info
        if !info.flags.contains(.sideEffects) {
            var used = false
            for o in 0..<info.outs where isLive(inst.output(o), globals) { used = true }
            if !used { return false }
        }
        for o in 0..<info.outs { kill(inst.output(o), &globals) }
        for a in 0..<info.ins { use(inst.input(a), &globals) }
        // The state must be exact before an op that may fault or a helper that looks at it.
        if info.flags.contains(.mayFault) {
            globals = allGlobals
        } else if inst.op == .call, !Helpers.flags(Int(inst.imm)).isDisjoint(with: [.readsState, .mayRaise]) {
            globals = allGlobals
        }
        return true
    }

    func isLive(_ t: Temp, _ globals: UInt64) -> Bool {
        if t.isNone { return false }
        let i = Int(t.index)
        if i < globalCount { return globals & (1 << UInt64(i)) != 0 }
        return crossing[i] || localStamp[i] != 0
    }

    mutating func kill(_ t: Temp, _ globals: inout UInt64) {
        if t.isNone { return }
        let i = Int(t.index)
        if i < globalCount {
            globals &= ~(1 << UInt64(i))
        } else if localStamp[i] == stamp {
            localStamp[i] = 0
        } else if localStamp[i] != 0 {
            crossing[i] = true
        }
    }

    mutating func use(_ t: Temp, _ globals: inout UInt64) {
        if t.isNone { return }
        let i = Int(t.index)
        if i < globalCount {
            globals |= 1 << UInt64(i)
        } else {
            if localStamp[i] != 0, localStamp[i] != stamp { crossing[i] = true }
            localStamp[i] = stamp
        }
    }
}

/// The walk for blocks with a backward branch: liveness per basic block, iterated.
extension DeadCodePass {
    mutating func solveByBasicBlocks() {
        let most = insts.count + 1
        // Basic block b is insts[starts[b] ..< starts[b + 1]].
        let starts = arena.allocate(Int.self, count: most + 1, repeating: 0)
        // Per basic block: where it may continue (-1: nowhere), the globals live where it leaves
        // the translation block (0 when it does not), those live at its start.
        let successor0 = arena.allocate(Int.self, count: most, repeating: -1)
        let successor1 = arena.allocate(Int.self, count: most, repeating: -1)
        let exitLive = arena.allocate(UInt64.self, count: most, repeating: 0)
        let liveIn = arena.allocate(UInt64.self, count: most, repeating: 0)
        let labelBlock = arena.allocate(Int.self, count: labelCount, repeating: -1)
        var count = 1
        for i in insts.indices {
            let inst = insts[i]
            if inst.op == .setLabel {
                if starts[count - 1] != i {
                    starts[count] = i
                    count += 1
                }
                labelBlock[Int(inst.imm)] = count - 1
            } else if inst.op.info.flags.contains(.basicBlockEnd), i + 1 < insts.count {
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
        func liveOut(_ b: Int) -> UInt64 {
            var live = exitLive[b]
            if successor0[b] >= 0 { live |= liveIn[successor0[b]] }
            if successor1[b] >= 0 { live |= liveIn[successor1[b]] }
            return live
        }
        // A local read anywhere but where it is written flows between basic blocks: the walk of
        // one basic block keeps it live throughout.
        let writtenIn = arena.allocate(Int32.self, count: tempCount, repeating: -1)
        var b: Int32 = 0
        for i in insts.indices {
            if b + 1 < count, starts[Int(b) + 1] == i { b += 1 }
            let inst = insts[i]
            let info = inst.op.info
            for a in 0..<info.ins {
                let t = inst.input(a)
                guard !t.isNone, Int(t.index) >= globalCount, writtenIn[Int(t.index)] != b else { continue }
                crossing[Int(t.index)] = true
            }
            for o in 0..<info.outs {
                let d = inst.output(o)
                guard !d.isNone, Int(d.index) >= globalCount else { continue }
                if writtenIn[Int(d.index)] >= 0, writtenIn[Int(d.index)] != b { crossing[Int(d.index)] = true }
                writtenIn[Int(d.index)] = b
            }
        }
        var changed = true
        while changed {
            changed = false
            for b in stride(from: count - 1, through: 0, by: -1) {
                let live = walk(starts[b]..<starts[b + 1], liveOut(b), apply: false)
                if live != liveIn[b] {
                    liveIn[b] = live
                    changed = true
                }
            }
        }
        for b in 0..<count { _ = walk(starts[b]..<starts[b + 1], liveOut(b), apply: true) }
    }

    /// Walks one basic block backward from the globals live at its end; returns those live at
    /// its start. With `apply`, marks the ops it finds dead.
    mutating func walk(_ ops: Range<Int>, _ out: UInt64, apply: Bool) -> UInt64 {
        var globals = out
        stamp &+= 1
        for i in ops.reversed() {
            if !step(insts[i], &globals), apply { keep[i] = false }
        }
        return globals
    }
}
