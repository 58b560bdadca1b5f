import Foundation
@testable import GDBStub
import XCTest

/// A guest of 64 bytes of memory that counts RIP up by one per step and stops at breakpoints.
final class FakeTarget: DebugTarget {
    var registers = DebugRegisters()
    var memory = [UInt8](0..<64)
    var breakpoints: Set<UInt64> = []
    /// rip at which the guest exits.
    var exitAt: UInt64 = 1000

    func readRegisters() -> DebugRegisters { registers }
    func writeRegisters(_ r: DebugRegisters) { registers = r }
    func readMemory(at address: UInt64, count: Int) -> [UInt8]? {
        address + UInt64(count) <= 64 ? Array(memory[Int(address)..<Int(address) + count]) : nil
    }
    func writeMemory(at address: UInt64, _ bytes: [UInt8]) -> Bool {
        guard address + UInt64(bytes.count) <= 64 else { return false }
        memory.replaceSubrange(Int(address)..<Int(address) + bytes.count, with: bytes)
        return true
    }
    func insertBreakpoint(at address: UInt64, hardware: Bool) -> Bool { breakpoints.insert(address); return true }
    func removeBreakpoint(at address: UInt64, hardware: Bool) -> Bool { breakpoints.remove(address); return true }
    func step() -> DebugStop {
        registers.rip += 1
        return registers.rip == exitAt ? .exited(3) : .stepped
    }
    func detach() { breakpoints = [] }
    func resume(interrupted: () -> Bool) -> DebugStop {
        while true {
            registers.rip += 1
            if registers.rip == exitAt { return .exited(3) }
            if breakpoints.contains(registers.rip) { return .breakpoint }
            if interrupted() { return .interrupted }
        }
    }
}

/// A raw protocol client: sends packets, reads replies, checks checksums.
final class Client {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { throw GDBError(description: "connect failed") }
    }

    deinit { close(fd) }

    func sendRaw(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } }

    func sendPacket(_ packet: String) {
        let sum = packet.utf8.reduce(UInt8(0), &+)
        sendRaw(Array("$\(packet)#".utf8) + Hex.byte(sum))
    }

    func readByte() -> UInt8? {
        var b: UInt8 = 0
        return recv(fd, &b, 1, 0) == 1 ? b : nil
    }

    /// The next reply packet's data (acks skipped), acknowledging it.
    func reply() -> String? {
        while let b = readByte() {
            guard b == UInt8(ascii: "$") else { continue }
            var data: [UInt8] = []
            while let c = readByte(), c != UInt8(ascii: "#") { data.append(c) }
            guard let h = readByte(), let l = readByte() else { return nil }
            XCTAssertEqual(Hex.number([h, l]), UInt64(data.reduce(UInt8(0), &+)), "checksum")
            sendRaw([UInt8(ascii: "+")])
            return String(decoding: GDBServer.unescape(data), as: UTF8.self)
        }
        return nil
    }

    func ask(_ packet: String) -> String? {
        sendPacket(packet)
        return reply()
    }
}

extension XCTestCase {
    /// Serves `target` on a background thread; returns a connected client and a way to wait
    /// for the session's end (nil after 10 seconds).
    func serve(_ target: DebugTarget) throws -> (Client, () -> GDBServer.Ending?) {
        let server = try GDBServer(port: 0)
        let ended = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var ending: GDBServer.Ending?
        Thread.detachNewThread {
            try? server.waitForDebugger()
            ending = server.serve(target)
            ended.signal()
        }
        let client = try Client(port: server.port)
        return (client, { ended.wait(timeout: .now() + 10) == .success ? ending : nil })
    }
}

