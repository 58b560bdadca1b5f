/// Bounds-checked little-endian reads from a byte array.
struct ByteReader {
    let bytes: [UInt8]

    func checkRange(_ what: String, offset: UInt64, size: UInt64) throws {
        let (end, overflow) = offset.addingReportingOverflow(size)
        if overflow || end > UInt64(bytes.count) {
            throw ELFError.headerOutOfBounds(what: what, offset: offset, size: size)
        }
    }

    func u8(_ at: Int) -> UInt8 { bytes[at] }

    func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }

    func u32(_ at: Int) -> UInt32 {
        UInt32(u16(at)) | UInt32(u16(at + 2)) << 16
    }

    func u64(_ at: Int) -> UInt64 {
        UInt64(u32(at)) | UInt64(u32(at + 4)) << 32
    }

    /// A NUL-terminated string inside `table` (offset, size) at `index`.
    func string(table: (offset: UInt64, size: UInt64), index: UInt32) throws -> String {
        guard UInt64(index) < table.size else { throw ELFError.badStringIndex(index) }
        let start = Int(table.offset) + Int(index)
        let limit = Int(table.offset + table.size)
        var end = start
        while end < limit && bytes[end] != 0 { end += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
