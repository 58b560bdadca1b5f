import IR

/// What the register allocator needs to know about each op: which operands hold their last
/// use there, and which temps must be found in memory at basic-block ends; and how the block's
/// labels are entered.
///
/// A backward pass over the block, TCG style. Globals are live wherever the CPU state must be
/// exact: at basic-block ends, before ops that may fault and around helpers that see the state.
/// Locals used in more than one basic block ("crossing" locals) get a memory home and are
/// treated like globals at basic-block ends; every other local lives only in its basic block.
/// Blocks with labels get a forward pass first, for the crossing locals and the labels.
struct Liveness {
    /// Per op: bit i (0-3) = input i is dead after the op; bit 4+j = output j is dead.
    let deadMask: UnsafeMutableBufferPointer<UInt8>
    /// Per temp: a local used in more than one basic block.
    let crossing: UnsafeMutableBufferPointer<Bool>
    /// Per label: entered only by one brcond (no other branch, no fall-through into it).
    let onlyEnteredFromItsBranch: UnsafeMutableBufferPointer<Bool>

    static func inputDies(_ mask: UInt8, _ i: Int) -> Bool { mask & (1 << UInt8(i)) != 0 }
    static func outputDead(_ mask: UInt8, _ j: Int) -> Bool { mask & (16 << UInt8(j)) != 0 }

    /// Of the block whose ops are `insts` and temps `tempInfo`. The arrays come from `arena` and
    /// live until it is released.
    init(insts: UnsafeBufferPointer<Inst>, temps tempInfo: UnsafeBufferPointer<TempInfo>, globalCount globals: Int,
         labelCount: Int, shapes: UnsafePointer<OpShape>, _ arena: ScratchArena) {
        let temps = tempInfo.count
        crossing = arena.allocate(Bool.self, count: temps, repeating: false)
        deadMask = arena.allocateUninitialized(UInt8.self, count: insts.count)
        onlyEnteredFromItsBranch = arena.allocate(Bool.self, count: labelCount, repeating: false)

        // Which basic block each local first appears in; a local seen in another is crossing.
        // Without labels nothing is: control can only continue past a basic-block end (an exit)
        // at a label, so a block without labels is one basic block followed by dead code.
        let crossingLocals = arena.allocateUninitialized(Int32.self, count: labelCount > 0 ? temps : 0)
        var crossingCount = 0
        if labelCount > 0 {
            let firstBB = arena.allocate(Int32.self, count: temps, repeating: -1)
            let branches = arena.allocate(Int32.self, count: labelCount, repeating: 0)
            let conditional = arena.allocate(Bool.self, count: labelCount, repeating: false)
            let fallenInto = arena.allocate(Bool.self, count: labelCount, repeating: false)
            var bb: Int32 = 0
            // Whether the op before cannot fall through (a br, or an op that leaves the block).
            var previousEnds = false
            for inst in insts {
                let shape = shapes[Int(inst.op.rawValue)]
                switch inst.op {
                case .br: branches[Int(inst.imm)] += 1
                case .brcond:
                    branches[Int(inst.imm)] += 1
                    conditional[Int(inst.imm)] = true
                case .setLabel: if !previousEnds { fallenInto[Int(inst.imm)] = true }
                default: break
                }
                previousEnds = inst.op == .br || shape.flags.contains(.leavesBlock)
                let ins = Int(shape.ins)
                for k in 0..<(ins + Int(shape.outs)) {
                    let t = k < ins ? inst.input(k) : inst.output(k - ins)
                    let i = Int(t.index)
                    guard !t.isNone, i >= globals, tempInfo[i].kind == .local else { continue }
                    if firstBB[i] < 0 {
                        firstBB[i] = bb
                    } else if firstBB[i] != bb, !crossing[i] {
                        crossing[i] = true
                        crossingLocals[crossingCount] = Int32(i)
                        crossingCount += 1
                    }
                }
                if shape.flags.contains(.basicBlockEnd) { bb += 1 }
            }
            for l in 0..<labelCount {
                onlyEnteredFromItsBranch[l] = branches[l] == 1 && conditional[l] && !fallenInto[l]
            }
        }

        // Globals are a bit set (live where the bit is set). A local is live when its stamp is
        // the current epoch: leaving the block kills every local at once by starting a new epoch.
        precondition(globals <= 64, "global liveness is a 64-bit mask")
        let allGlobals: UInt64 = globals == 64 ? ~0 : (1 << UInt64(globals)) - 1
        var liveGlobals = allGlobals
        let liveStamp = arena.allocate(UInt32.self, count: temps, repeating: 0)
        var epoch: UInt32 = 1
        for index in insts.indices.reversed() {
            let inst = insts[index]
            let shape = shapes[Int(inst.op.rawValue)]
            if shape.flags.contains(.leavesBlock) {
                epoch += 1
                liveGlobals = allGlobals
            } else if shape.flags.contains(.basicBlockEnd) {
                liveGlobals = allGlobals
                for n in 0..<crossingCount { liveStamp[Int(crossingLocals[n])] = epoch }
            }
            var mask: UInt8 = 0
            for j in 0..<Int(shape.outs) {
                let t = inst.output(j)
                guard !t.isNone else { continue }
                let i = Int(t.index)
                if i < globals {
                    if liveGlobals & (1 << UInt64(i)) == 0 { mask |= 16 << UInt8(j) }
                    liveGlobals &= ~(1 << UInt64(i))
                } else {
                    if liveStamp[i] != epoch { mask |= 16 << UInt8(j) }
                    liveStamp[i] = 0
                }
            }
            if Self.readsWholeState(inst, shape) { liveGlobals = allGlobals }
            if inst.op == .ldEnv || inst.op == .stEnv {
                liveGlobals |= EnvAccess.overlappingGlobals(inst, tempInfo, globals).bits
            }
            for i in 0..<Int(shape.ins) {
                let t = inst.input(i)
                guard !t.isNone else { continue }
                let k = Int(t.index)
                if k < globals {
                    if liveGlobals & (1 << UInt64(k)) == 0 { mask |= 1 << UInt8(i) }
                } else if tempInfo[k].kind != .const, liveStamp[k] != epoch {
                    mask |= 1 << UInt8(i)
                }
            }
            for i in 0..<Int(shape.ins) {
                let t = inst.input(i)
                guard !t.isNone else { continue }
                let k = Int(t.index)
                if k < globals { liveGlobals |= 1 << UInt64(k) } else { liveStamp[k] = epoch }
            }
            deadMask[index] = mask
        }
    }

