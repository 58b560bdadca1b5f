import Foundation
import XCTest

/// `mimic run -g PORT -S` with the real gdb in batch mode: break at a function of a static
/// program, check an argument register, step, continue to the exit.
final class RunDebuggerTests: XCTestCase {
    func testRealGDBBreaksStepsAndContinuesToExit() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb") else {
            throw XCTSkip("gdb is not installed (Debian package gdb)")
        }
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc is not installed") }
        let program = try CorpusBuilder.program("gdb_target", gcc, variant: "g", flags: ["-static", "-O1", "-g"])
        let mimic = try CorpusMimic.located()
        for accel in ["tcg", "interp"] {
            let port = UInt16.random(in: 20000...60000)
            let guest = Process()
            guest.executableURL = URL(fileURLWithPath: mimic)
            guest.arguments = ["run", "--accel", accel, "-g", String(port), "-S", "--", program]
            let guestOutput = Pipe()
            guest.standardOutput = guestOutput
            guest.standardError = guestOutput
            try guest.run()
            Thread.sleep(forTimeInterval: 0.5)
            let gdb = Process()
            gdb.executableURL = URL(fileURLWithPath: "/usr/bin/gdb")
            gdb.arguments = ["-nx", "-batch", "-ex", "set pagination off", "-ex", "target remote 127.0.0.1:\(port)",
                             "-ex", "break square", "-ex", "continue", "-ex", "print $rdi",
                             "-ex", "stepi", "-ex", "print $pc == square + 3",
                             "-ex", "continue", "-ex", "print $rdi",
                             "-ex", "delete", "-ex", "continue", program]
            let gdbOutput = Pipe()
            gdb.standardOutput = gdbOutput
            gdb.standardError = gdbOutput
            try gdb.run()
            let text = String(decoding: gdbOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            gdb.waitUntilExit()
            let guestText = String(decoding: guestOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            guest.waitUntilExit()
            XCTAssertTrue(text.contains("Breakpoint 1, square (x=x@entry=2)"), "\(accel): \(text)")
            XCTAssertTrue(text.contains("$1 = 2"), "\(accel): \(text)")
            XCTAssertTrue(text.contains("$2 = 1"), "\(accel): stepped one instruction: \(text)")
            XCTAssertTrue(text.contains("$3 = 3"), "\(accel): the second call: \(text)")
            XCTAssertTrue(text.contains("exited with code 02"), "\(accel): \(text)")
            XCTAssertTrue(guestText.contains("sum 90"), "\(accel): \(guestText)")
            XCTAssertEqual(guest.terminationStatus, 2, "\(accel)")
        }
    }
}
