import IR

/// What the register allocator needs to know about each op: which operands hold their last
/// use there, and which temps must be found in memory at basic-block ends.
///
/// A backward pass over the block, TCG style. Globals are live wherever the CPU state must be
/// exact: at basic-block ends, before ops that may fault and around helpers that see the state.
/// Locals used in more than one basic block ("crossing" locals) get a memory home and are
/// treated like globals at basic-block ends; every other local lives only in its basic block.
struct Liveness {
    /// Per op: bit i (0-3) = input i is dead after the op; bit 4+j = output j is dead.
    var deadMask: [UInt8]
    /// Per temp: a local used in more than one basic block.
    var crossing: [Bool]

    static func inputDies(_ mask: UInt8, _ i: Int) -> Bool { mask & (1 << UInt8(i)) != 0 }
    static func outputDead(_ mask: UInt8, _ j: Int) -> Bool { mask & (16 << UInt8(j)) != 0 }

    init(_ block: IRBlock) {
        let temps = block.temps.count, globals = block.globalCount
        crossing = [Bool](repeating: false, count: temps)
        deadMask = [UInt8](repeating: 0, count: block.insts.count)

        // Which basic block each local first and last appears in.
        var firstBB = [Int32](repeating: -1, count: temps)
        var bb: Int32 = 0
        for inst in block.insts {
            let info = inst.op.info
            func see(_ t: Temp) {
                guard !t.isNone, Int(t.index) >= globals, block.temps[Int(t.index)].kind == .local else { return }
                let i = Int(t.index)
                if firstBB[i] < 0 { firstBB[i] = bb } else if firstBB[i] != bb { crossing[i] = true }
            }
            for i in 0..<info.ins { see(inst.input(i)) }
            for j in 0..<info.outs { see(inst.output(j)) }
            if info.flags.contains(.basicBlockEnd) { bb += 1 }
        }
        let crossingLocals = (0..<temps).filter { crossing[$0] }

        // A temp is live when its stamp is the current epoch: leaving the block kills every
        // temp at once by starting a new epoch.
        var liveStamp = [UInt32](repeating: 0, count: temps)
        var epoch: UInt32 = 1
        func liveGlobals() { for g in 0..<globals { liveStamp[g] = epoch } }
        for index in block.insts.indices.reversed() {
            let inst = block.insts[index]
            let info = inst.op.info
            if info.flags.contains(.leavesBlock) {
                epoch += 1
                liveGlobals()
            } else if info.flags.contains(.basicBlockEnd) {
                liveGlobals()
                for t in crossingLocals { liveStamp[t] = epoch }
            }
            var mask: UInt8 = 0
            for j in 0..<info.outs {
                let t = inst.output(j)
                guard !t.isNone else { continue }
                if liveStamp[Int(t.index)] != epoch { mask |= 16 << UInt8(j) }
                liveStamp[Int(t.index)] = 0
            }
            if Self.readsWholeState(inst) { liveGlobals() }
            if inst.op == .ldEnv || inst.op == .stEnv {
                for g in EnvAccess.overlappingGlobals(inst, block) { liveStamp[g] = epoch }
            }
            for i in 0..<info.ins {
                let t = inst.input(i)
                guard !t.isNone, block.temps[Int(t.index)].kind != .const else { continue }
                if liveStamp[Int(t.index)] != epoch { mask |= 1 << UInt8(i) }
            }
            for i in 0..<info.ins {
                let t = inst.input(i)
                if !t.isNone { liveStamp[Int(t.index)] = epoch }
            }
            deadMask[index] = mask
        }
    }

    /// Ops before which every global must be in the CPU state.
    static func readsWholeState(_ inst: Inst) -> Bool {
        if inst.op.info.flags.contains(.mayFault) { return true }
        if inst.op == .call { return !Helpers[Int(inst.imm)].flags.isDisjoint(with: [.readsState, .writesState, .mayRaise]) }
        return false
    }
}

/// `ldEnv`/`stEnv` address the CPU state directly; when the bytes they touch belong to a global,
/// the global's register copy and its memory home must agree around the access.
enum EnvAccess {
    static func overlappingGlobals(_ inst: Inst, _ block: IRBlock) -> [Int] {
        guard inst.op == .ldEnv || inst.op == .stEnv else { return [] }
        let start = Int(inst.imm), end = start + inst.memOp.bytes
        var result: [Int] = []
        for g in 0..<block.globalCount {
            let gs = Int(block.temps[g].value), ge = gs + block.temps[g].type.bits / 8
            if gs < end && start < ge { result.append(g) }
        }
        return result
    }
}