    /// Ops before which every global must be in the CPU state.
    static func readsWholeState(_ inst: Inst, _ shape: OpShape) -> Bool {
        if shape.flags.contains(.mayFault) { return true }
        if inst.op == .call { return !Helpers.flags(Int(inst.imm)).isDisjoint(with: [.readsState, .writesState, .mayRaise]) }
        return false
    }
}

/// `ldEnv`/`stEnv` address the CPU state directly; when the bytes they touch belong to a global,
/// the global's register copy and its memory home must agree around the access.
enum EnvAccess {
    /// Of a block whose temps are `temps`, the first `globalCount` its globals.
    static func overlappingGlobals(_ inst: Inst, _ temps: UnsafeBufferPointer<TempInfo>, _ globalCount: Int) -> GlobalSet {
        guard inst.op == .ldEnv || inst.op == .stEnv else { return GlobalSet(bits: 0) }
        let start = Int(inst.imm), end = start + inst.memOp.bytes
        var result = GlobalSet(bits: 0)
        for g in 0..<min(globalCount, 64) {
            let gs = Int(temps[g].value), ge = gs + temps[g].type.bits / 8
            if gs < end && start < ge { result.bits |= 1 << UInt64(g) }
        }
        return result
    }
}

/// A set of globals (bit g for global g), iterated in increasing order.
struct GlobalSet: Sequence, IteratorProtocol {
    var bits: UInt64

    mutating func next() -> Int? {
        guard bits != 0 else { return nil }
        let g = bits.trailingZeroBitCount
        bits &= bits - 1
        return g
    }
}
