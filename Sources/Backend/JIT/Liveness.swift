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
    /// Per op: bit i (0-3) = input i is dead after the op; bit 4+j = output j is dead; bit 7
    /// (`unneeded`) = the op has no side effects and nothing reads its results.
    let deadMask: UnsafeMutableBufferPointer<UInt8>
    /// Per temp: a local used in more than one basic block.
    let crossing: UnsafeMutableBufferPointer<Bool>
    /// Per label: entered only by one brcond (no other branch, no fall-through into it).
    let onlyEnteredFromItsBranch: UnsafeMutableBufferPointer<Bool>

    @inline(__always) static var unneeded: UInt8 { 0x80 }

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
            let ops = insts.baseAddress!
            for index in 0..<insts.count {
                let inst = ops + index
                let shape = shapes[Int(inst.pointee.op.rawValue)]
                if shape.isSpecial {
                    let l = Int(inst.pointee.imm)
                    switch inst.pointee.op {
                    case .br: branches[l] += 1
                    case .brcond:
                        branches[l] += 1
                        conditional[l] = true
                    case .setLabel: if !previousEnds { fallenInto[l] = true }
                    default: break
                    }
                }
                previousEnds = inst.pointee.op == .br || shape.flags.contains(.leavesBlock)
                let ins = shape.ins, outs = shape.outs
                if outs > 0 {
                    Self.note(inst.pointee.d0, bb, globals, tempInfo, firstBB, crossing, crossingLocals, &crossingCount)
                    if outs > 1 { Self.note(inst.pointee.d1, bb, globals, tempInfo, firstBB, crossing, crossingLocals, &crossingCount) }
                }
                if ins > 0 {
                    Self.note(inst.pointee.a0, bb, globals, tempInfo, firstBB, crossing, crossingLocals, &crossingCount)
                    if ins > 1 {
                        Self.note(inst.pointee.a1, bb, globals, tempInfo, firstBB, crossing, crossingLocals, &crossingCount)
                        if ins > 2 {
                            Self.note(inst.pointee.a2, bb, globals, tempInfo, firstBB, crossing, crossingLocals, &crossingCount)
                            if ins > 3 { Self.note(inst.pointee.a3, bb, globals, tempInfo, firstBB, crossing, crossingLocals, &crossingCount) }
                        }
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
        // The ops are read in place (an `Inst` is 40 bytes; most ops need three of its fields).
        guard let ops = insts.baseAddress else { return }
        var index = insts.count
        while index > 0 {
            index -= 1
            let inst = ops + index
            let shape = shapes[Int(inst.pointee.op.rawValue)]
            if shape.isSpecial {
                if shape.flags.contains(.leavesBlock) {
                    epoch += 1
                    liveGlobals = allGlobals
                } else if shape.flags.contains(.basicBlockEnd) {
                    liveGlobals = allGlobals
                    for n in 0..<crossingCount { liveStamp[Int(crossingLocals[n])] = epoch }
                }
            }
            var mask: UInt8 = 0
            let outs = shape.outs
            if outs > 0 {
                if Self.write(inst.pointee.d0, globals, &liveGlobals, liveStamp, epoch) { mask |= 16 }
                if outs > 1, Self.write(inst.pointee.d1, globals, &liveGlobals, liveStamp, epoch) { mask |= 32 }
                // An op without side effects whose results nobody reads need not run.
                if !shape.flags.contains(.sideEffects),
                   mask & 16 != 0 || inst.pointee.d0.isNone,
                   outs < 2 || mask & 32 != 0 || inst.pointee.d1.isNone {
                    mask |= Self.unneeded
                }
            }
            if shape.isSpecial {
                if Self.readsWholeState(inst.pointee, shape) { liveGlobals = allGlobals }
                if inst.pointee.op == .ldEnv || inst.pointee.op == .stEnv {
                    liveGlobals |= EnvAccess.overlappingGlobals(inst.pointee, tempInfo, globals).bits
                }
            }
            // Which inputs die here is decided before any of them is marked live, so an op that
            // reads one temp twice sees it die at both.
            let ins = shape.ins
            if ins > 0 {
                let a0 = inst.pointee.a0
                if Self.isDead(a0, globals, liveGlobals, tempInfo, liveStamp, epoch) { mask |= 1 }
                if ins > 1 {
                    let a1 = inst.pointee.a1
                    if Self.isDead(a1, globals, liveGlobals, tempInfo, liveStamp, epoch) { mask |= 2 }
                    if ins > 2 {
                        let a2 = inst.pointee.a2, a3 = inst.pointee.a3
                        if Self.isDead(a2, globals, liveGlobals, tempInfo, liveStamp, epoch) { mask |= 4 }
                        if ins > 3, Self.isDead(a3, globals, liveGlobals, tempInfo, liveStamp, epoch) { mask |= 8 }
                        Self.read(a2, globals, &liveGlobals, liveStamp, epoch)
                        if ins > 3 { Self.read(a3, globals, &liveGlobals, liveStamp, epoch) }
                    }
                    Self.read(a1, globals, &liveGlobals, liveStamp, epoch)
                }
                Self.read(a0, globals, &liveGlobals, liveStamp, epoch)
            }
            deadMask[index] = mask
        }
    }

    /// `t` appears in basic block `bb`: a local that appeared in another one is crossing.
    @inline(__always)
    private static func note(_ t: Temp, _ bb: Int32, _ globals: Int, _ temps: UnsafeBufferPointer<TempInfo>,
                             _ firstBB: UnsafeMutableBufferPointer<Int32>, _ crossing: UnsafeMutableBufferPointer<Bool>,
                             _ crossingLocals: UnsafeMutableBufferPointer<Int32>, _ crossingCount: inout Int) {
        let i = Int(t.index)
        guard !t.isNone, i >= globals, temps[i].kind == .local else { return }
        if firstBB[i] < 0 {
            firstBB[i] = bb
        } else if firstBB[i] != bb, !crossing[i] {
            crossing[i] = true
            crossingLocals[crossingCount] = Int32(i)
            crossingCount += 1
        }
    }

    /// `t` is written here: true when nothing reads the value; before this op it is dead.
    @inline(__always)
    private static func write(_ t: Temp, _ globals: Int, _ liveGlobals: inout UInt64, _ liveStamp: UnsafeMutableBufferPointer<UInt32>,
                              _ epoch: UInt32) -> Bool {
        guard !t.isNone else { return false }
        let i = Int(t.index)
        if i < globals {
            let bit: UInt64 = 1 << UInt64(i)
            defer { liveGlobals &= ~bit }
            return liveGlobals & bit == 0
        }
        defer { liveStamp[i] = 0 }
        return liveStamp[i] != epoch
    }

    /// Whether the value `t` holds is not read after this op (never for constants).
    @inline(__always)
    private static func isDead(_ t: Temp, _ globals: Int, _ liveGlobals: UInt64, _ temps: UnsafeBufferPointer<TempInfo>,
                               _ liveStamp: UnsafeMutableBufferPointer<UInt32>, _ epoch: UInt32) -> Bool {
        guard !t.isNone else { return false }
        let i = Int(t.index)
        if i < globals { return liveGlobals & (1 << UInt64(i)) == 0 }
        return liveStamp[i] != epoch && temps[i].kind != .const
    }

    /// `t` is read here: live before this op.
    @inline(__always)
    private static func read(_ t: Temp, _ globals: Int, _ liveGlobals: inout UInt64, _ liveStamp: UnsafeMutableBufferPointer<UInt32>,
                             _ epoch: UInt32) {
        guard !t.isNone else { return }
        let i = Int(t.index)
        if i < globals { liveGlobals |= 1 << UInt64(i) } else { liveStamp[i] = epoch }
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
