import TestSupport
/// Random straight-line sequences of 1-20 instructions, with some forward branches, small loops
/// and calls, drawn from the hand-picked families.
///
/// Memory stays inside the data region: RBX, RSI and RDI point into it and are never written
/// (string instructions move RSI/RDI by a bounded amount), RBP holds a small index, and RSP
/// moves only through balanced-enough PUSH/POP. A sequence never reads a flag that an earlier
/// instruction left undefined.
struct RandomSequences {
    static func cases(_ random: inout SplitMix64, count: Int) -> [TestCase] {
        (0..<count).map { _ in
            var generator = RandomSequences(random: SplitMix64(seed: random.next()))
            return generator.testCase()
        }
    }

    private var random: SplitMix64
    /// Flags defined at the current end of the sequence.
    private var defined = Flags.status
    /// Quadwords pushed and not yet popped.
    private var depth = 0

    private init(random: SplitMix64) { self.random = random }

    /// Registers a sequence may write.
    private static let writable: [GPR] = [.rax, .rcx, .rdx, .r8, .r9, .r10, .r11, .r12, .r13, .r14, .r15]
    private static let bases: [GPR] = [.rbx, .rsi, .rdi]

    private mutating func testCase() -> TestCase {
        var s = Operands.randomState(&random, flags: Operands.randomFlags(&random).union(random.chance(15) ? .df : []))
        for base in Self.bases { s[base] = Layout.dataPointer(offset: 0x1000 + random.below(0x6000)) }
        s[.rbp] = UInt64(random.below(0x40))
        let length = 1 + random.below(20)
        var program: [Piece] = []
        while program.count < length {
            program += nextPieces(inConstruct: false)
        }
        return TestCase("random", program, input: s)
    }

    /// The next instruction or construct, valid for the current flags.
    private mutating func nextPieces(inConstruct: Bool, keepRCX: Bool = false) -> [Piece] {
        for _ in 0..<20 {
            let saved = (random, depth)
            let pieces = candidate(inConstruct: inConstruct, keepRCX: keepRCX)
            let analysis = FlagAnalysis(pieces, initiallyDefined: defined)
            if analysis.violations.isEmpty && !pieces.isEmpty {
                defined = analysis.definedAtEnd
                return pieces
            }
            depth = saved.1
        }
        return [.insn(Insn(.nop))]
    }

    private mutating func candidate(inConstruct: Bool, keepRCX: Bool) -> [Piece] {
        let roll = random.below(100)
        if !inConstruct && roll < 8 { return construct() }
        switch random.below(17) {
        case 0, 1, 2: return [.insn(binaryALU(keepRCX))]
        case 3: return [.insn(unaryALU(keepRCX))]
        case 4, 5: return [.insn(shift(keepRCX))]
        case 6: return multiply(keepRCX)
        case 7: return divide(keepRCX)
        case 8: return [.insn(bitInstruction(keepRCX))]
        case 9: return [.insn(exchange(keepRCX))]
        case 10: return keepRCX ? [] : stringInstruction()
        case 11: return [.insn(conditional(keepRCX))]
        case 12: return inConstruct ? [] : stack(keepRCX)
        case 13, 14: return [.insn(move(keepRCX))]
        case 15: return [.insn(flagInstruction(keepRCX))]
        default: return [.insn(Insn(.lea, "\(register(64, keepRCX)), \(address())"))]
        }
    }

    // MARK: Operands

    private mutating func width() -> Int { random.pick(Operands.widths) }

    private mutating func target(_ keepRCX: Bool) -> GPR {
        random.pick(keepRCX ? Self.writable.filter { $0 != .rcx } : Self.writable)
    }

    /// A writable register at `width`. `legacyOnly` keeps to registers that combine with
    /// AH..DH (no REX): AL CL DL AH CH DH and their wider forms.
    private mutating func register(_ width: Int, _ keepRCX: Bool, legacyOnly: Bool = false) -> String {
        guard legacyOnly else { return Operands.name(target(keepRCX), width) }
        if width == 8 && random.chance(40) { return random.pick(keepRCX ? ["ah", "dh"] : ["ah", "ch", "dh"]) }
        return Operands.name(random.pick(keepRCX ? [.rax, .rdx] : [.rax, .rcx, .rdx]), width)
    }

