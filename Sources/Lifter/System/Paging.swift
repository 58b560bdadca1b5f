import CCPU

/// What a linear address is translated for: the permission checked and the #PF error code.
public enum MemoryAccess: Sendable {
    case read, write, fetch
}

/// Page-table entry bits (SDM vol. 3, 4.5).
enum PTE {
    static let present: UInt64 = 1 << 0, writable: UInt64 = 1 << 1, user: UInt64 = 1 << 2
    static let accessed: UInt64 = 1 << 5, dirty: UInt64 = 1 << 6, largePage: UInt64 = 1 << 7
    static let noExecute: UInt64 = 1 << 63
    /// Bits 51:12: the next table's or the page's physical address.
    static let address: UInt64 = 0x000F_FFFF_FFFF_F000
}

/// #PF error-code bits (SDM vol. 3, 4.7).
enum PageFaultCode {
    static let protection: UInt64 = 1 << 0, write: UInt64 = 1 << 1, user: UInt64 = 1 << 2
    static let reserved: UInt64 = 1 << 3, fetch: UInt64 = 1 << 4
}

/// The software TLB's tag for "never hits".
let invalidTag = UInt64.max
let pageSize: UInt64 = 4096
let pageMask: UInt64 = ~(pageSize - 1)

/// Linear → physical translation through the guest's page tables, and the software TLB it fills.
extension SystemCPU {
    /// The guest physical address of `linear`, checked for `access` at user or supervisor
    /// privilege; fills the TLB for the page when it is RAM. Throws #PF (with CR2 left to the
    /// deliverer) or #GP(0) for a non-canonical address.
    public func translate(_ linear: UInt64, _ access: MemoryAccess, user: Bool) throws(Fault) -> UInt64 {
        let sys = self.sys
        guard sys.pointee.cr0 & CR0.pg != 0 else {
            let physical = linear & 0xFFFF_FFFF
            fill(linear, physical, user: user, readable: true, writable: true)
            return physical
        }
        guard sys.pointee.efer & EFER.lma != 0 else { return try translateLegacy(linear, access, user: user) }
        guard isCanonical(linear) else { throw .gp(0) }

        let nxe = sys.pointee.efer & EFER.nxe != 0
        var table = sys.pointee.cr3 & PTE.address
        var userAllowed = true, writeAllowed = true, executeAllowed = true
        var shift: UInt64 = 39
        while true {
            let entryAddress = table + (linear >> shift & 511) * 8
            var entry = readPhysical(entryAddress, bytes: 8)
            guard entry & PTE.present != 0 else { throw pageFault(linear, access, user: user, present: false) }
            if !nxe && entry & PTE.noExecute != 0 {
                throw Fault(Fault.pageFault, errorCode: pageFaultCode(access, user: user, nxe: nxe) | PageFaultCode.reserved | PageFaultCode.protection, address: linear)
            }
            userAllowed = userAllowed && entry & PTE.user != 0
            writeAllowed = writeAllowed && entry & PTE.writable != 0
            if nxe && entry & PTE.noExecute != 0 { executeAllowed = false }
            let leaf = shift == 12 || (shift <= 30 && entry & PTE.largePage != 0)
            if leaf {
                let allowed = permits(access, user: user, userAllowed: userAllowed, writeAllowed: writeAllowed,
                                      executeAllowed: executeAllowed)
                guard allowed else { throw pageFault(linear, access, user: user, present: true) }
                let update = PTE.accessed | (access == .write ? PTE.dirty : 0)
                if entry & update != update {
                    entry |= update
                    writePhysical(entryAddress, bytes: 8, entry)
                }
                let offsetMask: UInt64 = (1 << shift) - 1
                let physical = entry & PTE.address & ~offsetMask | linear & offsetMask
                let readable = !user || userAllowed
                let writable = permits(.write, user: user, userAllowed: userAllowed, writeAllowed: writeAllowed,
                                       executeAllowed: true) && entry & PTE.dirty != 0
                fill(linear, physical, user: user, readable: readable, writable: writable)
                return physical
            }
            if entry & PTE.accessed == 0 { writePhysical(entryAddress, bytes: 8, entry | PTE.accessed) }
            table = entry & PTE.address
            shift -= 9
        }
    }

