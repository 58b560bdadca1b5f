import Foundation
import TestSupport
import XCTest

/// SSE..SSE4.2, MMX and x87 instructions against the real CPU, comparing the whole vector and
/// x87 state as well as GPRs, flags and memory (see SIMDDifferential; MIMIC_DIFF_KEY selects
/// cases by key, e.g. `pcmpistri` or `fprem`).
///
/// Each family runs in a child process (this test bundle again, with MIMIC_SIMD_CHILD set): an
/// instruction that crashes Mimic (a floating-point exception escaping a host thunk) then fails
/// its own test instead of ending every test after it.
final class SIMDDifferentialTests: XCTestCase {
    private func check(_ family: String, seed: UInt64, test: String = #function, _ generate: (inout SplitMix64) -> [SIMDTestCase],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        if ProcessInfo.processInfo.environment["MIMIC_SIMD_CHILD"] != nil {
            var random = SplitMix64(seed: seed)
            try SIMDDifferential.check(family, generate(&random), seed: seed, file: file, line: line)
            return
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        child.arguments = ["TCGTests.SIMDDifferentialTests/\(test.replacingOccurrences(of: "()", with: ""))"]
        child.environment = ProcessInfo.processInfo.environment.merging(["MIMIC_SIMD_CHILD": "1"]) { $1 }
        let output = Pipe()
        child.standardOutput = output
        child.standardError = output
        try child.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        // The child's own report lines (its XCTest chatter is left out).
        let report = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("Test Suite") && !$0.hasPrefix("Test Case") && !$0.hasPrefix("\t Executed") }
        print(report.joined(separator: "\n"))
        if child.terminationReason == .uncaughtSignal {
            XCTFail("[\(family)] the test process crashed with signal \(child.terminationStatus) under Mimic; its last lines:\n"
                    + report.suffix(30).joined(separator: "\n"), file: file, line: line)
        } else if child.terminationStatus != 0 {
            XCTFail("[\(family)] mismatches (the report above)", file: file, line: line)
        }
    }

    /// The harness itself: known inputs give the known result natively and under Mimic, so
    /// the vector state really travels in and out.
    func testHarnessCarriesVectorState() throws {
        try NativeCPU.setUp()
        guard case .success(let code) = try Assembler.assemble([["addps xmm0, xmm9", "fld1", "fldpi"]])[0] else {
            return XCTFail("assembler failed")
        }
        var vector = VectorState()
        vector.setXMM(0, [1, 2, 3, 4].flatMap { LaneValues.bytes(Float($0)) })
        vector.setXMM(9, [10, 20, 30, 40].flatMap { LaneValues.bytes(Float($0)) })
        var state = MachineState()
        state[.rsp] = Layout.stackTop
        let data = [UInt8](repeating: 0, count: Layout.dataSize)
        let expected = [11, 22, 33, 44].flatMap { LaneValues.bytes(Float($0)) }
        let native = NativeCPU.run(code: code, input: state, data: data, vector: vector.image)
        var outcomes = [("native", native)]
        for backend in Differential.backends {
            outcomes.append((backend.rawValue, MimicCPU.run(code: code, input: state, data: data, backend: backend, vector: vector.image)))
        }
        for (name, outcome) in outcomes {
            let image = outcome.vector!
            XCTAssertEqual(Array(image[VectorImage.xmm(0)..<VectorImage.xmm(0) + 16]), expected, "\(name): xmm0")
            XCTAssertEqual(Array(image[VectorImage.xmm(9)..<VectorImage.xmm(9) + 16]), Array(vector.image[VectorImage.xmm(9)..<VectorImage.xmm(9) + 16]), "\(name): xmm9")
            XCTAssertEqual(VectorImage.read16(image, VectorImage.fsw) >> 11 & 7, 6, "\(name): TOP after two loads")
            XCTAssertEqual(Array(image[VectorImage.st(1)..<VectorImage.st(1) + 10]), [0, 0, 0, 0, 0, 0, 0, 0x80, 0xFF, 0x3F], "\(name): st1 = 1.0")
        }
    }

    /// A snippet that only moves GPRs leaves the vector state as it came.
    func testVectorStateSurvivesAnEmptySnippet() throws {
        try check("simd-empty", seed: 0x51D0) { random in
            (0..<50).map { _ in
                let builder = SIMDBuilder(lane: random.pick([.ps, .pd, .int]), &random)
                return builder.testCase(key: "empty", [.insn(Insn(.mov, "r8, r9"))])
            }
        }
    }

    func testSSEArithmeticAndCompares() throws { try check("sse", seed: 0x55E1) { SIMDCases.cases(SIMDTable.sse, &$0) } }
    func testConversions() throws { try check("sse-convert", seed: 0x55E2) { SIMDCases.cases(SIMDTable.conversions, &$0, perVariant: 8) } }
    func testMoves() throws { try check("sse-moves", seed: 0x55E3) { SIMDCases.cases(SIMDTable.moves, &$0) } }
    func testShufflesAndShifts() throws { try check("sse-shuffle", seed: 0x55E4) { SIMDCases.cases(SIMDTable.shuffles, &$0) } }
    func testIntegerArithmetic() throws { try check("sse-integer", seed: 0x55E5) { SIMDCases.cases(SIMDTable.integer, &$0) } }
    func testSSE3AndSSE41FloatingPoint() throws { try check("sse41-fp", seed: 0x55E6) { SIMDCases.cases(SIMDTable.sse3And41FloatingPoint, &$0) } }
    func testStringCompares() throws { try check("sse42-strings", seed: 0x55E7) { SIMDCases.cases(SIMDTable.strings, &$0, perVariant: 30) } }
    func testMMX() throws { try check("mmx", seed: 0x55E8) { SIMDCases.cases(SIMDTable.mmx, &$0) } }
    func testMXCSR() throws { try check("mxcsr", seed: 0x55E9) { SIMDCases.cases(SIMDTable.control, &$0, perVariant: 20) } }
    func testSSESequences() throws { try check("sse-sequences", seed: 0x55EA) { SIMDCases.sequences(&$0, count: 600) } }
    func testX87() throws { try check("x87", seed: 0x87) { SIMDX87Cases.cases(&$0) } }
    func testX87Sequences() throws { try check("x87-sequences", seed: 0x88) { SIMDX87Cases.sequences(&$0, count: 600) } }
    func testFloatingPointExceptions() throws { try check("fp-exceptions", seed: 0xFE) { SIMDExceptionCases.cases(&$0) } }
}
