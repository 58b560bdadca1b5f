import X86

/// Which status flags the code at a block's direct successor overwrites before it reads them.
///
/// Flags are computed one global each and kept exact at every point where the state can be
/// observed inside a block; where a block leaves through `goto_tb`, though, its successor is
/// known, and when that successor sets a flag before reading it, the flag need not be computed
/// at all. The scan stops, treating every undecided flag as live, at anything it does not know,
/// at a control transfer, and at any instruction that touches memory (which may fault and show
/// the flags to an exception handler).
///
/// A consequence to know: where execution is interrupted between two chained blocks (a signal
/// or interrupt delivered there), a flag that the next block overwrites unread may be stale.
enum FlagLiveness {
    struct FlagSet: OptionSet {
        let rawValue: UInt8
        static let cf = FlagSet(rawValue: 1), pf = FlagSet(rawValue: 2), af = FlagSet(rawValue: 4)
        static let zf = FlagSet(rawValue: 8), sf = FlagSet(rawValue: 16), of = FlagSet(rawValue: 32)
        static let all: FlagSet = [.cf, .pf, .af, .zf, .sf, .of]
        static let allButCF: FlagSet = [.pf, .af, .zf, .sf, .of]
    }

    /// How far ahead to look.
    static let window = 16

    /// Whether the code at `pc` writes all six status flags before it reads any: the flags
    /// word is one global, dead only when all six are. The scan ends at the first read of a
    /// flag not yet written (that flag is live).
    static func allFlagsDead<Source: InstructionSource>(at pc: UInt64, source: Source) -> Bool {
        var unwritten = FlagSet.all
        var address = pc
        var insn = Instruction(mnemonic: .nop, address: pc, length: 0)
        for _ in 0..<window {
            guard source.decodeAhead(address, into: &insn), let effect = effect(of: insn),
                  effect.reads.isDisjoint(with: unwritten) else { return false }
            unwritten.subtract(effect.writes)
            if unwritten.isEmpty { return true }
            address = insn.nextAddress
        }
        return false
    }

    /// What a register-only instruction reads and writes; nil for anything that may fault,
    /// transfers control, or is not in this list.
    static func effect(of insn: Instruction) -> (reads: FlagSet, writes: FlagSet)? {
        if insn.prefixes.contains(.lock) { return nil }
        for i in 0..<insn.operandCount {
            switch insn[i] {
            case .memory:
                guard insn.mnemonic == .lea || insn.mnemonic == .nop else { return nil }
            case .register(let r):
                guard r.isGPR else { return nil }
            case .immediate:
                break
            case .none, .relative, .farPointer:
                return nil
            }
        }
        switch insn.mnemonic {
        case .add, .sub, .and, .or, .xor, .cmp, .test, .neg:
            return ([], .all)
        case .adc, .sbb:
            return (.cf, .all)
        case .inc, .dec:
            return ([], .allButCF)
        case .mov, .movzx, .movsx, .movsxd, .lea, .nop, .not, .bswap, .xchg, .endbr64,
             .cbw, .cwde, .cdqe, .cwd, .cdq, .cqo:
            return ([], [])
        case .setcc, .cmovcc:
            return (conditionReads(insn.condition), [])
        case .clc, .stc, .bt:
            return ([], .cf)
        case .cmc:
            return (.cf, .cf)
        default:
            return nil
        }
    }

    /// The flags condition code `cc` (0 = O ... 15 = G) looks at.
    static func conditionReads(_ cc: UInt8) -> FlagSet {
        switch cc >> 1 {
        case 0: .of
        case 1: .cf
        case 2: .zf
        case 3: [.cf, .zf]
        case 4: .sf
        case 5: .pf
        case 6: [.sf, .of]
        default: [.zf, .sf, .of]
        }
    }

    /// The bits of `IRBlock.deadAtChainedExit` for a successor.
    static func globalMask(allFlagsDead: Bool) -> UInt64 {
        allFlagsDead ? 1 << UInt64(X86Globals.flags.index) : 0
    }
}
