#if canImport(Glibc)
import Glibc
#endif

/// The MC146818 real-time clock and CMOS RAM behind ports 0x70 (index; bit 7 masks NMI) and
/// 0x71 (data). Time registers follow the host's UTC clock, plus whatever offset the guest
/// sets by writing them; register B selects BCD or binary (DM, bit 2) and 12/24-hour (bit 1).
public final class CMOSRTC: BusDevice {
    public static let port: UInt16 = 0x70
    public static let portCount = 2

    public enum Register {
        public static let seconds = 0x00, minutes = 0x02, hours = 0x04, dayOfWeek = 0x06
        public static let dayOfMonth = 0x07, month = 0x08, year = 0x09
        public static let a = 0x0A, b = 0x0B, c = 0x0C, d = 0x0D
        /// The IBM PC convention for the century byte.
        public static let century = 0x32
    }
    /// Register B bits.
    public static let binaryMode: UInt8 = 0x04
    public static let twentyFourHour: UInt8 = 0x02

    private var ram = [UInt8](repeating: 0, count: 128)
    private var index = 0
    /// Guest-set time minus host time, in seconds.
    private var offset = 0
    private let hostTime: () -> Int

    /// `hostTime` gives seconds since the Unix epoch; tests pass a fixed clock.
    public init(hostTime: @escaping () -> Int = { Int(time(nil)) }) {
        self.hostTime = hostTime
        ram[Register.a] = 0x26          // 32.768 kHz time base, 1024 Hz periodic rate
        ram[Register.b] = CMOSRTC.twentyFourHour
        ram[Register.d] = 0x80          // VRT: the battery and RAM are valid
    }

    public func read(offset port: UInt64, size: Int) -> UInt64 {
        guard port & 1 == 1 else { return 0xFF }   // the index port is write-only
        return UInt64(readRegister(index))
    }

    public func write(offset port: UInt64, size: Int, value: UInt64) {
        let v = UInt8(truncatingIfNeeded: value)
        if port & 1 == 0 { index = Int(v & 0x7F); return }
        writeRegister(index, v)
    }

    private var bcd: Bool { ram[Register.b] & CMOSRTC.binaryMode == 0 }

    private func encode(_ n: Int) -> UInt8 { bcd ? UInt8((n / 10) << 4 | (n % 10)) : UInt8(n) }
    private func decode(_ v: UInt8) -> Int { bcd ? Int(v >> 4) * 10 + Int(v & 0x0F) : Int(v) }

    private func now() -> tm {
        var t = time_t(hostTime() + offset)
        var fields = tm()
        gmtime_r(&t, &fields)
        return fields
    }

    public func readRegister(_ r: Int) -> UInt8 {
        let t = now()
        switch r {
        case Register.seconds: return encode(Int(t.tm_sec))
        case Register.minutes: return encode(Int(t.tm_min))
        case Register.hours:
            let h = Int(t.tm_hour)
            if ram[Register.b] & CMOSRTC.twentyFourHour != 0 { return encode(h) }
            let h12 = h % 12 == 0 ? 12 : h % 12
            return encode(h12) | (h >= 12 ? 0x80 : 0)
        case Register.dayOfWeek: return encode(Int(t.tm_wday) + 1)
        case Register.dayOfMonth: return encode(Int(t.tm_mday))
        case Register.month: return encode(Int(t.tm_mon) + 1)
        case Register.year: return encode(Int(t.tm_year) % 100)
        case Register.century: return encode((Int(t.tm_year) + 1900) / 100)
        case Register.a: return ram[Register.a] & 0x7F      // UIP never set: updates are instantaneous
        case Register.c:
            let v = ram[Register.c]
            ram[Register.c] = 0                                 // reading C acknowledges the flags
            return v
        default: return ram[r]
        }
    }

    public func writeRegister(_ r: Int, _ v: UInt8) {
        switch r {
        case Register.seconds, Register.minutes, Register.hours, Register.dayOfMonth, Register.month,
             Register.year, Register.century:
            setTimeField(r, v)
        case Register.a: ram[r] = v & 0x7F
        case Register.c, Register.d: break                     // read-only
        default: ram[r] = v
        }
    }

    /// Setting one field moves the clock: recompute the offset from the changed calendar time.
    private func setTimeField(_ r: Int, _ v: UInt8) {
        var t = now()
        switch r {
        case Register.seconds: t.tm_sec = Int32(decode(v))
        case Register.minutes: t.tm_min = Int32(decode(v))
        case Register.hours:
            if ram[Register.b] & CMOSRTC.twentyFourHour != 0 { t.tm_hour = Int32(decode(v)) }
            else { t.tm_hour = Int32(decode(v & 0x7F) % 12 + (v & 0x80 != 0 ? 12 : 0)) }
        case Register.dayOfMonth: t.tm_mday = Int32(decode(v))
        case Register.month: t.tm_mon = Int32(decode(v) - 1)
        case Register.year: t.tm_year = Int32((Int(t.tm_year) + 1900) / 100 * 100 + decode(v) - 1900)
        default: t.tm_year = Int32(decode(v) * 100 + (Int(t.tm_year) + 1900) % 100 - 1900)
        }
        offset = Int(timegm(&t)) - hostTime()
    }
}
