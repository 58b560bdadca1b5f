/// The instructions the differential suite exercises (a test-side list, independent of the
/// decoder's, so the tests do not trust the code they test).
enum Mnemonic: String, CaseIterable {
    case add, or, adc, sbb, and, sub, xor, cmp, test
    case inc, dec, neg, not
    case shl, sal, shr, sar, rol, ror, rcl, rcr, shld, shrd
    case mul, imul, div, idiv
    case bt, bts, btr, btc, bsf, bsr, lzcnt, tzcnt, popcnt
    case cmpxchg, xadd, xchg
    case movs, stos, lods, cmps, scas
    case jcc, setcc, cmovcc, jmp, call, ret
    case push, pop, enter, leave
    case mov, movsx, movzx, movsxd, lea, bswap
    case cbw, cwde, cdqe, cwd, cdq, cqo
    case sahf, lahf, cmc, clc, stc, cld, std
    case nop, ud2
    // Beyond the base set: loops on RCX, table lookup, byte-swapping moves, wide compare-exchange,
    // BMI1/BMI2, ADX, CRC32.
    case loop, loope, loopne, jrcxz, xlat, movbe, cmpxchg8b, cmpxchg16b
    case andn, bextr, blsi, blsmsk, blsr, bzhi, mulx, pdep, pext, rorx, sarx, shlx, shrx
    case adcx, adox, crc32
    /// Raw bytes of an opcode that is undefined in 64-bit mode.
    case invalid
    /// An SSE, MMX or x87 instruction: the SIMD cases give its flag effect themselves.
    case simd
}

/// How a shift or rotate gets its count: the flags it leaves depend on it.
enum ShiftCount: Equatable {
    /// The count is an immediate, or CL holding a value the test case chose.
    case known(Int)
    /// CL holds whatever earlier instructions left there.
    case unknown
}

/// One instruction of a snippet: its text, and what it does to the status flags.
struct Insn {
    var mnemonic: Mnemonic
    var text: String
    var flags: FlagEffect

    /// `mnemonic operands`, with the flag effect from the SDM rules.
    /// `width` is the operand size in bits; `condition` names the cc of Jcc/SETcc/CMOVcc.
    init(_ mnemonic: Mnemonic, _ operands: String = "", width: Int = 64, count: ShiftCount = .unknown,
         condition: Condition? = nil, prefix: String = "") {
        self.mnemonic = mnemonic
        let name: String
        switch mnemonic {
        case .jcc: name = "j" + condition!.suffix
        case .setcc: name = "set" + condition!.suffix
        case .cmovcc: name = "cmov" + condition!.suffix
        case .invalid: name = ".byte"
        default: name = mnemonic.rawValue
        }
        let head = prefix.isEmpty ? name : prefix + " " + name
        text = operands.isEmpty ? head : head + " " + operands
        flags = FlagRules.effect(of: mnemonic, width: width, count: count, condition: condition,
                                 repeated: !prefix.isEmpty && [.movs, .stos, .lods, .cmps, .scas].contains(mnemonic))
    }

    /// The same instruction (and flag effect) spelled differently: labels as operands,
    /// operand-size suffixes.
    func withText(_ text: String) -> Insn {
        var copy = self
        copy.text = text
        return copy
    }

    /// A string instruction (MOVSB...SCASQ) with an optional REP/REPE/REPNE prefix.
    static func string(_ mnemonic: Mnemonic, bytes: Int, prefix: String = "") -> Insn {
        let suffix = [1: "b", 2: "w", 4: "d", 8: "q"][bytes]!
        var insn = Insn(mnemonic, width: bytes * 8, prefix: prefix)
        insn.text = (prefix.isEmpty ? "" : prefix + " ") + mnemonic.rawValue + suffix
        return insn
    }
}

/// A snippet's structure: straight-line instructions plus the few control-flow shapes the
/// generators use, so the flag rules can follow every path.
indirect enum Piece {
    case insn(Insn)
    /// `j<cc>` forward over `body`.
    case skip(Condition, [Piece])
    /// `mov ecx, times`, then `body; dec ecx; jnz` back to it. The body must not write RCX.
    case loop(times: Int, [Piece])
    /// `call` to `body; ret` placed after a `jmp` over it.
    case subroutine([Piece])
    /// `jmp` over an unreachable UD2: ends a translation block mid-sequence, so flags and
    /// registers must survive the block boundary.
    case jumpOver
    /// A label for hand-written control flow (`10:`), which must only be reached by
    /// instructions that do not read flags.
    case label(String)

    /// One line of hand-written assembly: `10:` is a label, otherwise the first word names
    /// the mnemonic. Only for instructions whose flag effect does not depend on the operands.
    static func line(_ text: String) -> Piece {
        if text.hasSuffix(":") { return .label(String(text.dropLast())) }
        var words = text.split(separator: " ").map(String.init)
        let prefix = ["rep", "repe", "repne", "lock"].contains(words[0]) ? words.removeFirst() : ""
        // String instructions carry their size as a suffix: movsb, stosq...
        let word = words[0]
        guard let mnemonic = Mnemonic(rawValue: word) ?? Mnemonic(rawValue: String(word.dropLast())) else {
            preconditionFailure("no mnemonic in `\(text)`")
        }
        return .insn(Insn(mnemonic, prefix: prefix).withText(text))
    }

    /// Every mnemonic in the piece, for failure statistics.
    var mnemonics: [Mnemonic] {
        switch self {
        case .insn(let insn): [insn.mnemonic]
        case .skip(_, let body): [.jcc] + body.flatMap(\.mnemonics)
        case .loop(_, let body): body.flatMap(\.mnemonics) + [.mov, .dec, .jcc]
        case .subroutine(let body): [.call, .jmp] + body.flatMap(\.mnemonics) + [.ret]
        case .jumpOver: [.jmp]
        case .label: []
        }
    }
}

extension Array where Element == Piece {
    /// Intel-syntax lines. Labels are GNU local numeric labels numbered by nesting depth, so
    /// shapes nest and repeat without clashing.
    func assembly(depth: Int = 0) -> [String] {
        flatMap { piece -> [String] in
            let label = 10 + 4 * depth
            switch piece {
            case .insn(let insn):
                return [insn.text]
            case .skip(let condition, let body):
                return ["j\(condition.suffix) \(label)f"] + body.assembly(depth: depth + 1) + ["\(label):"]
            case .loop(let times, let body):
                return ["mov ecx, \(times)", "\(label):"] + body.assembly(depth: depth + 1) + ["dec ecx", "jnz \(label)b"]
            case .subroutine(let body):
                return ["call \(label)f", "jmp \(label + 1)f", "\(label):"] + body.assembly(depth: depth + 1) + ["ret", "\(label + 1):"]
            case .jumpOver:
                return ["jmp \(label + 2)f", "ud2", "\(label + 2):"]
            case .label(let name):
                return ["\(name):"]
            }
        }
    }
}
