/// CRC32 as the SSE4.2 instruction computes it: the Castagnoli polynomial (0x1EDC6F41),
/// bit-reflected, with no inversion of the input or output.
enum CRC32C {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    /// Folds the low `bytes` bytes of `value` into `crc`, lowest byte first.
    static func update(_ crc: UInt32, _ value: UInt64, bytes: Int) -> UInt32 {
        var c = crc, v = value
        for _ in 0..<min(bytes, 8) {
            c = table[Int((c ^ UInt32(truncatingIfNeeded: v)) & 0xFF)] ^ (c >> 8)
            v >>= 8
        }
        return c
    }
}
