import Foundation
@testable import GDBStub
import XCTest

/// `-g` without and with `-S`: when the guest starts, and what a detach leaves.
final class DebuggedRunTests: XCTestCase {
    /// Runs `target` under a new server on a background thread.
    func start(_ target: FakeTarget, stopAtStart: Bool) throws -> (port: UInt16, end: () -> DebuggedRun.End?) {
        let server = try GDBServer(port: 0)
        let ended = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var end: DebuggedRun.End?
        Thread.detachNewThread {
            end = try? DebuggedRun.run(target, server: server, stopAtStart: stopAtStart)
            ended.signal()
        }
        return (server.port, { ended.wait(timeout: .now() + 10) == .success ? end : nil })
    }

    func testWithoutStopAtStartTheGuestRunsUntilGDBConnects() throws {
        let target = FakeTarget()
        target.exitAt = .max
        let (port, end) = try start(target, stopAtStart: false)
        Thread.sleep(forTimeInterval: 0.05)
        let client = try Client(port: port)
        XCTAssertEqual(client.ask("?"), "T05thread:1;")
        let rip = target.registers.rip
        XCTAssertGreaterThan(rip, 1000, "the guest ran before gdb came")
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(target.registers.rip, rip, "and it is stopped while gdb looks at it")
        client.sendPacket("k")
        XCTAssertEqual(end(), .killed)
    }

    func testWithStopAtStartTheGuestWaitsAndADetachLetsItFinish() throws {
        let target = FakeTarget()
        target.exitAt = 0x1000
        let (port, end) = try start(target, stopAtStart: true)
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(target.registers.rip, 0, "nothing ran before gdb")
        let client = try Client(port: port)
        XCTAssertEqual(client.ask("Z0,20,1"), "OK")
        XCTAssertEqual(client.ask("c"), "T05thread:1;")
        XCTAssertEqual(target.registers.rip, 0x20)
        // gdb leaves with its breakpoint still set (as when it is killed): the guest must not stop there again.
        target.registers.rip = 0x10
        XCTAssertEqual(client.ask("D"), "OK")
        XCTAssertEqual(end(), .exited(3))
        XCTAssertEqual(target.registers.rip, 0x1000)
    }

    func testAnotherGDBCanConnectAfterTheFirstLeft() throws {
        let target = FakeTarget()
        target.exitAt = .max
        let (port, end) = try start(target, stopAtStart: true)
        var first: Client? = try Client(port: port)
        XCTAssertEqual(first?.ask("?"), "T05thread:1;")
        first = nil
        Thread.sleep(forTimeInterval: 0.05)
        let second = try Client(port: port)
        XCTAssertEqual(second.ask("?"), "T05thread:1;")
        second.sendPacket("k")
        XCTAssertEqual(end(), .killed)
    }
}

/// The debugger's page walk against tables built here.
final class PagedMemoryTests: XCTestCase {
    func testFourLevelPagingWithLargeAndSmallPages() {
        let size = 0x80_0000
        let ram = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { ram.deallocate() }
        ram.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        func entry(_ at: Int, _ value: UInt64) { ram.storeBytes(of: value, toByteOffset: at, as: UInt64.self) }
        // PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000 (P=1, R/W=2, U/S=4, PS=0x80).
        entry(0x1000, 0x2000 | 7)
        entry(0x2000, 0x3000 | 7)
        entry(0x3000, 0x4000 | 3)                 // 0-2M: 4K pages, supervisor only
        entry(0x3000 + 8, 0x60_0000 | 0x87)       // 2M-4M: one 2M user page at 6M
        entry(0x4000 + 8 * 5, 0x7000 | 3)         // 0x5000 → 0x7000
        let memory = PagedMemory(cr0: 1 << 31 | 1, cr3: 0x1000, cr4: 1 << 5, efer: 1 << 10 | 1 << 8, ram: ram, ramSize: UInt64(size))
        XCTAssertEqual(memory.physical(0x5123), 0x7123)
        XCTAssertEqual(memory.physical(0x20_0042), 0x60_0042)
        XCTAssertNil(memory.physical(0x6000), "not present")
        XCTAssertNil(memory.physical(0x40_0000), "no PD entry")
        XCTAssertEqual(memory.isUserPage(0x5000), false)
        XCTAssertEqual(memory.isUserPage(0x20_0000), true)
        // A read across the page boundary at 0x5FFF-0x6000 fails as a whole; one inside works.
        ram.storeBytes(of: 0xAB, toByteOffset: 0x7FFF, as: UInt8.self)
        XCTAssertEqual(memory.read(at: 0x5FFF, count: 1), [0xAB])
        XCTAssertNil(memory.read(at: 0x5FFF, count: 2))
        XCTAssertTrue(memory.write(at: 0x20_0000, [1, 2]))
        XCTAssertEqual(ram.load(fromByteOffset: 0x60_0000, as: UInt16.self), 0x0201)
        // Looking never sets accessed or dirty bits.
        XCTAssertEqual(ram.load(fromByteOffset: 0x4000 + 8 * 5, as: UInt64.self), 0x7000 | 3)
    }

    func testPagingOffAndThirtyTwoBitPaging() {
        let size = 0x80_0000
        let ram = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { ram.deallocate() }
        ram.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        var memory = PagedMemory(cr0: 1, cr3: 0, cr4: 0, efer: 0, ram: ram, ramSize: UInt64(size))
        XCTAssertEqual(memory.physical(0x1234), 0x1234)
        XCTAssertNil(memory.isUserPage(0x1234), "no pages without paging")
        // 32-bit paging: directory at 0x1000; a 4M page (PSE) for 4M-8M at 4M, a table for 0-4M.
        ram.storeBytes(of: UInt32(0x40_0000 | 0x87), toByteOffset: 0x1000 + 4, as: UInt32.self)
        ram.storeBytes(of: UInt32(0x2000 | 7), toByteOffset: 0x1000, as: UInt32.self)
        ram.storeBytes(of: UInt32(0x9000 | 3), toByteOffset: 0x2000 + 4 * 3, as: UInt32.self)
        memory.cr0 = 1 << 31 | 1
        memory.cr3 = 0x1000
        memory.cr4 = 1 << 4
        XCTAssertEqual(memory.physical(0x40_1234), 0x40_1234)
        XCTAssertEqual(memory.physical(0x3456), 0x9456)
        XCTAssertEqual(memory.isUserPage(0x3456), false)
    }
}
