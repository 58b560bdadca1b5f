import ArgumentParser
import MimicCLI
import XCTest

/// The commands as a user runs them: arguments parsed by the real parser, then run.
final class CommandTests: XCTestCase {
    func testDemoRunsCorrectlyOnTheJIT() throws {
        var command = try MimicCommand.parseAsRoot(["demo", "--accel", "tcg"])
        XCTAssertNoThrow(try command.run(), "the demo checks RAX and fails with exit status 1 when it is wrong")
    }

    func testDemoRejectsAnUnknownAccelerator() throws {
        var command = try MimicCommand.parseAsRoot(["demo", "--accel", "quantum"])
        XCTAssertThrowsError(try command.run()) { error in
            XCTAssertTrue(error is ValidationError, "\(error)")
        }
    }

    func testDemoRejectsAnUnknownLogItem() throws {
        var command = try MimicCommand.parseAsRoot(["demo", "--accel", "tcg", "-d", "in_asm,nonsense"])
        XCTAssertThrowsError(try command.run())
    }

    func testDisasmOfAFileThatIsNotELFFailsWithStatus1() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-elf-\(getpid())").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var command = try MimicCommand.parseAsRoot(["disasm", path])
        XCTAssertThrowsError(try command.run()) { error in
            XCTAssertEqual((error as? ExitCode)?.rawValue, 1, "\(error)")
        }
    }
}
