#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import Machine

final class RTCTests: XCTestCase {
    /// Thursday 2024-02-29 13:45:56 UTC.
    private let moment = 1_709_214_356

    private func read(_ rtc: CMOSRTC, _ reg: Int) -> UInt8 {
        rtc.write(offset: 0, size: 1, value: UInt64(reg))
        return UInt8(rtc.read(offset: 1, size: 1))
    }
    private func write(_ rtc: CMOSRTC, _ reg: Int, _ v: UInt8) {
        rtc.write(offset: 0, size: 1, value: UInt64(reg))
        rtc.write(offset: 1, size: 1, value: UInt64(v))
    }

    func testBCDByDefault() {
        let rtc = CMOSRTC(hostTime: { self.moment })
        XCTAssertEqual(read(rtc, 0x0B), 0x02, "register B: 24-hour, BCD")
        XCTAssertEqual(read(rtc, 0x00), 0x56)
        XCTAssertEqual(read(rtc, 0x02), 0x45)
        XCTAssertEqual(read(rtc, 0x04), 0x13)
        XCTAssertEqual(read(rtc, 0x06), 0x05, "Thursday is day 5")
        XCTAssertEqual(read(rtc, 0x07), 0x29)
        XCTAssertEqual(read(rtc, 0x08), 0x02)
        XCTAssertEqual(read(rtc, 0x09), 0x24)
        XCTAssertEqual(read(rtc, 0x32), 0x20)
        XCTAssertEqual(read(rtc, 0x0A), 0x26)
        XCTAssertEqual(read(rtc, 0x0C), 0x00)
        XCTAssertEqual(read(rtc, 0x0D), 0x80)
    }

    func testBinaryAnd12HourModes() {
        let rtc = CMOSRTC(hostTime: { self.moment })
        write(rtc, 0x0B, 0x06)
        XCTAssertEqual(read(rtc, 0x00), 56)
        XCTAssertEqual(read(rtc, 0x04), 13)
        XCTAssertEqual(read(rtc, 0x09), 24)
        write(rtc, 0x0B, 0x00)
        XCTAssertEqual(read(rtc, 0x04), 0x81, "1 PM in 12-hour BCD")
        write(rtc, 0x0B, 0x04)
        XCTAssertEqual(read(rtc, 0x04), 0x81, "1 PM in 12-hour binary")
    }

    func testSettingTheClockAndCMOSRAM() {
        let rtc = CMOSRTC(hostTime: { self.moment })
        write(rtc, 0x02, 0x10)
        XCTAssertEqual(read(rtc, 0x02), 0x10)
        XCTAssertEqual(read(rtc, 0x04), 0x13, "other fields keep their values")
        write(rtc, 0x40, 0xA5)
        XCTAssertEqual(read(rtc, 0x40), 0xA5)
        XCTAssertEqual(read(rtc, 0x40 | 0x80), 0xA5, "bit 7 of the index is the NMI mask")
    }

    func testHostClockByDefault() {
        let rtc = CMOSRTC()
        write(rtc, 0x0B, 0x06)
        var t = time(nil)
        var fields = tm()
        gmtime_r(&t, &fields)
        XCTAssertEqual(Int(read(rtc, 0x09)), Int(fields.tm_year) % 100)
    }
}

final class PITTests: XCTestCase {
    private var now: UInt64 = 0
    private func pit() -> I8254PIT { I8254PIT(ticks: { self.now }) }
    private func w(_ p: I8254PIT, _ port: UInt64, _ v: UInt8) { p.write(offset: port, size: 1, value: UInt64(v)) }
    private func r(_ p: I8254PIT, _ port: UInt64) -> UInt8 { UInt8(p.read(offset: port, size: 1)) }

    func testRateGeneratorCountsDownAndReloads() {
        let p = pit()
        w(p, 3, 0x34)                     // counter 0, LSB then MSB, mode 2, binary
        w(p, 0, 0xE8); w(p, 0, 0x03)      // 1000
        now = 300
        w(p, 3, 0x00)                     // latch counter 0
        now = 350
        XCTAssertEqual(UInt16(r(p, 0)) | UInt16(r(p, 0)) << 8, 700, "the latched value, not the live one")
        now = 1250
        XCTAssertEqual(UInt16(r(p, 0)) | UInt16(r(p, 0)) << 8, 750, "live read after a reload")
    }

