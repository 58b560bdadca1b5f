import XCTest
import KVM
import Machine

/// The accelerator's exits, each driven by a few bytes of 32-bit code placed at 1M and started
/// in the PVH entry state.
final class KVMAcceleratorTests: XCTestCase {
    private let base: UInt64 = 0x100000

    private func run(_ code: [UInt8], data: [UInt8] = [], setup: (Machine) -> Void = { _ in }) throws -> (MachineExit, Machine, KVMAccelerator, CapturedOutput) {
        try GuestImages.requireKVM()
        let out = CapturedOutput()
        let m = try Machine(memorySize: 4 << 20, serialOutput: out)
        try m.ram.write(code, at: base)
        try m.ram.write(data, at: base + 0x100)
        m.bootState = SystemCPUState.pvhEntry(entry: UInt32(base), startInfo: 0x7000)
        setup(m)
        let kvm = try KVMAccelerator()
        return (try kvm.run(m), m, kvm, out)
    }

    private func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    func testHaltEndsTheRunAndStateComesBack() throws {
        let (exit, _, kvm, _) = try run([0xF4])                         // hlt
        XCTAssertEqual(exit, .halted)
        XCTAssertEqual(exit.status, 0)
        let s = try XCTUnwrap(kvm.finalState)
        XCTAssertEqual(s.rip, base + 1)
        XCTAssertEqual(s.gpr.rbx, 0x7000, "EBX = start info, as the boot state set it")
        XCTAssertEqual(s.cs.selector, 0x10)
        XCTAssertTrue(s.cs.defaultBig)
        XCTAssertEqual(s.cs.limit, 0xFFFF_FFFF)
        XCTAssertEqual(s.cr0 & 1, 1)
        XCTAssertEqual(s.tr.type, 0xB)
    }

    func testStringOutputWithRepeatCount() throws {
        let code: [UInt8] = [0xBE] + le32(UInt32(base + 0x100))          // mov esi, msg
            + [0xB9] + le32(5)                                           // mov ecx, 5
            + [0x66, 0xBA, 0xF8, 0x03]                                   // mov dx, 0x3f8
            + [0xF3, 0x6E, 0xF4]                                         // rep outsb; hlt
        let (exit, _, _, out) = try run(code, data: Array("hello".utf8))
        XCTAssertEqual(exit, .halted)
        XCTAssertEqual(out.text, "hello")
    }

    func testPortInputAndDebugExitWidth() throws {
        // in al, 0x71 after selecting RTC register D (reads 0x80); out 0xf4, eax.
        let code: [UInt8] = [0xB0, 0x0D, 0xE6, 0x70, 0x31, 0xC0, 0xE4, 0x71, 0xE7, 0xF4, 0xF4]
        let (exit, _, _, _) = try run(code)
        XCTAssertEqual(exit, .debugExit(value: 0x80))
        XCTAssertEqual(exit.status, 0x101)
    }

    func testMMIOReachesDevicesAndUnclaimedReadsAllOnes() throws {
        final class Register: BusDevice {
            var writes: [(UInt64, Int, UInt64)] = []
            func read(offset: UInt64, size: Int) -> UInt64 { offset == 4 ? 0x2A : 0 }
            func write(offset: UInt64, size: Int, value: UInt64) { writes.append((offset, size, value)) }
        }
        let device = Register()
        let code: [UInt8] = [0xC7, 0x05] + le32(0xFED0_0000) + le32(0x1234_5678)   // mov dword [dev], imm
            + [0xA1] + le32(0xFED0_0004)                                            // mov eax, [dev+4]
            + [0x8B, 0x1D] + le32(0xE000_0000)                                      // mov ebx, [unclaimed]
            + [0x01, 0xD8]                                                          // add eax, ebx
            + [0xE7, 0xF4]                                                          // out 0xf4, eax
        let (exit, _, _, _) = try run(code) { $0.mmio.register(device, base: 0xFED0_0000, size: 0x1000) }
        XCTAssertEqual(exit, .debugExit(value: 0x29), "0x2A + 0xFFFFFFFF")
        XCTAssertEqual(device.writes.count, 1)
        XCTAssertEqual(device.writes.first?.0, 0)
        XCTAssertEqual(device.writes.first?.1, 4)
        XCTAssertEqual(device.writes.first?.2, 0x1234_5678)
    }

    func testTripleFaultIsReportedWithState() throws {
        // ud2 with an empty IDT: #UD cannot be delivered, nor the #GP and #DF that follow.
        let (exit, _, _, _) = try run([0x0F, 0x0B]) { $0.bootState.idtr = DescriptorTableRegister(base: 0, limit: 0) }
        guard case .shutdown(let state) = exit else { return XCTFail("expected a shutdown, got \(exit)") }
        XCTAssertEqual(exit.status, MachineExit.crashStatus)
        XCTAssertTrue(state.dump.contains("RIP="), state.dump)
    }

    func testResetThroughTheKeyboardController() throws {
        let (exit, _, _, _) = try run([0xB0, 0xFE, 0xE6, 0x64, 0xF4])  // mov al, 0xfe; out 0x64, al; hlt
        XCTAssertEqual(exit, .reset)
    }
}
