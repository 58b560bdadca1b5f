/// A device on the port-I/O bus or the MMIO bus. `offset` is relative to the start of the range
/// the device was registered on, so one model serves any base (COM1 or COM2, say).
public protocol BusDevice: AnyObject {
    func read(offset: UInt64, size: Int) -> UInt64
    func write(offset: UInt64, size: Int, value: UInt64)
}

/// The 64K x86 I/O port space. A port nobody claims reads as all ones and ignores writes,
/// as on a PC where nothing drives the data lines.
public final class PortIOBus: @unchecked Sendable {
    private struct Claim {
        let base: UInt16
        let device: BusDevice
        /// Added to port - base: lets a part whose registers are not contiguous (the i8042 at
        /// 0x60 and 0x64) see its own register numbering.
        let deviceOffset: UInt16
        /// Byte-wide parts (the 8250 family, the RTC, the PIT) see a wide access as that many
        /// one-byte accesses to consecutive ports, as the ISA bus performs it.
        let byteWide: Bool
    }
    private var claims: [Claim] = []
    /// Port → index into `claims` plus one; 0 means unclaimed. A flat table keeps dispatch O(1).
    private var owner = [UInt8](repeating: 0, count: 0x10000)

    public init() {}

    /// Claims ports [base, base + count). Overlapping an existing claim is a programming error.
    public func register(_ device: BusDevice, base: UInt16, count: Int, byteWide: Bool = true, deviceOffset: UInt16 = 0) {
        precondition(count > 0 && Int(base) + count <= 0x10000 && claims.count < 255)
        claims.append(Claim(base: base, device: device, deviceOffset: deviceOffset, byteWide: byteWide))
        for port in Int(base)..<(Int(base) + count) {
            precondition(owner[port] == 0, "port 0x\(String(port, radix: 16)) claimed twice")
            owner[port] = UInt8(claims.count)
        }
    }

    /// Reads `size` (1, 2 or 4) bytes from `port`.
    public func read(port: UInt16, size: Int) -> UInt32 {
        if let claim = claim(port), !claim.byteWide {
            return UInt32(truncatingIfNeeded: claim.device.read(offset: UInt64(port &- claim.base &+ claim.deviceOffset), size: size))
        }
        var value: UInt32 = 0
        for i in 0..<size {
            let p = port &+ UInt16(i)
            let byte: UInt32
            if let c = claim(p) { byte = UInt32(truncatingIfNeeded: c.device.read(offset: UInt64(p &- c.base &+ c.deviceOffset), size: 1)) & 0xFF }
            else { byte = 0xFF }
            value |= byte << (8 * UInt32(i))
        }
        return value
    }

    public func write(port: UInt16, size: Int, value: UInt32) {
        if let claim = claim(port), !claim.byteWide {
            claim.device.write(offset: UInt64(port &- claim.base &+ claim.deviceOffset), size: size, value: UInt64(value))
            return
        }
        for i in 0..<size {
            let p = port &+ UInt16(i)
            if let c = claim(p) { c.device.write(offset: UInt64(p &- c.base &+ c.deviceOffset), size: 1, value: UInt64((value >> (8 * UInt32(i))) & 0xFF)) }
        }
    }

    @inline(__always)
    private func claim(_ port: UInt16) -> Claim? {
        let i = Int(owner[Int(port)])
        return i == 0 ? nil : claims[i - 1]
    }
}
