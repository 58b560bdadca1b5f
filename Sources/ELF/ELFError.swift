/// Why a file could not be read as ELF. Every malformed input ends here, never in a trap.
public enum ELFError: Error, Equatable, CustomStringConvertible {
    case tooShort(needed: Int, available: Int)
    case badMagic
    case unsupportedClass(UInt8)
    case unsupportedEncoding(UInt8)
    case unsupportedVersion(UInt32)
    case headerOutOfBounds(what: String, offset: UInt64, size: UInt64)
    case badEntrySize(what: String, size: UInt16, expected: Int)
    case badStringIndex(UInt32)

    public var description: String {
        switch self {
        case .tooShort(let needed, let available):
            "file too short for an ELF header (\(available) bytes, need \(needed))"
        case .badMagic: "not an ELF file (bad magic)"
        case .unsupportedClass(let c): "unsupported ELF class \(c) (only ELF64 is loaded)"
        case .unsupportedEncoding(let e): "unsupported ELF data encoding \(e) (only little-endian)"
        case .unsupportedVersion(let v): "unsupported ELF version \(v)"
        case .headerOutOfBounds(let what, let offset, let size):
            "\(what) at offset 0x\(String(offset, radix: 16)) size 0x\(String(size, radix: 16)) lies outside the file"
        case .badEntrySize(let what, let size, let expected): "\(what) entry size \(size), expected \(expected)"
        case .badStringIndex(let i): "string table index \(i) out of range"
        }
    }
}
