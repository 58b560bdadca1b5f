import ArgumentParser
import Foundation
@testable import MimicCLI
import XCTest

/// `mimic demo` as the README's first command runs it: the machine guest on every available
/// accelerator, one table row each, the same guest output everywhere.
final class DemoTests: XCTestCase {
    /// Runs `arguments` in-process with standard output captured; returns the text and the
    /// exit code the command would end with.
    func runCapturingStandardOutput(_ arguments: [String]) throws -> (stdout: String, status: Int32) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mimic-stdout-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        fflush(stdout)
        let saved = dup(1)
        let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        dup2(file, 1)
        close(file)
        var status: Int32 = 0
        do {
            var command = try MimicCommand.parseAsRoot(arguments)
            try command.run()
        } catch let exit as ExitCode {
            status = exit.rawValue
        } catch {
            status = -1
        }
        fflush(stdout)
        dup2(saved, 1)
        close(saved)
        return (try String(contentsOfFile: path, encoding: .utf8), status)
    }

    func testTableHasARowPerAvailableAcceleratorAndIdenticalGuestOutput() throws {
        let (available, unavailable) = DemoCommand.available("all")
        XCTAssertEqual(available.filter { $0 != "kvm" }, ["tcg", "interp"], "Mimic's own accelerators are always there")
        if let reason = unavailable["kvm"] { print("DemoTests: no kvm row expected: \(reason)") }

        let (text, status) = try runCapturingStandardOutput(["demo"])
        XCTAssertEqual(status, 0, text)
        let lines = text.split(separator: "\n").map(String.init)
        let rows = lines.filter { line in DemoCommand.accelerators.contains { line.hasPrefix($0 + " ") } }
        XCTAssertEqual(rows.map { String($0.prefix { $0 != " " }) }, available, text)
        for row in rows {
            XCTAssertTrue(row.hasSuffix(" pass"), row)
            let counted = row.hasPrefix("kvm ") ? row.contains("(not counted)") : row.contains(" 344")
            XCTAssertTrue(counted, "guest instructions counted under tcg and interp (about 34.5 million): \(row)")
        }
        XCTAssertEqual(rows.filter { $0.contains(" 1.0x ") }.count, 1, "the fastest row is the reference: \(text)")
        let identical = "Guest output (identical on \(available.joined(separator: ", "))): \(DemoGuest.expectedOutput)"
        XCTAssertTrue(text.contains(identical), text)
    }

    func testUnknownAcceleratorIsRejected() throws {
        var command = try MimicCommand.parseAsRoot(["demo", "--accel", "quantum"])
        XCTAssertThrowsError(try command.run()) { XCTAssertTrue($0 is ValidationError, "\($0)") }
    }
}
