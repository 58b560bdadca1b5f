/// Mandatory-prefix columns of the 0F, 0F38 and 0F3A maps, in VEX.pp order.
enum MandatoryPrefix: Int {
    case none = 0, p66 = 1, pF3 = 2, pF2 = 3
}

/// Collects the table rows as the manual lists them; `DecodeTables` then freezes them into
/// dense arrays. Runs once per process.
struct TableBuilder {
    var oneByte = [OpcodeEntry](repeating: .invalid, count: 256)
    /// Rows that differ outside 64-bit mode (INC/DEC, LES/LDS, BOUND, ARPL).
    var protected32: [Int: OpcodeEntry] = [:]
    /// [prefix * 256 + opcode] for the 0F, 0F38 and 0F3A maps.
    var map0F = [OpcodeEntry](repeating: .invalid, count: 1024)
    var map0F38 = [OpcodeEntry](repeating: .invalid, count: 1024)
    var map0F3A = [OpcodeEntry](repeating: .invalid, count: 1024)
    /// VEX rows of map 0F whose meaning differs from the legacy row (mask ops, VZEROUPPER).
    var vex0F = [OpcodeEntry](repeating: .invalid, count: 1024)
    /// EVEX rows that differ from the shared maps (element-typed names, mask destinations).
    var evex0F = [OpcodeEntry](repeating: .invalid, count: 1024)
    var evex0F38 = [OpcodeEntry](repeating: .invalid, count: 1024)
    var evex0F3A = [OpcodeEntry](repeating: .invalid, count: 1024)
    /// Per group: 8 memory rows, 8 register rows, then 64 register rows by reg * 8 + rm.
    var groups = [OpcodeEntry](repeating: .invalid, count: GroupID.allCases.count * 80)
    /// x87: memory forms by (opcode - D8) * 8 + reg; register forms by (opcode - D8) * 64 + modrm - C0.
    var x87Mem = [OpcodeEntry](repeating: .invalid, count: 64)
    var x87Reg = [OpcodeEntry](repeating: .invalid, count: 512)

    init() {
        buildOneByteMap()
        buildGroups()
        buildTwoByteMap()
        buildSSEMap()
        build0F38Map()
        build0F3AMap()
        buildVEXOnlyRows()
        buildX87()
    }

    // MARK: Group helpers

    mutating func mem(_ g: GroupID, _ reg: Int, _ e: OpcodeEntry) {
        groups[Int(g.rawValue) * 80 + reg] = e
    }

    mutating func reg(_ g: GroupID, _ reg: Int, _ e: OpcodeEntry) {
        groups[Int(g.rawValue) * 80 + 8 + reg] = e
    }

    mutating func both(_ g: GroupID, _ r: Int, _ e: OpcodeEntry) {
        mem(g, r, e)
        reg(g, r, e)
    }

    /// A register form selected by ModRM.reg and ModRM.rm together; the reg row then points here.
    mutating func exact(_ g: GroupID, _ r: Int, _ rm: Int, _ e: OpcodeEntry) {
        reg(g, r, .group(g))
        groups[Int(g.rawValue) * 80 + 16 + r * 8 + rm] = e
    }

    mutating func copyGroup(_ g: GroupID, to h: GroupID) {
        for i in 0..<80 {
            groups[Int(h.rawValue) * 80 + i] = groups[Int(g.rawValue) * 80 + i]
        }
    }

    // MARK: Prefixed-map helpers

    /// A row that ignores mandatory prefixes (66 is operand size, F2/F3 are REP or ignored).
    mutating func legacy(_ opcode: Int, _ e: OpcodeEntry) {
        for p in 0..<4 {
            map0F[p * 256 + opcode] = e
        }
    }

    /// An SSE row: one entry per mandatory prefix (nil = #UD).
    mutating func sse(_ opcode: Int, _ none: OpcodeEntry?, _ p66: OpcodeEntry? = nil,
                      _ pF3: OpcodeEntry? = nil, _ pF2: OpcodeEntry? = nil) {
        set0F(.map0F, opcode, none, p66, pF3, pF2)
    }

