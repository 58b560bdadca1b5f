import Foundation

/// The .text section of an ELF64 file: its bytes and the address they load at.
///
/// Read with the few header fields it needs, because the main package's ELF target is not part of
/// the MimicKit product (swap for `ELFFile(bytes:).section(named:)` once it is).
struct TextSection {
    let bytes: [UInt8]
    let address: UInt64

    struct Failure: Error, CustomStringConvertible { var description: String }

    init(elfPath: String) throws {
        guard let data = FileManager.default.contents(atPath: elfPath) else {
            throw Failure(description: "cannot read \(elfPath)")
        }
        let file = [UInt8](data)
        func u16(_ at: Int) -> Int { Int(file[at]) | Int(file[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
        guard file.count >= 64, file[0..<4] == [0x7F, 0x45, 0x4C, 0x46], file[4] == 2, file[5] == 1 else {
            throw Failure(description: "\(elfPath) is not a little-endian ELF64 file")
        }
        let sectionTable = Int(u64(40)), entrySize = u16(58), count = u16(60), namesIndex = u16(62)
        guard entrySize == 64, namesIndex < count, sectionTable + count * 64 <= file.count else {
            throw Failure(description: "\(elfPath): bad section header table")
        }
        let names = Int(u64(sectionTable + namesIndex * 64 + 24))
        for i in 0..<count {
            let header = sectionTable + i * 64
            let name = names + u32(header)
            guard name + 6 <= file.count, file[name..<name + 6] == Array(".text\0".utf8)[...] else { continue }
            let offset = Int(u64(header + 24)), size = Int(u64(header + 32))
            guard offset + size <= file.count else { throw Failure(description: "\(elfPath): .text outside the file") }
            bytes = Array(file[offset..<offset + size])
            address = u64(header + 16)
            return
        }
        throw Failure(description: "\(elfPath) has no .text section")
    }
}
