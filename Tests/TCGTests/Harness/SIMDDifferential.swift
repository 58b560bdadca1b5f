import CNativeRunner
import Foundation
import TCG
import TestSupport
import XCTest

/// An SSE, MMX or x87 instruction with the flag effect the SDM gives it (most have none).
func simd(_ text: String, _ flags: FlagEffect = FlagEffect()) -> Piece {
    var insn = Insn(.simd).withText(text)
    insn.flags = flags
    return .insn(insn)
}

/// Flag effects of the SIMD instructions that touch EFLAGS.
enum SIMDFlags {
    /// COMISS/UCOMISS/COMISD/UCOMISD, FCOMI/FUCOMI(P), PTEST, PCMPxSTRx: every status flag
    /// written (ZF PF CF or ZF CF SF OF from the result, the others cleared).
    static let all = FlagEffect(defines: Flags.status)

    /// FCMOVcc reads the flags of its condition.
    static func reads(_ flags: Flags) -> FlagEffect { FlagEffect(reads: flags) }
}

/// A snippet with the GPR state and the FXSAVE image it starts from.
struct SIMDTestCase {
    var base: TestCase
    var vector: [UInt8]

    init(_ key: String, _ program: [Piece], input: MachineState, vector: VectorState,
         patches: [(offset: Int, bytes: [UInt8])] = []) {
        base = TestCase(key, program, input: input, patches: patches)
        self.vector = vector.image
    }

    var key: String { base.key }
}

/// Runs SIMD cases natively and under Mimic and compares the GPRs, flags, memory and the
/// whole x87/MMX/XMM/MXCSR state. Uses Differential's knobs (MIMIC_DIFF_ACCELS,
/// MIMIC_DIFF_SHOW, MIMIC_DIFF_KEY).
enum SIMDDifferential {
    private struct Failure {
        var index: Int
        var testCase: SIMDTestCase
        var accel: String
        var code: [UInt8]
        var differences: [String]
    }

    static func check(_ family: String, _ allCases: [SIMDTestCase], seed: UInt64,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let cases = Differential.keyFilter.map { filter in allCases.filter { $0.key.contains(filter) } } ?? allCases
        if let reason = Assembler.unavailableReason {
            print("[\(family)] skipped: \(reason)")
            throw XCTSkip(reason)
        }
        try NativeCPU.setUp()
        var random = SplitMix64(seed: seed)
        let image = (0..<Layout.dataSize).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let backends = Differential.backends
        let started = Date()
        let assembled = try Assembler.assemble(cases.map(\.base.assembly))
        var failures: [Failure] = []
        var byKey: [String: (runs: Int, failed: Int)] = [:]
        for (index, testCase) in cases.enumerated() {
            byKey[testCase.key, default: (0, 0)].runs += 1
            let code: [UInt8]
            switch assembled[index] {
            case .success(let bytes): code = bytes
            case .failure(let failure):
                failures.append(Failure(index: index, testCase: testCase, accel: "setup", code: [], differences: ["assembler rejected it: \(failure)"]))
                byKey[testCase.key]!.failed += 1
                continue
            }
            let analysis = FlagAnalysis(testCase.base.program)
            if !analysis.violations.isEmpty {
                failures.append(Failure(index: index, testCase: testCase, accel: "setup", code: code,
                                        differences: ["generator bug: " + analysis.violations.joined(separator: "; ")]))
                continue
            }
            let data = testCase.base.initialData(from: image)
            native_watchdog_arm(Differential.watchdogSeconds, "[\(family)] #\(index) \"\(testCase.key)\": \(testCase.base.assembly.joined(separator: "; "))")
            defer { native_watchdog_disarm() }
            let native = NativeCPU.run(code: code, input: testCase.base.input, data: data, vector: testCase.vector)
            if case .other(let what) = native.stop {
                failures.append(Failure(index: index, testCase: testCase, accel: "native", code: code, differences: ["native run: \(what)"]))
                continue
            }
            var failedOnce = false
            for backend in backends {
                let mimic = MimicCPU.run(code: code, input: testCase.base.input, data: data, backend: backend, vector: testCase.vector)
                var differences = Differential.compare(native: native, mimic: mimic, analysis: analysis)
                differences += VectorImage.differences(native: native.vector!, mimic: mimic.vector!)
                if !differences.isEmpty {
                    failures.append(Failure(index: index, testCase: testCase, accel: backend.rawValue, code: code,
                                            differences: differences + ["stop: native \(native.stop), mimic \(mimic.stop)"]))
                    failedOnce = true
                }
            }
            if failedOnce { byKey[testCase.key]!.failed += 1 }
        }
        let seconds = (Date().timeIntervalSince(started) * 10).rounded() / 10
        let accelNames = backends.map(\.rawValue).joined(separator: ", ")
        if failures.isEmpty {
            print("[\(family)] \(cases.count) cases on \(accelNames): all agree with the CPU (\(seconds) s)")
            return
        }
        var lines = ["", "===== [\(family)] \(cases.count) cases on \(accelNames), \(seconds) s: \(failures.count) mismatches ====="]
        lines.append("Failing keys (cases failed / run):")
        for (key, entry) in byKey.sorted(by: { $0.key < $1.key }) where entry.failed > 0 {
            lines.append("  \(key.padding(toLength: 36, withPad: " ", startingAt: 0)) \(entry.failed) / \(entry.runs)")
        }
        let shown = failures.prefix(Differential.shown)
        lines.append("First \(shown.count) mismatches:")
        lines += shown.map(describe)
        print(lines.joined(separator: "\n"))
        XCTFail("[\(family)] \(failures.count) mismatches in \(cases.count) cases; first:\n" + failures.prefix(3).map(describe).joined(separator: "\n"),
                file: file, line: line)
    }

    private static func describe(_ f: Failure) -> String {
        let program = f.testCase.base.assembly
        var lines = ["--- [\(f.accel)] #\(f.index) \"\(f.testCase.key)\": " + (program.count == 1 ? program[0] : "\(program.count) lines")]
        if program.count > 1 { lines += program.map { "      " + $0 } }
        if !f.code.isEmpty { lines.append("    code    \(hex(f.code))") }
        let v = f.testCase.vector
        lines.append("    input   fcw \(VectorImage.hexValue(Array(v[0..<2]))) fsw \(VectorImage.hexValue(Array(v[2..<4]))) ftw \(VectorImage.hexValue([v[4]])) mxcsr \(VectorImage.hexValue(Array(v[24..<28])))")
        lines += f.differences.map { "    ≠ " + $0 }
        return lines.joined(separator: "\n")
    }
}
