import TestSupport
/// Beyond the base set: LOOP/LOOPE/LOOPNE/JRCXZ, XLAT, MOVBE, CMPXCHG8B/16B, BMI1 (ANDN BEXTR
/// BLSI BLSMSK BLSR), BMI2 (BZHI MULX PDEP PEXT RORX SARX SHLX SHRX), ADX (ADCX ADOX), CRC32.
enum ExtensionCases {
    static func cases(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        func state() -> MachineState {
            var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
            s[.rbx] = Layout.dataPointer(offset: 0xE000 + random.below(0x100) * 16)
            return s
        }
        cases += loops(state)
        for _ in 0..<12 {
            var s = state()
            cases.append(TestCase("xlat", [Insn(.xlat).withText("xlatb")], input: s))
            for (form, width) in [("ax, WORD PTR [rbx]", 16), ("r9d, DWORD PTR [rbx + 3]", 32), ("rcx, QWORD PTR [rbx]", 64),
                                  ("WORD PTR [rbx], dx", 16), ("DWORD PTR [rbx + 1], r10d", 32), ("QWORD PTR [rbx], rsi", 64)] {
                cases.append(TestCase("movbe m\(width)", [Insn(.movbe, form, width: width)], input: s))
            }
            // CMPXCHG8B/16B compare EDX:EAX (RDX:RAX) with memory, equal half the time.
            let offset = Int(s[.rbx] - Layout.data)
            let equal = random.chance(50)
            let low = equal ? s[.rax] : random.next(), high = equal ? s[.rdx] : random.next()
            let wide = Operands.bytes(low, 64) + Operands.bytes(high, 64)
            let narrow = Operands.bytes((low & 0xFFFF_FFFF) | (s[.rdx] & 0xFFFF_FFFF) << 32, 64)
            cases.append(TestCase("cmpxchg8b", [Insn(.cmpxchg8b, "QWORD PTR [rbx]")], input: s,
                                  patches: [(offset, equal ? narrow : Operands.bytes(low, 64))]))
            cases.append(TestCase("cmpxchg16b", [Insn(.cmpxchg16b, "XMMWORD PTR [rbx]")], input: s, patches: [(offset, wide)]))
            s[.rcx] = random.next()
            cases += bmi(s, &random)
        }
        return cases
    }

    private static func loops(_ state: () -> MachineState) -> [TestCase] {
        var cases: [TestCase] = []
        for times in [1, 2, 5] {
            let counted = ["mov ecx, \(times)", "10:", "add eax, 3", "loop 10b"]
            cases.append(TestCase("loop", counted.map(Piece.line), input: state()))
            // LOOPE/LOOPNE also stop on ZF: the CMP makes the condition change part-way.
            for op in ["loope", "loopne"] {
                let lines = ["mov ecx, \(times + 3)", "xor eax, eax", "10:", "inc eax", "cmp eax, 2", "\(op) 10b"]
                cases.append(TestCase(op, lines.map(Piece.line), input: state()))
            }
        }
        for rcx: UInt64 in [0, 1, 0x1_0000_0000] {
            var s = state()
            s[.rcx] = rcx
            cases.append(TestCase("jrcxz", ["jrcxz 10f", "mov eax, 1", "10:"].map(Piece.line), input: s))
            cases.append(TestCase("jecxz", [.insn(Insn(.jrcxz).withText("jecxz 10f")), .line("mov eax, 1"), .line("10:")], input: s))
        }
        return cases
    }

    /// BMI1, BMI2, ADX and CRC32 on the state's registers, with zero sources and counts beyond
    /// the operand among them.
    private static func bmi(_ s: MachineState, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        for width in [32, 64] {
            let (d, a, b) = (Operands.name(.r8, width), Operands.name(.rsi, width), Operands.name(.r11, width))
            var t = s
            if random.chance(25) { t[.rsi] = 0 }
            // BEXTR/BZHI controls: start and length (or index) sometimes past the operand.
            let start = UInt64(random.below(width + 8)), length = UInt64(random.below(width + 8))
            Operands.set(&t, .r11, width: width, random.chance(50) ? start | length << 8 : random.next())
            let memory = "\(Operands.ptr(width)) [rbx]"
            let forms: [(Mnemonic, String)] = [
                (.andn, "\(d), \(a), \(b)"), (.andn, "\(d), \(a), \(memory)"),
                (.bextr, "\(d), \(a), \(b)"), (.bextr, "\(d), \(memory), \(b)"),
                (.blsi, "\(d), \(a)"), (.blsmsk, "\(d), \(a)"), (.blsr, "\(d), \(memory)"),
                (.bzhi, "\(d), \(a), \(b)"), (.mulx, "\(d), \(Operands.name(.r9, width)), \(a)"),
                (.pdep, "\(d), \(a), \(b)"), (.pext, "\(d), \(a), \(memory)"),
                (.rorx, "\(d), \(a), \(random.below(256))"),
                (.sarx, "\(d), \(a), \(b)"), (.shlx, "\(d), \(memory), \(b)"), (.shrx, "\(d), \(a), \(b)"),
                (.adcx, "\(d), \(a)"), (.adox, "\(d), \(memory)"),
            ]
            for (op, operands) in forms {
                cases.append(TestCase("\(op) r\(width)", [Insn(op, operands, width: width)], input: t))
            }
        }
        for (form, key) in [("eax, cl", "crc32 r32, r8"), ("eax, cx", "crc32 r32, r16"), ("r9d, DWORD PTR [rbx]", "crc32 r32, m32"),
                            ("rax, BYTE PTR [rbx]", "crc32 r64, m8"), ("r10, rcx", "crc32 r64, r64")] {
            cases.append(TestCase(key, [Insn(.crc32, form)], input: s))
        }
        return cases
    }
}
