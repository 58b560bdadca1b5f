/// Guest RAM sizes as the command line spells them: `128M`, `1G`, `65536K`, or plain bytes.
public enum MemorySize {
    public static let defaultSize: UInt64 = 128 << 20
    /// The loader puts boot data below 1M and images at 1M and above.
    public static let minimum: UInt64 = 2 << 20
    /// Identity-mapped guests and the 32-bit boot protocol see at most 4G of physical memory
    /// below the PCI hole; larger sizes would need a split memory map.
    public static let maximum: UInt64 = 3 << 30

    /// Parses a size with an optional K/M/G suffix (case-insensitive; a bare number means megabytes,
    /// as QEMU's -m does). Returns nil for anything malformed or out of range.
    public static func parse(_ text: String) -> UInt64? {
        var digits = Substring(text)
        var shift: UInt64 = 20
        if let last = digits.last, last.isLetter {
            switch last.uppercased() {
            case "K": shift = 10
            case "M": shift = 20
            case "G": shift = 30
            default: return nil
            }
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let n = UInt64(digits), n <= (maximum >> shift) else { return nil }
        let bytes = n << shift
        guard bytes >= minimum, bytes % 4096 == 0 else { return nil }
        return bytes
    }
}
