import Foundation
import XCTest

/// The C programs of Programs/, built static with glibc (gcc) and musl (musl-gcc), each run
/// natively and under `mimic run` and compared byte for byte. MIMIC_CORPUS_ACCELS chooses the
/// accelerators (default tcg,interp).
final class CorpusProgramTests: XCTestCase {
    override class func tearDown() {
        try? FileManager.default.removeItem(at: CorpusFiles.root)
        super.tearDown()
    }

    /// The programs are only worth comparing if they are deterministic natively.
    func testProgramsAreDeterministicNatively() throws {
        guard CorpusToolchain.gcc != nil else { throw XCTSkip("gcc not found: the corpus programs cannot be built") }
        for program in ["stdio", "malloc", "strtod", "libm", "setjmp", "sort", "strings", "signals", "sigaltstack",
                        "process", "fileio", "time", "smc", "mmap", "fp", "fptrap", "env", "cpu_probe"] {
            try CorpusCheck.deterministic(program)
        }
        try CorpusCheck.deterministic("die", arguments: ["segv"])
    }

    /// musl builds double the corpus; without musl-gcc only the glibc builds run.
    func testMuslToolchainIsInstalled() throws {
        if CorpusToolchain.musl == nil {
            print("[corpus] musl-gcc not found (Debian musl-tools): the musl builds are not run")
            throw XCTSkip("musl-gcc not found (Debian package musl-tools): musl builds of the corpus not run")
        }
    }

    func testStdio() throws { try CorpusCheck.compare("stdio") }

    func testStdin() throws {
        let text = (0..<300).map { "line \($0): " + String(repeating: "x", count: $0 % 70) }.joined(separator: "\n") + "\nno newline at end"
        try CorpusCheck.compare("stdio", arguments: ["stdin"], stdin: Array(text.utf8))
    }

    func testMalloc() throws { try CorpusCheck.compare("malloc") }
    func testStrtod() throws { try CorpusCheck.compare("strtod") }
    func testLibm() throws { try CorpusCheck.compare("libm") }
    func testSetjmp() throws { try CorpusCheck.compare("setjmp") }
    func testSort() throws { try CorpusCheck.compare("sort") }
    func testStringFunctions() throws { try CorpusCheck.compare("strings") }
    func testSignals() throws { try CorpusCheck.compare("signals") }
    func testSigaltstack() throws { try CorpusCheck.compare("sigaltstack") }
    func testAlarm() throws { try CorpusCheck.compare("alarm") }
    /// Signals into code that makes no system call (stopped through the exit request), and
    /// to one spinning thread of several.
    func testSignalsIntoSpinningCode() throws { try CorpusCheck.compare("spin_signals") }
    /// A thread's exit vs the process's: the main thread leaving first, exit() from a thread.
    func testThreadExits() throws { try CorpusCheck.compare("thread_exit") }
    func testProcesses() throws { try CorpusCheck.compare("process") }
    func testFileIO() throws { try CorpusCheck.compare("fileio") }
    func testTime() throws { try CorpusCheck.compare("time") }
    func testSelfModifyingCode() throws { try CorpusCheck.compare("smc") }
    func testMemoryMappings() throws { try CorpusCheck.compare("mmap") }
    func testFloatingPointAndVectors() throws { try CorpusCheck.compare("fp") }
    func testFloatingPointTraps() throws { try CorpusCheck.compare("fptrap") }

    func testArgumentsEnvironmentAuxv() throws {
        try CorpusCheck.compare("env", arguments: ["one", "two words", "", "--flag", "ünïcode"])
    }

    /// Every way of ending, compared: exit statuses, deaths by signal, unflushed output.
    func testExitStatusesAndDeathBySignal() throws {
        for way in [["exit", "0"], ["exit", "42"], ["return"], ["segv"], ["abort"], ["term"], ["kill"], ["ill"],
                    ["fpe"], ["usr1"], ["unflushed"], ["stderr"]] {
            try CorpusCheck.compare("die", arguments: way)
        }
    }

    /// CPUID under Mimic reports what Mimic implements: at least x86-64-v2 (so glibc's ifuncs
    /// pick code Mimic runs), no AVX family, and nothing the host CPU lacks.
    func testCPUFeatures() throws {
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc not found: the corpus programs cannot be built") }
        let binary = try CorpusBuilder.program("cpu_probe", gcc)
        func features(_ outcome: CorpusOutcome) -> [String: Bool] {
            Dictionary(uniqueKeysWithValues: outcome.stdoutText.split(separator: "\n").map { line in
                let parts = line.split(separator: " ")
                return (String(parts[0]), parts.last == "yes")
            })
        }
        let native = features(try CorpusProcess.run(binary, CorpusInvocation(arguments: [])))
        for accel in CorpusMimic.accels(defaults: ["tcg"]) {
            let outcome = try CorpusMimic.run(binary, accel: accel, CorpusInvocation(arguments: []))
            XCTAssertEqual(outcome.termination, .exited(0), "cpu_probe under mimic [\(accel)]: \(outcome.stderrText)")
            let mimic = features(outcome)
            print("[corpus] cpu_probe [\(accel)]: mimic reports \(mimic.filter(\.value).keys.sorted().joined(separator: " "))")
            for required in ["cmov", "mmx", "sse", "sse2", "sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "x86-64", "x86-64-v2"] {
                XCTAssertEqual(mimic[required], true, "mimic [\(accel)] must report \(required)")
            }
            for absent in ["avx", "avx2", "fma", "avx512f", "x86-64-v3", "x86-64-v4"] {
                XCTAssertEqual(mimic[absent], false, "mimic [\(accel)] reports \(absent), which it does not implement")
            }
            for (feature, reported) in mimic where reported && native[feature] != true {
                XCTFail("mimic [\(accel)] reports \(feature), which this CPU lacks")
            }
        }
    }
}
