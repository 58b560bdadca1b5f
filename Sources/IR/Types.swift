/// The width of an IR value. Like TCG, the IR knows two integer types; 8- and 16-bit guest
/// values live in the low bits of an i32 or i64 and are cut with `ext*`, `extract` and `deposit`.
public enum IRType: UInt8, Sendable {
    case i32, i64

    public var bits: Int { self == .i32 ? 32 : 64 }
    @inlinable public var mask: UInt64 { self == .i32 ? 0xFFFF_FFFF : ~0 }
    public var name: String { self == .i32 ? "i32" : "i64" }
}

/// A value of the IR: an index into its block's temp table. Globals come first (they name fields
/// of the CPU state), then constants and locals in the order they were made.
public struct Temp: Hashable, Sendable, CustomStringConvertible {
    public var index: UInt32
    @inlinable public init(_ index: UInt32) { self.index = index }
    @inlinable public init(_ index: Int) { self.index = UInt32(index) }
    /// The absent operand. Computed: a stored static read from another module goes through
    /// an initialization check on every use.
    @inlinable public static var none: Temp { Temp(UInt32.max) }
    @inlinable public var isNone: Bool { index == UInt32.max }
    public var description: String { isNone ? "-" : "t\(index)" }
}

public enum TempKind: UInt8, Sendable {
    /// A field of the CPU state; its value outlives the block.
    case global
    /// A value private to the block; dead at the block's end.
    case local
    /// A constant; never written.
    case const
}

public struct TempInfo: Sendable {
    public var kind: TempKind
    public var type: IRType
    /// The constant's value (masked to `type`), or the global's byte offset in the CPU state.
    public var value: UInt64

    @inlinable public init(kind: TempKind, type: IRType, value: UInt64) {
        self.kind = kind
        self.type = type
        self.value = value
    }
}

/// Comparison conditions of `setcond`, `movcond` and `brcond`, as TCG names them.
/// `tsteq`/`tstne` test `a & b` against zero, which is what x86 TEST feeds a Jcc.
public enum Cond: UInt8, CaseIterable, Sendable {
    case eq, ne, lt, ge, le, gt, ltu, geu, leu, gtu, tsteq, tstne

    public var name: String {
        switch self {
        case .eq: "eq"
        case .ne: "ne"
        case .lt: "lt"
        case .ge: "ge"
        case .le: "le"
        case .gt: "gt"
        case .ltu: "ltu"
        case .geu: "geu"
        case .leu: "leu"
        case .gtu: "gtu"
        case .tsteq: "tsteq"
        case .tstne: "tstne"
        }
    }

    /// The condition that holds exactly when this one does not.
    public var inverted: Cond {
        switch self {
        case .eq: .ne
        case .ne: .eq
        case .lt: .ge
        case .ge: .lt
        case .le: .gt
        case .gt: .le
        case .ltu: .geu
        case .geu: .ltu
        case .leu: .gtu
        case .gtu: .leu
        case .tsteq: .tstne
        case .tstne: .tsteq
        }
    }

    /// The condition with its operands swapped (a < b is b > a).
    public var swapped: Cond {
        switch self {
        case .eq, .ne, .tsteq, .tstne: self
        case .lt: .gt
        case .gt: .lt
        case .le: .ge
        case .ge: .le
        case .ltu: .gtu
        case .gtu: .ltu
        case .leu: .geu
        case .geu: .leu
        }
    }

    /// Evaluates the condition on two values of `type`.
    @inline(__always)
    public func holds(_ a: UInt64, _ b: UInt64, _ type: IRType) -> Bool {
        let sa: Int64, sb: Int64
        if type == .i32 {
            sa = Int64(Int32(truncatingIfNeeded: a))
            sb = Int64(Int32(truncatingIfNeeded: b))
        } else {
            sa = Int64(bitPattern: a)
            sb = Int64(bitPattern: b)
        }
        let ua = a & type.mask, ub = b & type.mask
        switch self {
        case .eq: return ua == ub
        case .ne: return ua != ub
        case .lt: return sa < sb
        case .ge: return sa >= sb
        case .le: return sa <= sb
        case .gt: return sa > sb
        case .ltu: return ua < ub
        case .geu: return ua >= ub
        case .leu: return ua <= ub
        case .gtu: return ua > ub
        case .tsteq: return ua & ub == 0
        case .tstne: return ua & ub != 0
        }
    }
}

/// Size and signedness of a memory access: bits 0-1 are log2 of the size in bytes, bit 2 asks
/// for sign extension of a load.
public struct MemOp: Hashable, Sendable, CustomStringConvertible {
    public var raw: UInt8
    public init(raw: UInt8) { self.raw = raw }
    public init(bytes: Int, signed: Bool = false) {
        let log2: UInt8 = bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3
        raw = log2 | (signed ? 4 : 0)
    }

    public static let u8 = MemOp(bytes: 1), u16 = MemOp(bytes: 2), u32 = MemOp(bytes: 4), u64 = MemOp(bytes: 8)
    public static let s8 = MemOp(bytes: 1, signed: true), s16 = MemOp(bytes: 2, signed: true)
    public static let s32 = MemOp(bytes: 4, signed: true)

    public var sizeLog2: Int { Int(raw & 3) }
    public var bytes: Int { 1 << sizeLog2 }
    public var signed: Bool { raw & 4 != 0 }
    public var description: String { (signed ? "s" : "u") + String(bytes * 8) }
}
