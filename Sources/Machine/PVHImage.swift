/// A PVH guest image made in memory: an ELF64 executable with one PT_LOAD per piece of code or
/// data at its physical address and a PT_NOTE holding XEN_ELFNOTE_PHYS32_ENTRY, the smallest
/// file `PVHLoader` (and QEMU's -kernel) boots. For built-in guests and tiny test images.
public enum PVHImage {
    public struct Segment: Sendable {
        public var address: UInt64
        public var bytes: [UInt8]
        public init(address: UInt64, bytes: [UInt8]) {
            self.address = address
            self.bytes = bytes
        }
    }

    /// The ELF bytes for `segments` with the boot CPU entering at `entry` (32-bit code).
    public static func elf(entry: UInt32, segments: [Segment]) -> [UInt8] {
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        // Note: namesz, descsz, type 18 (XEN_ELFNOTE_PHYS32_ENTRY), "Xen\0", the entry.
        let note = le(UInt32(4)) + le(UInt32(4)) + le(UInt32(18)) + Array("Xen\0".utf8) + le(entry)
        let headerSize = 64, programHeaderSize = 56
        let programHeaders = 1 + segments.count
        func programHeader(_ type: UInt32, _ offset: Int, _ address: UInt64, _ size: Int) -> [UInt8] {
            let flags: UInt32 = 7   // read, write, execute
            return le(type) + le(flags) + le(UInt64(offset)) + le(address) + le(address)
                + le(UInt64(size)) + le(UInt64(size)) + le(UInt64(4))
        }
        var elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        elf += le(UInt16(2)) + le(UInt16(62)) + le(UInt32(1))            // ET_EXEC, EM_X86_64, version
        elf += le(UInt64(entry)) + le(UInt64(headerSize)) + le(UInt64(0)) // entry, phoff, shoff
        elf += le(UInt32(0)) + le(UInt16(UInt16(headerSize))) + le(UInt16(UInt16(programHeaderSize)))
        elf += le(UInt16(UInt16(programHeaders))) + le(UInt16(64)) + le(UInt16(0)) + le(UInt16(0))
        var offset = headerSize + programHeaders * programHeaderSize
        elf += programHeader(4, offset, 0, note.count)
        offset += note.count
        for segment in segments {
            elf += programHeader(1, offset, segment.address, segment.bytes.count)
            offset += segment.bytes.count
        }
        elf += note
        for segment in segments { elf += segment.bytes }
        return elf
    }
}
