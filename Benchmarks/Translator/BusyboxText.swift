import ELF
import Foundation

/// The .text section of an ELF64 file: its bytes and the address they load at.
struct TextSection {
    let bytes: [UInt8]
    let address: UInt64

    struct Failure: Error, CustomStringConvertible { var description: String }

    init(elfPath: String) throws {
        guard let data = FileManager.default.contents(atPath: elfPath) else {
            throw Failure(description: "cannot read \(elfPath)")
        }
        let file = try ELFFile(bytes: [UInt8](data))
        guard let text = file.section(named: ".text") else { throw Failure(description: "\(elfPath) has no .text section") }
        bytes = Array(file.contents(of: text))
        address = text.address
    }
}
