import Foundation
@testable import MimicCLI
import XCTest

/// `mimic bench`'s dynamically linked programs (python3, lua, sqlite3, xz) and its translation
/// table: command lines, the output-hash check, selection, and the time read from --stats=json.
final class BenchProgramTests: XCTestCase {
    func program(_ name: String) -> BenchWorkload {
        BenchSuite.programs.first { $0.name == name }!
    }

    func testCommandLinesAreUserModeOnly() throws {
        let setup = BenchRunner.Setup(guestImages: URL(fileURLWithPath: "/g"), mimic: "/bin/mimic", qemuUser: "/usr/bin/qemu-x86_64")
        let runner = BenchRunner(setup: setup, runs: 1, timeout: 1, process: BenchProcess(scratch: URL(fileURLWithPath: "/scratch")))
        let xz = program("xz-6")
        guard case .program(let p) = xz.kind, let path = p.path else { throw XCTSkip("xz is not installed (Debian package xz-utils)") }
        XCTAssertEqual(runner.command(xz, .native, size: 1000).arguments, [path, "-6", "-T1", "-c", "/scratch/xz-6-1000.input"])
        XCTAssertEqual(runner.command(xz, .runTCG, size: 1000, counting: true).arguments,
                       ["/bin/mimic", "run", "--accel", "tcg", "--stats=json", "--", path, "-6", "-T1", "-c", "/scratch/xz-6-1000.input"])
        XCTAssertEqual(runner.command(xz, .qemuUser, size: 1000).arguments,
                       ["/usr/bin/qemu-x86_64", path, "-6", "-T1", "-c", "/scratch/xz-6-1000.input"])
        XCTAssertEqual(runner.command(xz, .runInterp, size: 1000).problem, "not measured under interp: a run takes minutes")
        XCTAssertNil(runner.command(program("python3-startup"), .runInterp, size: 0).problem)
        XCTAssertEqual(runner.command(xz, .bootKVM, size: 1000).problem, "a dynamically linked Linux program: user mode only, no guest image")
        let loop = program("python3-loop")
        XCTAssertEqual(runner.command(loop, .native, size: 7).arguments.last?.contains("range(7)"), true)
    }

    func testAMissingProgramIsASkipWithItsPackage() {
        let absent = BenchWorkload(name: "absent", program: "absent", image: "", fullSize: 1, quickSize: 1, checksums: [:],
                                   kind: .program(BenchProgram(executable: "no-such-program-here", package: "nonesuch", arguments: [])))
        let runner = BenchRunner(setup: BenchRunner.Setup(guestImages: URL(fileURLWithPath: "/g"), mimic: "/bin/mimic"), runs: 1,
                                 timeout: 1, process: BenchProcess(scratch: URL(fileURLWithPath: "/tmp")))
        for c in [BenchConfiguration.native, .runTCG] {
            XCTAssertEqual(runner.command(absent, c, size: 1).problem, "no-such-program-here is not installed (Debian package nonesuch)")
        }
    }

