import Foundation
@testable import GDBStub
import XCTest

/// Two threads, 0x100 and 0x2a, each with its registers; a resume records what gdb asked and
/// stops where the test says.
final class FakeThreadedTarget: DebugTarget {
    var registers: [Int: DebugRegisters] = [0x100: DebugRegisters(), 0x2a: DebugRegisters()]
    var resumes: [ResumeActions] = []
    var nextStop: (stop: DebugStop, thread: Int) = (.breakpoint, 0x2a)
    var auxiliaryVector: [UInt8]? = Array("AUXVBYTES!".utf8)
    var loadOffset: UInt64? = 0x55_5555_4000

    var threadIDs: [Int] { registers.keys.sorted(by: >) }
    func readRegisters(thread: Int) -> DebugRegisters? { registers[thread] }
    func writeRegisters(_ r: DebugRegisters, thread: Int) -> Bool {
        guard registers[thread] != nil else { return false }
        registers[thread] = r
        return true
    }
    func run(_ actions: ResumeActions, interrupted: () -> Bool) -> (stop: DebugStop, thread: Int) {
        resumes.append(actions)
        return nextStop
    }

    func readRegisters() -> DebugRegisters { registers[0x100]! }
    func writeRegisters(_ r: DebugRegisters) { registers[0x100] = r }
    func readMemory(at address: UInt64, count: Int) -> [UInt8]? { nil }
    func writeMemory(at address: UInt64, _ bytes: [UInt8]) -> Bool { false }
    func insertBreakpoint(at address: UInt64, hardware: Bool) -> Bool { true }
    func removeBreakpoint(at address: UInt64, hardware: Bool) -> Bool { true }
    func step() -> DebugStop { .stepped }
    func resume(interrupted: () -> Bool) -> DebugStop { .breakpoint }
    func detach() {}
}

/// The thread packets as gdb uses them with a Linux gdbserver (all-stop).
final class GDBThreadTests: XCTestCase {
    func testThreadListSelectionAndPerThreadRegisters() throws {
        let target = FakeThreadedTarget()
        target.registers[0x100]!.rip = 0x1000
        target.registers[0x2a]!.rip = 0x2000
        target.registers[0x2a]!.gpr[0] = 7
        let (client, end) = try serve(target)
        XCTAssertEqual(client.ask("qSupported")?.contains(";qXfer:auxv:read+"), true)
        XCTAssertEqual(client.ask("qXfer:auxv:read::0,4"), "mAUXV")
        XCTAssertEqual(client.ask("qXfer:auxv:read::4,100"), "lBYTES!")
        XCTAssertEqual(client.ask("qOffsets"), "Text=5555554000;Data=5555554000;Bss=5555554000", "a PIE program's load bias")
        XCTAssertEqual(client.ask("?"), "T05thread:100;", "the first thread (the main one) at first")
        XCTAssertEqual(client.ask("qfThreadInfo"), "m100,2a")
        XCTAssertEqual(client.ask("qsThreadInfo"), "l")
        XCTAssertEqual(client.ask("qC"), "QC100")
        XCTAssertEqual(client.ask("T2a"), "OK")
        XCTAssertEqual(client.ask("T5"), "E01", "no such thread")
        XCTAssertEqual(client.ask("p10"), "0010000000000000")
        XCTAssertEqual(client.ask("Hg2a"), "OK")
        XCTAssertEqual(client.ask("p10"), "0020000000000000")
        XCTAssertEqual(client.ask("g")?.prefix(16), "0700000000000000")
        XCTAssertEqual(client.ask("P0=0900000000000000"), "OK")
        XCTAssertEqual(target.registers[0x2a]!.gpr[0], 9)
        XCTAssertEqual(target.registers[0x100]!.gpr[0], 0, "the other thread's registers stay")
        XCTAssertEqual(client.ask("Hg5"), "E01")
        XCTAssertEqual(client.ask("Hg0"), "OK")
        XCTAssertEqual(client.ask("p10"), "0010000000000000", "Hg0: the thread of the last stop")

        // gdb's stepi with the other threads running; the stop's thread becomes the selected one.
        target.nextStop = (.stepped, 0x2a)
        XCTAssertEqual(client.ask("vCont;s:2a;c"), "T05thread:2a;")
        XCTAssertEqual(target.resumes.last, ResumeActions(step: 0x2a, othersContinue: true))
        XCTAssertEqual(client.ask("p10"), "0020000000000000")
        XCTAssertEqual(client.ask("qC"), "QC2a")
        // Scheduler locking: only the thread named runs.
        target.nextStop = (.breakpoint, 0x100)
        XCTAssertEqual(client.ask("vCont;c:100"), "T05thread:100;")
        XCTAssertEqual(target.resumes.last, ResumeActions(continuing: [0x100]))
        target.nextStop = (.interrupted, 0x100)
        XCTAssertEqual(client.ask("vCont;c"), "T02thread:100;")
        XCTAssertEqual(target.resumes.last, ResumeActions(othersContinue: true))
        // The old packets run the Hc thread.
        XCTAssertEqual(client.ask("Hc2a"), "OK")
        target.nextStop = (.stepped, 0x2a)
        XCTAssertEqual(client.ask("s"), "T05thread:2a;")
        XCTAssertEqual(target.resumes.last, ResumeActions(step: 0x2a))
        XCTAssertEqual(client.ask("vCont;s:2a;s:100"), "E45", "one thread steps at a time")
        XCTAssertEqual(client.ask("D"), "OK")
        XCTAssertEqual(end(), .detached)
    }

    func testResumeActionsTakeTheLeftmostActionForAThread() {
        XCTAssertEqual(Session.resumeActions("s:2a;c:2a;c"), ResumeActions(step: 0x2a, othersContinue: true))
        XCTAssertEqual(Session.resumeActions("C0b:10;c:11"), ResumeActions(continuing: [0x10, 0x11], signals: [0x10: 11]))
        XCTAssertEqual(Session.resumeActions("S05:7"), ResumeActions(step: 7, signals: [7: 5]))
        XCTAssertEqual(Session.resumeActions("C0b;c:11"), ResumeActions(continuing: [0x11], othersContinue: true), "no thread, no signal")
        XCTAssertNil(Session.resumeActions("Czz:1"))
        XCTAssertNil(Session.resumeActions("s"), "a step for every thread")
        XCTAssertNil(Session.resumeActions("x:1"))
        XCTAssertNil(Session.resumeActions("c:zz"))
    }

    /// A target with one thread keeps thread 1.
    func testASingleThreadTargetIsThreadOne() throws {
        let target = FakeTarget()
        let (client, end) = try serve(target)
        XCTAssertEqual(client.ask("qSupported")?.contains("auxv"), false)
        XCTAssertEqual(client.ask("qXfer:auxv:read::0,4"), "")
        XCTAssertEqual(client.ask("qOffsets"), "", "loaded where linked")
        XCTAssertEqual(client.ask("qfThreadInfo"), "m1")
        XCTAssertEqual(client.ask("qC"), "QC1")
        XCTAssertEqual(client.ask("Hg2"), "E01")
        XCTAssertEqual(client.ask("vCont;s:1"), "T05thread:1;")
        XCTAssertEqual(target.registers.rip, 1)
        XCTAssertEqual(client.ask("k"), nil)
        XCTAssertEqual(end(), .killed)
    }
}
