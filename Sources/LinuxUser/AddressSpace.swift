import CCPU
import CLinuxUser
import TCG
#if canImport(Glibc)
import Glibc
#endif

/// One guest mapping as Linux keeps it (what /proc/self/maps lists).
public struct GuestMapping: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    public var access: GuestMemory.PageAccess
    public var shared: Bool
    /// The file offset mapped at `start` (0 for anonymous memory).
    public var offset: UInt64
    /// The mapped file's path, or "[heap]", "[stack]", or "" for anonymous memory.
    public var name: String

    public init(start: UInt64, end: UInt64, access: GuestMemory.PageAccess, shared: Bool = false, offset: UInt64 = 0, name: String = "") {
        self.start = start
        self.end = end
        self.access = access
        self.shared = shared
        self.offset = offset
        self.name = name
    }

    /// Whether the mapping shows a file (its offset moves with its start).
    public var isFileBacked: Bool { !name.isEmpty && !name.hasPrefix("[") }
}

/// The guest's user address space: a reserved `GuestMemory` (guest address a lives at host
/// base + a) and the list of mappings the guest made, which decides what mmap, munmap, mremap,
/// mprotect and brk may do and what a fault is (unmapped or forbidden).
///
/// Layout, from the top: one unmapped page, the stack, a gap, then mmap allocations growing
/// down; programs (ET_EXEC at their own addresses, static-PIE at `programBase`) and the brk
/// heap after them sit low.
public final class AddressSpace {
    public static let defaultSize = 1 << 40
    public static let pageSize = UInt64(GuestMemory.pageSize)
    /// Where a position-independent program is loaded: Linux without randomization puts PIE
    /// programs at two thirds of its address space; here the same address when the space is
    /// large enough, else a third of the space.
    public static let defaultProgramBase: UInt64 = 0x55_5555_4000
    public var programBase: UInt64 { min(AddressSpace.defaultProgramBase, AddressSpace.pageDown(size / 3)) }
    static let stackGap: UInt64 = 128 << 20
    /// MREMAP_MAYMOVE | MREMAP_FIXED: the host moves pages (with their backing) to a given address.
    static let mremapMoveTo = 1 | 2

    public let memory: GuestMemory
    /// Sorted by start, never overlapping.
    public private(set) var mappings: [GuestMapping] = []
    public let stackTop: UInt64
    public let stackSize: UInt64
    /// mmap without a usable hint allocates top-down below this address.
    public let mmapTop: UInt64
    /// The program break: the heap is [brkStart, brk) rounded up to pages.
    public internal(set) var brkStart: UInt64 = 0
    public internal(set) var brk: UInt64 = 0
    /// The most the mappings have added up to (VmPeak), since the program started or forked.
    public private(set) var peakMappedBytes: UInt64 = 0
    /// The most resident memory seen before pages were released (VmHWM's record; see
    /// `LinuxProcess.willRelease`), and what was released since it was last measured.
    var residentPeakBytes: UInt64 = 0
    var releasedResidentBytes: UInt64 = 0

    public init(size: Int = AddressSpace.defaultSize, stackSize: UInt64 = 8 << 20) throws {
        memory = try GuestMemory(reserving: size)
        stackTop = UInt64(size) - AddressSpace.pageSize
        self.stackSize = stackSize
        mmapTop = stackTop - stackSize - AddressSpace.stackGap
    }

    public var size: UInt64 { UInt64(memory.size) }

    @inline(__always)
    public func host(_ address: UInt64) -> UnsafeMutableRawPointer { memory.base + Int(address) }

    public static func pageDown(_ a: UInt64) -> UInt64 { a & ~(pageSize - 1) }
    /// `a` rounded up to a page, nil on overflow.
    public static func pageUp(_ a: UInt64) -> UInt64? {
        let (r, o) = a.addingReportingOverflow(pageSize - 1)
        return o ? nil : r & ~(pageSize - 1)
    }

    // MARK: The mapping list

    public func mapping(containing address: UInt64) -> GuestMapping? {
        guard let i = index(containing: address) else { return nil }
        return mappings[i]
    }

    private func index(containing address: UInt64) -> Int? {
        var low = 0, high = mappings.count - 1
        while low <= high {
            let mid = (low + high) / 2
            if address < mappings[mid].start { high = mid - 1 } else if address >= mappings[mid].end { low = mid + 1 } else { return mid }
        }
        return nil
    }

    /// Whether no mapping overlaps [start, end).
    public func isFree(_ start: UInt64, _ end: UInt64) -> Bool {
        !mappings.contains { $0.start < end && start < $0.end }
    }

    /// Whether mappings cover all of [start, end) without a hole.
    public func isFullyMapped(_ start: UInt64, _ end: UInt64) -> Bool {
        var at = start
        for m in mappings where m.end > at && m.start < end {
            if m.start > at { return false }
            at = m.end
            if at >= end { return true }
        }
        return at >= end
    }

