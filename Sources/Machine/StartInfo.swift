/// The PVH start-of-day structures (Xen public header arch-x86/hvm/start_info.h), built in
/// guest RAM for the boot CPU to find through EBX.
///
///     struct hvm_start_info {            struct hvm_memmap_table_entry {
///       u32 magic;          // 0             u64 addr;       // 0
///       u32 version;        // 4             u64 size;       // 8
///       u32 flags;          // 8             u32 type;       // 16
///       u32 nr_modules;     // 12            u32 reserved;   // 20
///       u64 modlist_paddr;  // 16          };                // 24 bytes
///       u64 cmdline_paddr;  // 24
///       u64 rsdp_paddr;     // 32
///       u64 memmap_paddr;   // 40  (version 1)
///       u32 memmap_entries; // 48  (version 1)
///       u32 reserved;       // 52
///     };                    // 56 bytes
public struct StartInfo: Equatable, Sendable {
    public static let magic: UInt32 = 0x336E_C578
    public static let version: UInt32 = 1
    public static let size = 56
    public static let memoryMapEntrySize = 24

    /// E820 types, which the memory map uses.
    public enum MemoryType: UInt32, Sendable {
        case ram = 1
        case reserved = 2
    }

    public struct MemoryMapEntry: Equatable, Sendable {
        public var address: UInt64
        public var size: UInt64
        public var type: MemoryType
        public init(address: UInt64, size: UInt64, type: MemoryType) { self.address = address; self.size = size; self.type = type }
    }

    public var commandLineAddress: UInt64
    public var memoryMapAddress: UInt64
    public var memoryMap: [MemoryMapEntry]

    /// The PC memory map for `ramSize` bytes from 0: conventional memory, the legacy
    /// video/ROM hole at 0xA0000-0xFFFFF reserved as on a PC, and RAM from 1M up.
    public static func pcMemoryMap(ramSize: UInt64) -> [MemoryMapEntry] {
        [MemoryMapEntry(address: 0, size: 0xA0000, type: .ram),
         MemoryMapEntry(address: 0xA0000, size: 0x60000, type: .reserved),
         MemoryMapEntry(address: 0x100000, size: ramSize - 0x100000, type: .ram)]
    }

    /// The structure's bytes as the guest reads them.
    public var bytes: [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(StartInfo.size)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
        put(StartInfo.magic); put(StartInfo.version); put(UInt32(0)); put(UInt32(0))
        put(UInt64(0)); put(commandLineAddress); put(UInt64(0))
        put(memoryMapAddress); put(UInt32(memoryMap.count)); put(UInt32(0))
        return b
    }

    public var memoryMapBytes: [UInt8] {
        var b: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
        for e in memoryMap { put(e.address); put(e.size); put(e.type.rawValue); put(UInt32(0)) }
        return b
    }
}
