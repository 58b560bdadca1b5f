import TestSupport
/// MUL and IMUL in their one-, two- and three-operand forms; DIV and IDIV including the divide
/// error (#DE, vector 0) for a zero divisor and for a quotient that does not fit.
enum MulDivCases {
    static func cases(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        for width in Operands.widths {
            cases += oneOperandMultiply(width, &random)
            cases += divide(width, &random)
            if width > 8 { cases += multiOperandMultiply(width, &random) }
        }
        return cases
    }

    private static func multiplicands(_ width: Int, _ random: inout SplitMix64) -> [UInt64] {
        Operands.boundaries(width, &random) + [2, Operands.mask(width) - 1, random.next() & Operands.mask(width) >> 1]
    }

    private static func oneOperandMultiply(_ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let values = multiplicands(width, &random)
        let sources: [(String, GPR, Bool)] = width == 8 ? [("bl", .rbx, false), ("ch", .rcx, true), ("r10b", .r10, false)]
                                                        : [(Operands.name(.rbx, width), .rbx, false), (Operands.name(.r10, width), .r10, false)]
        for op in [Mnemonic.mul, .imul] {
            for a in values {
                for b in values where random.chance(50) {
                    var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
                    let (name, r, high) = random.pick(sources)
                    Operands.set(&s, .rax, width: width, a)
                    Operands.set(&s, r, width: width, b, high: high)
                    cases.append(TestCase("\(op) r\(width)", [Insn(op, name, width: width)], input: s))
                }
                var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
                Operands.set(&s, .rax, width: width, a)
                let offset = 0x1800 + random.below(0x80)
                s[.rsi] = Layout.dataPointer(offset: offset)
                cases.append(TestCase("\(op) m\(width)", [Insn(op, "\(Operands.ptr(width)) [rsi]", width: width)],
                                      input: s, patches: [(offset, Operands.bytes(random.pick(values), width))]))
            }
        }
        return cases
    }

    private static func multiOperandMultiply(_ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let values = multiplicands(width, &random)
        let (dst, src) = (Operands.name(.r8, width), Operands.name(.rdx, width))
        let immediateLimit: Int64 = width == 16 ? 0x7FFF : 0x7FFF_FFFF
        for a in values {
            for b in values where random.chance(40) {
                var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
                Operands.set(&s, .r8, width: width, a)
                Operands.set(&s, .rdx, width: width, b)
                cases.append(TestCase("imul r\(width), r\(width)", [Insn(.imul, "\(dst), \(src)", width: width)], input: s))
            }
            for imm in [Int64(0), 1, -1, 2, 0x7F, -0x80, immediateLimit, -immediateLimit - 1, Int64(Int16(truncatingIfNeeded: random.next()))] {
                var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
                Operands.set(&s, .rdx, width: width, a)
                cases.append(TestCase("imul r\(width), r\(width), imm", [Insn(.imul, "\(dst), \(src), \(Operands.immediate(imm))", width: width)], input: s))
            }
            var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
            let offset = 0x1900 + random.below(0x80)
            s[.rdi] = Layout.dataPointer(offset: offset)
            Operands.set(&s, .r8, width: width, random.pick(values))
            let memory = "\(Operands.ptr(width)) [rdi]"
            cases.append(TestCase("imul r\(width), m\(width)", [Insn(.imul, "\(dst), \(memory)", width: width)],
                                  input: s, patches: [(offset, Operands.bytes(a, width))]))
            cases.append(TestCase("imul r\(width), m\(width), imm", [Insn(.imul, "\(dst), \(memory), -3", width: width)],
                                  input: s, patches: [(offset, Operands.bytes(a, width))]))
        }
        return cases
    }

