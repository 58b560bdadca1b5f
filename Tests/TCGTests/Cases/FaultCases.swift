import TestSupport
/// Precise exceptions: #UD (UD2 and opcodes undefined in 64-bit mode) and #PF (loads, stores and
/// read-modify-writes outside every mapping), each after instructions whose effects must stay.
enum FaultCases {
    /// One-byte opcodes that are invalid in 64-bit mode (PUSH/POP ES CS SS DS, DAA DAS AAA AAS,
    /// PUSHA POPA, INTO, AAM AAD, SALC).
    static let invalidOpcodes: [UInt8] = [0x06, 0x07, 0x0E, 0x16, 0x17, 0x1E, 0x1F, 0x27, 0x2F, 0x37, 0x3F,
                                          0x60, 0x61, 0xCE, 0xD4, 0xD5, 0xD6]

    static func cases(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        func state() -> MachineState {
            var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
            s[.rbx] = Layout.dataPointer(offset: 0xD000 + random.below(0x100))
            s[.r9] = Layout.unmapped + UInt64(random.below(0x1000))
            return s
        }
        let before: [Piece] = [.insn(Insn(.add, "rax, rcx")), .insn(Insn(.mov, "QWORD PTR [rbx], rdx")), .insn(Insn(.push, "rsi"))]
        cases.append(TestCase("ud2", before + [.insn(Insn(.ud2))], input: state()))
        cases.append(TestCase("ud2 first", [.insn(Insn(.ud2))], input: state()))
        for opcode in invalidOpcodes {
            cases.append(TestCase("invalid opcode", before + [.insn(Insn(.invalid, "0x" + hex(UInt64(opcode))))], input: state()))
        }
        let accesses: [(String, String)] = [
            ("load", "mov rax, QWORD PTR [r9]"), ("load byte", "movzx eax, BYTE PTR [r9 + 1]"),
            ("store", "mov DWORD PTR [r9], ecx"), ("store imm", "mov BYTE PTR [r9 + 8], 1"),
            ("read-modify-write", "add QWORD PTR [r9], rdx"), ("xchg", "xchg QWORD PTR [r9], rdx"),
            ("push from", "push QWORD PTR [r9]"), ("pop to", "pop QWORD PTR [r9]"),
            ("rep movs", "rep movsb"), ("cmp", "cmp DWORD PTR [r9 + 4], 0"),
        ]
        for (key, text) in accesses {
            var s = state()
            if key == "rep movs" {
                s[.rsi] = s[.r9]
                s[.rdi] = Layout.dataPointer(offset: 0xD800)
                s[.rcx] = 5
            }
            cases.append(TestCase("#PF \(key)", before + [Piece.line(text)], input: s))
            cases.append(TestCase("#PF \(key) first", [Piece.line(text)], input: s))
        }
        // The page fault comes after a partial sequence of stores into the data region.
        var s = state()
        s[.rdi] = Layout.dataPointer(offset: 0xD900)
        cases.append(TestCase("#PF after stos", [Piece.line("mov ecx, 3"), Piece.line("rep stosq"), Piece.line("mov rdi, r9"), Piece.line("stosq")], input: s))
        return cases
    }
}
