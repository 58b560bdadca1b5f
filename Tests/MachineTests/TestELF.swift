/// Builds small ELF64 x86-64 executables in memory for loader tests: one PT_NOTE with the PVH
/// entry note (optional) and PT_LOAD segments with given bytes.
enum TestELF {
    struct Segment {
        var physicalAddress: UInt64
        var bytes: [UInt8]
        var memorySize: UInt64
    }

    static func pvhNote(entry: UInt32) -> [UInt8] {
        le(UInt32(4)) + le(UInt32(4)) + le(UInt32(18)) + Array("Xen\0".utf8) + le(entry)
    }

    static func make(entry: UInt32?, segments: [Segment], extraNotes: [UInt8] = []) -> [UInt8] {
        let notes = extraNotes + (entry.map(pvhNote) ?? [])
        let phnum = segments.count + (notes.isEmpty ? 0 : 1)
        var dataOffset = 64 + 56 * phnum
        var headers: [UInt8] = []
        var data: [UInt8] = []
        if !notes.isEmpty {
            headers += phdr(type: 4, offset: UInt64(dataOffset), address: 0, fileSize: UInt64(notes.count), memorySize: UInt64(notes.count))
            data += notes
            dataOffset += notes.count
        }
        for s in segments {
            headers += phdr(type: 1, offset: UInt64(dataOffset), address: s.physicalAddress, fileSize: UInt64(s.bytes.count), memorySize: s.memorySize)
            data += s.bytes
            dataOffset += s.bytes.count
        }
        var header: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
        header += le(UInt16(2)) + le(UInt16(62)) + le(UInt32(1))      // ET_EXEC, EM_X86_64, version
        header += le(UInt64(entry ?? 0)) + le(UInt64(64)) + le(UInt64(0))
        header += le(UInt32(0)) + le(UInt16(64)) + le(UInt16(56)) + le(UInt16(UInt16(phnum)))
        header += le(UInt16(64)) + le(UInt16(0)) + le(UInt16(0))
        return header + headers + data
    }

    private static func phdr(type: UInt32, offset: UInt64, address: UInt64, fileSize: UInt64, memorySize: UInt64) -> [UInt8] {
        le(type) + le(UInt32(7)) + le(offset) + le(address) + le(address) + le(fileSize) + le(memorySize) + le(UInt64(4))
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }
}
