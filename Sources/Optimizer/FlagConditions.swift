import IR

extension Optimizer {
    /// Rewrites a condition that tests bits of a flags word (`tstne`/`tsteq` against a constant
    /// mask) as a direct comparison of the operands the flags came from: `cmp a, b; jb` becomes
    /// `brcond ltu a, b`. The flags op then often has no reader left and dead-code elimination
    /// removes it, so a compare-and-branch costs what it does natively.
    ///
    /// It looks through the merges that partial flag writers (INC, DEC) produce and through the
    /// `flags ^ (flags >> 4)` that signed conditions (L, LE, G, GE) test. It only rewrites when
    /// the flags op is in the same basic block and its operands still hold the values it saw.
    /// Returns true when it added ops that a second propagation may fold away.
    @discardableResult
    public static func foldFlagConditions(_ block: inout IRBlock) -> Bool {
        foldFlagConditions(&block, widths: UnsafeMutableBufferPointer(start: nil, count: 0))
    }

    /// `widths` is what `propagate(_:widths:)` learned of each temp's width.
    static func foldFlagConditions(_ block: inout IRBlock, widths: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        var conditions = 0
        for inst in block.insts where inst.op == .brcond || inst.op == .setcond || inst.op == .movcond {
            if inst.cond == .tstne || inst.cond == .tsteq { conditions += 1 }
        }
        guard conditions > 0 else { return false }
        let arena = ScratchArena.current
        let mark = arena.mark
        defer { arena.release(to: mark) }
        var insts: [Inst] = []
        swap(&insts, &block.insts)
        let pass = insts.withUnsafeBufferPointer { FlagConditionPass.run($0, &block, conditions: conditions, widths: widths, arena) }
        insts.removeAll(keepingCapacity: true)
        insts.append(contentsOf: UnsafeBufferPointer(rebasing: pass.out[0..<pass.outCount]))
        swap(&insts, &block.insts)
        return pass.addedOps
    }
}

extension Optimizer {
    static func overwrittenLaterInBasicBlock(_ g: Temp, after index: Int, _ insts: UnsafeBufferPointer<Inst>) -> Bool {
        var i = index + 1
        while i < insts.count {
            let inst = insts[i]
            if inst.op == .setLabel { return false }
            if inst.d0 == g || inst.d1 == g { return true }
            if inst.op.info.flags.contains(.basicBlockEnd) { return false }
            i += 1
        }
        return false
    }
}

/// The walk of `foldFlagConditions`. Its arrays come from the scratch arena, sized for the
/// most ops and temps the walk can add.
struct FlagConditionPass {
    let insts: UnsafeBufferPointer<Inst>
    /// The rewritten ops: `out[0..<outCount]`.
    let out: UnsafeMutableBufferPointer<Inst>
    var outCount = 0
    /// For each temp: how often the block writes it, where (in `out`) it was last written, and
    /// in which basic block.
    let writeCount: UnsafeMutableBufferPointer<UInt8>
    let lastWrite: UnsafeMutableBufferPointer<Int32>
    let writeBlock: UnsafeMutableBufferPointer<Int32>
    var basicBlock: Int32 = 0
    var addedOps = false
    /// Per flags-op result: copies of its operands' old values (`Temp.none` where none was made).
    let snapshots: UnsafeMutableBufferPointer<(Temp, Temp)>
    /// Per temp (when known): how many low bits of its last written value may be nonzero.
    let widths: UnsafeMutableBufferPointer<UInt8>

    /// Per condition the walk adds at most 8 ops and 16 temps; per flags op, 2 snapshot copies.
    init(_ insts: UnsafeBufferPointer<Inst>, _ block: IRBlock, conditions: Int, widths: UnsafeMutableBufferPointer<UInt8>,
         _ arena: ScratchArena) {
        self.insts = insts
        self.widths = widths
        let tempCapacity = block.temps.count + 16 * conditions + 2 * insts.count
        out = arena.allocateUninitialized(Inst.self, count: 3 * insts.count + 8 * conditions)
        writeCount = arena.allocate(UInt8.self, count: tempCapacity, repeating: 0)
        lastWrite = arena.allocate(Int32.self, count: tempCapacity, repeating: -1)
        writeBlock = arena.allocate(Int32.self, count: tempCapacity, repeating: -1)
        snapshots = arena.allocate((Temp, Temp).self, count: tempCapacity, repeating: (.none, .none))
        for inst in insts {
            let info = inst.op.info
            for o in 0..<info.outs where !inst.output(o).isNone {
                let i = Int(inst.output(o).index)
                if writeCount[i] < 2 { writeCount[i] += 1 }
            }
        }
        for i in 0..<block.globalCount { writeCount[i] = 2 }
    }

