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
            let port = UInt16.random(in: 20000...60000)
            let guest = Process()
            guest.executableURL = URL(fileURLWithPath: mimic)
            guest.arguments = ["run", "--accel", accel, "-g", String(port), "-S", "--", program]
            let guestOutput = Pipe()
            guest.standardOutput = guestOutput
            guest.standardError = guestOutput
            try guest.run()
            Thread.sleep(forTimeInterval: 0.5)
            let text = try GDBBatch.run(port: port, symbols: program, [
                "break square", "continue", "print $rdi", "stepi", "print $pc == square + 3",
                "continue", "print $rdi", "delete", "continue",
            ])
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