    /// 32-bit paging (CR4.PAE clear) and PAE paging outside long mode.
    private func translateLegacy(_ linear: UInt64, _ access: MemoryAccess, user: Bool) throws(Fault) -> UInt64 {
        let sys = self.sys
        let address = linear & 0xFFFF_FFFF
        let pae = sys.pointee.cr4 & CR4.pae != 0
        let nxe = pae && sys.pointee.efer & EFER.nxe != 0
        var userAllowed = true, writeAllowed = true, executeAllowed = true
        var table: UInt64, shift: UInt64, entryBytes: Int
        if pae {
            let pdpte = readPhysical((sys.pointee.cr3 & 0xFFFF_FFE0) + (address >> 30) * 8, bytes: 8)
            guard pdpte & PTE.present != 0 else { throw pageFault(linear, access, user: user, present: false) }
            table = pdpte & PTE.address
            shift = 21
            entryBytes = 8
        } else {
            table = sys.pointee.cr3 & 0xFFFF_F000
            shift = 22
            entryBytes = 4
        }
        let indexMask: UInt64 = pae ? 511 : 1023
        while true {
            let entryAddress = table + (address >> shift & indexMask) * UInt64(entryBytes)
            var entry = readPhysical(entryAddress, bytes: entryBytes)
            guard entry & PTE.present != 0 else { throw pageFault(linear, access, user: user, present: false) }
            userAllowed = userAllowed && entry & PTE.user != 0
            writeAllowed = writeAllowed && entry & PTE.writable != 0
            if nxe && entry & PTE.noExecute != 0 { executeAllowed = false }
            let large = shift != 12 && entry & PTE.largePage != 0 && (pae || sys.pointee.cr4 & CR4.pse != 0)
            if shift == 12 || large {
                guard permits(access, user: user, userAllowed: userAllowed, writeAllowed: writeAllowed,
                              executeAllowed: executeAllowed) else {
                    throw pageFault(linear, access, user: user, present: true)
                }
                let update = PTE.accessed | (access == .write ? PTE.dirty : 0)
                if entry & update != update {
                    entry |= update
                    writePhysical(entryAddress, bytes: entryBytes, entry)
                }
                let offsetMask: UInt64 = (1 << shift) - 1
                let frame = pae ? entry & PTE.address : entry & 0xFFFF_F000
                let physical = frame & ~offsetMask | address & offsetMask
                let writable = permits(.write, user: user, userAllowed: userAllowed, writeAllowed: writeAllowed,
                                       executeAllowed: true) && entry & PTE.dirty != 0
                fill(linear, physical, user: user, readable: !user || userAllowed, writable: writable)
                return physical
            }
            if entry & PTE.accessed == 0 { writePhysical(entryAddress, bytes: entryBytes, entry | PTE.accessed) }
            table = pae ? entry & PTE.address : entry & 0xFFFF_F000
            shift = 12
        }
    }

    /// Whether the accumulated rights allow `access` (SDM vol. 3, 4.6): user accesses need U
    /// everywhere; writes need R/W everywhere, for supervisor writes only with CR0.WP; fetches
    /// need XD clear everywhere. SMEP and SMAP are not implemented (CPUID does not report them).
    private func permits(_ access: MemoryAccess, user: Bool, userAllowed: Bool, writeAllowed: Bool,
                         executeAllowed: Bool) -> Bool {
        if user && !userAllowed { return false }
        switch access {
        case .read: return true
        case .write: return writeAllowed || (!user && sys.pointee.cr0 & CR0.wp == 0)
        case .fetch: return executeAllowed
        }
    }

    private func pageFaultCode(_ access: MemoryAccess, user: Bool, nxe: Bool) -> UInt64 {
        var code: UInt64 = 0
        if access == .write { code |= PageFaultCode.write }
        if user { code |= PageFaultCode.user }
        // I/D is reported only when execute-disable is in use.
        if access == .fetch && nxe { code |= PageFaultCode.fetch }
        return code
    }

    private func pageFault(_ linear: UInt64, _ access: MemoryAccess, user: Bool, present: Bool) -> Fault {
        let nxe = sys.pointee.efer & EFER.nxe != 0 && sys.pointee.cr4 & CR4.pae != 0
        let code = pageFaultCode(access, user: user, nxe: nxe) | (present ? PageFaultCode.protection : 0)
        return Fault(Fault.pageFault, errorCode: code, address: linear)
    }

    func isCanonical(_ address: UInt64) -> Bool {
        let top = Int64(bitPattern: address) >> 47
        return top == 0 || top == -1
    }

    // MARK: The software TLB