    /// The highest free range of `length` bytes inside [floor, top), page aligned.
    public func findFree(length: UInt64, below top: UInt64, above floor: UInt64 = AddressSpace.pageSize) -> UInt64? {
        var limit = top
        for m in mappings.reversed() {
            if m.start >= limit { continue }
            if m.end <= limit, limit - m.end >= length, limit - length >= floor { return limit - length }
            limit = min(limit, m.start)
            if limit < floor { return nil }
        }
        return limit >= floor + length ? limit - length : nil
    }

    /// Drops the records of [start, end), splitting mappings that straddle its edges.
    private func removeRecords(_ start: UInt64, _ end: UInt64) {
        var kept: [GuestMapping] = []
        kept.reserveCapacity(mappings.count + 1)
        for m in mappings {
            if m.end <= start || m.start >= end { kept.append(m); continue }
            if m.start < start {
                var left = m
                left.end = start
                kept.append(left)
            }
            if m.end > end {
                var right = m
                if right.isFileBacked { right.offset += end - m.start }
                right.start = end
                kept.append(right)
            }
        }
        mappings = kept
    }

    private func insertRecord(_ mapping: GuestMapping) {
        removeRecords(mapping.start, mapping.end)
        var at = mappings.firstIndex { $0.start > mapping.start } ?? mappings.count
        mappings.insert(mapping, at: at)
        // Neighbours that continue each other become one mapping, as Linux merges them.
        if at + 1 < mappings.count, AddressSpace.continues(mappings[at], mappings[at + 1]) {
            mappings[at].end = mappings[at + 1].end
            mappings.remove(at: at + 1)
        }
        if at > 0, AddressSpace.continues(mappings[at - 1], mappings[at]) {
            mappings[at - 1].end = mappings[at].end
            mappings.remove(at: at)
            at -= 1
        }
        // Only a new record makes the total grow.
        peakMappedBytes = max(peakMappedBytes, mappedBytes)
    }

    /// The size of every mapping together (VmSize).
    public var mappedBytes: UInt64 { mappings.reduce(0) { $0 + ($1.end - $1.start) } }

    /// The peaks start again from what is mapped now (a forked child's, as Linux's fork has it).
    func restartPeaks() {
        peakMappedBytes = mappedBytes
        residentPeakBytes = 0
        releasedResidentBytes = 0
    }

    /// How much of [start, end) is in memory (mincore over its mapped parts): for private
    /// anonymous memory exactly its resident pages; for a file, its pages in the page cache.
    func residentBytes(_ start: UInt64, _ end: UInt64) -> UInt64 {
        var resident: UInt64 = 0
        var vector = [UInt8]()
        for m in mappings where m.end > start && m.start < end {
            let from = max(start, m.start), to = min(end, m.end)
            let pages = Int((to - from) / AddressSpace.pageSize)
            if vector.count < pages { vector = [UInt8](repeating: 0, count: pages) }
            guard mincore(host(from), Int(to - from), &vector) == 0 else { continue }
            resident += UInt64(vector[0..<pages].reduce(0) { $0 + Int($1 & 1) }) * AddressSpace.pageSize
        }
        return resident
    }

    /// Whether `b` starts where `a` ends and is the same kind of memory.
    static func continues(_ a: GuestMapping, _ b: GuestMapping) -> Bool {
        guard a.end == b.start, a.access == b.access, a.shared == b.shared, a.name == b.name else { return false }
        return a.isFileBacked ? a.offset + (a.end - a.start) == b.offset : !a.shared
    }

    // MARK: Changing the address space

    /// Maps fresh zero pages over [start, start + length) (page aligned), replacing what was there.
    public func mapAnonymous(_ mapping: GuestMapping) {
        let length = mapping.end - mapping.start
        memory.protect(mapping.start, length, .none)
        if !mapping.access.isEmpty { setFreshAccess(mapping.start, length, mapping.access) }
        insertRecord(mapping)
    }

    /// Gives pages that hold no translated code (just mapped, or being loaded) the access
    /// `access` with one host call:
    /// `GuestMemory.protect` changes the host protection page by page, which costs a system
    /// call per 4 KiB of a large mapping.
    func setFreshAccess(_ start: UInt64, _ length: UInt64, _ access: GuestMemory.PageAccess) {
        guard let flags = memory.pageFlags else { return }
        (flags + Int(start / AddressSpace.pageSize)).update(repeating: access.rawValue, count: Int(length / AddressSpace.pageSize))
        // The host protection GuestMemory derives from page flags: readable when the guest may
        // read or run the page (the translator reads code), writable when it may write.
        var protection = PROT_NONE
        if !access.isDisjoint(with: [.read, .execute]) { protection |= PROT_READ }
        if access.contains(.write) { protection |= PROT_READ | PROT_WRITE }
        mprotect(host(start), Int(length), protection)
    }

