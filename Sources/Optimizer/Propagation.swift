import IR

extension Optimizer {
    /// Forward pass: replaces reads of temps known to hold a constant or a copy of another temp,
    /// folds pure ops whose inputs are all constant, applies identities (x+0, x&0, x^x...),
    /// drops zero-extensions of values already known to fit (the lifter extends every 8-, 16-
    /// and 32-bit result) and resolves branches on constants. Knowledge is dropped at labels,
    /// where control merges.
    public static func propagate(_ block: inout IRBlock) {
        propagate(&block, widths: UnsafeMutableBufferPointer(start: nil, count: 0))
    }

    /// Also fills `widths` (up to its count) with, per temp, how many low bits of the value it
    /// was last given may be nonzero (64 when unknown).
    static func propagate(_ block: inout IRBlock, widths: UnsafeMutableBufferPointer<UInt8>) {
        let arena = ScratchArena.current
        let mark = arena.mark
        defer { arena.release(to: mark) }
        // Every op makes at most one constant: room for all the temps the pass can see.
        var facts = Facts(arena, tempCount: block.temps.count + block.insts.count + 1, globalCount: block.globalCount)
        // The ops are moved out of the block and rewritten in place (the pass only drops ops).
        var insts: [Inst] = []
        swap(&insts, &block.insts)
        let kept = insts.withUnsafeMutableBufferPointer { propagate($0, &block, &facts) }
        insts.removeLast(insts.count - kept)
        swap(&insts, &block.insts)
        for i in 0..<min(widths.count, facts.facts.count) { widths[i] = facts.facts[i].width }
    }

    /// The walk over the ops, rewritten in place; returns how many ops remain. A function of
    /// its own so that `block` is an inout parameter here, not captured by a closure (reading
    /// a captured inout copies it).
    static func propagate(_ insts: UnsafeMutableBufferPointer<Inst>, _ block: inout IRBlock, _ facts: inout Facts) -> Int {
        var kept = 0
        for index in insts.indices {
            var inst = insts[index]
            let info = inst.op.info
            if inst.op == .setLabel { facts.forgetAll() }

            for i in 0..<info.ins {
                let t = inst.input(i)
                if !t.isNone { inst.setInput(i, facts.resolve(t)) }
            }

            if Evaluate.isPure(inst.op) {
                simplify(&inst, &block, facts)
            } else if inst.op == .brcond, let a = block.constValue(inst.a0), let b = block.constValue(inst.a1) {
                if inst.cond.holds(a, b, inst.type) {
                    inst = Inst(.br, imm: inst.imm)
                } else {
                    continue
                }
            }

            for o in 0..<info.outs where !inst.output(o).isNone { facts.wrote(inst.output(o)) }
            if !inst.d0.isNone { facts.setWidth(inst.d0, facts.resultWidth(inst, block)) }
            if inst.op == .call, Helpers.flags(Int(inst.imm)).contains(.writesState) { facts.forgetGlobals() }
            if inst.op == .mov {
                facts.recordCopy(inst.d0, of: inst.a0, in: block)
            }
            insts[kept] = inst
            kept += 1
        }
        return kept
    }

    /// Folds a pure op with constant inputs to a `mov` of a constant, or applies an identity.
    static func simplify(_ inst: inout Inst, _ block: inout IRBlock, _ facts: Facts) {
        let info = inst.op.info
        var allConst = true
        var v: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for i in 0..<info.ins {
            guard let c = block.constValue(inst.input(i)) else { allConst = false; break }
            switch i {
            case 0: v.0 = c
            case 1: v.1 = c
            case 2: v.2 = c
            default: v.3 = c
            }
        }
        if allConst, info.outs == 1, inst.op != .mov {
            let r = Evaluate.pure(inst, v.0, v.1, v.2, v.3).0
            inst = Inst(.mov, inst.type, d0: inst.d0, a0: block.const(inst.type, r))
            return
        }
        let type = inst.type
        let b = block.constValue(inst.a1)
        func becomeCopy(of t: Temp) { inst = Inst(.mov, type, d0: inst.d0, a0: t) }
        func becomeConst(_ value: UInt64) { inst = Inst(.mov, type, d0: inst.d0, a0: block.const(type, value)) }

        switch inst.op {
        case .ext8u, .ext16u, .ext32u:
            let bits = inst.op == .ext8u ? 8 : inst.op == .ext16u ? 16 : 32
            if facts.width(inst.a0, block) <= bits { becomeCopy(of: inst.a0) }
        case .add, .sub, .or, .xor, .shl, .shr, .sar, .rotl, .rotr:
            if b == 0 { becomeCopy(of: inst.a0) } else if inst.a0 == inst.a1, inst.op == .sub || inst.op == .xor { becomeConst(0) }
        case .and:
            if b == 0 {
                becomeConst(0)
            } else if b == type.mask || inst.a0 == inst.a1 {
                becomeCopy(of: inst.a0)
            } else if let b, b & (b &+ 1) == 0, facts.width(inst.a0, block) <= 64 - b.leadingZeroBitCount {
                becomeCopy(of: inst.a0)  // a mask of low bits that a already fits in
            }
        case .mul:
            if b == 0 { becomeConst(0) } else if b == 1 { becomeCopy(of: inst.a0) }
        case .movcond:
            if let x = block.constValue(inst.a0), let y = block.constValue(inst.a1) {
                becomeCopy(of: inst.cond.holds(x, y, type) ? inst.a2 : inst.a3)
            } else if inst.a2 == inst.a3 {
                becomeCopy(of: inst.a2)
            }
        case .setcond:
            if inst.a0 == inst.a1 {
                switch inst.cond {
                case .eq, .le, .ge, .leu, .geu: becomeConst(1)
                case .ne, .lt, .gt, .ltu, .gtu: becomeConst(0)
                case .tsteq, .tstne: break
                }
            }
        default:
            break
        }
    }
}

