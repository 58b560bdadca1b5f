#if canImport(Glibc)
import Glibc
#endif

/// Guest memory for linear addressing: one host mapping, guest address a at host base + a,
/// valid below `size`.
public final class GuestMemory {
    public let base: UnsafeMutableRawPointer
    public let size: Int

    public struct MapError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(size: Int) throws {
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else {
            throw MapError(description: "cannot map \(size) bytes of guest memory: \(String(cString: strerror(errno)))")
        }
        base = p
        self.size = size
    }

    deinit { munmap(base, size) }

    /// Copies `bytes` into guest memory at `address`.
    public func write(_ bytes: [UInt8], at address: UInt64) {
        precondition(address + UInt64(bytes.count) <= UInt64(size))
        bytes.withUnsafeBytes { (base + Int(address)).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    public func read(_ count: Int, at address: UInt64) -> [UInt8] {
        precondition(address + UInt64(count) <= UInt64(size))
        return Array(UnsafeRawBufferPointer(start: base + Int(address), count: count))
    }
}
