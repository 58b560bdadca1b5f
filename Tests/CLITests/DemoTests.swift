import ArgumentParser
import Foundation
@testable import MimicCLI
import XCTest

/// `mimic demo` as the README's first command runs it: the machine guest on every available
/// accelerator, one table row each, the same guest output everywhere.
final class DemoTests: XCTestCase {
    func testTableHasARowPerAvailableAcceleratorAndIdenticalGuestOutput() throws {
        let (available, unavailable) = DemoCommand.available("all")
        XCTAssertEqual(available.filter { $0 != "kvm" }, ["tcg", "interp"], "Mimic's own accelerators are always there")
        if let reason = unavailable["kvm"] { print("DemoTests: no kvm row expected: \(reason)") }

        let (text, status) = try MimicInProcess.capturing(1, ["demo"])
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
