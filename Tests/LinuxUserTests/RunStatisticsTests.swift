import Foundation
import TestSupport
import XCTest

/// `mimic run --stats` of a program with threads counts every thread's engine.
final class RunStatisticsTests: XCTestCase {
    /// Three workers each run work()'s loop of 6 instructions a million times, so the guest
    /// ran at least 18 million instructions; the main thread alone runs a few hundred thousand.
    func testStatisticsSumEveryThread() throws {
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc is not installed") }
        let program = try CorpusBuilder.program("gdb_threads", gcc, variant: "g", flags: ["-static", "-O1", "-g", "-pthread"])
        let iterations = 1_000_000
        for accel in ["tcg", "interp"] {
            for format in ["--stats", "--stats=json"] {
                let run = Process()
                run.executableURL = URL(fileURLWithPath: try CorpusMimic.located())
                run.arguments = ["run", "--accel", accel, format, "--", program, String(iterations)]
                let output = Pipe(), errors = Pipe()
                run.standardOutput = output
                run.standardError = errors
                try run.run()
                let errorData = errors.fileHandleForReading.readDataToEndOfFile()
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                run.waitUntilExit()
                let stats = String(decoding: errorData, as: UTF8.self)
                XCTAssertEqual(run.terminationStatus, 0, "\(accel) \(format): \(stats)")
                XCTAssertEqual(text, "results 499999500000 500000500000 500001500000\n", "\(accel) \(format)")
                let executed: UInt64?, threads: UInt64?
                if format == "--stats" {
                    executed = Self.textValue(stats, label: "guest instructions executed")
                    threads = Self.textValue(stats, label: "threads (counts summed over all that ran, exited ones too)")
                } else {
                    executed = Self.jsonValue(stats, key: "guest_instructions_executed")
                    threads = Self.jsonValue(stats, key: "threads")
                }
                XCTAssertEqual(threads, 4, "\(accel) \(format): \(stats)")
                XCTAssertGreaterThanOrEqual(executed ?? 0, UInt64(3 * 6 * iterations), "\(accel) \(format): \(stats)")
            }
        }
    }

    /// The number at the end of the text report's line with `label`.
    static func textValue(_ text: String, label: String) -> UInt64? {
        let line = text.split(separator: "\n").first { $0.contains(label) }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { UInt64($0.replacingOccurrences(of: ",", with: "")) }
    }

    static func jsonValue(_ text: String, key: String) -> UInt64? {
        guard let range = text.range(of: "\"\(key)\":") else { return nil }
        return UInt64(text[range.upperBound...].prefix { $0.isNumber })
    }
}
