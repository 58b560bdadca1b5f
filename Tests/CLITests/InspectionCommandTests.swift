import ArgumentParser
import Foundation
import MimicCLI
import TestSupport
import XCTest

/// The inspection options as a user gives them: `-d`, `-dfilter`, `--stats[=json]`, `-g` with
/// the real gdb, and `mimic explain`.
final class InspectionCommandTests: XCTestCase {
    func testStatsJSONHasPlausibleCounts() throws {
        let (text, status) = try MimicInProcess.capturing(2, ["demo", "--accel", "tcg", "--stats=json"])
        XCTAssertEqual(status, 0, text)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("{") }, text)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["title"] as? String, "tcg")
        // Eight blocks, and the hot ones (the sieve's loops) once more, optimized.
        let hot = try XCTUnwrap(object["blocks_optimized_when_hot"] as? Int, text)
        XCTAssertGreaterThan(hot, 0)
        XCTAssertEqual(object["blocks_translated"] as? Int, 8 + hot)
        // The sieve's inner loop alone runs millions of times; REP STOSB is one instruction here.
        XCTAssertGreaterThan(object["guest_instructions_executed"] as? Int ?? 0, 30_000_000)
        XCTAssertGreaterThan(object["blocks_executed"] as? Int ?? 0, 10_000_000)
        XCTAssertGreaterThan(object["chained_jumps"] as? Int ?? 0, 10_000_000)
        XCTAssertGreaterThan(object["host_bytes_per_guest_instruction"] as? Double ?? 0, 5)
        for key in ["translation_ms", "jump_cache_hits", "jump_cache_misses", "helper_calls", "flushes", "smc_invalidations"] {
            XCTAssertNotNil(object[key], key)
        }
    }

    func testStatsTextIsForPeople() throws {
        let (text, status) = try MimicInProcess.capturing(2, ["demo", "--accel", "interp", "--stats"])
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.contains("Statistics: interp"), text)
        XCTAssertTrue(text.contains("blocks translated"), text)
    }

    func testBadLogItemsAndFiltersExitWithStatus2() throws {
        let (item, itemStatus) = try MimicInProcess.capturing(2, ["demo", "--accel", "tcg", "-d", "in_asm,nonsense"])
        XCTAssertEqual(itemStatus, 2)
        XCTAssertTrue(item.contains("unknown log item 'nonsense'") && item.contains("out_asm"), item)
        let (filter, filterStatus) = try MimicInProcess.capturing(2, ["demo", "--accel", "tcg", "-d", "in_asm", "-dfilter", "0x10000+zz"])
        XCTAssertEqual(filterStatus, 2)
        XCTAssertTrue(filter.contains("bad -dfilter range '0x10000+zz'"), filter)
    }

    func testStatsFormatIsRewrittenOnlyBeforeTheGuestsArguments() {
        XCTAssertEqual(InspectionOptions.expandingStatsFormat(["run", "--stats=json", "--", "prog", "--stats=json"]),
                       ["run", "--stats-format", "json", "--", "prog", "--stats=json"])
    }

    // MARK: The explain page

    func testExplainWritesASelfContainedPage() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("explain-\(getpid()).html").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (text, status) = try MimicInProcess.capturing(2, ["explain", "--html", path, "demo"])
        XCTAssertEqual(status, 0, text)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<svg"), "the block graph")
        for column in ["Guest code", "IR before optimization", "IR after optimization", "Host code"] {
            XCTAssertTrue(html.contains(column), column)
        }
        // The sieve's inner loop (0x1002f: cmp rcx, rsi) is the hottest block.
        XCTAssertTrue(html.contains("<h2 id=\"block-1002f\">#1: the block at 0x1002f</h2>"), html)
        XCTAssertTrue(html.contains("0x1002f</span> cmp    rcx,rsi"), html)
        XCTAssertFalse(html.contains("http://") && !html.contains("http://www.w3.org/2000/svg"), "no external assets")
        XCTAssertFalse(html.contains("<script src") || html.contains("<link "), "no external assets")
    }

    // MARK: gdb

    /// A TCP port nobody listens on now.
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }

    func testRealGDBBreaksStepsAndContinuesTheDemo() throws {
        if let reason = GDBBatch.unavailableReason { throw XCTSkip(reason) }
        let port = Self.freePort()
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var demoError: Error?
        Thread.detachNewThread {
            do {
                var command = try MimicCommand.parseAsRoot(["demo", "--accel", "tcg", "-g", String(port), "-S"])
                try command.run()
            } catch {
                demoError = error
            }
            finished.signal()
        }
        Thread.sleep(forTimeInterval: 0.3)
        // The sieve: 0x10013 xor eax,eax; 0x10015 mov ebx,2; 0x1001a cmp rbx,rsi (outer loop);
        // 0x10025 inc rax (a prime was found).
        let text = try GDBBatch.run(port: port, [
            "print/x $pc",
            "break *0x10015",
            "continue",
            "print/x $rsi",
            "print/x $rax",
            "stepi",
            "print/x $pc",
            "print $rbx",
            "delete",
            "hbreak *0x10025",
            "continue",
            "print $rbx",
            "set var $rbx = 2",
            "print $eflags",
            "delete",
            "continue",
        ])
        XCTAssertEqual(finished.wait(timeout: .now() + 60), .success, text)
        XCTAssertNil(demoError, "the demo must still compute the right count: \(String(describing: demoError))\n\(text)")
        XCTAssertTrue(text.contains("$1 = 0x10000"), text)
        XCTAssertTrue(text.contains("$2 = 0x1e8480"), text)
        XCTAssertTrue(text.contains("$3 = 0x0"), text)
        XCTAssertTrue(text.contains("$4 = 0x1001a"), text)
        XCTAssertTrue(text.contains("$5 = 2"), text)
        XCTAssertTrue(text.contains("$6 = 2"), text)
        XCTAssertTrue(text.contains("$7 = [ "), text)
        XCTAssertTrue(text.contains("exited normally"), text)
    }
}
