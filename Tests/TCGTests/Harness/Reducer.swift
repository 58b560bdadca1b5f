import TCG

/// Shrinks a failing multi-instruction case to its shortest failing prefix, so the report names
/// the instruction where Mimic first goes wrong rather than a whole random sequence.
enum Reducer {
    /// What the shortest failing prefix of a case is, and how it differs.
    struct Reduction {
        var pieces: Int
        var of: Int
        var assembly: [String]
        var differences: [String]
    }

    /// Reduces up to `limit` of `mismatches` (those with an accelerator and more than one piece,
    /// without hand-written labels, whose prefixes could branch to nowhere), assembling every
    /// prefix in one batch.
    static func reduce(_ mismatches: inout [Mismatch], image: [UInt8], limit: Int) throws {
        func reducible(_ m: Mismatch) -> Bool {
            m.backend != nil && m.testCase.program.count > 1
                && !m.testCase.program.contains { if case .label = $0 { true } else { false } }
        }
        let chosen = mismatches.indices.filter { reducible(mismatches[$0]) }.prefix(limit)
        var prefixes: [(mismatch: Int, testCase: TestCase)] = []
        for m in chosen {
            let original = mismatches[m].testCase
            for n in 1..<original.program.count {
                var prefix = original
                prefix.program = Array(original.program.prefix(n))
                prefixes.append((m, prefix))
            }
        }
        if prefixes.isEmpty { return }
        let assembled = try Assembler.assemble(prefixes.map(\.testCase.assembly))
        for (i, (m, prefix)) in prefixes.enumerated() where mismatches[m].reduction == nil {
            guard case .success(let code) = assembled[i], let backend = mismatches[m].backend else { continue }
            let analysis = FlagAnalysis(prefix.program)
            let data = prefix.initialData(from: image)
            let native = NativeCPU.run(code: code, input: prefix.input, data: data)
            let mimic = MimicCPU.run(code: code, input: prefix.input, data: data, backend: backend)
            let differences = Differential.compare(native: native, mimic: mimic, analysis: analysis)
            if !differences.isEmpty {
                mismatches[m].reduction = Reduction(pieces: prefix.program.count, of: mismatches[m].testCase.program.count,
                                                    assembly: Array(prefix.program.suffix(1)).assembly(), differences: differences)
            }
        }
    }
}
