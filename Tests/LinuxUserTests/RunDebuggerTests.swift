import Foundation
import TestSupport
import XCTest

/// `mimic run -g PORT -S` with the real gdb in batch mode: break at a function of a static
/// program, check an argument register, step, continue to the exit.
final class RunDebuggerTests: XCTestCase {
    func testRealGDBBreaksStepsAndContinuesToExit() throws {
        if let reason = GDBBatch.unavailableReason { throw XCTSkip(reason) }
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc is not installed") }
        let program = try CorpusBuilder.program("gdb_target", gcc, variant: "g", flags: ["-static", "-O1", "-g"])
        let mimic = try CorpusMimic.located()
        for accel in ["tcg", "interp"] {
            let guest = try GuestUnderGDB(mimic, accel: accel, ["-S", "--", program])
            let text = try GDBBatch.run(port: guest.port, symbols: program, [
                "break square", "continue", "print $rdi", "stepi", "print $pc == square + 3",
                "continue", "print $rdi", "delete", "continue",
            ])
            let guestText = guest.output
            guest.process.waitUntilExit()
            XCTAssertTrue(text.contains("Breakpoint 1, square (x=x@entry=2)"), "\(accel): \(text)")
            XCTAssertTrue(text.contains("$1 = 2"), "\(accel): \(text)")
            XCTAssertTrue(text.contains("$2 = 1"), "\(accel): stepped one instruction: \(text)")
            XCTAssertTrue(text.contains("$3 = 3"), "\(accel): the second call: \(text)")
            XCTAssertTrue(text.contains("exited with code 02"), "\(accel): \(text)")
            XCTAssertTrue(guestText.contains("sum 90"), "\(accel): \(guestText)")
            XCTAssertEqual(guest.process.terminationStatus, 2, "\(accel)")
        }
    }

    /// A position-independent program (dynamically linked, loaded at Mimic's PIE base): gdb
    /// learns the load bias from qOffsets, so a breakpoint on a function by name is where it
    /// runs, its argument and the caller's frame read right, and it runs to its exit.
    func testRealGDBFindsAPositionIndependentProgramsSymbols() throws {
        if let reason = GDBBatch.unavailableReason { throw XCTSkip(reason) }
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc is not installed") }
        let program = try CorpusBuilder.program("gdb_target", gcc, variant: "pie", flags: ["-fpie", "-pie", "-O1", "-g"])
        let mimic = try CorpusMimic.located()
        for accel in ["tcg", "interp"] {
            let guest = try GuestUnderGDB(mimic, accel: accel, ["-S", "--", program])
            let text = try GDBBatch.run(port: guest.port, symbols: program, [
                "break square", "continue", "print $rdi", "bt", "print $pc == square", "delete", "continue",
            ])
            let guestText = guest.output
            guest.process.waitUntilExit()
            XCTAssertTrue(text.contains("Breakpoint 1, square (x=x@entry=2)"), "\(accel): \(text)")
            XCTAssertTrue(text.contains("$1 = 2"), "\(accel): \(text)")
            XCTAssertTrue(text.contains(" in main () at "), "\(accel): the caller's frame: \(text)")
            XCTAssertTrue(text.contains("$2 = 1"), "\(accel): \(text)")
            XCTAssertTrue(text.contains("exited with code 02"), "\(accel): \(text)")
            XCTAssertTrue(guestText.contains("sum 90"), "\(accel): \(guestText)")
        }
    }

    /// Breakpoints inserted while the program runs under gdb (at the start, at a stop, after
    /// one was deleted) replace only the translations that cover them: no code-buffer flush
    /// (`--stats`), and each breakpoint still stops the program where it should.
    func testRealGDBBreakpointsFlushNothing() throws {
        if let reason = GDBBatch.unavailableReason { throw XCTSkip(reason) }
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc is not installed") }
        let program = try CorpusBuilder.program("gdb_target", gcc, variant: "g", flags: ["-static", "-O1", "-g"])
        let mimic = try CorpusMimic.located()
        for accel in ["tcg", "interp"] {
            let guest = try GuestUnderGDB(mimic, accel: accel, ["--stats", "-S", "--", program])
            let text = try GDBBatch.run(port: guest.port, symbols: program, [
                "break square", "continue", "continue", "delete", "break printf", "continue", "break square", "delete 2", "continue",
            ])
            let guestText = guest.output
            guest.process.waitUntilExit()
            XCTAssertTrue(text.contains("Breakpoint 1, square (x=x@entry=3)"), "\(accel): \(text)")
            XCTAssertTrue(text.contains("Breakpoint 2, ") && text.contains("printf"), "\(accel): \(text)")
            XCTAssertTrue(text.contains("exited with code 02"), "\(accel): \(text)")
            let flushes = guestText.split(separator: "\n").first { $0.contains("code-buffer flushes") }
            XCTAssertEqual(flushes?.split(separator: " ").last, "0", "\(accel): \(guestText)")
        }
    }

