import TestSupport
/// ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT: every operand size (including AH..BH
/// and R8B..R15B), register, immediate and memory forms, at boundary values, with CF in 0 and 1.
enum ALUCases {
    static let binary: [Mnemonic] = [.add, .or, .adc, .sbb, .and, .sub, .xor, .cmp, .test]
    static let unary: [Mnemonic] = [.inc, .dec, .neg, .not]

    /// A register operand: a GPR, optionally its second byte (AH..BH).
    struct Slot {
        var r: GPR
        var high = false
        func name(_ width: Int) -> String { high ? Operands.highByte(r) : Operands.name(r, width) }
    }

    /// Destination/source pairs per width; the first pair of each width gets the full value grid.
    static let pairs: [Int: [(Slot, Slot)]] = [
        8: [(Slot(r: .rax), Slot(r: .rcx)), (Slot(r: .rax, high: true), Slot(r: .rdx, high: true)),
            (Slot(r: .rbx, high: true), Slot(r: .rax)), (Slot(r: .r8), Slot(r: .r15)),
            (Slot(r: .rsi), Slot(r: .rdi)), (Slot(r: .rdx), Slot(r: .rcx, high: true))],
        16: [(Slot(r: .rax), Slot(r: .rcx)), (Slot(r: .r9), Slot(r: .rsi))],
        32: [(Slot(r: .rax), Slot(r: .rcx)), (Slot(r: .r10), Slot(r: .rbp))],
        64: [(Slot(r: .rax), Slot(r: .rcx)), (Slot(r: .r11), Slot(r: .r12))],
    ]

    static func cases(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        for op in binary {
            for width in Operands.widths {
                cases += registerForms(op, width, &random)
                cases += immediateForms(op, width, &random)
                cases += memoryForms(op, width, &random)
            }
        }
        for op in unary {
            for width in Operands.widths { cases += unaryForms(op, width, &random) }
        }
        return cases
    }

    /// CF 0 and 1 for the instructions that read it; otherwise one random CF.
    private static func carries(_ op: Mnemonic, _ random: inout SplitMix64) -> [Bool] {
        op == .adc || op == .sbb ? [false, true] : [random.chance(50)]
    }

    private static func flags(carry: Bool, _ random: inout SplitMix64) -> Flags {
        var flags = Operands.randomFlags(&random)
        if carry { flags.insert(.cf) } else { flags.remove(.cf) }
        return flags
    }

    private static func registerForms(_ op: Mnemonic, _ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let values = Operands.boundaries(width, &random)
        for (n, (dst, src)) in pairs[width]!.enumerated() {
            var grid: [(UInt64, UInt64)] = values.flatMap { a in values.map { b in (a, b) } }
            if n > 0 { grid = (0..<12).map { _ in (random.pick(values), random.pick(values)) } }
            for (a, b) in grid {
                for carry in carries(op, &random) {
                    var state = Operands.randomState(&random, flags: flags(carry: carry, &random))
                    Operands.set(&state, dst.r, width: width, a, high: dst.high)
                    Operands.set(&state, src.r, width: width, b, high: src.high)
                    let insn = Insn(op, "\(dst.name(width)), \(src.name(width))", width: width)
                    cases.append(TestCase("\(op) r\(width), r\(width)", [insn], input: state))
                }
            }
        }
        // The same register on both sides (xor eax, eax; sub rax, rax...).
        for a in values {
            var state = Operands.randomState(&random, flags: flags(carry: random.chance(50), &random))
            Operands.set(&state, .rdx, width: width, a)
            let r = Operands.name(.rdx, width)
            cases.append(TestCase("\(op) r\(width), same", [Insn(op, "\(r), \(r)", width: width)], input: state))
        }
        return cases
    }

    private static func immediateForms(_ op: Mnemonic, _ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let limit: Int64 = width == 8 ? 0x7F : width == 16 ? 0x7FFF : 0x7FFF_FFFF
        let immediates: [Int64] = [0, 1, -1, 0x7F, -0x80, limit, -limit - 1,
                                   Int64(bitPattern: random.next()) % (limit + 1)]
        let values = Operands.boundaries(width, &random)
        for imm in immediates {
            for target in [GPR.rax, .r13] {   // RAX: the short accumulator encodings
                let a = random.pick(values)
                for carry in carries(op, &random) {
                    var state = Operands.randomState(&random, flags: flags(carry: carry, &random))
                    Operands.set(&state, target, width: width, a)
                    let insn = Insn(op, "\(Operands.name(target, width)), \(Operands.immediate(imm))", width: width)
                    cases.append(TestCase("\(op) r\(width), imm", [insn], input: state))
                }
            }
        }
        return cases
    }

    private static func memoryForms(_ op: Mnemonic, _ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let values = Operands.boundaries(width, &random)
        let ptr = Operands.ptr(width)
        for _ in 0..<6 {
            let (a, b) = (random.pick(values), random.pick(values))
            for carry in carries(op, &random) {
                var state = Operands.randomState(&random, flags: flags(carry: carry, &random))
                let offset = 0x1000 + random.below(0x100)
                state[.rbx] = Layout.dataPointer(offset: offset - 0x20)
                Operands.set(&state, .rcx, width: width, b)
                let memory = "\(ptr) [rbx + 0x20]"
                let patch = [(offset: offset, bytes: Operands.bytes(a, width))]
                let reg = Operands.name(.rcx, width)
                cases.append(TestCase("\(op) m\(width), r\(width)", [Insn(op, "\(memory), \(reg)", width: width)],
                                      input: state, patches: patch))
                if op != .test {
                    cases.append(TestCase("\(op) r\(width), m\(width)", [Insn(op, "\(reg), \(memory)", width: width)],
                                          input: state, patches: patch))
                }
                let imm = Int64(Int8(truncatingIfNeeded: random.next()))
                cases.append(TestCase("\(op) m\(width), imm", [Insn(op, "\(memory), \(Operands.immediate(imm))", width: width)],
                                      input: state, patches: patch))
            }
        }
        return cases
    }

    private static func unaryForms(_ op: Mnemonic, _ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let slots: [Slot] = width == 8 ? [Slot(r: .rax), Slot(r: .rbx, high: true), Slot(r: .r14), Slot(r: .rbp)]
                                       : [Slot(r: .rax), Slot(r: .r14)]
        for value in Operands.boundaries(width, &random) {
            for carry in [false, true] {
                let slot = random.pick(slots)
                var state = Operands.randomState(&random, flags: flags(carry: carry, &random))
                Operands.set(&state, slot.r, width: width, value, high: slot.high)
                cases.append(TestCase("\(op) r\(width)", [Insn(op, slot.name(width), width: width)], input: state))

                let offset = 0x2000 + random.below(0x100)
                state[.rdi] = Layout.dataPointer(offset: offset)
                cases.append(TestCase("\(op) m\(width)", [Insn(op, "\(Operands.ptr(width)) [rdi]", width: width)],
                                      input: state, patches: [(offset, Operands.bytes(value, width))]))
            }
        }
        return cases
    }
}
