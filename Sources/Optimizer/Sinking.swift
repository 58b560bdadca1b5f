import IR

extension Optimizer {
    /// Moves work that only the exits need below a conditional branch.
    ///
    /// A guest Jcc ends its block with `brcond` and two exits, each its own basic block that
    /// leaves through `goto_tb`. Flags, register writes and the like computed before the branch
    /// may be needed on one exit only — a loop's back edge leads to code that overwrites the
    /// flags, its exit does not. Copying such ops into both exits (as fresh temps in the second)
    /// lets dead-code elimination drop each copy where it is dead, so the loop body stops paying
    /// for what only the loop's exit uses.
    public static func sinkIntoExits(_ block: inout IRBlock) {
        guard block.labelCount > 0 else { return }
        let arena = ScratchArena.current
        let mark = arena.mark
        defer { arena.release(to: mark) }
        // How many ops name each label (its setLabel included); sinking moves no such op.
        let labelUses = arena.allocate(Int32.self, count: block.labelCount, repeating: 0)
        for inst in block.insts where inst.op.info.imm == .label { labelUses[Int(inst.imm)] += 1 }
        var index = block.insts.count - 1
        while index >= 0 {
            if block.insts[index].op == .brcond, labelUses[Int(block.insts[index].imm)] == 2,
               let sinking = Sinking(block, branch: index, arena) {
                sinking.apply(&block, arena)
            }
            index -= 1
        }
    }
}

struct Sinking {
    let branch: Int
    let start: Int
    let labelAt: Int
    let labelEnd: Int
    /// The indices of the ops that move, in order.
    let moved: UnsafeMutableBufferPointer<Int>

    /// Plans the sinking for the brcond at `branch` (whose label nothing else jumps to), or nil
    /// when its shape does not allow it: the fall-through and the target must be basic blocks
    /// entered only from this branch that leave the translation block.
    init?(_ block: IRBlock, branch: Int, _ arena: ScratchArena) {
        let insts = block.insts
        let label = insts[branch].imm
        guard branch + 1 < insts.count, insts[branch + 1].op != .setLabel else { return nil }
        guard let fallEnd = Sinking.exitEnd(insts, from: branch + 1) else { return nil }
        var labelAt = fallEnd + 1
        while labelAt < insts.count, !(insts[labelAt].op == .setLabel && insts[labelAt].imm == label) { labelAt += 1 }
        guard labelAt < insts.count,
              insts[labelAt - 1].op.info.flags.contains(.leavesBlock) || insts[labelAt - 1].op == .br,
              let labelEnd = Sinking.exitEnd(insts, from: labelAt + 1) else { return nil }
        var start = branch
        while start > 0 {
            let previous = insts[start - 1]
            if previous.op == .setLabel || previous.op.info.flags.contains(.basicBlockEnd) { break }
            start -= 1
        }

        // Walk back from the branch: a pure op sinks when what stays after it neither reads
        // nor writes its results nor writes its inputs.
        // Per temp: read (bit 0) or written (bit 1) by an op that stays after the current one.
        let stays = arena.allocate(UInt8.self, count: block.temps.count, repeating: 0)
        let info = insts[branch].op.info
        for a in 0..<info.ins where !insts[branch].input(a).isNone { stays[Int(insts[branch].input(a).index)] |= 1 }
        let moved = arena.allocateUninitialized(Int.self, count: branch - start)
        var movedCount = 0
        for i in stride(from: branch - 1, through: start, by: -1) {
            let inst = insts[i]
            let info = inst.op.info
            // Nothing moves past an op that may look at the whole state (a helper, a memory
            // access that may fault, the CPU state itself).
            if inst.op == .insnStart { continue }
            if !Evaluate.isPure(inst.op) { break }
            var sinkable = true
            for o in 0..<info.outs where !inst.output(o).isNone && stays[Int(inst.output(o).index)] != 0 { sinkable = false }
            for a in 0..<info.ins where !inst.input(a).isNone && stays[Int(inst.input(a).index)] & 2 != 0 { sinkable = false }
            if sinkable {
                moved[movedCount] = i
                movedCount += 1
            } else {
                for a in 0..<info.ins where !inst.input(a).isNone { stays[Int(inst.input(a).index)] |= 1 }
                for o in 0..<info.outs where !inst.output(o).isNone { stays[Int(inst.output(o).index)] |= 2 }
            }
        }
        guard movedCount > 0 else { return nil }
        var inOrder = UnsafeMutableBufferPointer(rebasing: moved[0..<movedCount])
        inOrder.reverse()
        self.moved = inOrder
        // Locals the moved ops write must not be read outside this branch and its two exits.
        let movedLocal = stays
        movedLocal.update(repeating: 0)
        for i in self.moved {
            let inst = insts[i]
            for o in 0..<inst.op.info.outs where !inst.output(o).isNone && !block.isGlobal(inst.output(o)) {
                movedLocal[Int(inst.output(o).index)] = 1
            }
        }
        for i in insts.indices where i < start || i > labelEnd {
            let inst = insts[i]
            for a in 0..<inst.op.info.ins where !inst.input(a).isNone && movedLocal[Int(inst.input(a).index)] != 0 { return nil }
        }
        self.branch = branch
        self.start = start
        self.labelAt = labelAt
        self.labelEnd = labelEnd
    }

