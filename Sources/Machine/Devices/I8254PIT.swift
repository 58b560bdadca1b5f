#if canImport(Glibc)
import Glibc
#endif

/// Intel 8254 programmable interval timer: counters 0-2 at ports 0x40-0x42, the control word at
/// 0x43. Counters run at 1.193182 MHz of host monotonic time with their gates high (this
/// machine has no port 0x61). Supports the counter-latch and read-back commands, the four
/// read/write access modes, binary and BCD counting; OUT is modelled for the status byte.
/// Interrupts are not delivered (no interrupt controller).
public final class I8254PIT: BusDevice {
    public static let port: UInt16 = 0x40
    public static let portCount = 4
    public static let frequency: UInt64 = 1_193_182

    private struct Counter {
        var mode: UInt8 = 0
        /// Access mode from control bits 5-4: 1 LSB only, 2 MSB only, 3 LSB then MSB.
        var access: UInt8 = 3
        var bcd = false
        /// Programmed count; 0 stands for the maximum (65536, or 10000 in BCD).
        var reload: UInt32 = 0
        var loadTick: UInt64 = 0
        var loaded = false
        /// LSB written while waiting for the MSB in access mode 3.
        var pendingLSB: UInt8?
        var latchedCount: UInt16?
        var latchedStatus: UInt8?
        /// In access mode 3, whether the next read returns the MSB.
        var readMSBNext = false
        var nullCount = true
    }

    private var counters = [Counter](repeating: Counter(), count: 3)
    private let ticks: () -> UInt64

    /// `ticks` gives the PIT input clock count since some fixed moment; tests pass their own.
    public init(ticks: (() -> UInt64)? = nil) {
        if let ticks { self.ticks = ticks; return }
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        self.ticks = {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let ns = UInt64(now.tv_sec - start.tv_sec) * 1_000_000_000 &+ UInt64(bitPattern: Int64(now.tv_nsec - start.tv_nsec))
            return ns &* I8254PIT.frequency / 1_000_000_000
        }
    }

    private func modulus(_ c: Counter) -> UInt64 {
        c.reload == 0 ? (c.bcd ? 10_000 : 65_536) : UInt64(c.reload)
    }

    /// The counting element now, in binary.
    private func currentCount(_ c: Counter) -> UInt64 {
        guard c.loaded else { return 0 }
        let elapsed = ticks() &- c.loadTick
        let n = modulus(c)
        switch c.mode {
        case 2, 3:
            // Periodic: reloads on reaching 1 (mode 2); mode 3 counts by twos through each half period.
            let phase = elapsed % n
            if c.mode == 2 { return n - phase }
            let half = n / 2
            let inHalf = phase < half ? phase : phase - half
            return (n - 2 * inHalf) & ~1
        default:
            // One-shot modes count down through zero and keep wrapping.
            let wrap: UInt64 = c.bcd ? 10_000 : 65_536
            return (n &- elapsed % wrap &+ wrap) % wrap
        }
    }

    private func output(_ c: Counter) -> Bool {
        guard c.loaded else { return c.mode != 0 }
        let elapsed = ticks() &- c.loadTick
        let n = modulus(c)
        switch c.mode {
        case 0, 1: return elapsed >= n
        case 2: return n - elapsed % n != 1
        case 3: return elapsed % n < (n + 1) / 2
        default: return elapsed != n
        }
    }

    private func encoded(_ count: UInt64, bcd: Bool) -> UInt16 {
        let v = count & 0xFFFF
        guard bcd else { return UInt16(v) }
        let d = v % 10_000
        return UInt16(d / 1000) << 12 | UInt16(d / 100 % 10) << 8 | UInt16(d / 10 % 10) << 4 | UInt16(d % 10)
    }

    private func decoded(_ v: UInt32, bcd: Bool) -> UInt32 {
        guard bcd else { return v }
        return (v >> 12 & 0xF) * 1000 + (v >> 8 & 0xF) * 100 + (v >> 4 & 0xF) * 10 + (v & 0xF)
    }

    private func statusByte(_ c: Counter) -> UInt8 {
        (output(c) ? 0x80 : 0) | (c.nullCount ? 0x40 : 0) | c.access << 4 | c.mode << 1 | (c.bcd ? 1 : 0)
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        let i = Int(offset & 3)
        guard i < 3 else { return 0xFF }   // the control word register cannot be read
        var c = counters[i]
        defer { counters[i] = c }
        if let s = c.latchedStatus { c.latchedStatus = nil; return UInt64(s) }
        let value = c.latchedCount ?? encoded(currentCount(c), bcd: c.bcd)
        let byte: UInt8
        switch c.access {
        case 1: byte = UInt8(value & 0xFF); c.latchedCount = nil
        case 2: byte = UInt8(value >> 8); c.latchedCount = nil
        default:
            byte = c.readMSBNext ? UInt8(value >> 8) : UInt8(value & 0xFF)
            if c.readMSBNext { c.latchedCount = nil }
            else if c.latchedCount == nil { c.latchedCount = value }   // both bytes come from one moment
            c.readMSBNext.toggle()
        }
        return UInt64(byte)
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        let v = UInt8(truncatingIfNeeded: value)
        let i = Int(offset & 3)
        if i == 3 { control(v); return }
        var c = counters[i]
        switch c.access {
        case 1: load(&c, UInt32(v))
        case 2: load(&c, UInt32(v) << 8)
        default:
            if let lsb = c.pendingLSB { c.pendingLSB = nil; load(&c, UInt32(v) << 8 | UInt32(lsb)) }
            else { c.pendingLSB = v }
        }
        counters[i] = c
    }

    private func load(_ c: inout Counter, _ raw: UInt32) {
        c.reload = decoded(raw, bcd: c.bcd)
        c.loadTick = ticks()
        c.loaded = true
        c.nullCount = false
    }

    private func control(_ v: UInt8) {
        let select = Int(v >> 6)
        if select == 3 {
            // Read-back: bit 5 clear latches counts, bit 4 clear latches status, bits 3-1 pick counters.
            for i in 0..<3 where v & (2 << i) != 0 {
                var c = counters[i]
                if v & 0x20 == 0 && c.latchedCount == nil { c.latchedCount = encoded(currentCount(c), bcd: c.bcd); c.readMSBNext = false }
                if v & 0x10 == 0 && c.latchedStatus == nil { c.latchedStatus = statusByte(c) }
                counters[i] = c
            }
            return
        }
        var c = counters[select]
        let access = (v >> 4) & 3
        if access == 0 {
            // Counter latch: a second latch before the first is read is ignored.
            if c.latchedCount == nil { c.latchedCount = encoded(currentCount(c), bcd: c.bcd); c.readMSBNext = false }
        } else {
            var mode = (v >> 1) & 7
            if mode >= 6 { mode -= 4 }    // 110 and 111 are aliases of modes 2 and 3
            c = Counter(mode: mode, access: access, bcd: v & 1 != 0)
        }
        counters[select] = c
    }
}