    /// Entry for the page of `linear` in the user or supervisor TLB.
    func tlbEntry(_ linear: UInt64, user: Bool) -> UnsafeMutablePointer<MimicTLBEntry> {
        let index = Int(linear >> 12) & (Int(MIMIC_TLB_ENTRIES) - 1) + (user ? Int(MIMIC_TLB_USER) : 0)
        return (UnsafeMutableRawPointer(state) + Self.tlbOffset + index * MemoryLayout<MimicTLBEntry>.stride)
            .assumingMemoryBound(to: MimicTLBEntry.self)
    }

    /// Records a translation; a page that is not all RAM (a device's) is never cached, so its
    /// accesses keep coming to the slow path.
    private func fill(_ linear: UInt64, _ physical: UInt64, user: Bool, readable: Bool, writable: Bool) {
        let frame = physical & pageMask
        let entry = tlbEntry(linear, user: user)
        guard frame < sys.pointee.ram_size, sys.pointee.ram_size - frame >= pageSize else {
            entry.pointee = MimicTLBEntry(read_tag: invalidTag, write_tag: invalidTag, addend: 0, physical: 0)
            return
        }
        let page = linear & pageMask
        let storable = writable && codeChunks(frame) == 0
        entry.pointee = MimicTLBEntry(read_tag: readable ? page : invalidTag, write_tag: storable ? page : invalidTag,
                                      addend: sys.pointee.ram_base &+ frame &- page, physical: frame)
    }

    /// Forgets every translation (CR3 write, INVLPG, paging-mode changes).
    public func flushTLB() {
        let first = tlbEntry(0, user: false)
        first.update(repeating: MimicTLBEntry(read_tag: invalidTag, write_tag: invalidTag, addend: 0, physical: 0),
                     count: 2 * Int(MIMIC_TLB_ENTRIES))
    }

    // MARK: Physical memory

    /// Reads `bytes` (1, 2, 4 or 8) at a guest physical address: RAM, else the memory bus
    /// (a device, or all ones where there is none).
    func readPhysical(_ address: UInt64, bytes: Int) -> UInt64 {
        let sys = self.sys
        if address < sys.pointee.ram_size, sys.pointee.ram_size - address >= UInt64(bytes),
           let host = UnsafeRawPointer(bitPattern: UInt(sys.pointee.ram_base &+ address)) {
            switch bytes {
            case 1: return UInt64(host.load(as: UInt8.self))
            case 2: return UInt64(host.loadUnaligned(as: UInt16.self))
            case 4: return UInt64(host.loadUnaligned(as: UInt32.self))
            default: return host.loadUnaligned(as: UInt64.self)
            }
        }
        guard let read = sys.pointee.bus.read else { return bytes >= 8 ? ~0 : (1 << UInt64(8 * bytes)) - 1 }
        return read(sys.pointee.bus.context, UInt32(MIMIC_BUS_MEMORY), address, UInt32(bytes))
    }

    /// Writes the low `bytes` of `value` at a guest physical address; true when a device asked
    /// the machine to stop.
    @discardableResult
    func writePhysical(_ address: UInt64, bytes: Int, _ value: UInt64) -> Bool {
        let sys = self.sys
        if address < sys.pointee.ram_size, sys.pointee.ram_size - address >= UInt64(bytes),
           let host = UnsafeMutableRawPointer(bitPattern: UInt(sys.pointee.ram_base &+ address)) {
            switch bytes {
            case 1: host.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
            case 2: host.storeBytes(of: UInt16(truncatingIfNeeded: value), as: UInt16.self)
            case 4: host.storeBytes(of: UInt32(truncatingIfNeeded: value), as: UInt32.self)
            default: host.storeBytes(of: value, as: UInt64.self)
            }
            return false
        }
        guard let write = sys.pointee.bus.write else { return false }
        return write(sys.pointee.bus.context, UInt32(MIMIC_BUS_MEMORY), address, UInt32(bytes), value) != 0
    }

    // MARK: Linear memory

    /// Reads `bytes` (1, 2, 4 or 8) at a linear address with the rights of `user`; an access
    /// that crosses a page is checked on both pages before any byte is read.
    public func read(_ linear: UInt64, bytes: Int, user: Bool) throws(Fault) -> UInt64 {
        let inPage = Int(pageSize - (linear & ~pageMask))
        if bytes <= inPage {
            return readPhysical(try translate(linear, .read, user: user), bytes: bytes)
        }
        let first = try translate(linear, .read, user: user)
        let second = try translate(linear &+ UInt64(inPage), .read, user: user)
        var value: UInt64 = 0
        for i in 0..<bytes {
            let byte = i < inPage ? readPhysical(first + UInt64(i), bytes: 1) : readPhysical(second + UInt64(i - inPage), bytes: 1)
            value |= byte << UInt64(8 * i)
        }
        return value
    }

