import TCG

/// One case that did not agree (or could not run).
struct Mismatch {
    var index: Int
    var testCase: TestCase
    /// nil when the case failed before reaching Mimic (assembler, generator, native runner).
    var backend: Backend?
    var code: [UInt8]
    var native: Outcome? = nil
    var mimic: Outcome? = nil
    var differences: [String]
    /// The shortest prefix of the program that still fails, when the reducer found one.
    var reduction: Reducer.Reduction? = nil
}

/// Collects mismatches of one family and renders them for a person.
struct Report {
    var family: String
    var backends: [Backend]
    var cases = 0
    var elapsed = 0.0
    var mismatches: [Mismatch] = []
    /// Per key: cases run and cases failed, per accelerator.
    private var byKey: [String: (runs: Int, failures: [Backend: Int])] = [:]
    /// Per mnemonic: in how many runs it appeared, and in how many failing runs.
    private var byMnemonic: [Mnemonic: (runs: Int, failures: Int)] = [:]
    private var setupFailures = 0

    init(family: String, backends: [Backend]) {
        self.family = family
        self.backends = backends
    }

    mutating func record(_ mismatch: Mismatch) {
        mismatches.append(mismatch)
        if mismatch.backend == nil { setupFailures += 1 }
    }

    mutating func count(_ testCase: TestCase, failed: Bool, backend: Backend) {
        var entry = byKey[testCase.key] ?? (0, [:])
        if backend == backends.first { entry.runs += 1 }
        if failed { entry.failures[backend, default: 0] += 1 }
        byKey[testCase.key] = entry
        for mnemonic in Set(testCase.program.flatMap(\.mnemonics)) {
            var m = byMnemonic[mnemonic] ?? (0, 0)
            m.runs += 1
            if failed { m.failures += 1 }
            byMnemonic[mnemonic] = m
        }
    }

    func summary(showing shown: Int) -> String {
        let perBackend = backends.map { backend in
            "\(backend.rawValue) \(mismatches.filter { $0.backend == backend }.count)"
        }.joined(separator: ", ")
        var text = "[\(family)] \(cases) cases: mismatches \(perBackend)"
        if setupFailures > 0 { text += ", \(setupFailures) cases could not run" }
        text += " (see the printed report)"
        for (mismatch, accels) in merged(shown) { text += "\n" + describe(mismatch, accels) }
        return text
    }

    func text(showing shown: Int) -> String {
        let seconds = (elapsed * 10).rounded() / 10
        let backendNames = backends.map(\.rawValue).joined(separator: ", ")
        if mismatches.isEmpty {
            return "[\(family)] \(cases) cases on \(backendNames): all agree with the CPU (\(seconds) s)"
        }
        var lines = ["", "===== [\(family)] \(cases) cases on \(backendNames), \(seconds) s ====="]
        lines.append(summary(showing: 0))
        lines.append("Failures by key (cases: " + backends.map(\.rawValue).joined(separator: "/") + "):")
        for (key, entry) in byKey.sorted(by: { $0.key < $1.key }) where !entry.failures.isEmpty {
            let counts = backends.map { String(entry.failures[$0] ?? 0) }.joined(separator: "/")
            lines.append("  \(key.padding(toLength: 28, withPad: " ", startingAt: 0)) \(counts) of \(entry.runs)")
        }
        let suspects = byMnemonic.filter { $0.value.failures > 0 }
            .sorted { ($0.value.failures * $1.value.runs, $0.value.failures) > ($1.value.failures * $0.value.runs, $1.value.failures) }
        if !suspects.isEmpty {
            lines.append("Mnemonics in failing runs (failing runs / runs containing it):")
            for (mnemonic, entry) in suspects.prefix(25) {
                lines.append("  \(mnemonic.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(entry.failures) / \(entry.runs)")
            }
        }
        let groups = merged(shown)
        lines.append("First \(groups.count) of \(mismatches.count) mismatches:")
        for (mismatch, accels) in groups { lines.append(describe(mismatch, accels)) }
        return lines.joined(separator: "\n")
    }

    /// The first `count` mismatches, with a case that failed the same way under several
    /// accelerators shown once.
    private func merged(_ count: Int) -> [(Mismatch, [String])] {
        var groups: [(Mismatch, [String])] = []
        for m in mismatches {
            let name = m.backend.map(\.rawValue) ?? "setup"
            if let last = groups.last, last.0.index == m.index, last.0.differences == m.differences,
               last.0.mimic?.state == m.mimic?.state {
                groups[groups.count - 1].1.append(name)
            } else {
                if groups.count == count { break }
                groups.append((m, [name]))
            }
        }
        return groups
    }

    func describe(_ m: Mismatch, _ accels: [String]) -> String {
        let program = m.testCase.assembly
        var lines = ["--- [\(accels.joined(separator: ", "))] \(family) #\(m.index) \"\(m.testCase.key)\": " +
                     (program.count == 1 ? program[0] : "\(program.count) lines")]
        if program.count > 1 { lines += program.map { "      " + $0 } }
        if !m.code.isEmpty { lines.append("    code    \(hex(m.code))") }
        lines.append("    input   \(registers(m.testCase.input))")
        if let native = m.native { lines.append("    native  \(registers(native.state)) [\(native.stop)]") }
        if let mimic = m.mimic { lines.append("    mimic   \(registers(mimic.state)) [\(mimic.stop)]") }
        lines += m.differences.map { "    ≠ " + $0 }
        if let r = m.reduction {
            lines.append("    shortest failing prefix: \(r.pieces) of \(r.of) pieces, ending with:")
            lines += r.assembly.map { "      " + $0 }
            lines += r.differences.map { "    ≠ " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    private func registers(_ state: MachineState) -> String {
        let gprs = GPR.allCases.map { "\($0.name)=\(hex(state[$0]))" }.joined(separator: " ")
        let rip = state.rip == 0 ? "" : " rip=\(hex(state.rip))"
        return "\(gprs)\(rip) flags=\(state.flags)"
    }
}