/// What the forward pass knows about each temp: a constant it holds or a temp it copies.
/// A copy stays valid while its source has not been written since (`version`).
struct Facts {
    /// What is known of one temp. One array of these (not one array per fact) keeps the pass
    /// at one allocation per block.
    struct Fact {
        /// The constant temp it holds, or -1.
        var constant: Int32 = -1
        /// The temp it copies, or UInt32.max; valid while that temp's version is `copyVersion`.
        var copyOf = UInt32.max
        var copyVersion: UInt32 = 0
        /// Bumped at every write, so that copies of the old value go stale.
        var version: UInt32 = 0
        /// The fact holds only while this is the pass's current epoch; a new epoch forgets
        /// everything at once.
        var epoch: UInt32 = 0
        /// How many low bits of the value may be nonzero (64 when nothing is known).
        var width: UInt8 = 64
    }

    let facts: UnsafeMutableBufferPointer<Fact>
    let globalCount: Int
    var epoch: UInt32 = 1

    /// `tempCount` bounds the temps the pass will ask about.
    init(_ arena: ScratchArena, tempCount: Int, globalCount: Int) {
        facts = arena.allocate(Fact.self, count: tempCount, repeating: Fact())
        self.globalCount = globalCount
    }

    /// What is known of temp `i` in the current epoch.
    @inline(__always)
    func fact(_ i: Int) -> Fact {
        let f = facts[i]
        return f.epoch == epoch ? f : Fact(epoch: epoch)
    }

    func resolve(_ t: Temp) -> Temp {
        let i = Int(t.index)
        guard i < facts.count else { return t }
        let f = fact(i)
        if f.constant >= 0 { return Temp(UInt32(f.constant)) }
        if f.copyOf != UInt32.max, fact(Int(f.copyOf)).version == f.copyVersion { return Temp(f.copyOf) }
        return t
    }

    mutating func wrote(_ t: Temp) {
        let i = Int(t.index)
        var f = fact(i)
        f.version &+= 1
        f.constant = -1
        f.copyOf = UInt32.max
        f.width = 64
        facts[i] = f
    }

    mutating func setWidth(_ t: Temp, _ bits: Int) {
        let i = Int(t.index)
        var f = fact(i)
        f.width = UInt8(min(64, max(0, bits)))
        facts[i] = f
    }

    /// How many low bits of `t` may be nonzero.
    func width(_ t: Temp, _ block: IRBlock) -> Int {
        if let c = block.constValue(t) { return 64 - c.leadingZeroBitCount }
        let i = Int(t.index)
        let known = i < facts.count ? Int(fact(i).width) : 64
        return min(known, block.info(t).type.bits)
    }

    /// How many low bits of `inst`'s first result may be nonzero.
    func resultWidth(_ inst: Inst, _ block: IRBlock) -> Int {
        func w(_ t: Temp) -> Int { width(t, block) }
        let bits: Int
        switch inst.op {
        case .mov: bits = w(inst.a0)
        case .ext8u: bits = min(8, w(inst.a0))
        case .ext16u, .bswap16: bits = min(16, w(inst.a0))
        case .ext32u, .extuI32I64, .truncI64I32: bits = min(32, w(inst.a0))
        case .bswap32: bits = 32
        case .and: bits = min(w(inst.a0), w(inst.a1))
        case .or, .xor: bits = max(w(inst.a0), w(inst.a1))
        case .add: bits = max(w(inst.a0), w(inst.a1)) + 1
        case .shr: bits = block.constValue(inst.a1).map { w(inst.a0) - Int($0 & 63) } ?? w(inst.a0)
        case .extract: bits = inst.bitLength
        case .setcond: bits = 1
        case .ctpop: bits = 7
        case .clz, .ctz: bits = max(7, w(inst.a1))  // the second operand when the first is 0
        case .flagsAdd, .flagsSub, .flagsAdc, .flagsSbb, .flagsLogic: bits = 12
        case .load, .ldEnv: bits = inst.memOp.signed ? 64 : inst.memOp.bytes * 8
        default: bits = 64
        }
        return min(bits, inst.type.bits)
    }

    mutating func recordCopy(_ d: Temp, of s: Temp, in block: IRBlock) {
        let i = Int(d.index)
        var f = fact(i)
        if block.isConst(s) {
            f.constant = Int32(s.index)
        } else if d != s {
            f.copyOf = s.index
            f.copyVersion = fact(Int(s.index)).version
        }
        facts[i] = f
    }

    mutating func forgetGlobals() {
        for i in 0..<globalCount { wrote(Temp(i)) }
    }

    mutating func forgetAll() {
        epoch &+= 1
    }
}