    /// Any register as a source (bases included).
    private mutating func source(_ width: Int) -> String {
        Operands.name(random.pick(GPR.allCases.filter { $0 != .rsp }), width)
    }

    /// A memory operand inside the data region.
    private mutating func address() -> String {
        let disp = random.below(0x800) - 0x400
        let sign = disp < 0 ? "-" : "+"
        let base = Operands.name(random.pick(Self.bases), 64)
        switch random.below(6) {
        case 0: return "[\(base)]"
        case 1: return "[\(base) \(sign) \(abs(disp))]"
        case 2: return "[\(base) + rbp*\(random.pick([1, 2, 4, 8])) \(sign) \(abs(disp))]"
        case 3: return "[rsp + \(8 + random.below(0x200))]"   // never a return address at [rsp]
        case 4: return "[\(Operands.name(random.pick(Self.bases), 32)) + ebp*\(random.pick([1, 2, 4, 8])) \(sign) \(abs(disp))]"
        default: return "ds:0x\(hex(Layout.data + 0x8000 + UInt64(random.below(0x1000))))"
        }
    }

    private mutating func memory(_ width: Int) -> String { "\(Operands.ptr(width)) \(address())" }

    private mutating func immediate(_ width: Int) -> Int64 {
        switch random.below(3) {
        case 0: return Int64(Int8(truncatingIfNeeded: random.next()))
        case 1: return width == 8 ? Int64(Int8(truncatingIfNeeded: random.next())) : Int64(Int16(truncatingIfNeeded: random.next()))
        default: return width == 8 ? Int64(Int8(truncatingIfNeeded: random.next()))
                      : width == 16 ? Int64(Int16(truncatingIfNeeded: random.next())) : Int64(Int32(truncatingIfNeeded: random.next()))
        }
    }

    /// Destination, source for a two-operand instruction: reg/reg, reg/mem, mem/reg or reg/imm.
    private mutating func operands(_ width: Int, _ keepRCX: Bool, immediate allowImmediate: Bool = true) -> String {
        let high = width == 8 && random.chance(20)
        let dst = high ? random.pick(keepRCX ? ["ah", "dh"] : ["ah", "ch", "dh"]) : register(width, keepRCX)
        let legacySource = Operands.name(random.pick([GPR.rax, .rcx, .rdx, .rbx]), width)
        switch random.below(allowImmediate ? 5 : 3) {
        case 0: return "\(dst), \(high ? legacySource : source(width))"
        case 1: return "\(dst), \(memory(width))"
        case 2: return "\(memory(width)), \(high ? legacySource : source(width))"
        case 3: return "\(memory(width)), \(Operands.immediate(immediate(width)))"
        default: return "\(dst), \(Operands.immediate(immediate(width)))"
        }
    }

    // MARK: Families

    private mutating func binaryALU(_ keepRCX: Bool) -> Insn {
        let op = random.pick(ALUCases.binary)
        let w = width()
        return Insn(op, operands(w, keepRCX), width: w)
    }

    private mutating func unaryALU(_ keepRCX: Bool) -> Insn {
        let w = width()
        return Insn(random.pick(ALUCases.unary), random.chance(60) ? register(w, keepRCX) : memory(w), width: w)
    }

    private mutating func shift(_ keepRCX: Bool) -> Insn {
        let w = width()
        let dst = random.chance(70) ? register(w, keepRCX) : memory(w)
        if random.chance(20) {
            // SHLD/SHRD: 16-bit only with a count inside the operand.
            let dw = random.pick([16, 32, 64])
            let op = random.pick([Mnemonic.shld, .shrd])
            let dstD = random.chance(70) ? register(dw, keepRCX) : memory(dw)
            let src = source(dw)
            if dw != 16 && random.chance(40) { return Insn(op, "\(dstD), \(src), cl", width: dw, count: .unknown) }
            let n = random.below(dw == 16 ? 16 : dw)
            return Insn(op, "\(dstD), \(src), \(n)", width: dw, count: .known(n))
        }
        let op = random.pick(ShiftCases.single)
        switch random.below(3) {
        case 0: return Insn(op, "\(dst), cl", width: w, count: .unknown)
        case 1: return Insn(op, "\(dst), 1", width: w, count: .known(1))
        default:
            let n = random.pick([0, 1, 2, 3, 5, 7, 8, 15, 16, 31, 32, 33, 63, 64, 100])
            return Insn(op, "\(dst), \(n)", width: w, count: .known(n))
        }
    }