    func testOneShotWrapsAndRaisesOUT() {
        let p = pit()
        w(p, 3, 0x70)                     // counter 1, LSB/MSB, mode 0
        w(p, 1, 100); w(p, 1, 0)
        w(p, 3, 0xE4)                     // read-back: status and count of counter 1
        XCTAssertEqual(r(p, 1), 0x30, "status: OUT low, count loaded, access 3, mode 0")
        now = 150
        w(p, 3, 0xE4)
        XCTAssertEqual(r(p, 1), 0xB0, "status latched first: OUT is high after terminal count")
        XCTAssertEqual(UInt16(r(p, 1)) | UInt16(r(p, 1)) << 8, 65486, "wrapped through zero")
    }

    func testLSBOnlyAndBCD() {
        let p = pit()
        w(p, 3, 0x95)                     // counter 2, LSB only, mode 2, BCD
        w(p, 2, 0x50)                     // 50 decimal
        now = 8
        XCTAssertEqual(r(p, 2), 0x42, "42 in BCD")
        XCTAssertEqual(r(p, 3), 0xFF, "the control register is write-only")
    }
}

final class DebugExitAndResetTests: XCTestCase {
    func testDebugExitStatus() throws {
        let m = try Machine(memorySize: 4 << 20, serialOutput: CapturedOutput())
        m.ports.write(port: 0xF4, size: 1, value: 0)
        XCTAssertEqual(m.control.pendingExit, .debugExit(value: 0))
        XCTAssertEqual(m.control.pendingExit?.status, 1)
        m.ports.write(port: 0xF4, size: 4, value: 0x10)
        XCTAssertEqual(m.control.pendingExit?.status, 1, "the first verdict wins")
        m.control.clear()
        m.ports.write(port: 0xF4, size: 4, value: 0x10)
        XCTAssertEqual(m.control.pendingExit, .debugExit(value: 0x10), "a 32-bit write is one access")
        XCTAssertEqual(m.control.pendingExit?.status, 0x21)
    }

    func testI8042Reset() throws {
        let m = try Machine(memorySize: 4 << 20, serialOutput: CapturedOutput())
        XCTAssertEqual(m.ports.read(port: 0x64, size: 1) & 0x04, 0x04, "system flag")
        m.ports.write(port: 0x64, size: 1, value: 0xAA)
        XCTAssertEqual(m.ports.read(port: 0x64, size: 1) & 0x01, 0x01, "self-test result waiting")
        XCTAssertEqual(m.ports.read(port: 0x60, size: 1), 0x55)
        XCTAssertNil(m.control.pendingExit)
        m.ports.write(port: 0x64, size: 1, value: 0xFE)
        XCTAssertEqual(m.control.pendingExit, .reset)
        XCTAssertEqual(MachineExit.reset.status, 0)
    }

    func testUnclaimedPortsAndWideAccesses() throws {
        let out = CapturedOutput()
        let m = try Machine(memorySize: 4 << 20, serialOutput: out)
        XCTAssertEqual(m.ports.read(port: 0x80, size: 1), 0xFF)
        XCTAssertEqual(m.ports.read(port: 0x1234, size: 2), 0xFFFF)
        XCTAssertEqual(m.ports.read(port: 0xCF8, size: 4), 0xFFFF_FFFF)
        m.ports.write(port: 0x80, size: 1, value: 1)
        // A 16-bit read at 0x3FE covers MSR and SCR; at 0x3FF it runs into unclaimed 0x400.
        XCTAssertEqual(m.ports.read(port: 0x3FE, size: 2), 0x00B0)
        XCTAssertEqual(m.ports.read(port: 0x3FF, size: 2), 0xFF00)
        m.ports.write(port: 0x3F8, size: 2, value: 0x4142)
        XCTAssertEqual(out.text, "B", "the high byte went to IER, not THR")
        XCTAssertEqual(m.ports.read(port: 0x3F9, size: 1), 0x01)
    }

    func testMMIOBus() {
        final class Register: BusDevice {
            var value: UInt64 = 0x1122_3344
            func read(offset: UInt64, size: Int) -> UInt64 { value >> (8 * offset) }
            func write(offset: UInt64, size: Int, value: UInt64) { self.value = value }
        }
        let bus = MMIOBus()
        let dev = Register()
        bus.register(dev, base: 0xFED0_0000, size: 8)
        XCTAssertEqual(bus.read(address: 0xFED0_0000, size: 4), 0x1122_3344)
        XCTAssertEqual(bus.read(address: 0xFED0_0001, size: 1) & 0xFF, 0x33)
        bus.write(address: 0xFED0_0000, size: 8, value: 7)
        XCTAssertEqual(dev.value, 7)
        XCTAssertEqual(bus.read(address: 0xFEE0_0000, size: 4), 0xFFFF_FFFF)
        XCTAssertEqual(bus.read(address: 0xFED0_0006, size: 4), 0xFFFF_FFFF, "an access straddling the end is unclaimed")
        XCTAssertEqual(bus.read(address: 0, size: 8), UInt64.max)
    }
}