    /// The index of the op that ends the exit starting at `from`, when that basic block leaves
    /// the translation block; nil otherwise.
    static func exitEnd(_ insts: [Inst], from: Int) -> Int? {
        var i = from
        while i < insts.count {
            let op = insts[i].op
            if op == .setLabel { return nil }
            if op.info.flags.contains(.leavesBlock) { return i }
            if op.info.flags.contains(.basicBlockEnd) { return nil }
            i += 1
        }
        return nil
    }

    func apply(_ block: inout IRBlock, _ arena: ScratchArena) {
        var insts: [Inst] = []
        swap(&insts, &block.insts)
        // The ops from `start` on, as they were; `insts` is rebuilt from there.
        let old = arena.allocateUninitialized(Inst.self, count: insts.count - start)
        _ = old.initialize(from: insts[start...])
        func at(_ i: Int) -> Inst { old[i - start] }
        let isMoved = arena.allocate(Bool.self, count: branch - start, repeating: false)
        for i in moved { isMoved[i - start] = true }
        insts.removeLast(insts.count - start)
        insts.reserveCapacity(start + old.count + moved.count)
        for i in start..<branch where !isMoved[i - start] { insts.append(at(i)) }
        insts.append(at(branch))
        for i in moved { insts.append(at(i)) }
        for i in branch + 1...labelAt { insts.append(at(i)) }
        // The target's copy writes fresh locals, so each local still has one basic block.
        let renamed = arena.allocate(Temp.self, count: block.temps.count, repeating: .none)
        func rename(_ t: Temp) -> Temp {
            guard !t.isNone, Int(t.index) < renamed.count, !renamed[Int(t.index)].isNone else { return t }
            return renamed[Int(t.index)]
        }
        for i in moved {
            var inst = at(i)
            for a in 0..<inst.op.info.ins { inst.setInput(a, rename(inst.input(a))) }
            if !inst.d0.isNone, !block.isGlobal(inst.d0) {
                let fresh = block.newLocal(block.info(inst.d0).type)
                renamed[Int(inst.d0.index)] = fresh
                inst.d0 = fresh
            }
            if !inst.d1.isNone, !block.isGlobal(inst.d1) {
                let fresh = block.newLocal(block.info(inst.d1).type)
                renamed[Int(inst.d1.index)] = fresh
                inst.d1 = fresh
            }
            insts.append(inst)
        }
        for i in labelAt + 1..<start + old.count {
            var inst = at(i)
            if i <= labelEnd {
                for a in 0..<inst.op.info.ins { inst.setInput(a, rename(inst.input(a))) }
            }
            insts.append(inst)
        }
        swap(&insts, &block.insts)
    }
}