    private mutating func multiply(_ keepRCX: Bool) -> [Piece] {
        let w = width()
        switch random.below(3) {
        case 0:
            return [.insn(Insn(random.pick([Mnemonic.mul, .imul]), random.chance(60) ? source(w) : memory(w), width: w))]
        case 1 where w > 8:
            return [.insn(Insn(.imul, "\(register(w, keepRCX)), \(random.chance(60) ? source(w) : memory(w))", width: w))]
        default:
            let w = random.pick([16, 32, 64])
            let src = random.chance(60) ? source(w) : memory(w)
            return [.insn(Insn(.imul, "\(register(w, keepRCX)), \(src), \(Operands.immediate(immediate(w)))", width: w))]
        }
    }

    /// Mostly a division prepared so it cannot fault; sometimes a raw one that may (#DE).
    private mutating func divide(_ keepRCX: Bool) -> [Piece] {
        let w = width()
        let divisors = (keepRCX ? Self.writable.filter { $0 != .rcx } : Self.writable).filter { $0 != .rax && $0 != .rdx }
        let d = Operands.name(random.pick(divisors), w)
        if random.chance(5) {
            return [.insn(Insn(random.pick([Mnemonic.div, .idiv]), d, width: w))]
        }
        let signed = random.chance(50)
        var pieces: [Piece] = []
        if signed {
            let extend: [Int: Mnemonic] = [8: .cbw, 16: .cwd, 32: .cdq, 64: .cqo]
            pieces.append(.line(w == 8 ? "cbw" : extend[w]!.rawValue))
            pieces.append(.insn(Insn(.and, "\(d), 0x3f", width: w)))
            pieces.append(.insn(Insn(.or, "\(d), 2", width: w)))
        } else {
            pieces.append(.line(w == 8 ? "movzx eax, al" : "xor edx, edx"))
            pieces.append(.insn(Insn(.or, "\(d), 1", width: w)))
        }
        pieces.append(.insn(Insn(signed ? .idiv : .div, d, width: w)))
        return pieces
    }

    private mutating func bitInstruction(_ keepRCX: Bool) -> Insn {
        let w = random.pick([16, 32, 64])
        if random.chance(40) {
            let dst = register(w, keepRCX)
            let src = random.chance(70) ? source(w) : memory(w)
            return Insn(random.pick([Mnemonic.lzcnt, .tzcnt, .popcnt]), "\(dst), \(src)", width: w)
        }
        let op = random.pick([Mnemonic.bt, .bts, .btr, .btc])
        let dst = op == .bt ? source(w) : register(w, keepRCX)
        switch random.below(4) {
        case 0: return Insn(op, "\(dst), \(source(w))", width: w)
        case 1: return Insn(op, "\(dst), \(random.below(256))", width: w)
        case 2: return Insn(op, "\(memory(w)), \(random.below(256))", width: w)
        default: return Insn(op, "\(memory(w)), \(Operands.name(.rbp, w))", width: w)   // RBP is small
        }
    }

    private mutating func exchange(_ keepRCX: Bool) -> Insn {
        let w = width()
        let op = random.pick([Mnemonic.cmpxchg, .xadd, .xchg])
        let reg = register(w, keepRCX, legacyOnly: op == .cmpxchg || w == 8)
        let dst = random.chance(50) ? memory(w) : register(w, keepRCX, legacyOnly: w == 8)
        return Insn(op, "\(dst), \(reg)", width: w, prefix: random.chance(20) && dst.contains("PTR") ? "lock" : "")
    }