    /// The walk over `insts`. `block` is an inout parameter rather than captured by the
    /// caller's closure, which would copy it.
    static func run(_ insts: UnsafeBufferPointer<Inst>, _ block: inout IRBlock, conditions: Int,
                    widths: UnsafeMutableBufferPointer<UInt8>, _ arena: ScratchArena) -> FlagConditionPass {
        var pass = FlagConditionPass(insts, block, conditions: conditions, widths: widths, arena)
        for i in insts.indices { pass.visit(i, &block) }
        return pass
    }

    /// Before a flags op that reads a global the same basic block then overwrites (`dec rcx`
    /// computes its flags from the old rcx, then writes rcx), copies the global into a local, so
    /// that a later condition can still compare the operand's old value. The flags op itself
    /// keeps reading the global (the copy would otherwise live on into the exits).
    mutating func snapshotInputs(of index: Int, _ block: inout IRBlock) {
        let inst = insts[index]
        for a in 0..<min(2, inst.op.info.ins) {
            let g = inst.input(a)
            guard block.isGlobal(g), Optimizer.overwrittenLaterInBasicBlock(g, after: index, insts) else { continue }
            let type = block.info(g).type
            let copy = block.newLocal(type)
            append(Inst(.mov, type, d0: copy, a0: g))
            writeCount[Int(copy.index)] = 1
            if a == 0 { snapshots[Int(inst.d0.index)].0 = copy } else { snapshots[Int(inst.d0.index)].1 = copy }
        }
    }

    mutating func visit(_ index: Int, _ block: inout IRBlock) {
        var inst = insts[index]
        switch inst.op {
        case .flagsSub, .flagsLogic:
            snapshotInputs(of: index, &block)
        case .brcond, .setcond, .movcond:
            if inst.cond == .tstne || inst.cond == .tsteq, let mask = block.constValue(inst.a1),
               let test = comparison(testing: inst.a0, mask: mask, &block) {
                inst.aux = (inst.cond == .tstne ? test.cond : test.cond.inverted).rawValue
                if test.type == inst.type || inst.op == .brcond {
                    inst.type = test.type
                    inst.a0 = test.a
                    inst.a1 = test.b
                } else {
                    // setcond and movcond keep their result type: compare sign-extended i64s.
                    inst.a0 = emit(.extsI32I64, .i64, test.a, &block)
                    inst.a1 = emit(.extsI32I64, .i64, test.b, &block)
                }
            }
        default:
            break
        }
        append(inst)
    }

    mutating func append(_ inst: Inst) {
        out[outCount] = inst
        outCount += 1
        let info = inst.op.info
        for o in 0..<info.outs where !inst.output(o).isNone {
            let i = Int(inst.output(o).index)
            lastWrite[i] = Int32(outCount - 1)
            writeBlock[i] = basicBlock
        }
        if info.flags.contains(.basicBlockEnd) { basicBlock += 1 }
    }

    /// The op that wrote `t`, when `t` is a local written once, in the current basic block.
    func definition(_ t: Temp) -> Inst? {
        let i = Int(t.index)
        guard i < writeCount.count, writeCount[i] == 1, writeBlock[i] == basicBlock, lastWrite[i] >= 0 else { return nil }
        return out[Int(lastWrite[i])]
    }

    /// True when `t` has not been written since `def` (a single-write local) was.
    func unchangedSince(_ t: Temp, _ def: Temp, _ block: IRBlock) -> Bool {
        if block.isConst(t) { return true }
        let i = Int(t.index)
        return i >= lastWrite.count || lastWrite[i] < lastWrite[Int(def.index)]
    }

    /// The flags op that produced every bit of `mask` in `value`, looking through merges.
    func flagsSource(_ value: Temp, mask: UInt64, _ block: IRBlock) -> (Inst, Temp)? {
        guard let def = definition(value) else { return nil }
        switch def.op {
        case .flagsSub, .flagsLogic:
            return (def, value)
        case .and:
            if let c = block.constValue(def.a1), c & mask == mask { return flagsSource(def.a0, mask: mask, block) }
        case .or:
            // A merge (old & c1) | (new & c2): the tested bits come from one side only.
            for flip in 0..<2 {
                let side = flip == 1 ? def.a1 : def.a0, other = flip == 1 ? def.a0 : def.a1
                if let s = definition(side), s.op == .and, let c = block.constValue(s.a1), c & mask == mask,
                   let o = definition(other), o.op == .and, let oc = block.constValue(o.a1), oc & mask == 0 {
                    return flagsSource(s.a0, mask: mask, block)
                }
            }
        default:
            break
        }
        return nil
    }

    struct Comparison {
        var a: Temp
        var b: Temp
        var cond: Cond
        var type: IRType
    }