    /// Writes the low `bytes` of `value` at a linear address; true when a device asked to stop.
    /// A write to bytes translated code came from raises MIMIC_EXC_CODE_WRITE before any byte
    /// changes, unless it is `implicit` (the processor's own, between blocks: the translations
    /// are then dropped before the next block runs).
    @discardableResult
    public func write(_ linear: UInt64, bytes: Int, _ value: UInt64, user: Bool, implicit: Bool = false) throws(Fault) -> Bool {
        let inPage = Int(pageSize - (linear & ~pageMask))
        if bytes <= inPage {
            let physical = try translate(linear, .write, user: user)
            try checkCodeWrite(physical, bytes: bytes, implicit: implicit)
            return writePhysical(physical, bytes: bytes, value)
        }
        let first = try translate(linear, .write, user: user)
        let second = try translate(linear &+ UInt64(inPage), .write, user: user)
        try checkCodeWrite(first, bytes: inPage, implicit: implicit)
        try checkCodeWrite(second, bytes: bytes - inPage, implicit: implicit)
        for i in 0..<bytes {
            let byte = value >> UInt64(8 * i) & 0xFF
            if i < inPage { writePhysical(first + UInt64(i), bytes: 1, byte) } else { writePhysical(second + UInt64(i - inPage), bytes: 1, byte) }
        }
        return false
    }

    /// Supervisor ("implicit") accesses the processor makes itself: descriptor tables, the
    /// TSS, the stack frames of interrupt delivery.
    func readSystem(_ linear: UInt64, bytes: Int) throws(Fault) -> UInt64 {
        try read(linear, bytes: bytes, user: false)
    }

    func writeSystem(_ linear: UInt64, bytes: Int, _ value: UInt64) throws(Fault) {
        try write(linear, bytes: bytes, value, user: false, implicit: true)
    }

    // MARK: Translated code (self-modifying code)

    /// The mask of translated 64-byte chunks of the RAM page at physical `frame`.
    @inline(__always)
    func codeChunks(_ frame: UInt64) -> UInt64 {
        guard let chunks = sys.pointee.code_chunks, frame < sys.pointee.ram_size else { return 0 }
        return chunks[Int(frame >> 12)]
    }

    /// The chunk bits of the `bytes` (at least 1, within one page) at physical `address`.
    private func chunkMask(_ address: UInt64, bytes: Int) -> UInt64 {
        let first = (address & ~pageMask) >> UInt64(MIMIC_CODE_CHUNK_SHIFT)
        let last = ((address & ~pageMask) + UInt64(bytes) - 1) >> UInt64(MIMIC_CODE_CHUNK_SHIFT)
        let upTo = last == 63 ? UInt64.max : (1 << (last + 1)) - 1
        return upTo & ~((1 << first) - 1)
    }

    private func checkCodeWrite(_ physical: UInt64, bytes: Int, implicit: Bool) throws(Fault) {
        let chunks = codeChunks(physical & pageMask)
        guard chunks != 0, chunks & chunkMask(physical, bytes: bytes) != 0 else { return }
        if implicit {
            sys.pointee.flush |= UInt32(MIMIC_FLUSH_CODE)
        } else {
            throw Fault(Int(MIMIC_EXC_CODE_WRITE), address: physical)
        }
    }

    /// Records that a translated block came from the physical bytes [start, end) (one page).
    /// The first code on a page takes away the page's TLB write tags, so that stores to it
    /// reach `checkCodeWrite`.
    public func markCode(_ start: UInt64, _ end: UInt64) {
        let frame = start & pageMask
        guard end > start, let chunks = sys.pointee.code_chunks, frame < sys.pointee.ram_size else { return }
        let before = chunks[Int(frame >> 12)]
        chunks[Int(frame >> 12)] = before | chunkMask(start, bytes: Int(end - start))
        guard before == 0 else { return }
        let first = tlbEntry(0, user: false)
        for i in 0..<2 * Int(MIMIC_TLB_ENTRIES) where first[i].physical == frame && first[i].write_tag != invalidTag {
            first[i].write_tag = invalidTag
        }
    }

    /// Forgets every mark (the translations were dropped).
    public func forgetCode() {
        guard let chunks = sys.pointee.code_chunks else { return }
        chunks.update(repeating: 0, count: Int(sys.pointee.ram_size >> 12))
    }
}