    private mutating func stringInstruction() -> [Piece] {
        let op = random.pick([Mnemonic.movs, .stos, .lods, .cmps, .scas])
        let bytes = random.pick([1, 2, 4, 8])
        let prefixes = op == .cmps || op == .scas ? ["", "repe", "repne"] : ["", "rep"]
        let prefix = random.pick(prefixes)
        var pieces: [Piece] = []
        if !prefix.isEmpty { pieces.append(.line("mov ecx, \(random.below(9))")) }
        pieces.append(.insn(Insn.string(op, bytes: bytes, prefix: prefix)))
        return pieces
    }

    private mutating func conditional(_ keepRCX: Bool) -> Insn {
        let usable = Condition.allCases.filter { $0.reads.isSubset(of: defined) }
        guard let condition = usable.randomElement(using: &random) else { return Insn(.nop) }
        if random.chance(40) {
            return Insn(.setcc, random.chance(70) ? register(8, keepRCX) : memory(8), width: 8, condition: condition)
        }
        let w = random.pick([16, 32, 64])
        let src = random.chance(60) ? source(w) : memory(w)
        return Insn(.cmovcc, "\(register(w, keepRCX)), \(src)", width: w, condition: condition)
    }

    private mutating func stack(_ keepRCX: Bool) -> [Piece] {
        if depth > 0 && random.chance(50) {
            depth -= 1
            return [.insn(Insn(.pop, random.chance(80) ? Operands.name(target(keepRCX), 64) : "QWORD PTR \(address())"))]
        }
        guard depth < 16 else { return [] }
        depth += 1
        switch random.below(3) {
        case 0: return [.insn(Insn(.push, source(64)))]
        case 1: return [.insn(Insn(.push, Operands.immediate(immediate(32))))]
        default: return [.insn(Insn(.push, "QWORD PTR \(address())"))]
        }
    }

    private mutating func move(_ keepRCX: Bool) -> Insn {
        switch random.below(8) {
        case 0:
            let w = width()
            return Insn(.mov, operands(w, keepRCX), width: w)
        case 1:
            let (to, from) = random.pick([(16, 8), (32, 8), (64, 8), (32, 16), (64, 16)])
            let src = random.chance(60) ? source(from) : memory(from)
            return Insn(random.pick([Mnemonic.movsx, .movzx]), "\(register(to, keepRCX)), \(src)", width: to)
        case 2:
            return Insn(.movsxd, "\(register(64, keepRCX)), \(random.chance(50) ? source(32) : memory(32))")
        case 3:
            return Insn(random.pick([Mnemonic.cbw, .cwde, .cdqe, .cwd, .cdq, .cqo]))
        case 4:
            let w = random.pick([32, 64])
            return Insn(.bswap, register(w, keepRCX), width: w)
        case 5:
            return Insn(.mov).withText("movabs \(register(64, keepRCX)), 0x\(hex(random.next()))")
        default:
            let w = width()
            return Insn(.mov, "\(register(w, keepRCX)), \(random.chance(50) ? source(w) : memory(w))", width: w)
        }
    }

    private mutating func flagInstruction(_ keepRCX: Bool) -> Insn {
        random.pick([Insn(.sahf), Insn(.lahf), Insn(.cmc), Insn(.clc), Insn(.stc), Insn(.cld), Insn(.std)])
    }

    // MARK: Control flow

    private mutating func construct() -> [Piece] {
        switch random.below(4) {
        case 3:
            return [.jumpOver]
        case 0:
            let usable = Condition.allCases.filter { $0.reads.isSubset(of: defined) }
            guard let condition = usable.randomElement(using: &random) else { return [] }
            return [.skip(condition, body(keepRCX: false))]
        case 1:
            return [.loop(times: 1 + random.below(5), body(keepRCX: true))]
        default:
            return [.subroutine(body(keepRCX: false))]
        }
    }

    /// One to four instructions for a construct, generated from the current flags; the caller
    /// re-checks the whole construct (a loop's later iterations may see fewer defined flags).
    private mutating func body(keepRCX: Bool) -> [Piece] {
        let entry = defined
        var pieces: [Piece] = []
        for _ in 0..<(1 + random.below(4)) {
            pieces += nextPieces(inConstruct: true, keepRCX: keepRCX)
        }
        defined = entry
        return pieces
    }
}
