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
        var index = block.insts.count - 1
        while index >= 0 {
            if block.insts[index].op == .brcond, let rewritten = Sinking(block, branch: index)?.apply(&block) {
                block.insts = rewritten
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
    let moved: [Int]

    /// Plans the sinking for the brcond at `branch`, or nil when its shape does not allow it:
    /// the fall-through and the target must be basic blocks entered only from this branch
    /// that leave the translation block.
    init?(_ block: IRBlock, branch: Int) {
        let insts = block.insts
        let label = insts[branch].imm
        guard branch + 1 < insts.count, insts[branch + 1].op != .setLabel else { return nil }
        guard let fallEnd = Sinking.exitEnd(insts, from: branch + 1),
              let labelAt = insts.firstIndex(where: { $0.op == .setLabel && $0.imm == label }), labelAt > fallEnd,
              insts[labelAt - 1].op.info.flags.contains(.leavesBlock) || insts[labelAt - 1].op == .br,
              let labelEnd = Sinking.exitEnd(insts, from: labelAt + 1) else { return nil }
        for (i, inst) in insts.enumerated() where i != branch && inst.op.info.imm == .label && inst.imm == label && inst.op != .setLabel {
            return nil
        }
        var start = branch
        while start > 0 {
            let previous = insts[start - 1]
            if previous.op == .setLabel || previous.op.info.flags.contains(.basicBlockEnd) { break }
            start -= 1
        }

        // Walk back from the branch: a pure op sinks when what stays after it neither reads
        // nor writes its results nor writes its inputs.
        // Per temp: read (bit 0) or written (bit 1) by an op that stays after the current one.
        var stays = [UInt8](repeating: 0, count: block.temps.count)
        let info = insts[branch].op.info
        for a in 0..<info.ins where !insts[branch].input(a).isNone { stays[Int(insts[branch].input(a).index)] |= 1 }
        var moved: [Int] = []
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
                moved.append(i)
            } else {
                for a in 0..<info.ins where !inst.input(a).isNone { stays[Int(inst.input(a).index)] |= 1 }
                for o in 0..<info.outs where !inst.output(o).isNone { stays[Int(inst.output(o).index)] |= 2 }
            }
        }
        guard !moved.isEmpty else { return nil }
        moved.reverse()
        // Locals the moved ops write must not be read outside this branch and its two exits.
        var movedLocal = [Bool](repeating: false, count: block.temps.count)
        for i in moved {
            let inst = insts[i]
            for o in 0..<inst.op.info.outs where !inst.output(o).isNone && !block.isGlobal(inst.output(o)) {
                movedLocal[Int(inst.output(o).index)] = true
            }
        }
        for (i, inst) in insts.enumerated() where i < start || i > labelEnd {
            for a in 0..<inst.op.info.ins where !inst.input(a).isNone && movedLocal[Int(inst.input(a).index)] { return nil }
        }
        self.branch = branch
        self.start = start
        self.labelAt = labelAt
        self.labelEnd = labelEnd
        self.moved = moved
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

    func apply(_ block: inout IRBlock) -> [Inst] {
        let insts = block.insts
        var isMoved = [Bool](repeating: false, count: insts.count)
        for i in moved { isMoved[i] = true }
        var out: [Inst] = []
        out.reserveCapacity(insts.count + moved.count)
        for i in 0..<start { out.append(insts[i]) }
        for i in start..<branch where !isMoved[i] { out.append(insts[i]) }
        out.append(insts[branch])
        for i in moved { out.append(insts[i]) }
        for i in branch + 1...labelAt { out.append(insts[i]) }
        // The target's copy writes fresh locals, so each local still has one basic block.
        var renamed = [Temp](repeating: .none, count: block.temps.count)
        func rename(_ t: Temp) -> Temp {
            guard !t.isNone, Int(t.index) < renamed.count, !renamed[Int(t.index)].isNone else { return t }
            return renamed[Int(t.index)]
        }
        for i in moved {
            var inst = insts[i]
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
            out.append(inst)
        }
        for i in labelAt + 1..<insts.count {
            var inst = insts[i]
            if i <= labelEnd {
                for a in 0..<inst.op.info.ins { inst.setInput(a, rename(inst.input(a))) }
            }
            out.append(inst)
        }
        return out
    }
}
