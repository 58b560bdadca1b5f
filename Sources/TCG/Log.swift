@_exported import Introspection
import Backend
import IR
import Lifter
import X86

/// The texts each log item prints for a block.
enum BlockLog {
    static func guestInstructions(_ instructions: [Instruction]) -> String {
        var out = "IN:\n"
        for insn in instructions {
            out += "0x" + LogText.hex(insn.address, width: 8) + ":  " + insn.intelSyntax + "\n"
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
        for group in HostCode.disassemble(block) {
            switch group.part {
            case .prologue: out += "  -- block entry (before the first guest instruction)\n"
            case .guest(let pc): out += "  -- guest 0x" + LogText.hex(pc, width: 8) + "\n"
            case .outOfLine: out += "  -- out-of-line exits\n"
            }
            for line in group.lines { out += "0x" + LogText.hex(line.address, width: 12) + ":  " + line.text + "\n" }
        }
        return out + "\n"
    }
}

/// A block's host code cut at the guest instructions it came from.
public enum HostCode {
    public enum Part: Hashable, Sendable {
        /// Code before the first guest instruction (the `--stats` block counter).
        case prologue
        /// The code of the guest instruction at this pc.
        case guest(UInt64)
        /// Exits placed after the block's straight-line code (page faults, raised exceptions).
        case outOfLine
    }

    public struct Line: Sendable {
        public var address: UInt64
        public var text: String
    }

    public struct Group: Sendable {
        public var part: Part
        public var lines: [Line]
    }

    /// Disassembles `block`; a guest instruction's range runs from its mark to the next one,
    /// and out-of-line code starts after the last guest instruction's final jump out.
    public static func disassemble(_ block: CompiledBlock) -> [Group] {
        let decoder = Decoder(mode: .long64)
        let bytes = UnsafeRawBufferPointer(start: block.entry, count: block.size)
        var marks = block.hostToGuest[...]
        var groups: [Group] = []
        var offset = 0
        while offset < block.size {
            while let mark = marks.first, mark.hostOffset <= UInt32(offset) {
                groups.append(Group(part: .guest(mark.guestPC), lines: []))
                marks = marks.dropFirst()
            }
            if groups.isEmpty { groups.append(Group(part: .prologue, lines: [])) }
            let address = UInt64(UInt(bitPattern: block.entry)) + UInt64(offset)
            guard let insn = decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[offset...]), address: address),
                  insn.length > 0 else { break }
            groups[groups.count - 1].lines.append(Line(address: address, text: insn.intelSyntax))
            offset += Int(insn.length)
        }
        return groups
    }
}
