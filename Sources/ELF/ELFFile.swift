/// A parsed ELF64 little-endian file: header, program headers, sections, symbols. Every offset
/// and size is bounds-checked against the bytes; malformed input throws `ELFError`.
public struct ELFFile: Sendable {
    public let bytes: [UInt8]
    public let type: ELFType
    public let machine: ELFMachine
    public let entry: UInt64
    public let osABI: UInt8
    public let programHeaders: [ELFProgramHeader]
    public let sections: [ELFSection]
    /// Symbols of .symtab (empty when stripped).
    public let symbols: [ELFSymbol]
    /// Symbols of .dynsym.
    public let dynamicSymbols: [ELFSymbol]

    static let headerSize = 64

    public init(bytes: [UInt8]) throws {
        self.bytes = bytes
        let r = ByteReader(bytes: bytes)
        guard bytes.count >= 16 else { throw ELFError.tooShort(needed: 16, available: bytes.count) }
        guard bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else { throw ELFError.badMagic }
        guard bytes[4] == 2 else { throw ELFError.unsupportedClass(bytes[4]) }
        guard bytes[5] == 1 else { throw ELFError.unsupportedEncoding(bytes[5]) }
        guard bytes.count >= Self.headerSize else {
            throw ELFError.tooShort(needed: Self.headerSize, available: bytes.count)
        }
        let version = r.u32(20)
        guard version == 1 else { throw ELFError.unsupportedVersion(version) }
        osABI = bytes[7]
        type = ELFType(r.u16(16))
        machine = ELFMachine(r.u16(18))
        entry = r.u64(24)

        let phoff = r.u64(32), shoff = r.u64(40)
        let phentsize = r.u16(54), phnum = r.u16(56)
        let shentsize = r.u16(58), shnum = r.u16(60), shstrndx = r.u16(62)

        var phdrs: [ELFProgramHeader] = []
        if phnum > 0 {
            guard phentsize == 56 else { throw ELFError.badEntrySize(what: "program header", size: phentsize, expected: 56) }
            try r.checkRange("program header table", offset: phoff, size: UInt64(phnum) * 56)
            for i in 0..<Int(phnum) {
                let at = Int(phoff) + i * 56
                phdrs.append(ELFProgramHeader(type: r.u32(at), flags: r.u32(at + 4), offset: r.u64(at + 8),
                                              virtualAddress: r.u64(at + 16), physicalAddress: r.u64(at + 24),
                                              fileSize: r.u64(at + 32), memorySize: r.u64(at + 40),
                                              alignment: r.u64(at + 48)))
            }
        }
        programHeaders = phdrs

        var raw: [(nameIndex: UInt32, section: ELFSection)] = []
        if shnum > 0 && shoff != 0 {
            guard shentsize == 64 else { throw ELFError.badEntrySize(what: "section header", size: shentsize, expected: 64) }
            try r.checkRange("section header table", offset: shoff, size: UInt64(shnum) * 64)
            for i in 0..<Int(shnum) {
                let at = Int(shoff) + i * 64
                let s = ELFSection(name: "", type: r.u32(at + 4), flags: r.u64(at + 8), address: r.u64(at + 16),
                                   offset: r.u64(at + 24), size: r.u64(at + 32), link: r.u32(at + 40),
                                   info: r.u32(at + 44), alignment: r.u64(at + 48), entrySize: r.u64(at + 56))
                if s.hasFileData && s.type != 0 {
                    try r.checkRange("section \(i)", offset: s.offset, size: s.size)
                }
                raw.append((r.u32(at), s))
            }
        }
        var named: [ELFSection] = []
        if Int(shstrndx) < raw.count && shstrndx != 0 {
            let table = raw[Int(shstrndx)].section
            for (nameIndex, s) in raw {
                var s = s
                s.name = try r.string(table: (table.offset, table.size), index: nameIndex)
                named.append(s)
            }
        } else {
            named = raw.map(\.section)
        }
        sections = named
        symbols = try Self.readSymbols(r, sections: named, type: ELFSection.symtab)
        dynamicSymbols = try Self.readSymbols(r, sections: named, type: ELFSection.dynsym)
    }

    static func readSymbols(_ r: ByteReader, sections: [ELFSection], type: UInt32) throws -> [ELFSymbol] {
        guard let table = sections.first(where: { $0.type == type }) else { return [] }
        guard Int(table.link) < sections.count else { throw ELFError.badStringIndex(table.link) }
        let strings = sections[Int(table.link)]
        var out: [ELFSymbol] = []
        let count = Int(table.size / 24)
        for i in 0..<count {
            let at = Int(table.offset) + i * 24
            let name = try r.string(table: (strings.offset, strings.size), index: r.u32(at))
            out.append(ELFSymbol(name: name, value: r.u64(at + 8), size: r.u64(at + 16), info: r.u8(at + 4),
                                 sectionIndex: r.u16(at + 6)))
        }
        return out
    }

    public func section(named name: String) -> ELFSection? {
        sections.first { $0.name == name }
    }

    /// The file bytes of a section (empty for NOBITS); bounds were checked at parse time.
    public func contents(of section: ELFSection) -> ArraySlice<UInt8> {
        guard section.hasFileData, section.type != 0 else { return [] }
        return bytes[Int(section.offset)..<Int(section.offset + section.size)]
    }
}
