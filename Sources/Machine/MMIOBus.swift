/// Memory-mapped devices on guest physical address ranges outside RAM. An address that is
/// neither RAM nor a device reads as all ones and ignores writes.
public final class MMIOBus: @unchecked Sendable {
    private struct Claim {
        let base: UInt64
        let size: UInt64
        let device: BusDevice
    }
    /// Sorted by base; few devices, so a binary search over a small array is plenty.
    private var claims: [Claim] = []

    public init() {}

    public func register(_ device: BusDevice, base: UInt64, size: UInt64) {
        precondition(size > 0 && base <= UInt64.max - (size - 1))
        precondition(!claims.contains { base < $0.base &+ $0.size && $0.base < base &+ size }, "MMIO range claimed twice")
        claims.append(Claim(base: base, size: size, device: device))
        claims.sort { $0.base < $1.base }
    }

    /// Reads `size` (1, 2, 4 or 8) bytes at `address`.
    public func read(address: UInt64, size: Int) -> UInt64 {
        guard let c = claim(address, size) else { return size >= 8 ? UInt64.max : (1 << (8 * UInt64(size))) - 1 }
        return c.device.read(offset: address - c.base, size: size)
    }

    public func write(address: UInt64, size: Int, value: UInt64) {
        guard let c = claim(address, size) else { return }
        c.device.write(offset: address - c.base, size: size, value: value)
    }

    /// The device whose range holds the whole access, if any.
    private func claim(_ address: UInt64, _ size: Int) -> Claim? {
        var lo = 0, hi = claims.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if claims[mid].base <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let c = claims[lo - 1]
        let offset = address - c.base
        return offset < c.size && UInt64(size) <= c.size - offset ? c : nil
    }
}
