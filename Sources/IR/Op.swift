/// The IR's operations: Mimic's twin of QEMU's tcg-opc.h. `info` is the one table that says
/// what each op reads, writes and may do; the printer, verifier, optimizer, interpreter and
/// backend all read it, and each switches exhaustively over `Op` for semantics.
public enum Op: UInt8, CaseIterable, Sendable {
    // d0 = a0
    case mov
    // d0 = a0 ∘ a1, in the op's type
    case add, sub, mul, and, or, xor, andc, shl, shr, sar, rotl, rotr
    // d0 = ∘ a0
    case neg, not
    // (d0, d1) = (low, high) of the double-width product of a0 and a1
    case mulu2, muls2
    // d0 = a0 cond a1 ? 1 : 0
    case setcond
    // d0 = a0 cond a1 ? a2 : a3
    case movcond
    // d0 = a0 with its low 8/16/32 bits sign- or zero-extended to the op's type
    case ext8s, ext8u, ext16s, ext16u, ext32s, ext32u
    // d0 (i64) = a0 (i32) zero- or sign-extended
    case extuI32I64, extsI32I64
    // d0 (i32) = the low 32 bits of a0 (i64)
    case truncI64I32
    // d0 = a0 with bits [pos, pos+len) replaced by the low bits of a1; imm = pos | len << 8
    case deposit
    // d0 = bits [pos, pos+len) of a0, zero- or sign-extended; imm = pos | len << 8
    case extract, sextract
    // d0 = a0 with its low 2/4/8 bytes reversed (upper bits zero)
    case bswap16, bswap32, bswap64
    // d0 = count of leading/trailing zeros of a0, or a1 when a0 is zero
    case clz, ctz
    // d0 = population count of a0
    case ctpop
    // d0 = the x86 status flags (EFLAGS layout, see `StatusFlags`) of a0 + a1, a0 - a1,
    // a0 + a1 + a2, a0 - a1 - a2 (a2 is a carry of 0 or 1), or of the logic result a0, computed
    // at the width `aux` gives (log2 of 1, 2, 4 or 8 bytes) on zero-extended inputs
    case flagsAdd, flagsSub, flagsAdc, flagsSbb, flagsLogic
    // d0 = cpu state at byte offset imm (size from memop); cpu state at imm = a0
    case ldEnv, stEnv
    // d0 = guest memory at address a0; guest memory at a0 = a1 (size and sign from memop)
    case load, store
    // d0 = helper #imm (cpu, a0, a1, a2, a3)
    case call
    // a guest instruction starts here; imm = its guest address
    case insnStart
    // label #imm is here / jump to label #imm / jump to label #imm when a0 cond a1
    case setLabel, br, brcond
    // continue at the block chained into slot #aux, or leave with MIMIC_EXIT_CHAIN<aux> after
    // storing imm (the target's guest pc) into the layout's program-counter global
    case gotoTB
    // leave generated code with reason imm (MIMIC_EXIT_*)
    case exitTB
    // jump to the block for guest pc a0 through the jump cache, or leave with MIMIC_EXIT_LOOKUP
    case lookupAndGoto

    /// The op's row of the table. Inlinable, so each use compiles to a lookup in constant
    /// tables rather than a call.
    @inlinable @inline(__always)
    public var info: OpInfo {
        switch self {
        case .mov, .neg, .not, .ext8s, .ext8u, .ext16s, .ext16u, .ext32s, .ext32u,
             .extuI32I64, .extsI32I64, .truncI64I32, .bswap16, .bswap32, .bswap64, .ctpop:
            return OpInfo(outs: 1, ins: 1)
        case .add, .sub, .mul, .and, .or, .xor, .andc, .shl, .shr, .sar, .rotl, .rotr, .clz, .ctz:
            return OpInfo(outs: 1, ins: 2)
        case .flagsAdd, .flagsSub:
            return OpInfo(outs: 1, ins: 2, usesWidth: true)
        case .flagsAdc, .flagsSbb:
            return OpInfo(outs: 1, ins: 3, usesWidth: true)
        case .flagsLogic:
            return OpInfo(outs: 1, ins: 1, usesWidth: true)
        case .extract, .sextract:
            return OpInfo(outs: 1, ins: 1, imm: .bitField)
        case .deposit:
            return OpInfo(outs: 1, ins: 2, imm: .bitField)
        case .mulu2, .muls2:
            return OpInfo(outs: 2, ins: 2)
        case .setcond:
            return OpInfo(outs: 1, ins: 2, usesCond: true)
        case .movcond:
            return OpInfo(outs: 1, ins: 4, usesCond: true)
        case .ldEnv:
            return OpInfo(outs: 1, ins: 0, imm: .offset, usesMemOp: true)
        case .stEnv:
            return OpInfo(outs: 0, ins: 1, imm: .offset, usesMemOp: true, flags: [.sideEffects])
        case .load:
            return OpInfo(outs: 1, ins: 1, usesMemOp: true, flags: [.sideEffects, .mayFault])
        case .store:
            return OpInfo(outs: 0, ins: 2, usesMemOp: true, flags: [.sideEffects, .mayFault])
        case .call:
            return OpInfo(outs: 1, ins: 4, imm: .helper, flags: [.sideEffects, .call])
        case .insnStart:
            return OpInfo(outs: 0, ins: 0, imm: .pc, flags: [.sideEffects])
        case .setLabel:
            return OpInfo(outs: 0, ins: 0, imm: .label, flags: [.sideEffects, .basicBlockEnd])
        case .br:
            return OpInfo(outs: 0, ins: 0, imm: .label, flags: [.sideEffects, .basicBlockEnd])
        case .brcond:
            return OpInfo(outs: 0, ins: 2, imm: .label, usesCond: true, flags: [.sideEffects, .basicBlockEnd])
        case .gotoTB:
            return OpInfo(outs: 0, ins: 0, imm: .pc, flags: [.sideEffects, .basicBlockEnd, .leavesBlock])
        case .exitTB:
            return OpInfo(outs: 0, ins: 0, imm: .exitReason, flags: [.sideEffects, .basicBlockEnd, .leavesBlock])
        case .lookupAndGoto:
            return OpInfo(outs: 0, ins: 1, flags: [.sideEffects, .basicBlockEnd, .leavesBlock])
        }
    }

