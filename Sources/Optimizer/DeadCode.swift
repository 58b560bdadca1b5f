import IR

extension Optimizer {
    /// Backward pass: removes pure ops (and `ld_env`) none of whose results is read again.
    ///
    /// Globals are live wherever the CPU state must be exact: at the end of each basic block
    /// (a branch or label, or leaving the block), before an op that may fault, and before a helper
    /// that reads the state or may raise. Between those points, a write to a global that is
    /// overwritten before it is read is dead — so a status flag set by one instruction and set
    /// again by the next is never computed.
    ///
    /// Locals read in a basic block other than the one that writes them are kept conservatively.
    public static func eliminateDeadCode(_ block: inout IRBlock) {
        let tempCount = block.temps.count
        let globalCount = block.globalCount
        let crossing = localsCrossingBasicBlocks(block)
        var live = [Bool](repeating: false, count: tempCount)
        var keep = [Bool](repeating: true, count: block.insts.count)

        block.insts.withUnsafeBufferPointer { insts in
            var i = insts.count
            while i > 0 {
                i -= 1
                let inst = insts[i]
                let info = inst.op.info
                if info.flags.contains(.basicBlockEnd) || info.flags.contains(.mayFault) {
                    for g in 0..<globalCount { live[g] = true }
                } else if inst.op == .call, !Helpers[Int(inst.imm)].flags.isDisjoint(with: [.readsState, .mayRaise]) {
                    for g in 0..<globalCount { live[g] = true }
                }

                if !info.flags.contains(.sideEffects) {
                    var used = false
                    for o in 0..<info.outs {
                        let d = inst.output(o)
                        if !d.isNone, live[Int(d.index)] || crossing[Int(d.index)] { used = true }
                    }
                    if !used {
                        keep[i] = false
                        continue
                    }
                }
                for o in 0..<info.outs {
                    let d = inst.output(o)
                    if !d.isNone { live[Int(d.index)] = false }
                }
                for a in 0..<info.ins {
                    let t = inst.input(a)
                    if !t.isNone { live[Int(t.index)] = true }
                }
            }
        }

        var out: [Inst] = []
        out.reserveCapacity(block.insts.count)
        for (i, inst) in block.insts.enumerated() where keep[i] { out.append(inst) }
        block.insts = out
    }

    /// Locals whose value flows between basic blocks (written in one, read in another, or
    /// written in several): the backward walk does not follow branches, so these stay live.
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
