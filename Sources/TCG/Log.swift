#if canImport(Glibc)
import Glibc
#endif
import Backend
import IR
import Lifter
import X86

/// What `-d` logs, with QEMU's names.
public struct LogItems: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Guest instructions of each translated block.
    public static let inAsm = LogItems(rawValue: 1 << 0)
    /// IR before the optimizer.
    public static let op = LogItems(rawValue: 1 << 1)
    /// IR after the optimizer.
    public static let opOpt = LogItems(rawValue: 1 << 2)
    /// Host code of each block, with each guest instruction's range marked.
    public static let outAsm = LogItems(rawValue: 1 << 3)
    /// One line per block entered from the execution loop (chained jumps stay in generated code).
    public static let exec = LogItems(rawValue: 1 << 4)

    public static let names: [(String, LogItems, String)] = [
        ("in_asm", .inAsm, "show the guest instructions of each translated block"),
        ("op", .op, "show the IR of each block before optimization"),
        ("op_opt", .opOpt, "show the IR of each block after optimization"),
        ("out_asm", .outAsm, "show the host code of each block"),
        ("exec", .exec, "show each block entered from the execution loop"),
    ]

    /// Parses a comma-separated list such as `in_asm,op_opt`.
    public static func parse(_ list: String) throws -> LogItems {
        var items: LogItems = []
        for name in list.split(separator: ",") {
            guard let entry = names.first(where: { $0.0 == name }) else {
                throw LogError(description: "unknown log item '\(name)' (known: \(names.map(\.0).joined(separator: ", ")))")
            }
            items.insert(entry.1)
        }
        return items
    }
}

public struct LogError: Error, CustomStringConvertible {
    public var description: String
}

/// Where `-d` output goes: standard error, or the file given with `-D`.
public final class LogSink: @unchecked Sendable {
    private let file: UnsafeMutablePointer<FILE>
    private let owned: Bool

    public static let standardError = LogSink(file: stderr, owned: false)

    private init(file: UnsafeMutablePointer<FILE>, owned: Bool) {
        self.file = file
        self.owned = owned
    }

    public convenience init(path: String) throws {
        guard let f = fopen(path, "w") else {
            throw LogError(description: "cannot open log file \(path): \(String(cString: strerror(errno)))")
        }
        self.init(file: f, owned: true)
    }

    deinit { if owned { fclose(file) } }

    public func write(_ text: String) {
        fputs(text, file)
    }
}

/// The texts each log item prints for a block.
enum BlockLog {
    static func guestInstructions(_ instructions: [Instruction]) -> String {
        var out = "IN:\n"
        for insn in instructions {
            out += "0x" + hex(insn.address, width: 8) + ":  " + insn.intelSyntax + "\n"
        }
        return out + "\n"
    }

    static func ir(_ title: String, _ block: IRBlock) -> String {
        "\(title):\n" + block.text + "\n"
    }

    /// The block's host code disassembled with Mimic's own decoder (the host is x86-64),
    /// with a `-- guest` line where each guest instruction's code begins.
    static func hostCode(_ block: CompiledBlock) -> String {
        var out = "OUT: [size=\(block.size), host instructions=\(block.hostInstructionCount)]\n"
        let decoder = Decoder(mode: .long64)
        let bytes = UnsafeRawBufferPointer(start: block.entry, count: block.size)
        var marks = block.hostToGuest[...]
        var offset = 0
        while offset < block.size {
            while let mark = marks.first, mark.hostOffset <= UInt32(offset) {
                out += "  -- guest 0x" + hex(mark.guestPC, width: 8) + "\n"
                marks = marks.dropFirst()
            }
            let address = UInt64(UInt(bitPattern: block.entry)) + UInt64(offset)
            guard let insn = decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[offset...]), address: address),
                  insn.length > 0 else { break }
            out += "0x" + hex(address, width: 12) + ":  " + insn.intelSyntax + "\n"
            offset += Int(insn.length)
        }
        return out + "\n"
    }

    static func hex(_ v: UInt64, width: Int) -> String {
        let s = String(v, radix: 16)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
