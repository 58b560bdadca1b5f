/// Decoding attributes of a table row (the superscripts of the Intel opcode map, and a few more).
struct EntryFlags: OptionSet {
    let rawValue: UInt32
    static let lockable = EntryFlags(rawValue: 1 << 0)    // LOCK allowed with a memory destination
    static let default64 = EntryFlags(rawValue: 1 << 1)   // d64: 64-bit operand size by default
    static let force64 = EntryFlags(rawValue: 1 << 2)     // f64: 64-bit operand size, 66 ignored
    static let invalid64 = EntryFlags(rawValue: 1 << 3)   // i64: #UD in 64-bit mode
    static let only64 = EntryFlags(rawValue: 1 << 4)      // o64: exists in 64-bit mode only
    static let rep = EntryFlags(rawValue: 1 << 5)         // F3 means REP
    static let repCond = EntryFlags(rawValue: 1 << 6)     // F3 means REPE, F2 REPNE
    static let vex = EntryFlags(rawValue: 1 << 7)         // also has a VEX form (same operands)
    static let vexOnly = EntryFlags(rawValue: 1 << 8)     // exists only VEX/EVEX-encoded
    static let nds = EntryFlags(rawValue: 1 << 9)         // VEX form takes vvvv as 2nd operand
    static let evex = EntryFlags(rawValue: 1 << 10)       // also has an EVEX form
    static let wSelects = EntryFlags(rawValue: 1 << 11)   // REX.W/VEX.W picks the sibling mnemonic
    static let vexL0 = EntryFlags(rawValue: 1 << 12)      // VEX.L must be 0
    static let kDest = EntryFlags(rawValue: 1 << 13)      // EVEX form writes a mask register
    static let hint = EntryFlags(rawValue: 1 << 14)       // 2E/3E are branch hints (Jcc)
    static let notrack = EntryFlags(rawValue: 1 << 15)    // 3E is NOTRACK (indirect CALL/JMP)
    static let fixup = EntryFlags(rawValue: 1 << 16)      // needs Decoder.fixup (90, 98, 99, ...)
    static let widthFromW = EntryFlags(rawValue: 1 << 17) // mask ops: width from pp and W
    static let noVL = EntryFlags(rawValue: 1 << 18)       // vector length is ignored (scalar)
    static let ndd = EntryFlags(rawValue: 1 << 19)        // VEX form writes vvvv (shift-by-immediate groups)
    static let evexOnly = EntryFlags(rawValue: 1 << 20)   // valid only EVEX-encoded
}

/// What a table row is: an instruction, or a pointer to another table.
enum EntryKind: UInt8 {
    case invalid
    case op
    case group      // ModRM.reg selects a row of group table `index`
    case escape0F
    case escape0F38
    case escape0F3A
    case x87
    case vex2       // C5
    case vex3       // C4
    case evex       // 62
}

/// One row of an opcode table: small and trivially copyable, so tables are dense arrays.
struct OpcodeEntry {
    var mnemonic: Mnemonic
    var kind: EntryKind
    var index: UInt8
    var flags: EntryFlags
    var o0: OperandSpec, o1: OperandSpec, o2: OperandSpec, o3: OperandSpec
    /// Which operand gives `operandBytes` (its size code), computed once.
    var widthSize: OperandSize
    var needsModRM: Bool

    init(_ mnemonic: Mnemonic, kind: EntryKind, index: UInt8 = 0, flags: EntryFlags = [],
         operands: [OperandSpec] = []) {
        self.mnemonic = mnemonic
        self.kind = kind
        self.index = index
        self.flags = flags
        let o = operands + Array(repeating: OperandSpec.none, count: 4 - operands.count)
        (o0, o1, o2, o3) = (o[0], o[1], o[2], o[3])
        widthSize = operands.first(where: \.setsWidth)?.size ?? .v
        needsModRM = kind == .group || kind == .x87 || operands.contains(where: \.usesModRM)
    }

    static let invalid = OpcodeEntry(.undefined, kind: .invalid)
    /// An undefined row that still has a ModRM byte (so its length is known).
    static let invalidWithModRM = OpcodeEntry(.undefined, kind: .invalid, operands: [Ev])

    static func op(_ m: Mnemonic, _ operands: OperandSpec..., flags: EntryFlags = []) -> OpcodeEntry {
        OpcodeEntry(m, kind: .op, flags: flags, operands: operands)
    }

    static func group(_ g: GroupID, _ flags: EntryFlags = []) -> OpcodeEntry {
        OpcodeEntry(.undefined, kind: .group, index: g.rawValue, flags: flags)
    }

    static let escape0F = OpcodeEntry(.undefined, kind: .escape0F)
    static let escape0F38 = OpcodeEntry(.undefined, kind: .escape0F38)
    static let escape0F3A = OpcodeEntry(.undefined, kind: .escape0F3A)
    static let x87 = OpcodeEntry(.undefined, kind: .x87)

    subscript(i: Int) -> OperandSpec {
        switch i {
        case 0: o0
        case 1: o1
        case 2: o2
        default: o3
        }
    }
}

/// Group tables (SDM vol. 2, table A-6), one per opcode whose ModRM.reg extends it. Each has 8
/// rows for a memory ModRM.rm and 8 rows for a register ModRM.rm (mod == 3).
enum GroupID: UInt8, CaseIterable {
    case g1_80, g1_81, g1_83, g1a_8F, g2_C0, g2_C1, g2_D0, g2_D1, g2_D2, g2_D3
    case g3_F6, g3_F7, g4_FE, g5_FF, g6_0F00, g7_0F01, g8_0FBA, g9_0FC7, g9_0FC7_F3, g9_0FC7_66
    case g10_0FB9, g11_C6, g11_C7, g12_0F71, g13_0F72, g14_0F73, g12_0F71_66, g13_0F72_66, g14_0F73_66
    case g15_0FAE, g15_0FAE_F3, g15_0FAE_66, g16_0F18, g17_VEX_0F38F3, gReservedNop_0F0D, g_0F1E_F3
}
