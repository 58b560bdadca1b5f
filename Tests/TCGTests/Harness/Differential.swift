import TestSupport
import CNativeRunner
import Foundation
import TCG
import XCTest

/// Runs test cases natively and under Mimic, compares, and reports every mismatch at once.
///
/// Environment knobs: MIMIC_DIFF_ACCELS (comma list of `tcg`, `tcg-unoptimized`, `interp`; default all),
/// MIMIC_DIFF_SHOW (how many mismatches to print in full; default 20), MIMIC_DIFF_KEY (run only
/// cases whose key contains this text, e.g. `adc` or `random`).
enum Differential {
    static var backends: [Backend] {
        guard let list = ProcessInfo.processInfo.environment["MIMIC_DIFF_ACCELS"] else { return Backend.allCases }
        return list.split(separator: ",").compactMap { Backend(rawValue: String($0)) }
    }

    static var shown: Int { Int(ProcessInfo.processInfo.environment["MIMIC_DIFF_SHOW"] ?? "") ?? 20 }

    static var keyFilter: String? { ProcessInfo.processInfo.environment["MIMIC_DIFF_KEY"] }

    /// A case (native run and every accelerator) that takes longer is reported and ends the
    /// process: a snippet is a handful of instructions.
    static let watchdogSeconds: UInt32 = 20

    /// Assembles and runs `cases`; fails the calling test once, with a report, if any case
    /// differs. `seed` fills the data region with the family's random image.
    static func check(_ family: String, _ allCases: [TestCase], seed: UInt64,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        var cases = keyFilter.map { filter in allCases.filter { $0.key.contains(filter) } } ?? allCases
        let unsupported = NativeCPU.unsupportedMnemonics
        if !unsupported.isEmpty {
            let before = cases.count
            cases.removeAll { !unsupported.isDisjoint(with: $0.program.flatMap(\.mnemonics)) }
            print("[\(family)] this CPU lacks \(unsupported.map(\.rawValue).sorted()): \(before - cases.count) cases not run")
        }
        if let reason = Assembler.unavailableReason {
            print("[\(family)] skipped: \(reason)")
            throw XCTSkip(reason)
        }
        try NativeCPU.setUp()
        var random = SplitMix64(seed: seed)
        let image = (0..<Layout.dataSize).map { _ in UInt8(truncatingIfNeeded: random.next()) }

        let started = Date()
        let assembled = try Assembler.assemble(cases.map(\.assembly))
        var report = Report(family: family, backends: backends)
        for (index, testCase) in cases.enumerated() {
            let analysis = FlagAnalysis(testCase.program)
            let code: [UInt8]
            switch assembled[index] {
            case .success(let bytes): code = bytes
            case .failure(let failure):
                report.record(Mismatch(index: index, testCase: testCase, backend: nil, code: [],
                                       differences: ["assembler rejected it: \(failure)"]))
                continue
            }
            if !analysis.violations.isEmpty {
                report.record(Mismatch(index: index, testCase: testCase, backend: nil, code: code,
                                       differences: ["generator bug: " + analysis.violations.joined(separator: "; ")]))
                continue
            }
            let data = testCase.initialData(from: image)
            native_watchdog_arm(watchdogSeconds, "[\(family)] #\(index) \"\(testCase.key)\": \(testCase.assembly.joined(separator: "; "))")
            defer { native_watchdog_disarm() }
            let native = NativeCPU.run(code: code, input: testCase.input, data: data)
            if case .other(let what) = native.stop {
                report.record(Mismatch(index: index, testCase: testCase, backend: nil, code: code,
                                       differences: ["native run: \(what)"]))
                continue
            }
            for backend in report.backends {
                let mimic = MimicCPU.run(code: code, input: testCase.input, data: data, backend: backend)
                let differences = compare(native: native, mimic: mimic, analysis: analysis)
                report.count(testCase, failed: !differences.isEmpty, backend: backend)
                if !differences.isEmpty {
                    // The report shows registers and differences; keeping whole data regions
                    // for thousands of mismatches would cost gigabytes.
                    var (native, mimic) = (native, mimic)
                    native.data = []
                    mimic.data = []
                    report.record(Mismatch(index: index, testCase: testCase, backend: backend, code: code,
                                           native: native, mimic: mimic, differences: differences))
                }
            }
        }
        try Reducer.reduce(&report.mismatches, image: image, limit: shown)
        report.elapsed = Date().timeIntervalSince(started)
        report.cases = cases.count
        print(report.text(showing: shown))
        if !report.mismatches.isEmpty {
            XCTFail(report.summary(showing: 3), file: file, line: line)
        }
    }

    /// Human-readable differences; empty when the outcomes agree on everything defined.
    static func compare(native: Outcome, mimic: Outcome, analysis: FlagAnalysis) -> [String] {
        var differences: [String] = []
        if native.stop != mimic.stop {
            differences.append("stop: native \(native.stop), mimic \(mimic.stop)")
        }
        if native.state.rip != mimic.state.rip {
            differences.append("rip: native 0x\(hex(native.state.rip)), mimic 0x\(hex(mimic.state.rip))")
        }
        for r in GPR.allCases where native.state[r] != mimic.state[r] {
            differences.append("\(r.name): native 0x\(hex(native.state[r])), mimic 0x\(hex(mimic.state[r]))")
        }
        let compared = (native.stop == .end ? analysis.definedAtEnd : analysis.definedThroughout).union(.df)
        let nativeFlags = native.state.flags.intersection(compared)
        let mimicFlags = mimic.state.flags.intersection(compared)
        if nativeFlags != mimicFlags {
            let wrong = Flags(rawValue: nativeFlags.rawValue ^ mimicFlags.rawValue)
            differences.append("flags \(wrong) differ: native \(nativeFlags), mimic \(mimicFlags) (comparing \(compared))")
        }
        differences += memoryDifferences(native.data, mimic.data)
        return differences
    }

    /// The differing ranges of the data region, the first few in full.
    private static func memoryDifferences(_ native: [UInt8], _ mimic: [UInt8]) -> [String] {
        let same = native.withUnsafeBytes { a in mimic.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
        if same { return [] }
        var ranges: [Range<Int>] = []
        var i = 0
        while i < native.count {
            if native[i] == mimic[i] { i += 1; continue }
            let start = i
            while i < native.count && (native[i] != mimic[i] || (i + 1 < native.count && native[i + 1] != mimic[i + 1])) { i += 1 }
            ranges.append(start..<i)
        }
        var lines = ranges.prefix(4).map { r -> String in
            let shownRange = r.lowerBound..<min(r.upperBound, r.lowerBound + 16)
            return "memory 0x\(hex(Layout.data + UInt64(r.lowerBound)))+\(r.count): native \(hex(Array(native[shownRange]))), mimic \(hex(Array(mimic[shownRange])))"
        }
        if ranges.count > 4 { lines.append("memory: \(ranges.count - 4) more differing ranges") }
        return lines
    }
}