    /// `a cond b` that holds exactly when `value & mask != 0`, or nil.
    mutating func comparison(testing value: Temp, mask: UInt64, _ block: inout IRBlock) -> Comparison? {
        var signed = false
        var flagsMask = mask
        var tested = value
        // flags ^ (flags >> 4) has SF xor OF at bit 7 and ZF at bit 6.
        if let def = definition(value), def.op == .xor, let shift = definition(def.a1), shift.op == .shr,
           shift.a0 == def.a0, block.constValue(shift.a1) == 4, mask == StatusFlags.sf || mask == StatusFlags.sf | StatusFlags.zf {
            signed = true
            flagsMask = StatusFlags.sf | StatusFlags.of | (mask & StatusFlags.zf)
            tested = def.a0
        }
        guard let (flags, word) = flagsSource(tested, mask: flagsMask, block) else { return nil }
        // The operands' values as the flags op saw them: the operand itself if it has not been
        // written since, else the copy made before the flags op.
        let copies = snapshots[Int(word.index)]
        let a0 = unchangedSince(flags.a0, word, block) ? flags.a0 : copies.0
        let a1 = flags.op != .flagsSub || unchangedSince(flags.a1, word, block) ? flags.a1 : copies.1
        guard !a0.isNone, !a1.isNone else { return nil }
        let bytes = flags.widthBytes
        // The flags op looks at the low `bytes` of its operands; so must the comparison.
        let a = zeroExtend(a0, bytes: bytes, &block)
        let b = flags.op == .flagsSub ? zeroExtend(a1, bytes: bytes, &block) : block.const(.i64, 0 as UInt64)
        if signed {
            let cond: Cond = mask & StatusFlags.zf != 0 ? .le : .lt
            switch bytes {
            case 8: return Comparison(a: a, b: b, cond: cond, type: .i64)
            case 4: return Comparison(a: emit(.truncI64I32, .i32, a, &block), b: emit(.truncI64I32, .i32, b, &block), cond: cond, type: .i32)
            default:
                let op: Op = bytes == 1 ? .ext8s : .ext16s
                return Comparison(a: emit(op, .i64, a, &block), b: emit(op, .i64, b, &block), cond: cond, type: .i64)
            }
        }
        switch (flags.op, mask) {
        case (.flagsSub, StatusFlags.zf), (.flagsLogic, StatusFlags.zf), (.flagsLogic, StatusFlags.zf | StatusFlags.cf):
            return Comparison(a: a, b: b, cond: .eq, type: .i64)
        case (.flagsSub, StatusFlags.cf):
            return Comparison(a: a, b: b, cond: .ltu, type: .i64)
        case (.flagsSub, StatusFlags.cf | StatusFlags.zf):
            return Comparison(a: a, b: b, cond: .leu, type: .i64)
        case (.flagsLogic, StatusFlags.sf):
            let sign: UInt64 = 1 << UInt64(8 * bytes - 1)
            return Comparison(a: a, b: block.const(.i64, sign), cond: .tstne, type: .i64)
        default:
            return nil
        }
    }

    mutating func zeroExtend(_ t: Temp, bytes: Int, _ block: inout IRBlock) -> Temp {
        if bytes == 8 || fits(t, bytes: bytes, block) { return t }
        switch bytes {
        case 1: return emit(.ext8u, .i64, t, &block)
        case 2: return emit(.ext16u, .i64, t, &block)
        case 4: return emit(.ext32u, .i64, t, &block)
        default: return t
        }
    }

    /// True when `t` is known to have no bits above its low `bytes`: a constant that small, a
    /// local written once that propagation found that narrow, or a local this basic block made
    /// by a zero-extension or an unsigned load that narrow.
    func fits(_ t: Temp, bytes: Int, _ block: IRBlock) -> Bool {
        if let c = block.constValue(t) { return c >> UInt64(8 * bytes) == 0 }
        let i = Int(t.index)
        if i < widths.count, i >= block.globalCount, writeCount[i] == 1, Int(widths[i]) <= 8 * bytes { return true }
        guard let def = definition(t) else { return false }
        switch def.op {
        case .ext8u: return bytes >= 1
        case .ext16u: return bytes >= 2
        case .ext32u, .extuI32I64: return bytes >= 4
        case .load, .ldEnv: return !def.memOp.signed && def.memOp.bytes <= bytes
        default: return false
        }
    }

    /// Emits d = op(t) and returns d; a constant folds at once to a constant.
    mutating func emit(_ op: Op, _ type: IRType, _ t: Temp, _ block: inout IRBlock) -> Temp {
        if let c = block.constValue(t) {
            return block.const(type, Evaluate.pure(Inst(op, type), c, 0, 0, 0).0)
        }
        // A zero-extension is what a second propagation may find redundant (it knows the
        // widths of globals, this pass only those of locals).
        if op == .ext8u || op == .ext16u || op == .ext32u { addedOps = true }
        let d = block.newLocal(type)
        append(Inst(op, type, d0: d, a0: t))
        writeCount[Int(d.index)] = 1
        return d
    }
}
