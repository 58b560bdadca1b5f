import TestSupport
/// PUSH POP CALL RET ENTER LEAVE: register, immediate and memory forms, 16-bit forms, and the
/// cases where RSP is both the stack pointer and an operand.
enum StackCases {
    static func cases(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        func state() -> MachineState {
            var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
            s[.rbx] = Layout.dataPointer(offset: 0x8000 + random.below(0x100) * 8)
            s[.rbp] = Layout.dataPointer(offset: 0xB000 + random.below(0x40) * 8)
            return s
        }
        for r in GPR.allCases {
            let s = state()
            cases.append(TestCase("push r64", [Insn(.push, Operands.name(r, 64))], input: s))
            if r != .rsp {
                cases.append(TestCase("pop r64", [Insn(.pop, Operands.name(r, 64))], input: s))
                cases.append(TestCase("push/pop r16", [Insn(.push, Operands.name(r, 16)), Insn(.pop, Operands.name(.r9, 16))], input: s))
            }
        }
        for imm: Int64 in [0, 1, -1, 0x7F, -0x80, 0x1234, -0x8000_0000, 0x7FFF_FFFF] {
            cases.append(TestCase("push imm", [Insn(.push, Operands.immediate(imm))], input: state()))
        }
        for _ in 0..<4 {
            let s = state()
            cases.append(TestCase("push m64", [Insn(.push, "QWORD PTR [rbx + 8]")], input: s))
            cases.append(TestCase("push m16", [Insn(.push, "WORD PTR [rbx]")], input: s))
            cases.append(TestCase("pop m64", [Insn(.pop, "QWORD PTR [rbx]")], input: s))
            cases.append(TestCase("pop m16", [Insn(.pop, "WORD PTR [rbx + 6]")], input: s))
            // The address of a POP destination is computed after RSP is incremented.
            cases.append(TestCase("pop [rsp]", [Insn(.pop, "QWORD PTR [rsp]")], input: s))
            cases.append(TestCase("pop [rsp+8]", [Insn(.push, "rcx"), Insn(.pop, "QWORD PTR [rsp + 8]")], input: s))
            cases.append(TestCase("push [rsp]", [Insn(.push, "QWORD PTR [rsp]")], input: s))
            // POP RSP loads the popped value.
            let newStack = Layout.dataPointer(offset: 0xA000)
            let slot = Int(Layout.stackTop - Layout.data)
            cases.append(TestCase("pop rsp", [Insn(.pop, "rsp"), Insn(.push, "rax")], input: s,
                                  patches: [(slot, Operands.bytes(newStack, 64))]))
        }
        cases += calls(state)
        cases += frames(state)
        return cases
    }

    private static func calls(_ state: () -> MachineState) -> [TestCase] {
        var cases: [TestCase] = []
        let body: [Piece] = [.insn(Insn(.add, "rax, QWORD PTR [rsp]")), .insn(Insn(.push, "rdx")), .insn(Insn(.pop, "rdx"))]
        cases.append(TestCase("call/ret", [.subroutine(body)], input: state()))
        cases.append(TestCase("call/ret nested", [.subroutine([.subroutine(body), .insn(Insn(.inc, "rcx"))])], input: state()))
        // Indirect calls through a register and through memory; the target's address comes
        // from a RIP-relative LEA, so it is right wherever the snippet sits.
        let indirect: [(String, [String])] = [
            ("call r64", ["lea rax, [rip + 10f]", "call rax", "jmp 11f", "10:", "mov rdx, [rsp]", "ret", "11:"]),
            ("call m64", ["lea rax, [rip + 10f]", "mov [rbx], rax", "call QWORD PTR [rbx]", "jmp 11f", "10:", "ret", "11:"]),
            ("ret imm16", ["call 10f", "jmp 11f", "10:", "pop rcx", "push rcx", "ret 24", "11:"]),
            ("jmp r64", ["lea rcx, [rip + 10f]", "jmp rcx", "mov eax, 1", "10:"]),
            ("jmp m64", ["lea rcx, [rip + 10f]", "mov [rbx + 16], rcx", "jmp QWORD PTR [rbx + 16]", "mov eax, 1", "10:"]),
        ]
        for (key, lines) in indirect {
            cases.append(TestCase(key, lines.map(Piece.line), input: state()))
        }
        return cases
    }

    private static func frames(_ state: () -> MachineState) -> [TestCase] {
        var cases: [TestCase] = []
        for (size, level) in [(0, 0), (16, 0), (0x108, 0), (24, 1), (8, 2), (32, 5)] {
            let s = state()
            cases.append(TestCase("enter level \(level)", [Insn(.enter, "\(size), \(level)")], input: s))
            cases.append(TestCase("enter/leave", [Insn(.enter, "\(size), \(level)"), Insn(.push, "rax"), Insn(.leave)], input: s))
        }
        let s = state()
        cases.append(TestCase("leave", [Insn(.leave)], input: s))
        cases.append(TestCase("leave16", [Insn(.leave).withText("leavew")], input: s))
        return cases
    }
}
