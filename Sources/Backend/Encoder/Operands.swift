/// A host general-purpose register, numbered as the ModRM/REX encoding numbers it.
public enum GPR: UInt8, CaseIterable, Sendable {
    case rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15

    /// The three bits that go into ModRM, SIB or the opcode.
    @inline(__always) var low3: UInt8 { rawValue & 7 }
    /// The fourth bit, which goes into REX.R, REX.X or REX.B.
    @inline(__always) var high: UInt8 { rawValue >> 3 }
    /// As a byte register, spl/bpl/sil/dil exist only with a REX prefix (without one the same
    /// numbers name ah/ch/dh/bh).
    @inline(__always) var byteNeedsREX: Bool { rawValue >= 4 && rawValue <= 7 }
}

/// Operand size of an instruction.
public enum Width: UInt8, Sendable {
    case b8, b16, b32, b64

    public var bytes: Int { 1 << Int(rawValue) }
}

/// A memory operand `[base + index*scale + disp]`; base and index are optional.
public struct Mem: Sendable, Equatable {
    public var base: GPR?
    /// Never rsp: the SIB encoding of index 100 means "no index".
    public var index: GPR?
    /// 1, 2, 4 or 8.
    public var scale: UInt8
    public var disp: Int32

    public init(_ base: GPR?, _ disp: Int32 = 0) {
        self.base = base
        index = nil
        scale = 1
        self.disp = disp
    }

    public init(_ base: GPR?, index: GPR, scale: UInt8 = 1, _ disp: Int32 = 0) {
        precondition(index != .rsp, "rsp cannot be an index register")
        self.base = base
        self.index = index
        self.scale = scale
        self.disp = disp
    }

    var scaleBits: UInt8 {
        switch scale {
        case 1: 0
        case 2: 1
        case 4: 2
        default: 3
        }
    }
}

/// The x86 condition codes, in their encoding order (the low nibble of Jcc, SETcc, CMOVcc).
public enum ConditionCode: UInt8, CaseIterable, Sendable {
    case o, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g

    public var inverted: ConditionCode { ConditionCode(rawValue: rawValue ^ 1)! }
}

/// The eight classic ALU operations, in the order of their opcode rows (00-3F) and of the
/// ModRM.reg extension of group 1 (80-83).
public enum ALUOp: UInt8, CaseIterable, Sendable {
    case add, or, adc, sbb, and, sub, xor, cmp
}

/// Group 2 (C0/C1/D0-D3): ModRM.reg selects the operation. 6 is an alias of shl and unused.
public enum ShiftOp: UInt8, CaseIterable, Sendable {
    case rol = 0, ror = 1, rcl = 2, rcr = 3, shl = 4, shr = 5, sar = 7
}

/// A jump target inside one encoder's buffer.
public struct Label: Hashable, Sendable {
    public let id: Int
}
