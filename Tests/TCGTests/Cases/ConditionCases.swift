import TestSupport
/// All 16 conditions of Jcc, SETcc and CMOVcc over every combination of the flags they test.
enum ConditionCases {
    /// Every combination of CF PF ZF SF OF (AF rides along at random).
    static func flagCombinations(_ random: inout SplitMix64) -> [Flags] {
        let tested: [Flags] = [.cf, .pf, .zf, .sf, .of]
        return (0..<32).map { bits in
            var flags: Flags = random.chance(50) ? [.af] : []
            for (i, flag) in tested.enumerated() where bits & (1 << i) != 0 { flags.insert(flag) }
            return flags
        }
    }

    static func cases(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        for condition in Condition.allCases {
            let cc = condition.suffix
            for flags in flagCombinations(&random) {
                let s = Operands.randomState(&random, flags: flags)
                // Jcc, short and near: the skipped instruction shows whether it was taken.
                cases.append(TestCase("j\(cc)", [.skip(condition, [.insn(Insn(.mov, "eax, 1", width: 32))])], input: s))
                cases.append(TestCase("cmov\(cc) r32", [Insn(.cmovcc, "eax, ecx", width: 32, condition: condition)], input: s))
                if random.chance(25) {
                    let far = Array(repeating: Piece.insn(Insn(.mov, "rax, 0x12345678")), count: 20)
                    cases.append(TestCase("j\(cc) near", [.skip(condition, far)], input: s))
                }
                if random.chance(40) {
                    cases.append(TestCase("set\(cc) r8", [Insn(.setcc, random.pick(["al", "ah", "r10b", "sil"]), width: 8, condition: condition)], input: s))
                    var viaMemory = s
                    let offset = 0x5800 + random.below(0x80)
                    viaMemory[.rbx] = Layout.dataPointer(offset: offset)
                    cases.append(TestCase("set\(cc) m8", [Insn(.setcc, "BYTE PTR [rbx]", width: 8, condition: condition)], input: viaMemory))
                    cases.append(TestCase("cmov\(cc) r64, m64", [Insn(.cmovcc, "r9, QWORD PTR [rbx]", width: 64, condition: condition)], input: viaMemory))
                    cases.append(TestCase("cmov\(cc) r16", [Insn(.cmovcc, "dx, r11w", width: 16, condition: condition)], input: s))
                }
            }
        }
        return cases
    }
}