    /// The dividend is AX for bytes, DX:AX, EDX:EAX or RDX:RAX otherwise.
    private static func divide(_ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let m = Operands.mask(width), top: UInt64 = 1 << UInt64(width - 1)
        let divisorName = width == 8 ? "cl" : Operands.name(.rcx, width)
        func state(low: UInt64, high: UInt64, divisor: UInt64) -> MachineState {
            var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
            if width == 8 {
                Operands.set(&s, .rax, width: 16, (high & 0xFF) << 8 | (low & 0xFF))
            } else {
                Operands.set(&s, .rax, width: width, low)
                Operands.set(&s, .rdx, width: width, high)
            }
            Operands.set(&s, .rcx, width: width, divisor)
            return s
        }
        // Unsigned: the high half below the divisor always fits.
        for _ in 0..<24 {
            let divisor = max(1, random.next() & m >> UInt64(random.below(width)))
            let high = divisor == 1 ? 0 : random.next() % divisor
            let s = state(low: random.next() & m, high: high, divisor: divisor)
            cases.append(TestCase("div r\(width)", [Insn(.div, divisorName, width: width)], input: s))
        }
        // Signed: a sign-extended dividend with a divisor that is not -1 at the minimum.
        for _ in 0..<24 {
            let low = random.next() & m >> UInt64(random.below(width))
            let negative = random.chance(50)
            let dividend = negative ? (0 &- low) & m : low
            let high: UInt64 = dividend & top != 0 ? m : 0
            var divisor = max(2, random.next() & m >> UInt64(random.below(width)))
            if random.chance(50) { divisor = (0 &- divisor) & m }
            let s = state(low: dividend, high: high, divisor: divisor)
            cases.append(TestCase("idiv r\(width)", [Insn(.idiv, divisorName, width: width)], input: s))
        }
        // Exact edges that fit: the largest quotients, and -max / -1.
        cases.append(TestCase("div r\(width)", [Insn(.div, divisorName, width: width)], input: state(low: m, high: m - 1, divisor: m)))
        cases.append(TestCase("idiv r\(width)", [Insn(.idiv, divisorName, width: width)], input: state(low: top + 1, high: m, divisor: m)))
        cases.append(TestCase("idiv r\(width)", [Insn(.idiv, divisorName, width: width)], input: state(low: top - 1, high: 0, divisor: m)))
        // #DE: a zero divisor, and quotients too large (unsigned high >= divisor; signed
        // minimum / -1 and 2^(w-1) / 1). Earlier instructions keep their effects.
        let faults: [(Mnemonic, UInt64, UInt64, UInt64)] = [
            (.div, 5, 0, 0), (.div, 0, 1, 1), (.div, m, m, m), (.div, 0, 2, 2),
            (.idiv, 5, 0, 0), (.idiv, top, m, m), (.idiv, top, 0, 1), (.idiv, 0, 1, 2),
        ]
        for (op, low, high, divisor) in faults {
            let s = state(low: low, high: high, divisor: divisor)
            let prefix = Insn(.add, "r9, r11")
            cases.append(TestCase("\(op) r\(width) #DE", [prefix, Insn(op, divisorName, width: width)], input: s))
            var viaMemory = s
            let offset = 0x1A00 + random.below(0x80)
            viaMemory[.rbx] = Layout.dataPointer(offset: offset)
            cases.append(TestCase("\(op) m\(width) #DE", [Insn(op, "\(Operands.ptr(width)) [rbx]", width: width)],
                                  input: viaMemory, patches: [(offset, Operands.bytes(divisor, width))]))
        }
        // Memory divisors that work.
        for op in [Mnemonic.div, .idiv] {
            let offset = 0x1B00 + random.below(0x80)
            var s = state(low: random.next() & m, high: 0, divisor: 0)
            s[.rbx] = Layout.dataPointer(offset: offset)
            cases.append(TestCase("\(op) m\(width)", [Insn(op, "\(Operands.ptr(width)) [rbx]", width: width)],
                                  input: s, patches: [(offset, Operands.bytes(7, width))]))
        }
        return cases
    }
}
