import TestSupport
import XCTest

/// Mimic against the real CPU, one family of instructions per test, each under both
/// accelerators. A failing test prints every mismatch class; see `Differential` for the knobs.
final class DifferentialTests: XCTestCase {
    private func check(_ family: String, seed: UInt64, _ generate: (inout SplitMix64) -> [TestCase],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        var random = SplitMix64(seed: seed)
        try Differential.check(family, generate(&random), seed: seed, file: file, line: line)
    }

    /// The harness itself: an empty snippet under each flag combination must come back unchanged.
    func testEmptySnippet() throws {
        try check("empty", seed: 0xE0) { random in
            ConditionCases.flagCombinations(&random).map { flags in
                TestCase("empty", [Piece](), input: Operands.randomState(&random, flags: flags.union(random.chance(50) ? .df : [])))
            }
        }
    }

    func testALU() throws { try check("alu", seed: 0xA1, ALUCases.cases) }
    func testShifts() throws { try check("shifts", seed: 0x5B, ShiftCases.cases) }
    func testMultiplyDivide() throws { try check("muldiv", seed: 0xD1, MulDivCases.cases) }
    func testBits() throws { try check("bits", seed: 0xB7, BitCases.cases) }
    func testStrings() throws { try check("strings", seed: 0x57, StringCases.cases) }
    func testConditions() throws { try check("conditions", seed: 0xCC, ConditionCases.cases) }
    func testStack() throws { try check("stack", seed: 0x5C, StackCases.cases) }
    func testMoves() throws { try check("moves", seed: 0x30, MoveCases.cases) }
    func testAddressing() throws { try check("addressing", seed: 0xEA, AddressingCases.cases) }
    func testExtensions() throws { try check("extensions", seed: 0xE7, ExtensionCases.cases) }
    func testFaults() throws { try check("faults", seed: 0xF0, FaultCases.cases) }
    func testRandomSequences() throws {
        try check("random", seed: 0x1234) { RandomSequences.cases(&$0, count: 8000) }
    }
}
