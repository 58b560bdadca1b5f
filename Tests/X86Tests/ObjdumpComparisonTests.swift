import Foundation
import X86
import XCTest

/// The decoder against the host's objdump over whole binaries.
final class ObjdumpComparisonTests: XCTestCase {
    func requireFile(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is absent (install the busybox-static package)")
        }
    }

    /// Every instruction of a static busybox: same length as objdump at every address it prints.
    func testBusyboxLengthsMatchObjdump() throws {
        try requireFile("/bin/busybox")
        let report = try ObjdumpOracle.compare(file: "/bin/busybox")
        print("busybox: \(report)")
        XCTAssertGreaterThan(report.compared, 100_000)
        XCTAssertEqual(report.lengthMismatchCount, 0, report.lengthMismatches.prefix(20).joined(separator: "\n"))
        XCTAssertEqual(report.undefinedHere, 0)
        XCTAssertGreaterThan(report.textRate, 0.99, "printed text should match objdump almost everywhere")
    }

    func testHostLsLengthsMatchObjdump() throws {
        try requireFile("/bin/ls")
        let report = try ObjdumpOracle.compare(file: "/bin/ls")
        print("/bin/ls: \(report)")
        XCTAssertEqual(report.lengthMismatchCount, 0, report.lengthMismatches.prefix(20).joined(separator: "\n"))
        XCTAssertGreaterThan(report.textRate, 0.99)
    }

    func testHostLibcLengthsMatchObjdump() throws {
        let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6"
        try requireFile(libc)
        let report = try ObjdumpOracle.compare(file: libc)
        print("libc: \(report)")
        XCTAssertEqual(report.lengthMismatchCount, 0, report.lengthMismatches.prefix(20).joined(separator: "\n"))
        XCTAssertGreaterThan(report.textRate, 0.99)
    }
}