    mutating func set0F(_ map: PrefixedMap, _ opcode: Int, _ none: OpcodeEntry?, _ p66: OpcodeEntry?,
                        _ pF3: OpcodeEntry?, _ pF2: OpcodeEntry?) {
        row(map, .none, opcode, none ?? .invalid)
        row(map, .p66, opcode, p66 ?? .invalid)
        row(map, .pF3, opcode, pF3 ?? .invalid)
        row(map, .pF2, opcode, pF2 ?? .invalid)
    }

    mutating func row(_ map: PrefixedMap, _ p: MandatoryPrefix, _ opcode: Int, _ e: OpcodeEntry) {
        let i = p.rawValue * 256 + opcode
        switch map {
        case .map0F: map0F[i] = e
        case .map0F38: map0F38[i] = e
        case .map0F3A: map0F3A[i] = e
        case .vex0F: vex0F[i] = e
        case .evex0F: evex0F[i] = e
        case .evex0F38: evex0F38[i] = e
        case .evex0F3A: evex0F3A[i] = e
        }
    }
}

/// The prefix-columned tables a row can be written to.
enum PrefixedMap {
    case map0F, map0F38, map0F3A, vex0F, evex0F, evex0F38, evex0F3A
}

/// The frozen tables: raw memory that lives for the process, so lookups cost no reference counting.
final class DecodeTables: @unchecked Sendable {
    let oneByte64: UnsafeMutablePointer<OpcodeEntry>
    let oneByte32: UnsafeMutablePointer<OpcodeEntry>
    let map0F: UnsafeMutablePointer<OpcodeEntry>
    let map0F38: UnsafeMutablePointer<OpcodeEntry>
    let map0F3A: UnsafeMutablePointer<OpcodeEntry>
    let vex0F: UnsafeMutablePointer<OpcodeEntry>
    let evex0F: UnsafeMutablePointer<OpcodeEntry>
    let evex0F38: UnsafeMutablePointer<OpcodeEntry>
    let evex0F3A: UnsafeMutablePointer<OpcodeEntry>
    /// The W=1 sibling of each mnemonic, by raw value (itself where there is none).
    let wSibling: UnsafeMutablePointer<Mnemonic>
    let groups: UnsafeMutablePointer<OpcodeEntry>
    let x87Mem: UnsafeMutablePointer<OpcodeEntry>
    let x87Reg: UnsafeMutablePointer<OpcodeEntry>

    static let shared = DecodeTables()

    private init() {
        let b = TableBuilder()
        func freeze(_ rows: [OpcodeEntry]) -> UnsafeMutablePointer<OpcodeEntry> {
            let p = UnsafeMutablePointer<OpcodeEntry>.allocate(capacity: rows.count)
            p.initialize(from: rows, count: rows.count)
            return p
        }
        oneByte64 = freeze(b.oneByte)
        var legacy = b.oneByte
        for (opcode, e) in b.protected32 {
            legacy[opcode] = e
        }
        oneByte32 = freeze(legacy)
        map0F = freeze(b.map0F)
        map0F38 = freeze(b.map0F38)
        map0F3A = freeze(b.map0F3A)
        vex0F = freeze(b.vex0F)
        evex0F = freeze(b.evex0F)
        evex0F38 = freeze(b.evex0F38)
        evex0F3A = freeze(b.evex0F3A)
        var siblings = Mnemonic.allCases
        for (w0, w1) in wSiblings {
            siblings[Int(w0.rawValue)] = w1
        }
        wSibling = UnsafeMutablePointer<Mnemonic>.allocate(capacity: siblings.count)
        wSibling.initialize(from: siblings, count: siblings.count)
        groups = freeze(b.groups)
        x87Mem = freeze(b.x87Mem)
        x87Reg = freeze(b.x87Reg)
    }
}
