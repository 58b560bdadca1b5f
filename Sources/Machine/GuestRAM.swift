#if canImport(Glibc)
import Glibc
#endif

/// Guest physical RAM: one anonymous host mapping starting at guest physical address 0.
/// Every accelerator uses this same mapping: KVM registers it as a memory slot, the softmmu
/// reads and writes it directly, the loader fills it.
public final class GuestRAM: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let size: UInt64

    public init(size: UInt64) throws(MachineError) {
        guard size >= MemorySize.minimum, size % 4096 == 0, size <= MemorySize.maximum else {
            throw .badMemorySize("\(size) bytes (must be a multiple of 4K between \(MemorySize.minimum >> 20)M and \(MemorySize.maximum >> 30)G)")
        }
        // NORESERVE: the host commits pages only as the guest touches them.
        let p = mmap(nil, Int(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else {
            throw .hostFailure("mmap of \(size >> 20)M guest RAM failed: \(String(cString: strerror(errno)))")
        }
        base = p
        self.size = size
    }

    deinit { munmap(base, Int(size)) }

    /// True when [address, address + count) lies inside RAM, without overflow.
    @inline(__always)
    public func contains(_ address: UInt64, count: UInt64) -> Bool {
        address <= size && count <= size - address
    }

    /// Host pointer for a guest physical range, nil when the range is not all RAM.
    public func pointer(at address: UInt64, count: UInt64) -> UnsafeMutableRawPointer? {
        contains(address, count: count) ? base + Int(address) : nil
    }

    public func write(_ bytes: UnsafeRawBufferPointer, at address: UInt64) throws(MachineError) {
        guard let p = pointer(at: address, count: UInt64(bytes.count)) else { throw .outsideRAM(address, UInt64(bytes.count)) }
        if let src = bytes.baseAddress { p.copyMemory(from: src, byteCount: bytes.count) }
    }

    public func write(_ bytes: [UInt8], at address: UInt64) throws(MachineError) {
        guard let p = pointer(at: address, count: UInt64(bytes.count)) else { throw .outsideRAM(address, UInt64(bytes.count)) }
        bytes.withUnsafeBytes { if let src = $0.baseAddress { p.copyMemory(from: src, byteCount: $0.count) } }
    }

    public func fill(_ value: UInt8, at address: UInt64, count: UInt64) throws(MachineError) {
        guard let p = pointer(at: address, count: count) else { throw .outsideRAM(address, count) }
        p.initializeMemory(as: UInt8.self, repeating: value, count: Int(count))
    }

    public func bytes(at address: UInt64, count: Int) throws(MachineError) -> [UInt8] {
        guard let p = pointer(at: address, count: UInt64(count)) else { throw .outsideRAM(address, UInt64(count)) }
        return Array(UnsafeRawBufferPointer(start: p, count: count))
    }

    /// Little-endian load of a fixed-width integer; the guest's byte order is the host's.
    public func load<T: FixedWidthInteger>(_: T.Type, at address: UInt64) throws(MachineError) -> T {
        guard let p = pointer(at: address, count: UInt64(MemoryLayout<T>.size)) else { throw .outsideRAM(address, UInt64(MemoryLayout<T>.size)) }
        return p.loadUnaligned(as: T.self)
    }

    public func store<T: FixedWidthInteger>(_ value: T, at address: UInt64) throws(MachineError) {
        guard let p = pointer(at: address, count: UInt64(MemoryLayout<T>.size)) else { throw .outsideRAM(address, UInt64(MemoryLayout<T>.size)) }
        p.storeBytes(of: value, as: T.self)
    }
}
