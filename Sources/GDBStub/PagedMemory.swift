/// Guest memory as a system-mode guest sees it, for a debugger: linear addresses go through
/// the guest's page tables (SDM vol. 3, chapter 4) to its physical RAM. Unlike the processor,
/// the walk checks no permissions and sets no accessed or dirty bits, so looking at memory
/// never changes it; gdb may read and write what the guest itself could not.
public struct PagedMemory {
    public var cr0: UInt64, cr3: UInt64, cr4: UInt64, efer: UInt64
    /// Guest physical RAM from address 0: host address = ram + physical, below ramSize.
    public let ram: UnsafeMutableRawPointer
    public let ramSize: UInt64

    public init(cr0: UInt64, cr3: UInt64, cr4: UInt64, efer: UInt64, ram: UnsafeMutableRawPointer, ramSize: UInt64) {
        (self.cr0, self.cr3, self.cr4, self.efer) = (cr0, cr3, cr4, efer)
        self.ram = ram
        self.ramSize = ramSize
    }

    static let paging: UInt64 = 1 << 31          // CR0.PG
    static let pse: UInt64 = 1 << 4, pae: UInt64 = 1 << 5  // CR4
    static let longModeActive: UInt64 = 1 << 10  // EFER.LMA
    static let present: UInt64 = 1, user: UInt64 = 1 << 2, largePage: UInt64 = 1 << 7
    /// Bits 51:12 of a 64-bit entry: the next table or the page frame.
    static let frame: UInt64 = 0x000F_FFFF_FFFF_F000

    /// The physical address of `linear`; nil where no page is mapped.
    public func physical(_ linear: UInt64) -> UInt64? {
        translate(linear)?.physical
    }

    /// Whether ring-3 code may reach `linear` (U/S set at every level); nil where it is unmapped
    /// or paging is off (no page says).
    public func isUserPage(_ linear: UInt64) -> Bool? {
        guard cr0 & Self.paging != 0 else { return nil }
        return translate(linear)?.user
    }

    private func translate(_ linear: UInt64) -> (physical: UInt64, user: Bool)? {
        guard cr0 & Self.paging != 0 else { return (linear & 0xFFFF_FFFF, true) }
        if efer & Self.longModeActive != 0 {
            return walk(linear, table: cr3 & Self.frame, shift: 39, entryBytes: 8, indexBits: 9, largeFrom: 30)
        }
        let address = linear & 0xFFFF_FFFF
        if cr4 & Self.pae != 0 {
            // PAE's PDPTEs have no U/S bit.
            guard let pdpte = entry(at: (cr3 & 0xFFFF_FFE0) + (address >> 30) * 8, bytes: 8), pdpte & Self.present != 0 else { return nil }
            return walk(address, table: pdpte & Self.frame, shift: 21, entryBytes: 8, indexBits: 9, largeFrom: 21)
        }
        return walk(address, table: cr3 & 0xFFFF_F000, shift: 22, entryBytes: 4, indexBits: 10,
                    largeFrom: cr4 & Self.pse != 0 ? 22 : 0)
    }

    /// Walks from the table at `table` whose entries translate bits `shift` and up; an entry
    /// with PS set at a level of `largeFrom` bits or fewer (and more than 12) maps a large page.
    private func walk(_ linear: UInt64, table top: UInt64, shift topShift: UInt64, entryBytes: Int, indexBits: UInt64,
                      largeFrom: UInt64) -> (physical: UInt64, user: Bool)? {
        var table = top, shift = topShift
        var user = true
        let indexMask: UInt64 = (1 << indexBits) - 1
        while true {
            guard let e = entry(at: table + (linear >> shift & indexMask) * UInt64(entryBytes), bytes: entryBytes),
                  e & Self.present != 0 else { return nil }
            user = user && e & Self.user != 0
            let frame = entryBytes == 8 ? e & Self.frame : e & 0xFFFF_F000
            if shift == 12 || (shift <= largeFrom && e & Self.largePage != 0) {
                var base = frame & ~((1 << shift) - 1)
                if entryBytes == 4, shift == 22 { base |= (e >> 13 & 0xFF) << 32 }  // PSE-36 bits 39:32
                return (base | linear & ((1 << shift) - 1), user)
            }
            table = frame
            shift -= indexBits
        }
    }

    private func entry(at physical: UInt64, bytes: Int) -> UInt64? {
        guard physical < ramSize, ramSize - physical >= UInt64(bytes) else { return nil }
        let p = ram + Int(physical)
        return bytes == 8 ? p.loadUnaligned(as: UInt64.self) : UInt64(p.loadUnaligned(as: UInt32.self))
    }

    /// The host bytes behind `count` guest bytes at `linear`, page by page; nil when any of
    /// them is unmapped or not RAM.
    private func pieces(_ linear: UInt64, _ count: Int) -> [(host: UnsafeMutableRawPointer, count: Int)]? {
        var pieces: [(UnsafeMutableRawPointer, Int)] = []
        var address = linear, left = count
        while left > 0 {
            let inPage = min(left, Int(4096 - address & 4095))
            guard let physical = physical(address), physical < ramSize, ramSize - physical >= UInt64(inPage) else { return nil }
            pieces.append((ram + Int(physical), inPage))
            address &+= UInt64(inPage)
            left -= inPage
        }
        return pieces
    }

    public func read(at linear: UInt64, count: Int) -> [UInt8]? {
        guard let pieces = pieces(linear, count) else { return nil }
        return pieces.flatMap { Array(UnsafeRawBufferPointer(start: $0.host, count: $0.count)) }
    }

    /// False (and nothing written) when some of the range is unmapped or not RAM.
    public func write(at linear: UInt64, _ bytes: [UInt8]) -> Bool {
        guard let pieces = pieces(linear, bytes.count) else { return false }
        var offset = 0
        for piece in pieces {
            bytes.withUnsafeBytes { piece.host.copyMemory(from: $0.baseAddress! + offset, byteCount: piece.count) }
            offset += piece.count
        }
        return true
    }
}
