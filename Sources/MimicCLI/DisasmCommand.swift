import ArgumentParser
import ELF
import Foundation
import X86

/// `mimic disasm FILE`: disassembles the executable sections of an ELF64 x86-64 file in Intel
/// syntax, one `ADDRESS: HEXBYTES  MNEMONIC OPERANDS` line per instruction. A file that cannot
/// be read or parsed is one line on stderr and exit status 1.
public struct DisasmCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "disasm",
        abstract: "Disassemble the executable sections of an ELF file (Intel syntax).")

    @Option(name: .long, help: "Disassemble only this section (default: every executable section).")
    var section: String?

    @Option(name: .long, help: "Decoder mode: 64 or 32.")
    var mode: Int = 64

    @Argument(help: "The ELF file.")
    var file: String

    public init() {}

    public func run() throws {
        do {
            try disassemble()
        } catch let error as DisasmFailure {
            FileHandle.standardError.write(Data(("mimic disasm: " + error.message + "\n").utf8))
            throw ExitCode(1)
        }
    }

    struct DisasmFailure: Error {
        let message: String
    }

    func disassemble() throws {
        guard mode == 64 || mode == 32 else { throw DisasmFailure(message: "--mode must be 64 or 32") }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw DisasmFailure(message: "cannot read \(file)")
        }
        let elf: ELFFile
        do {
            elf = try ELFFile(bytes: [UInt8](data))
        } catch let error as ELFError {
            throw DisasmFailure(message: "\(file): \(error)")
        }
        let chosen = elf.sections.filter { s in
            if let section { return s.name == section }
            return s.isExecutable && s.hasFileData && s.size > 0
        }
        if let section, chosen.isEmpty { throw DisasmFailure(message: "\(file): no section named \(section)") }
        let decoder = Decoder(mode: mode == 64 ? .long64 : .protected32)
        var out = OutputBuffer()
        for s in chosen {
            out.write("\nDisassembly of section \(s.name):\n\n")
            let bytes = Array(elf.contents(of: s))
            bytes.withUnsafeBytes { raw in
                Self.disassemble(raw, at: s.address, with: decoder, into: &out)
            }
        }
        out.flush()
    }

    static func disassemble(_ raw: UnsafeRawBufferPointer, at base: UInt64, with decoder: Decoder,
                            into out: inout OutputBuffer) {
        var offset = 0
        while offset < raw.count {
            let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
            let address = base &+ UInt64(offset)
            guard let inst = decoder.decode(rest, address: address) else {
                // The section ends inside an instruction: show the leftover bytes as data.
                out.write(line(address: address, bytes: rest, text: "(bad)"))
                return
            }
            let length = max(Int(inst.length), 1)
            out.write(line(address: address, bytes: UnsafeRawBufferPointer(rebasing: rest[..<length]),
                           text: inst.intelSyntax))
            offset += length
        }
    }

    static func line(address: UInt64, bytes: UnsafeRawBufferPointer, text: String) -> String {
        var hex = bytes.map { b in b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16) }.joined(separator: " ")
        if hex.count < 21 { hex += String(repeating: " ", count: 21 - hex.count) }
        return String(address, radix: 16) + ": " + hex + "  " + text + "\n"
    }
}

/// Collects output and writes it in large chunks.
struct OutputBuffer {
    var pending = ""

    mutating func write(_ s: String) {
        pending += s
        if pending.utf8.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(Data(pending.utf8))
        pending = ""
    }
}