    /// After the workers exit (the main thread stopped at a breakpoint past their joins),
    /// gdb's thread list has the main thread only, as natively.
    func testRealGDBThreadListAfterThreadsExit() throws {
        if let reason = GDBBatch.unavailableReason { throw XCTSkip(reason) }
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc is not installed") }
        let program = try CorpusBuilder.program("gdb_threads", gcc, variant: "g", flags: ["-static", "-O1", "-g", "-pthread"])
        let mimic = try CorpusMimic.located()
        for accel in ["tcg", "interp"] {
            let guest = try GuestUnderGDB(mimic, accel: accel, ["-S", "--", program])
            let text = try GDBBatch.run(port: guest.port, symbols: program, [
                "break work", "continue", "echo <during>\\n", "info threads", "echo </during>\\n",
                "delete", "break printf", "continue", "echo <after>\\n", "info threads", "echo </after>\\n", "delete", "continue",
            ])
            guest.process.waitUntilExit()
            let during = Self.section(text, "during").split(separator: "\n").filter { $0.contains(" Thread ") }
            let after = Self.section(text, "after").split(separator: "\n").filter { $0.contains(" Thread ") }
            XCTAssertEqual(during.count, 4, "\(accel): \(text)")
            XCTAssertEqual(after.count, 1, "\(accel): only the main thread is left: \(text)")
            XCTAssertTrue(after.first?.contains("printf") ?? false, "\(accel): \(text)")
            XCTAssertTrue(text.contains("exited normally"), "\(accel): \(text)")
        }
    }

    /// A program with three worker threads that each reach a breakpoint in work(): gdb sees
    /// the four threads, each with its own registers, every worker's hit, and the program's end.
    func testRealGDBSeesEveryThread() throws {
        if let reason = GDBBatch.unavailableReason { throw XCTSkip(reason) }
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc is not installed") }
        let program = try CorpusBuilder.program("gdb_threads", gcc, variant: "g", flags: ["-static", "-O1", "-g", "-pthread"])
        let mimic = try CorpusMimic.located()
        for accel in ["tcg", "interp"] {
            let guest = try GuestUnderGDB(mimic, accel: accel, ["-S", "--", program])
            let text = try GDBBatch.run(port: guest.port, symbols: program, [
                "x/x 0", "break work", "continue",
                "echo <threads>\\n", "info threads", "echo </threads>\\n",
                "bt", "print $pc == work",
                "thread 1", "echo <main>\\n", "bt", "print $pc == work", "echo </main>\\n",
                "thread 2", "echo <worker>\\n", "bt", "info registers rip", "echo </worker>\\n",
                "continue", "continue", "delete", "continue",
            ])
            let guestText = guest.output
            guest.process.waitUntilExit()
            XCTAssertTrue(text.contains("Cannot access memory at address 0x0"), "\(accel): unmapped guest memory is an error: \(text)")
            let threads = Self.section(text, "threads")
            XCTAssertEqual(threads.split(separator: "\n").filter { $0.contains(" Thread ") }.count, 4, "\(accel): \(text)")
            let hits = text.split(separator: "\n").filter { $0.contains("hit Breakpoint 1, work (id=id@entry=") }
            XCTAssertEqual(Set(hits.map { $0.split(separator: "=").last!.prefix(1) }), ["0", "1", "2"], "\(accel): every worker's hit: \(text)")
            XCTAssertEqual(hits.count, 3, "\(accel): \(text)")
            XCTAssertTrue(text.contains("in worker (arg="), "\(accel): the hit thread's backtrace: \(text)")
            XCTAssertTrue(text.contains("$1 = 1"), "\(accel): the hit thread is at work: \(text)")
            let main = Self.section(text, "main")
            XCTAssertTrue(main.contains(" in main ("), "\(accel): the main thread's own backtrace: \(text)")
            XCTAssertTrue(main.contains("$2 = 0"), "\(accel): the main thread's own pc: \(text)")
            let worker = Self.section(text, "worker")
            XCTAssertTrue(worker.contains(" worker (arg="), "\(accel): thread 2 is a worker: \(text)")
            XCTAssertTrue(worker.contains("rip            0x"), "\(accel): \(text)")
            XCTAssertTrue(text.contains("exited normally"), "\(accel): \(text)")
            XCTAssertTrue(guestText.contains("results 499500 500500 501500"), "\(accel): \(guestText)")
            XCTAssertEqual(guest.process.terminationStatus, 0, "\(accel)")
        }
    }

