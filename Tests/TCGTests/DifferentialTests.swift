import XCTest

/// Mimic against the real CPU, one family of instructions per test, each under both
/// accelerators. A failing test prints every mismatch class; see `Differential` for the knobs.
final class DifferentialTests: XCTestCase {
    private func check(_ family: String, seed: UInt64, _ generate: (inout SplitMix64) -> [TestCase],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        var random = SplitMix64(seed: seed)
        try Differential.check(family, generate(&random), seed: seed, file: file, line: line)
    }

    func testALU() throws { try check("alu", seed: 0xA1, ALUCases.cases) }
}
