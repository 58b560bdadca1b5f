/// The IR of one translation block: its temps (globals first) and its instructions in order.
public struct IRBlock: Sendable {
    public var layout: GlobalLayout
    public var temps: [TempInfo]
    public var insts: [Inst]
    public var labelCount: Int
    /// Guest address of the block's first instruction.
    public var guestPC: UInt64
    /// Per `gotoTB` slot, the globals (bit i for global i) that the successor there writes
    /// before reading: they need not be exact where the block leaves through that slot. The
    /// lifter fills this in by looking at the successors' code (flags overwritten unread).
    public var deadAtChainedExit: (UInt64, UInt64) = (0, 0)

    public init(layout: GlobalLayout, guestPC: UInt64 = 0) {
        self.layout = layout
        self.guestPC = guestPC
        temps = []
        temps.reserveCapacity(256)
        temps.append(contentsOf: layout.temps)
        insts = []
        insts.reserveCapacity(256)
        labelCount = 0
    }

    /// Empties the block for a new translation at `guestPC`, keeping its arrays' storage.
    public mutating func reset(layout: GlobalLayout, guestPC: UInt64) {
        self.layout = layout
        self.guestPC = guestPC
        temps.removeAll(keepingCapacity: true)
        temps.append(contentsOf: layout.temps)
        insts.removeAll(keepingCapacity: true)
        labelCount = 0
        deadAtChainedExit = (0, 0)
    }

    @inlinable public var globalCount: Int { layout.count }

    @inlinable @inline(__always)
    public func info(_ t: Temp) -> TempInfo { temps[Int(t.index)] }

    @inlinable @inline(__always)
    public func isConst(_ t: Temp) -> Bool { !t.isNone && temps[Int(t.index)].kind == .const }

    @inlinable @inline(__always)
    public func isGlobal(_ t: Temp) -> Bool { !t.isNone && Int(t.index) < layout.count }

    /// The constant's value, or nil when `t` is not a constant.
    @inlinable @inline(__always)
    public func constValue(_ t: Temp) -> UInt64? {
        guard !t.isNone else { return nil }
        let i = temps[Int(t.index)]
        return i.kind == .const ? i.value : nil
    }

    // MARK: Making temps and labels

    @inlinable
    public mutating func newLocal(_ type: IRType) -> Temp {
        temps.append(TempInfo(kind: .local, type: type, value: 0))
        return Temp(temps.count - 1)
    }

    @inlinable
    public mutating func const(_ type: IRType, _ value: UInt64) -> Temp {
        temps.append(TempInfo(kind: .const, type: type, value: value & type.mask))
        return Temp(temps.count - 1)
    }

    public mutating func const(_ type: IRType, _ value: Int64) -> Temp {
        const(type, UInt64(bitPattern: value))
    }

    public mutating func newLabel() -> Int {
        labelCount += 1
        return labelCount - 1
    }

    // MARK: Emitting

    @inlinable @inline(__always)
    public mutating func emit(_ inst: Inst) { insts.append(inst) }

    /// Makes the op just emitted write `target` in place of `value`, when `value` is that op's
    /// only result and the newest temp (which then goes away): a value computed only to be
    /// copied into a global costs one op instead of two. The caller must not use `value` again.
    /// False, with nothing changed, when `value` is not such a result.
    @inlinable
    public mutating func redirectLastResult(_ value: Temp, to target: Temp) -> Bool {
        guard !value.isNone, Int(value.index) == temps.count - 1, temps[Int(value.index)].kind == .local,
              let last = insts.last, last.d0 == value, last.d1.isNone else { return false }
        insts[insts.count - 1].d0 = target
        temps.removeLast()
        return true
    }

    /// `dst = src`; dst is usually a global.
    @inlinable
    public mutating func mov(_ dst: Temp, _ src: Temp) {
        emit(Inst(.mov, info(dst).type, d0: dst, a0: src))
    }

    /// d = a ∘ b into a new local.
    @inlinable
    public mutating func binary(_ op: Op, _ type: IRType, _ a: Temp, _ b: Temp) -> Temp {
        let d = newLocal(type)
        emit(Inst(op, type, d0: d, a0: a, a1: b))
        return d
    }

    /// d = ∘ a into a new local.
    @inlinable
    public mutating func unary(_ op: Op, _ type: IRType, _ a: Temp) -> Temp {
        let d = newLocal(type)
        emit(Inst(op, type, d0: d, a0: a))
        return d
    }