    /// gdb connecting to a running program (no `-S`) stops every thread where it is (the
    /// workers in their loop, at a block boundary), steps one while the others run, and kills it.
    func testRealGDBStopsRunningThreadsWhenItConnects() throws {
        if let reason = GDBBatch.unavailableReason { throw XCTSkip(reason) }
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc is not installed") }
        let program = try CorpusBuilder.program("gdb_threads", gcc, variant: "g", flags: ["-static", "-O1", "-g", "-pthread"])
        let mimic = try CorpusMimic.located()
        for accel in ["tcg", "interp"] {
            // Loops that do not end before gdb kills the program.
            let guest = try GuestUnderGDB(mimic, accel: accel, ["--", program, "1000000000000000"], settle: 1.5)
            // On a loaded machine gdb's 2-second wait for the stub's first replies can run out
            // while the workers spin; gdb then leaves, the program runs on, and another try
            // connects anew.
            var text = ""
            for _ in 0..<3 {
                text = try GDBBatch.run(port: guest.port, symbols: program, [
                    "echo <threads>\\n", "info threads", "echo </threads>\\n",
                    "thread 3", "stepi", "echo <step>\\n", "bt 1", "echo </step>\\n",
                    "echo <after>\\n", "info threads", "echo </after>\\n", "kill",
                ])
                if !text.contains("Connection timed out") { break }
            }
            let guestText = guest.output
            guest.process.waitUntilExit()
            for name in ["threads", "after"] {
                let rows = Self.section(text, name).split(separator: "\n").filter { $0.contains(" Thread ") }
                XCTAssertEqual(rows.count, 4, "\(accel): \(text)")
                XCTAssertEqual(rows.filter { $0.contains(" work (id=") }.count, 3, "\(accel): the workers in their loop: \(text)")
            }
            XCTAssertTrue(Self.section(text, "step").contains(" work (id="), "\(accel): \(text)")
            XCTAssertTrue(guestText.contains("killed by gdb"), "\(accel): \(guestText)")
            XCTAssertEqual(guest.process.terminationStatus, 137, "\(accel)")
        }
    }

    /// A worker that writes to address 16: gdb sees its SIGSEGV first, in that thread, with the
    /// others stopped; passed on, the signal kills the program as it would natively.
    func testRealGDBSeesAThreadsFault() throws {
        if let reason = GDBBatch.unavailableReason { throw XCTSkip(reason) }
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc is not installed") }
        let program = try CorpusBuilder.program("gdb_threads", gcc, variant: "g", flags: ["-static", "-O1", "-g", "-pthread"])
        let mimic = try CorpusMimic.located()
        for accel in ["tcg", "interp"] {
            let guest = try GuestUnderGDB(mimic, accel: accel, ["-S", "--", program, "1000", "segv"])
            let text = try GDBBatch.run(port: guest.port, symbols: program, [
                "continue", "echo <fault>\\n", "bt 2", "echo </fault>\\n", "info threads", "continue",
            ])
            guest.process.waitUntilExit()
            XCTAssertTrue(text.contains("received signal SIGSEGV, Segmentation fault."), "\(accel): \(text)")
            XCTAssertTrue(Self.section(text, "fault").contains("worker (arg=0x1)"), "\(accel): the faulting thread's backtrace: \(text)")
            XCTAssertEqual(guest.process.terminationReason, .uncaughtSignal, "\(accel)")
            XCTAssertEqual(guest.process.terminationStatus, 11, "\(accel)")
        }
    }

    /// A child the debugged program forks runs on without gdb (its breakpoints are the
    /// parent's only), and its exit is not the parent's.
    func testRealGDBDebugsTheParentOfAFork() throws {
        if let reason = GDBBatch.unavailableReason { throw XCTSkip(reason) }
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc is not installed") }
        let program = try CorpusBuilder.program("gdb_fork", gcc, variant: "g", flags: ["-static", "-O1", "-g"])
        let mimic = try CorpusMimic.located()
        for accel in ["tcg", "interp"] {
            let guest = try GuestUnderGDB(mimic, accel: accel, ["-S", "--", program])
            let text = try GDBBatch.run(port: guest.port, symbols: program, ["break after", "continue", "continue"])
            let guestText = guest.output
            guest.process.waitUntilExit()
            XCTAssertTrue(text.contains("Breakpoint 1, after (x=x@entry=5)"), "\(accel): \(text)")
            XCTAssertFalse(text.contains("x=x@entry=3"), "\(accel): the child does not stop: \(text)")
            XCTAssertTrue(text.contains("exited normally"), "\(accel): \(text)")
            XCTAssertTrue(guestText.contains("child 6\n"), "\(accel): \(guestText)")
            XCTAssertTrue(guestText.contains("parent 10, child status 3\n"), "\(accel): \(guestText)")
            XCTAssertEqual(guest.process.terminationStatus, 0, "\(accel)")
        }
    }

    /// What gdb printed between `echo <name>` and `echo </name>`.
    static func section(_ text: String, _ name: String) -> Substring {
        guard let start = text.range(of: "<\(name)>\n"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex) else { return "" }
        return text[start.upperBound..<end.lowerBound]
    }
}

/// `mimic run --accel ACCEL -g PORT ARGUMENTS...` started for gdb, given `settle` seconds to
/// open its port; terminated after two minutes, so that a stub that hangs fails the test
/// (gdb sees the connection close) instead of hanging it.
struct GuestUnderGDB {
    let process = Process()
    let port = UInt16.random(in: 20000...60000)
    private let pipe = Pipe()

    init(_ mimic: String, accel: String, _ arguments: [String], settle: TimeInterval = 0.5) throws {
        process.executableURL = URL(fileURLWithPath: mimic)
        process.arguments = ["run", "--accel", accel, "-g", String(port)] + arguments
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let process = self.process
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if process.isRunning { process.terminate() } }
        Thread.sleep(forTimeInterval: settle)
    }

    /// All the guest and Mimic printed (read once, when the process has closed its output).
    var output: String { String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
}
