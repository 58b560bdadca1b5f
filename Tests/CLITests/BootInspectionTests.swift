import ArgumentParser
import Foundation
import MimicCLI
import TestSupport
import XCTest

/// `mimic boot` with the inspection options: the real gdb on a guest image under kvm and tcg,
/// and `--stats=json` under tcg and interp.
final class BootInspectionTests: XCTestCase {
    override func setUpWithError() throws {
        if let reason = GuestImageBuild.unavailableReason { throw XCTSkip(reason) }
    }

    /// Runs `mimic ARGUMENTS` in-process on a thread; returns a wait for its exit status.
    func startMimic(_ arguments: [String]) -> () -> Int32? {
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var status: Int32 = 0
        Thread.detachNewThread {
            status = MimicInProcess.exitStatus(arguments)
            finished.signal()
        }
        return { finished.wait(timeout: .now() + 120) == .success ? status : nil }
    }

    func requireGDB() throws {
        if let reason = GDBBatch.unavailableReason { throw XCTSkip(reason) }
    }

    /// Under kvm: a breakpoint in ring-0 code (syscall_dispatch, where the runtime serves the
    /// ring-3 workload's system calls; on PVM ring-3 code has no debug exits), a register, a
    /// single step, continue, then run to the guest's exit.
    func testRealGDBUnderKVM() throws {
        try requireGDB()
        guard access("/dev/kvm", R_OK | W_OK) == 0 else { throw XCTSkip("/dev/kvm is not usable here") }
        let image = GuestImageBuild.path("fib")
        let port = InspectionCommandTests.freePort()
        let status = startMimic(["boot", "--accel", "kvm", "-g", String(port), "-S", image])
        Thread.sleep(forTimeInterval: 0.5)
        let text = try GDBBatch.run(port: port, symbols: image, [
            "print/x $pc",
            "break syscall_dispatch", "continue",
            "print/x $pc", "print $rdi", "print $cs",
            "stepi", "print/x $pc",
            "continue", "print $rdi",
            "delete", "continue",
        ])
        XCTAssertEqual(status(), 1, "the guest passes (debug-exit 0) after gdb: \(text)")
        XCTAssertTrue(text.contains("$1 = 0x100020"), "stopped at the PVH entry: \(text)")
        XCTAssertTrue(text.contains("Breakpoint 1, 0x0000000000100280 in syscall_dispatch ()"), text)
        XCTAssertTrue(text.contains("$3 = 1"), "the first system call is write (1): \(text)")
        XCTAssertTrue(text.contains("$4 = 8"), "ring-0 code segment: \(text)")
        XCTAssertTrue(text.contains("$5 = 0x100282"), "one instruction (push r15 is 2 bytes): \(text)")
        XCTAssertTrue(text.contains("$6 = "), text)
        XCTAssertTrue(text.contains("exited with code 01"), text)
    }

    /// Under tcg the ring-3 workload itself can be debugged: break at workload_run, read its
    /// argument, step into it, and run to the end.
    func testRealGDBUnderTCG() throws {
        try requireGDB()
        let image = GuestImageBuild.path("fib")
        let port = InspectionCommandTests.freePort()
        let status = startMimic(["boot", "--accel", "tcg", "-g", String(port), "-S", "--append", "n=10", image])
        Thread.sleep(forTimeInterval: 0.5)
        let text = try GDBBatch.run(port: port, symbols: image, [
            "break workload_run", "continue",
            "print $rdi", "print $cs",
            "stepi", "print/x $pc",
            "x/4xb 0x2009d0",
            "delete", "continue",
        ])
        XCTAssertEqual(status(), 1, text)
        XCTAssertTrue(text.contains("Breakpoint 1, 0x00000000002009d0 in workload_run ()"), text)
        XCTAssertTrue(text.contains("$1 = 10"), "n=10 from the command line: \(text)")
        XCTAssertTrue(text.contains("$2 = 43"), "ring-3 code segment 0x2b: \(text)")
        XCTAssertTrue(text.contains("$3 = 0x2009d"), text)
        XCTAssertTrue(text.contains("exited with code 01"), text)
    }

    /// Without -S the guest does not wait: it runs to its end with nobody attached.
    func testWithoutStopAtStartTheGuestRunsAtOnce() throws {
        let port = InspectionCommandTests.freePort()
        let status = startMimic(["boot", "--accel", "tcg", "-g", String(port), GuestImageBuild.path("hello")])
        XCTAssertEqual(status(), 1)
    }

    func testStatsJSONCountsGuestInstructionsUnderTCGAndInterp() throws {
        var counts: [Int] = []
        for accel in ["tcg", "interp"] {
            let (text, status) = try MimicInProcess.capturing(2, 
                ["boot", "--accel", accel, "--stats=json", "--append", "n=20", GuestImageBuild.path("fib")])
            XCTAssertEqual(status, 1, text)
            let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("{") }, text)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["title"] as? String, accel == "tcg" ? "tcg" : "interp")
            // fib(20) makes 21,891 calls of about eight instructions each.
            XCTAssertGreaterThan(object["guest_instructions_executed"] as? Int ?? 0, 150_000, text)
            XCTAssertGreaterThan(object["blocks_translated"] as? Int ?? 0, 10, text)
            counts.append(object["guest_instructions_executed"] as? Int ?? 0)
        }
        XCTAssertEqual(counts[0], counts[1], "the same guest runs the same instructions under both")
    }

    func testStatsRewritingLeavesTheProgramsArgumentsAlone() {
        XCTAssertEqual(InspectionOptions.expandingStatsFormat(["run", "-L", "/sysroot", "--stats=json", "prog", "--stats=json"]),
                       ["run", "-L", "/sysroot", "--stats-format", "json", "prog", "--stats=json"])
        XCTAssertEqual(InspectionOptions.expandingStatsFormat(["explain", "--html", "run", "run", "--stats=text", "prog", "--stats=json"]),
                       ["explain", "--html", "run", "run", "--stats-format", "text", "prog", "--stats=json"])
        XCTAssertEqual(InspectionOptions.expandingStatsFormat(["boot", "--stats=json", "image.elf"]),
                       ["boot", "--stats-format", "json", "image.elf"])
    }
}