    public mutating func add(_ t: IRType, _ a: Temp, _ b: Temp) -> Temp { binary(.add, t, a, b) }
    public mutating func sub(_ t: IRType, _ a: Temp, _ b: Temp) -> Temp { binary(.sub, t, a, b) }
    public mutating func and(_ t: IRType, _ a: Temp, _ b: Temp) -> Temp { binary(.and, t, a, b) }
    public mutating func or(_ t: IRType, _ a: Temp, _ b: Temp) -> Temp { binary(.or, t, a, b) }
    public mutating func xor(_ t: IRType, _ a: Temp, _ b: Temp) -> Temp { binary(.xor, t, a, b) }
    public mutating func shl(_ t: IRType, _ a: Temp, _ b: Temp) -> Temp { binary(.shl, t, a, b) }
    public mutating func shr(_ t: IRType, _ a: Temp, _ b: Temp) -> Temp { binary(.shr, t, a, b) }
    public mutating func sar(_ t: IRType, _ a: Temp, _ b: Temp) -> Temp { binary(.sar, t, a, b) }

    /// d = a ∘ constant.
    public mutating func binaryImm(_ op: Op, _ type: IRType, _ a: Temp, _ imm: UInt64) -> Temp {
        let c = const(type, imm)
        return binary(op, type, a, c)
    }

    public mutating func setcond(_ c: Cond, _ type: IRType, _ a: Temp, _ b: Temp) -> Temp {
        let d = newLocal(type)
        emit(Inst(.setcond, type, aux: c.rawValue, d0: d, a0: a, a1: b))
        return d
    }

    public mutating func movcond(_ c: Cond, _ type: IRType, _ a: Temp, _ b: Temp, _ ifTrue: Temp, _ ifFalse: Temp) -> Temp {
        let d = newLocal(type)
        emit(Inst(.movcond, type, aux: c.rawValue, d0: d, a0: a, a1: b, a2: ifTrue, a3: ifFalse))
        return d
    }

    public mutating func mul2(signed: Bool, _ type: IRType, _ a: Temp, _ b: Temp) -> (low: Temp, high: Temp) {
        let lo = newLocal(type), hi = newLocal(type)
        emit(Inst(signed ? .muls2 : .mulu2, type, d0: lo, d1: hi, a0: a, a1: b))
        return (lo, hi)
    }

    public mutating func deposit(_ type: IRType, _ a: Temp, _ b: Temp, position: Int, length: Int) -> Temp {
        let d = newLocal(type)
        emit(Inst(.deposit, type, d0: d, a0: a, a1: b, imm: Int64(position | length << 8)))
        return d
    }

    public mutating func extract(_ type: IRType, _ a: Temp, position: Int, length: Int, signed: Bool = false) -> Temp {
        let d = newLocal(type)
        emit(Inst(signed ? .sextract : .extract, type, d0: d, a0: a, imm: Int64(position | length << 8)))
        return d
    }

    public mutating func ldEnv(_ type: IRType, _ memOp: MemOp, offset: Int) -> Temp {
        let d = newLocal(type)
        emit(Inst(.ldEnv, type, aux: memOp.raw, d0: d, imm: Int64(offset)))
        return d
    }

    public mutating func stEnv(_ type: IRType, _ memOp: MemOp, offset: Int, _ value: Temp) {
        emit(Inst(.stEnv, type, aux: memOp.raw, a0: value, imm: Int64(offset)))
    }

    public mutating func load(_ type: IRType, _ memOp: MemOp, address: Temp) -> Temp {
        let d = newLocal(type)
        emit(Inst(.load, type, aux: memOp.raw, d0: d, a0: address))
        return d
    }

    public mutating func store(_ type: IRType, _ memOp: MemOp, address: Temp, _ value: Temp) {
        emit(Inst(.store, type, aux: memOp.raw, a0: address, a1: value))
    }

    /// Calls helper `index` with `args` (at most four); returns its result as a new local.
    @discardableResult
    public mutating func call(_ index: Int, _ args: [Temp], returning type: IRType = .i64) -> Temp {
        let d = Helpers[index].returnsValue ? newLocal(type) : Temp.none
        var inst = Inst(.call, type, d0: d, imm: Int64(index))
        for (i, a) in args.enumerated() { inst.setInput(i, a) }
        emit(inst)
        return d
    }

    @inlinable
    public mutating func insnStart(_ pc: UInt64) { emit(Inst(.insnStart, imm: Int64(bitPattern: pc))) }
    public mutating func setLabel(_ label: Int) { emit(Inst(.setLabel, imm: Int64(label))) }
    public mutating func br(_ label: Int) { emit(Inst(.br, imm: Int64(label))) }
    public mutating func brcond(_ c: Cond, _ type: IRType, _ a: Temp, _ b: Temp, _ label: Int) {
        emit(Inst(.brcond, type, aux: c.rawValue, a0: a, a1: b, imm: Int64(label)))
    }
    /// Continues at guest `pc` through chaining slot `slot`.
    public mutating func gotoTB(_ slot: Int, pc: UInt64) { emit(Inst(.gotoTB, aux: UInt8(slot), imm: Int64(bitPattern: pc))) }
    public mutating func exitTB(_ reason: Int32) { emit(Inst(.exitTB, imm: Int64(reason))) }
    public mutating func lookupAndGoto(_ pc: Temp) { emit(Inst(.lookupAndGoto, a0: pc)) }
}