    public var name: String {
        switch self {
        case .mov: "mov"
        case .add: "add"
        case .sub: "sub"
        case .mul: "mul"
        case .and: "and"
        case .or: "or"
        case .xor: "xor"
        case .andc: "andc"
        case .shl: "shl"
        case .shr: "shr"
        case .sar: "sar"
        case .rotl: "rotl"
        case .rotr: "rotr"
        case .neg: "neg"
        case .not: "not"
        case .mulu2: "mulu2"
        case .muls2: "muls2"
        case .setcond: "setcond"
        case .movcond: "movcond"
        case .ext8s: "ext8s"
        case .ext8u: "ext8u"
        case .ext16s: "ext16s"
        case .ext16u: "ext16u"
        case .ext32s: "ext32s"
        case .ext32u: "ext32u"
        case .extuI32I64: "extu_i32_i64"
        case .extsI32I64: "exts_i32_i64"
        case .truncI64I32: "trunc_i64_i32"
        case .deposit: "deposit"
        case .extract: "extract"
        case .sextract: "sextract"
        case .bswap16: "bswap16"
        case .bswap32: "bswap32"
        case .bswap64: "bswap64"
        case .clz: "clz"
        case .ctz: "ctz"
        case .ctpop: "ctpop"
        case .flagsAdd: "flags_add"
        case .flagsSub: "flags_sub"
        case .flagsAdc: "flags_adc"
        case .flagsSbb: "flags_sbb"
        case .flagsLogic: "flags_logic"
        case .ldEnv: "ld_env"
        case .stEnv: "st_env"
        case .load: "qemu_ld"
        case .store: "qemu_st"
        case .call: "call"
        case .insnStart: "insn_start"
        case .setLabel: "set_label"
        case .br: "br"
        case .brcond: "brcond"
        case .gotoTB: "goto_tb"
        case .exitTB: "exit_tb"
        case .lookupAndGoto: "lookup_and_goto_ptr"
        }
    }
}

/// What an op reads and writes and what else it does.
public struct OpInfo: Sendable {

    public enum Immediate: UInt8, Sendable { case none, bitField, offset, helper, pc, label, slot, exitReason }

    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt8
        @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
        // Computed, not stored: a stored static is initialized lazily and every read would go
        // through a once-check, on every op of every pass.
        /// Must not be removed even when its outputs are dead.
        @inlinable public static var sideEffects: Flags { Flags(rawValue: 1) }
        /// Ends a basic block: control may arrive or leave here, so values must be where the
        /// next basic block expects them (globals in the CPU state).
        @inlinable public static var basicBlockEnd: Flags { Flags(rawValue: 2) }
        /// Leaves the translation block.
        @inlinable public static var leavesBlock: Flags { Flags(rawValue: 4) }
        /// May raise a guest exception: the CPU state must be exact before it runs.
        @inlinable public static var mayFault: Flags { Flags(rawValue: 8) }
        /// Calls a helper (which may read and write the CPU state and clobbers caller-saved registers).
        @inlinable public static var call: Flags { Flags(rawValue: 16) }
    }

    /// Output and input operand counts. For `call`, up to this many; absent ones are `Temp.none`.
    public var outs: Int
    public var ins: Int
    public var imm: Immediate
    public var usesCond: Bool
    public var usesMemOp: Bool
    /// `aux` is log2 of an operand width in bytes (the flags ops).
    public var usesWidth: Bool
    public var flags: Flags

    @usableFromInline
    init(outs: Int, ins: Int, imm: Immediate = .none, usesCond: Bool = false, usesMemOp: Bool = false,
         usesWidth: Bool = false, flags: Flags = []) {
        self.outs = outs
        self.ins = ins
        self.imm = imm
        self.usesCond = usesCond
        self.usesMemOp = usesMemOp
        self.usesWidth = usesWidth
        self.flags = flags
    }
}
