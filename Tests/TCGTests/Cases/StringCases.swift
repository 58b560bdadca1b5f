import TestSupport
/// MOVS STOS LODS CMPS SCAS at every size, with DF 0 and 1, without and with REP/REPE/REPNE
/// (RCX = 0 included), and with the 32-bit address size (ESI, EDI, ECX).
enum StringCases {
    static let source = 0x6000
    static let destination = 0x7000

    static func cases(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        for op in [Mnemonic.movs, .stos, .lods, .cmps, .scas] {
            for bytes in [1, 2, 4, 8] {
                for down in [false, true] {
                    cases += variants(op, bytes, down: down, &random)
                }
            }
        }
        cases += addressSize32(&random)
        return cases
    }

    private static func state(count: UInt64, down: Bool, _ random: inout SplitMix64) -> MachineState {
        var s = Operands.randomState(&random, flags: Operands.randomFlags(&random).union(down ? .df : []))
        s[.rsi] = Layout.dataPointer(offset: source + random.below(16))
        s[.rdi] = Layout.dataPointer(offset: destination + random.below(16))
        s[.rcx] = count
        return s
    }

    private static func prefixes(_ op: Mnemonic) -> [String] {
        op == .cmps || op == .scas ? ["", "repe", "repne"] : ["", "rep"]
    }

    private static func variants(_ op: Mnemonic, _ bytes: Int, down: Bool, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let key = "\(op)\(bytes * 8)\(down ? " DF" : "")"
        for prefix in prefixes(op) {
            for count: UInt64 in prefix.isEmpty ? [3] : [0, 1, 7, 33] {
                let s = state(count: count, down: down, &random)
                let insn = Insn.string(op, bytes: bytes, prefix: prefix)
                cases.append(TestCase("\(prefix.isEmpty ? "" : prefix + " ")\(key)", [insn], input: s,
                                      patches: comparablePatches(op, bytes, state: s, &random)))
            }
        }
        return cases
    }

    /// For CMPS and SCAS: make the compared elements equal for a random run and then differ, so
    /// REPE and REPNE stop early as well as run out.
    private static func comparablePatches(_ op: Mnemonic, _ bytes: Int, state s: MachineState,
                                          _ random: inout SplitMix64) -> [(offset: Int, bytes: [UInt8])] {
        guard op == .cmps || op == .scas else { return [] }
        let run = random.below(12)
        let step = s.flags.contains(.df) ? -bytes : bytes
        let element = Operands.bytes(op == .scas ? s[.rax] : random.next(), bytes * 8)
        var patches: [(offset: Int, bytes: [UInt8])] = []
        for i in 0..<run {
            let at = Int(s[.rdi] - Layout.data) + i * step
            patches.append((at, element))
            if op == .cmps { patches.append((Int(s[.rsi] - Layout.data) + i * step, element)) }
        }
        return patches
    }

    /// ADDR32: the string instruction addresses with ESI/EDI and counts with ECX; the upper
    /// halves of RSI, RDI and RCX do not take part.
    private static func addressSize32(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let forms = ["rep movs BYTE PTR [edi], BYTE PTR [esi]", "rep stos DWORD PTR [edi], eax",
                     "lods WORD PTR [esi]", "repe cmps QWORD PTR [esi], QWORD PTR [edi]",
                     "repne scas BYTE PTR [edi]"]
        let mnemonics: [Mnemonic] = [.movs, .stos, .lods, .cmps, .scas]
        for (form, op) in zip(forms, mnemonics) {
            for down in [false, true] {
                var s = state(count: 0x7777_0000_0000_0000 | UInt64(random.below(9)), down: down, &random)
                let patches = comparablePatches(op, op == .cmps ? 8 : 1, state: s, &random)
                s[.rsi] |= 0xABCD_0000_0000_0000
                s[.rdi] |= 0x1234_0000_0000_0000
                var insn = Insn(op, width: 8, prefix: form.hasPrefix("rep") ? "rep" : "")
                insn.text = form   // the 32-bit address registers select the 67 prefix
                cases.append(TestCase("addr32 \(op)\(down ? " DF" : "")", [insn], input: s, patches: patches))
            }
        }
        return cases
    }
}