    /// A program passes with exit status 0 and the native run's output (its hash).
    func testAPassingRunHasTheNativeOutput() {
        let loop = program("python3-loop")
        func result(_ status: Int32, _ stdout: String) -> BenchProcess.Result {
            BenchProcess.Result(status: status, seconds: 1, stdout: stdout, stderr: "", timedOut: false)
        }
        let native = BenchRunner.checksum(in: "2999997 1000 2.999\n", workload: loop)
        XCTAssertNotNil(native)
        XCTAssertNil(BenchRunner.failure(of: result(0, "2999997 1000 2.999\n"), configuration: .runTCG, workload: loop, expected: native))
        XCTAssertNil(BenchRunner.failure(of: result(0, "anything\n"), configuration: .native, workload: loop, expected: nil))
        let wrong = BenchRunner.failure(of: result(0, "2999998 1000 2.999\n"), configuration: .runTCG, workload: loop, expected: native)
        XCTAssertEqual(wrong?.hasPrefix("output differs from the native run's (python3-loop: output hash 0x"), true, wrong ?? "")
        XCTAssertEqual(BenchRunner.failure(of: result(1, ""), configuration: .qemuUser, workload: loop, expected: native),
                       "exit status 1 (a pass is 0)")
        XCTAssertEqual(BenchProgram.outputHash(""), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(BenchProgram.outputHash("a"), 0xaf63_dc4c_8601_ec8c, "FNV-1a 64 of \"a\"")
    }

    func testGeneratedInputIsFixedText() {
        let input = BenchProgram.input(bytes: 5000)
        XCTAssertEqual(input.count, 5000)
        XCTAssertEqual(input, BenchProgram.input(bytes: 5000))
        XCTAssertTrue(String(decoding: input.prefix(200), as: UTF8.self).allSatisfy { $0.isLetter || $0.isNumber || $0 == " " || $0 == "\n" })
    }

    func testSelectingPrograms() {
        XCTAssertEqual(BenchSuite.selectPrograms(nil).map(\.name), ["python3-startup", "python3-loop", "lua-loop", "sqlite3-query", "xz-6",
                                                                     "busybox-sha256sum", "busybox-gzip"])
        XCTAssertEqual(BenchSuite.selectPrograms(nil, quick: true).map(\.name), ["python3-startup"])
        XCTAssertEqual(BenchSuite.selectPrograms("python3*").map(\.name), ["python3-startup", "python3-loop"])
        XCTAssertEqual(BenchSuite.selectPrograms("fib"), [])
        XCTAssertTrue(BenchSuite.programs.allSatisfy(\.isProgram))
    }

    func testTranslationSecondsFromStatsJSON() throws {
        XCTAssertEqual(try XCTUnwrap(BenchGuestCount.translationSeconds("out\n{\"blocks_translated\": 5, \"translation_ms\": 457.5}\n")),
                       0.4575, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(BenchGuestCount.translationSeconds("{\"tcg\": {\"translation_ns\": 2000000}}")), 0.002, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(BenchGuestCount.translationSeconds("{\"translation_ms\": 10}\n{\"translation_ms\": 5}\n")),
                       0.015, accuracy: 1e-12, "one object per process: summed")
        XCTAssertNil(BenchGuestCount.translationSeconds("{\"guest_instructions_translated\": 100}"))
    }

    /// The programs are left out of the ring-3 geometric mean and of the net-of-startup ratios,
    /// and have their own mean; the translation table lists the cells that report a time.
    func testProgramsInTheReport() throws {
        let startup = BenchSuite.workloads.first { $0.kind == .startup }!
        let fib = BenchSuite.workloads.first { $0.name == "fib" }!
        let python = program("python3-startup"), lua = program("lua-loop")
        func cell(_ w: String, _ c: BenchConfiguration, _ t: Double, translation: Double? = nil) -> BenchCell {
            var cell = BenchCell(workload: w, size: 1, configuration: c, command: [], outcome: .measured([t]))
            cell.translationSeconds = translation
            return cell
        }
        let report = BenchReport(workloads: [startup, fib, python, lua], configurations: [.native, .runTCG], cells: [
            cell("startup", .native, 0.001), cell("startup", .runTCG, 0.002),
            cell("fib", .native, 0.011), cell("fib", .runTCG, 0.021),
            cell("python3-startup", .native, 0.02), cell("python3-startup", .runTCG, 0.4, translation: 0.3),
            cell("lua-loop", .native, 0.1), cell("lua-loop", .runTCG, 0.4, translation: 0.1),
        ], runs: 1)
        XCTAssertEqual(try XCTUnwrap(report.geometricMeanRatio(.runTCG)), 0.021 / 0.011, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(report.geometricMeanRatio(.runTCG, programs: true)), (20.0 * 4).squareRoot(), accuracy: 1e-9)
        XCTAssertNil(report.netRatio(of: report.cell("lua-loop", .runTCG)!))
        XCTAssertEqual(BenchTable.summary(report).last, ["geomean (programs)", "1x", "8.94x"])
        XCTAssertEqual(BenchTable.translation(report), [
            ["workload", "configuration", "translate", "total", "share"],
            ["python3-startup", "mimic run tcg", "300.0 ms", "400.0 ms", "75%"],
            ["lua-loop", "mimic run tcg", "100.0 ms", "400.0 ms", "25%"],
        ])
        XCTAssertTrue(BenchTable.render(report).contains("Translation time"))
        XCTAssertTrue(BenchTable.translationMarkdown(report).hasPrefix("| workload | configuration | translate | total | share |\n"))
    }
}
