/// A memory operand: [segment: base + index * scale + displacement], `bytes` wide.
/// With `base == Register(.rip, 0)` the displacement is relative to the next instruction.
public struct MemoryOperand: Hashable, Sendable {
    public var base: Register?
    public var index: Register?
    public var scale: UInt8          // 1, 2, 4 or 8
    public var displacement: Int64
    public var segment: Segment?     // an explicit override prefix, if any
    public var bytes: UInt16         // access width; 0 where none applies (LEA, NOP Ev)
    public var addressBytes: UInt8   // 8, or 4 with the 0x67 prefix
    /// How many displacement bytes the encoding carried (0, 1, 2 or 4); the printer shows an
    /// encoded zero as "+0x0" as objdump does.
    public var displacementBytes: UInt8 = 0

    public init(base: Register?, index: Register?, scale: UInt8, displacement: Int64, segment: Segment?,
                bytes: UInt16, addressBytes: UInt8) {
        self.base = base
        self.index = index
        self.scale = scale
        self.displacement = displacement
        self.segment = segment
        self.bytes = bytes
        self.addressBytes = addressBytes
    }

    public var isRIPRelative: Bool { base?.file == .rip }
}

public enum Operand: Hashable, Sendable {
    case none
    case register(Register)
    case memory(MemoryOperand)
    /// An immediate, already sign- or zero-extended as the instruction defines, with its width.
    case immediate(Int64, bytes: UInt8)
    /// A branch target: the absolute guest address (next instruction + displacement).
    case relative(UInt64)
    /// A far pointer selector:offset (only outside 64-bit mode).
    case farPointer(selector: UInt16, offset: UInt32)
}

public struct Prefixes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let lock = Prefixes(rawValue: 1 << 0)      // F0
    public static let rep = Prefixes(rawValue: 1 << 1)       // F3 (REP/REPE), when it means that
    public static let repne = Prefixes(rawValue: 1 << 2)     // F2 (REPNE), when it means that
    public static let operandSize = Prefixes(rawValue: 1 << 3) // 66 seen
    public static let addressSize = Prefixes(rawValue: 1 << 4) // 67 seen
    public static let rex = Prefixes(rawValue: 1 << 5)       // a REX prefix took effect
    public static let rexW = Prefixes(rawValue: 1 << 6)
    public static let vex = Prefixes(rawValue: 1 << 7)
    public static let evex = Prefixes(rawValue: 1 << 8)
    public static let branchTaken = Prefixes(rawValue: 1 << 9)    // 3E on a Jcc
    public static let branchNotTaken = Prefixes(rawValue: 1 << 10) // 2E on a Jcc
    public static let notrack = Prefixes(rawValue: 1 << 11)  // 3E on an indirect CALL/JMP (CET)
    /// F3 or F2 was present but used as neither REP nor a mandatory prefix (printed as "repz"/"repnz").
    public static let ignoredRep = Prefixes(rawValue: 1 << 12)
    public static let ignoredRepne = Prefixes(rawValue: 1 << 13)
    /// 66 appeared more than once (padding; printed as "data16").
    public static let repeatedOperandSize = Prefixes(rawValue: 1 << 14)
}

/// The opcode map an instruction's opcode byte belongs to.
public enum OpcodeMap: UInt8, Sendable {
    case oneByte, map0F, map0F38, map0F3A, x87, other
}

/// One decoded instruction. Operands are in Intel order (destination first).
public struct Instruction: Sendable {
    public var mnemonic: Mnemonic
    /// For `jcc`, `setcc`, `cmovcc` (and x87 `fcmovcc`): the condition, 0 (O) to 15 (G).
    public var condition: UInt8
    public var operands: (Operand, Operand, Operand, Operand)
    public var operandCount: Int
    /// Effective operand size in bytes (2, 4 or 8; 1 for byte forms).
    public var operandBytes: UInt8
    /// Effective address size in bytes (8, or 4 with 0x67 in 64-bit mode).
    public var addressBytes: UInt8
    public var prefixes: Prefixes
    /// The segment override prefix, if any (in 64-bit mode only FS and GS change the address).
    public var segment: Segment?
    public var address: UInt64
    public var length: UInt8
    /// The opcode byte and its map (after prefixes and escapes).
    public var opcode: UInt8
    public var map: OpcodeMap
    /// VEX/EVEX vector length in bytes (16, 32, 64); 16 for legacy SSE, 0 where none applies.
    public var vectorBytes: UInt8
    /// EVEX: the opmask register k1-k7 (0 = no masking), zeroing-masking, and embedded broadcast
    /// (the memory operand's `bytes` is then one element, repeated to `vectorBytes`).
    public var opmask: UInt8
    public var zeroingMask: Bool
    public var broadcast: Bool

    public init(mnemonic: Mnemonic, address: UInt64, length: UInt8) {
        self.mnemonic = mnemonic
        self.condition = 0
        self.operands = (.none, .none, .none, .none)
        self.operandCount = 0
        self.operandBytes = 4
        self.addressBytes = 8
        self.prefixes = []
        self.segment = nil
        self.address = address
        self.length = length
        self.opcode = 0
        self.map = .oneByte
        self.vectorBytes = 0
        self.opmask = 0
        self.zeroingMask = false
        self.broadcast = false
    }

    public subscript(i: Int) -> Operand {
        get {
            switch i {
            case 0: operands.0
            case 1: operands.1
            case 2: operands.2
            default: operands.3
            }
        }
        set {
            switch i {
            case 0: operands.0 = newValue
            case 1: operands.1 = newValue
            case 2: operands.2 = newValue
            default: operands.3 = newValue
            }
        }
    }

    public mutating func append(_ op: Operand) {
        self[operandCount] = op
        operandCount += 1
    }

    /// Address of the next instruction.
    public var nextAddress: UInt64 { address &+ UInt64(length) }
}
