import TestSupport
/// MOV (partial-register merges, zero extension, 64-bit immediates and offsets), MOVSX MOVZX
/// MOVSXD, CBW CWDE CDQE CWD CDQ CQO, BSWAP, SAHF LAHF, CMC CLC STC CLD STD.
enum MoveCases {
    static func cases(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        func state() -> MachineState { Self.state(&random) }
        // MOVSX/MOVZX from every narrower size; sign bits set and clear.
        let extensions: [(Int, Int)] = [(16, 8), (32, 8), (64, 8), (32, 16), (64, 16)]
        for op in [Mnemonic.movsx, .movzx] {
            for (to, from) in extensions {
                for _ in 0..<6 {
                    let s = state()
                    let source = from == 8 ? random.pick(["cl", "ch", "r13b", "dil"]) : random.pick(["cx", "r13w"])
                    let dst = Operands.name(random.pick([GPR.rax, .r10]), to)
                    if source == "ch" && dst.hasPrefix("r") { continue }   // AH..BH cannot meet REX
                    cases.append(TestCase("\(op) r\(to), r\(from)", [Insn(op, "\(dst), \(source)", width: to)], input: s))
                    cases.append(TestCase("\(op) r\(to), m\(from)", [Insn(op, "\(dst), \(Operands.ptr(from)) [rbx]", width: to)], input: s))
                }
            }
        }
        for _ in 0..<6 {
            let s = state()
            cases.append(TestCase("movsxd r64, r32", [Insn(.movsxd, "r11, ecx")], input: s))
            cases.append(TestCase("movsxd r64, m32", [Insn(.movsxd, "rax, DWORD PTR [rbx]")], input: s))
            for op in [Mnemonic.cbw, .cwde, .cdqe, .cwd, .cdq, .cqo] {
                var signed = s
                if random.chance(50) { signed[.rax] |= 0x8080_8080_8080_8080 } else { signed[.rax] &= 0x7F7F_7F7F_7F7F_7F7F }
                cases.append(TestCase("\(op)", [Insn(op)], input: signed))
            }
            cases.append(TestCase("bswap r32", [Insn(.bswap, random.pick(["eax", "r9d", "edi"]), width: 32)], input: s))
            cases.append(TestCase("bswap r64", [Insn(.bswap, random.pick(["rax", "r9", "rdi"]))], input: s))
        }
        cases += moves(&random)
        cases += flagMoves(&random)
        return cases
    }

    /// Random registers and flags, RBX pointing into the data region.
    private static func state(_ random: inout SplitMix64) -> MachineState {
        var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
        s[.rbx] = Layout.dataPointer(offset: 0x9000 + random.below(0x100))
        return s
    }

    private static func moves(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let forms: [(String, String, Int)] = [
            ("mov r8", "al, dl", 8), ("mov r8h", "ah, cl", 8), ("mov r8h", "dh, ah", 8), ("mov r8 rex", "sil, r9b", 8),
            ("mov r16", "ax, r12w", 16), ("mov r32", "eax, ecx", 32), ("mov r32 zero-extends", "r8d, r8d", 32),
            ("mov r64", "rax, r15", 64), ("mov r8, imm", "bh, 0x80", 8), ("mov r16, imm", "r14w, 0xfffe", 16),
            ("mov r32, imm", "esi, 0xdeadbeef", 32), ("mov r64, simm32", "rcx, -2", 64),
            ("movabs r64, imm64", "r13, 0x123456789abcdef0", 64),
            ("mov m8", "BYTE PTR [rbx], dh", 8), ("mov m16", "WORD PTR [rbx + 1], r9w", 16),
            ("mov m32, imm", "DWORD PTR [rbx + 3], 0x8badf00d", 32), ("mov m64, simm32", "QWORD PTR [rbx - 8], -0x70000000", 64),
            ("mov r8h, m8", "ch, BYTE PTR [rbx + 5]", 8), ("mov r32, m32", "r12d, DWORD PTR [rbx]", 32),
            ("movabs al, moffs", "al, [0x\(hex(Layout.data + 0x9010))]", 8),
            ("movabs moffs, rax", "[0x\(hex(Layout.data + 0x9020))], rax", 64),
            ("mov r32, abs32", "eax, DWORD PTR ds:0x\(hex(Layout.data + 0x9030))", 32),
        ]
        for (key, operands, width) in forms {
            let text = (key.hasPrefix("movabs") ? "movabs " : "mov ") + operands
            for _ in 0..<3 {
                cases.append(TestCase(key, [Insn(.mov, operands, width: width).withText(text)], input: state(&random)))
            }
        }
        return cases
    }

    /// SAHF/LAHF round trips and the CF/DF instructions, from every flag combination.
    private static func flagMoves(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        for flags in ConditionCases.flagCombinations(&random) {
            var s = Operands.randomState(&random, flags: flags.union(random.chance(50) ? .df : []))
            cases.append(TestCase("lahf", [Insn(.lahf)], input: s))
            Operands.set(&s, .rax, width: 8, random.next() & 0xFF, high: true)
            cases.append(TestCase("sahf", [Insn(.sahf)], input: s))
            cases.append(TestCase("sahf; lahf", [Insn(.sahf), Insn(.lahf)], input: s))
            for op in [Mnemonic.cmc, .clc, .stc, .cld, .std] {
                cases.append(TestCase("\(op)", [Insn(op)], input: s))
            }
        }
        return cases
    }
}