    /// Moves a host mapping of `mapping`'s length at `hostAddress` (a file or shared memory the
    /// host mapped anywhere) to the guest range, replacing what was there.
    public func adoptHostMapping(_ hostAddress: UnsafeMutableRawPointer, _ mapping: GuestMapping) -> Bool {
        let length = Int(mapping.end - mapping.start)
        memory.protect(mapping.start, UInt64(length), .none)
        let moved = hostSyscall(.mremap, hostArgument(hostAddress), length, length, AddressSpace.mremapMoveTo, hostArgument(host(mapping.start)))
        guard moved >= 0 || moved < -4095 else {
            munmap(hostAddress, length)
            removeRecords(mapping.start, mapping.end)
            return false
        }
        memory.protect(mapping.start, UInt64(length), mapping.access.isEmpty ? [.read] : mapping.access)
        if mapping.access.isEmpty { makeInaccessible(mapping.start, mapping.end) }
        insertRecord(mapping)
        return true
    }

    /// Unmaps [start, end): contents are gone, the range reads as unmapped.
    public func unmap(_ start: UInt64, _ end: UInt64) {
        guard end > start else { return }
        memory.protect(start, end - start, .none)
        removeRecords(start, end)
    }

    /// Changes the access of [start, end), which must be mapped, keeping the contents.
    public func changeAccess(_ start: UInt64, _ end: UInt64, _ access: GuestMemory.PageAccess) {
        if access.isEmpty {
            makeInaccessible(start, end)
        } else {
            memory.protect(start, end - start, access)
        }
        var pieces = mappings.filter { $0.end > start && $0.start < end }
        removeRecords(start, end)
        for i in pieces.indices {
            if pieces[i].start < start {
                if pieces[i].isFileBacked { pieces[i].offset += start - pieces[i].start }
                pieces[i].start = start
            }
            pieces[i].end = min(pieces[i].end, end)
            pieces[i].access = access
            insertRecord(pieces[i])
        }
    }

    /// Makes pages inaccessible without discarding them (mprotect PROT_NONE): GuestMemory's
    /// `protect(.none)` means unmap, so the flags are cleared here and the host page protected.
    private func makeInaccessible(_ start: UInt64, _ end: UInt64) {
        guard let flags = memory.pageFlags else { return }
        let first = Int(start / AddressSpace.pageSize), last = Int((end - 1) / AddressSpace.pageSize)
        for page in first...last {
            if flags[page] & UInt8(MIMIC_PAGE_CODE) != 0 { memory.releaseCode(page: page) }
            flags[page] = 0
        }
        mprotect(host(start), Int(end - start), PROT_NONE)
    }

    /// Records a mapping whose pages the caller has already set up (the loader, the stack).
    func record(_ mapping: GuestMapping) { insertRecord(mapping) }

    /// Moves [old, old + oldLength) to [new, new + newLength) with the host's mremap (which
    /// keeps anonymous contents and file backing alike), leaving the old range unmapped.
    func move(_ old: UInt64, _ oldLength: UInt64, to new: UInt64, _ newLength: UInt64) -> Bool {
        guard let source = mapping(containing: old) else { return false }
        // Translated code on the old pages must go before the pages do.
        releaseCode(old, old + oldLength)
        memory.protect(new, newLength, .none)
        let moved = hostSyscall(.mremap, hostArgument(host(old)), Int(oldLength), Int(newLength), AddressSpace.mremapMoveTo, hostArgument(host(new)))
        guard moved >= 0 || moved < -4095 else { return false }
        // The old range is a hole in the host reservation now: reserve it again.
        memory.protect(old, oldLength, .none)
        var target = source
        target.offset = source.offset + (old - source.start)
        target.start = new
        target.end = new + newLength
        removeRecords(old, old + oldLength)
        if target.access.isEmpty {
            makeInaccessible(new, new + newLength)
        } else {
            memory.protect(new, newLength, target.access)
        }
        insertRecord(target)
        return true
    }

    /// Drops the translations of code on [start, end) without touching the pages (their
    /// contents are about to change behind the guest's back).
    func releaseCode(_ start: UInt64, _ end: UInt64) {
        guard let flags = memory.pageFlags, end > start else { return }
        for page in Int(start / AddressSpace.pageSize)..<Int((end - 1) / AddressSpace.pageSize + 1)
        where flags[page] & UInt8(MIMIC_PAGE_CODE) != 0 {
            memory.releaseCode(page: page)
        }
    }

    /// Drops the translations of code on the pages of [start, end) the guest may write, so
    /// the host can write them for it.
    func releaseWritableCode(_ start: UInt64, _ end: UInt64) {
        guard let flags = memory.pageFlags, end > start else { return }
        let code = UInt8(MIMIC_PAGE_CODE | MIMIC_PAGE_WRITE)
        for page in Int(start / AddressSpace.pageSize)..<Int((end - 1) / AddressSpace.pageSize + 1)
        where flags[page] & code == code {
            memory.releaseCode(page: page)
        }
    }

    /// Grows the mapping ending at `end` by [end, newEnd), which must be free.
    func extend(_ start: UInt64, from end: UInt64, to newEnd: UInt64) {
        guard var m = mapping(containing: start) else { return }
        if !m.access.isEmpty { memory.protect(end, newEnd - end, m.access) }
        m.end = newEnd
        insertRecord(m)
    }
}
