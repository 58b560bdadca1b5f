/// One IR instruction: a plain struct kept in contiguous storage, addressed by index.
/// Operands that an op does not use are `Temp.none`; see `Op.info` for which are used.
public struct Inst: Sendable {
    public var op: Op
    /// The type the op computes in (for conversions, the type of the result).
    public var type: IRType
    /// `Cond.rawValue` for ops that compare, `MemOp.raw` for ops that access memory.
    public var aux: UInt8
    public var d0: Temp
    public var d1: Temp
    public var a0: Temp
    public var a1: Temp
    public var a2: Temp
    public var a3: Temp
    /// Offset, bit field, helper index, guest pc, label, slot or exit reason (see `OpInfo.imm`).
    public var imm: Int64

    @inlinable public init(_ op: Op, _ type: IRType = .i64, aux: UInt8 = 0, d0: Temp = .none, d1: Temp = .none,
                a0: Temp = .none, a1: Temp = .none, a2: Temp = .none, a3: Temp = .none, imm: Int64 = 0) {
        self.op = op
        self.type = type
        self.aux = aux
        self.d0 = d0
        self.d1 = d1
        self.a0 = a0
        self.a1 = a1
        self.a2 = a2
        self.a3 = a3
        self.imm = imm
    }

    public var cond: Cond { Cond(rawValue: aux) ?? .eq }
    public var memOp: MemOp { MemOp(raw: aux) }
    /// For `gotoTB`: the chaining slot.
    public var slot: Int { Int(aux) }
    /// For the flags ops: the operand width in bytes.
    public var widthBytes: Int { 1 << Int(aux & 3) }
    /// For `deposit`, `extract` and `sextract`.
    public var bitPosition: Int { Int(imm & 0xFF) }
    public var bitLength: Int { Int((imm >> 8) & 0xFF) }

    /// Input operand `i` (0...3).
    @inline(__always)
    public func input(_ i: Int) -> Temp {
        switch i {
        case 0: a0
        case 1: a1
        case 2: a2
        default: a3
        }
    }

    @inline(__always)
    public mutating func setInput(_ i: Int, _ t: Temp) {
        switch i {
        case 0: a0 = t
        case 1: a1 = t
        case 2: a2 = t
        default: a3 = t
        }
    }

    /// Output operand `i` (0...1).
    @inline(__always)
    public func output(_ i: Int) -> Temp { i == 0 ? d0 : d1 }
}