final class GDBServerTests: XCTestCase {
    func testQueriesRegistersAndMemory() throws {
        let target = FakeTarget()
        target.registers.gpr[0] = 0x1122_3344_5566_7788  // rax
        target.registers.gpr[3] = 0xAB                   // rbx
        target.registers.rip = 0x10
        let (client, end) = try serve(target)
        XCTAssertEqual(client.ask("qSupported:multiprocess+;swbreak+;hwbreak+")?.contains("qXfer:features:read+"), true)
        XCTAssertEqual(client.ask("?"), "T05thread:1;")
        // The target description, read in pieces as gdb does.
        var xml = ""
        while true {
            guard let part = client.ask("qXfer:features:read:target.xml:\(String(xml.utf8.count, radix: 16)),200") else { return XCTFail() }
            xml += part.dropFirst()
            if part.hasPrefix("l") { break }
        }
        XCTAssertEqual(xml, X86RegisterSet.xml)
        for feature in ["org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse", "org.gnu.gdb.i386.segments"] { XCTAssertTrue(xml.contains(feature)) }
        XCTAssertTrue(xml.contains("<reg name=\"fs_base\" bitsize=\"64\" type=\"int\" regnum=\"57\"/>"))
        XCTAssertTrue(xml.contains("<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\" regnum=\"17\"/>"))
        let g = try XCTUnwrap(client.ask("g"))
        XCTAssertTrue(g.hasPrefix("8877665544332211" + "ab00000000000000"), g)  // rax, rbx (gdb order)
        XCTAssertEqual(g.count, 2 * (16 * 8 + 8 + 4 * 7 + 8 * 10 + 8 * 4 + 16 * 16 + 4 + 2 * 8))
        XCTAssertEqual(client.ask("p10"), "1000000000000000")  // rip is register 16
        XCTAssertEqual(client.ask("P1=0500000000000000"), "OK")  // rbx
        XCTAssertEqual(target.registers.gpr[3], 5)
        XCTAssertEqual(client.ask("m4,4"), "04050607")
        XCTAssertEqual(client.ask("M8,2:aabb"), "OK")
        XCTAssertEqual(Array(target.memory[8...9]), [0xAA, 0xBB])
        XCTAssertEqual(client.ask("m3f,2"), "E14")
        XCTAssertEqual(client.ask("qNonsense"), "")
        XCTAssertEqual(client.ask("D"), "OK")
        XCTAssertEqual(end(), .detached)
    }

    func testBreakpointStepContinueAndExit() throws {
        let target = FakeTarget()
        target.exitAt = 0x40
        let (client, end) = try serve(target)
        XCTAssertEqual(client.ask("QStartNoAckMode"), "OK")
        XCTAssertEqual(client.ask("Z0,20,1"), "OK")
        XCTAssertEqual(client.ask("Z1,30,1"), "OK")
        XCTAssertEqual(client.ask("Z2,30,1"), "", "watchpoints are not supported")
        XCTAssertEqual(client.ask("c"), "T05thread:1;")
        XCTAssertEqual(target.registers.rip, 0x20)
        XCTAssertEqual(client.ask("vCont;s:1"), "T05thread:1;")
        XCTAssertEqual(target.registers.rip, 0x21)
        XCTAssertEqual(client.ask("vCont;c"), "T05thread:1;")
        XCTAssertEqual(target.registers.rip, 0x30)
        XCTAssertEqual(client.ask("z1,30,1"), "OK")
        XCTAssertEqual(client.ask("c"), "W03")
        XCTAssertEqual(end(), .exited(3))
    }

    func testCtrlCInterruptsARunningGuest() throws {
        let target = FakeTarget()
        target.exitAt = .max
        let (client, end) = try serve(target)
        client.sendPacket("c")
        Thread.sleep(forTimeInterval: 0.05)
        client.sendRaw([0x03])
        XCTAssertEqual(client.reply(), "T02thread:1;")
        client.sendPacket("k")
        XCTAssertEqual(end(), .killed)
    }

    func testADisconnectedDebuggerEndsTheSession() throws {
        let target = FakeTarget()
        var (client, end): (Client?, () -> GDBServer.Ending?) = try serve(target)
        XCTAssertEqual(client?.ask("?"), "T05thread:1;")
        client = nil  // closes the connection
        XCTAssertEqual(end(), .disconnected)
    }

    func testAPortInUseIsAOneLineError() throws {
        let first = try GDBServer(port: 0)
        XCTAssertThrowsError(try GDBServer(port: first.port)) { error in
            XCTAssertTrue("\(error)".contains("cannot listen on port \(first.port)"), "\(error)")
        }
    }
}
