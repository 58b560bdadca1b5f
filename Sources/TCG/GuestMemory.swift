import CCPU
import IR
#if canImport(Glibc)
import Glibc
#endif

/// Guest memory for linear addressing: one host mapping, guest address a at host base + a,
/// valid below `size`.
///
/// Two kinds: plain RAM (`init(size:)`, every byte readable and writable, as in system mode and
/// the tests), and a reserved address space (`init(reserving:)`, user mode) where nothing is
/// accessible until the guest maps it. In the latter, each 4 KiB page has flags (`PageAccess`)
/// mirrored in the host's page protection, so generated code needs no check of its own: a
/// guest access to a page it may not touch faults on the host, and the runtime turns that into
/// a guest #PF at the exact instruction.
public final class GuestMemory {
    public let base: UnsafeMutableRawPointer
    public let size: Int
    /// One byte per page (`MIMIC_PAGE_*`) in a reserved address space; nil for plain RAM.
    public let pageFlags: UnsafeMutablePointer<UInt8>?
    /// Bytes mapped after `size` that are never accessible, so an access that starts in guest
    /// memory and runs past its end faults on the host instead of touching Mimic's memory.
    static let guardBytes = 1 << 20
    public static let pageSize = 1 << Int(MIMIC_PAGE_SHIFT)

    /// The translation caches holding code translated from this memory: before the guest (or
    /// a syscall on its behalf) writes to a page whose code was translated, they drop their
    /// translations (and the page its write protection). Caches add and remove themselves.
    var translationCaches: [Unmanaged<TranslationCache>] = []
    /// The pages marked `MIMIC_PAGE_CODE`.
    private var codePages = Set<Int>()
    /// Held while page protections and code marks change, and by the translation cache while
    /// it translates or flushes (one lock, so the two never wait for each other in turn).
    public let lock = Lock(recursive: true)

    public struct MapError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Plain RAM of `size` bytes, all readable and writable.
    public init(size: Int) throws {
        base = try GuestMemory.map(size, PROT_READ | PROT_WRITE)
        self.size = size
        pageFlags = nil
    }

    /// An address space of `reserving` bytes (a multiple of the page size) with nothing mapped:
    /// see `protect`.
    public init(reserving size: Int) throws {
        precondition(size % GuestMemory.pageSize == 0)
        base = try GuestMemory.map(size + GuestMemory.guardBytes, PROT_NONE)
        self.size = size
        let pages = size / GuestMemory.pageSize
        do {
            pageFlags = try GuestMemory.map(pages, PROT_READ | PROT_WRITE).assumingMemoryBound(to: UInt8.self)
        } catch {
            munmap(base, size + GuestMemory.guardBytes)
            throw error
        }
    }

    private static func map(_ bytes: Int, _ protection: Int32) throws -> UnsafeMutableRawPointer {
        let p = mmap(nil, bytes, protection, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else {
            throw MapError(description: "cannot map \(bytes) bytes of guest memory: \(String(cString: strerror(errno)))")
        }
        return p
    }

    deinit {
        if let pageFlags {
            munmap(base, size + GuestMemory.guardBytes)
            munmap(pageFlags, size / GuestMemory.pageSize)
        } else {
            munmap(base, size)
        }
    }

    /// What the guest may do with a page.
    public struct PageAccess: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let read = PageAccess(rawValue: UInt8(MIMIC_PAGE_READ))
        public static let write = PageAccess(rawValue: UInt8(MIMIC_PAGE_WRITE))
        public static let execute = PageAccess(rawValue: UInt8(MIMIC_PAGE_EXEC))
        public static let none: PageAccess = []
    }

    static let codeFlag = UInt8(MIMIC_PAGE_CODE)

    /// Gives the pages covering [address, address + length) the access `access` (`.none`
    /// unmaps them: their contents are discarded and read as zeros when mapped again).
    /// Returns false when the range leaves the address space.
    @discardableResult
    public func protect(_ address: UInt64, _ length: UInt64, _ access: PageAccess) -> Bool {
        lock.withLock { protectLocked(address, length, access) }
    }

    private func protectLocked(_ address: UInt64, _ length: UInt64, _ access: PageAccess) -> Bool {
        guard let pageFlags, let range = pageRange(address, length) else { return false }
        // Pages of translated code in the range keep their mark (or, when unmapped, drop their
        // translations: code unmapped must not run from the cache when something else is
        // mapped here later).
        let code = codePages.filter { range.contains($0) }
        if access.isEmpty { for page in code { releaseCode(page: page) } }
        (pageFlags + range.lowerBound).update(repeating: access.rawValue, count: range.count)
        let start = base + range.lowerBound * GuestMemory.pageSize
        let bytes = range.count * GuestMemory.pageSize
        if access.isEmpty {
            // Drop the contents and return the host memory, keeping the reservation.
            mmap(start, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0)
        } else {
            // One host call for the range (a guest may map gigabytes), then the code pages.
            mprotect(start, bytes, GuestMemory.hostProtection(access.rawValue))
            for page in code {
                pageFlags[page] |= GuestMemory.codeFlag
                applyHostProtection(page)
            }
        }
        return true
    }

    /// The guest's access to the page holding `address`, or nil outside the address space.
    public func access(at address: UInt64) -> PageAccess? {
        guard address < UInt64(size) else { return nil }
        guard let pageFlags else { return [.read, .write, .execute] }
        return PageAccess(rawValue: pageFlags[Int(address >> UInt64(MIMIC_PAGE_SHIFT))] & 7)
    }

    /// Whether the guest may touch every byte of [address, address + length) as asked.
    public func isAccessible(_ address: UInt64, _ length: Int, write: Bool) -> Bool {
        guard let range = pageRange(address, UInt64(length)) else { return false }
        guard let pageFlags else { return true }
        let need = write ? UInt8(MIMIC_PAGE_WRITE) : UInt8(MIMIC_PAGE_READ)
        return range.allSatisfy { pageFlags[$0] & need != 0 }
    }

    /// Makes [address, address + length) writable for a host write on the guest's behalf (a
    /// syscall filling a buffer): false when the guest may not write there; pages holding
    /// translated code are released first (see `codeWillChange`).
    public func prepareWrite(_ address: UInt64, _ length: Int) -> Bool {
        guard isAccessible(address, length, write: true) else { return false }
        guard let pageFlags, length > 0, let range = pageRange(address, UInt64(length)) else { return true }
        for page in range where pageFlags[page] & GuestMemory.codeFlag != 0 {
            releaseCode(page: page)
        }
        return true
    }

    /// Marks the page holding `address` as holding translated code: when the guest may write
    /// it, the host write-protects it so the first write is seen (self-modifying code).
    public func markCode(_ address: UInt64) {
        lock.withLock {
            guard let pageFlags, address < UInt64(size) else { return }
            let page = Int(address >> UInt64(MIMIC_PAGE_SHIFT))
            guard pageFlags[page] & GuestMemory.codeFlag == 0 else { return }
            pageFlags[page] |= GuestMemory.codeFlag
            codePages.insert(page)
            if pageFlags[page] & UInt8(MIMIC_PAGE_WRITE) != 0 { applyHostProtection(page) }
        }
    }

    /// Whether a write fault at `address` hit a page the guest may write that is only
    /// write-protected because it holds translated code.
    public func isCodeWriteFault(_ address: UInt64) -> Bool {
        guard let pageFlags, address < UInt64(size) else { return false }
        let flags = pageFlags[Int(address >> UInt64(MIMIC_PAGE_SHIFT))]
        return flags & GuestMemory.codeFlag != 0 && flags & UInt8(MIMIC_PAGE_WRITE) != 0
    }

    /// Drops the code mark of `page`: the runtime's translations of it go (`codeWillChange`),
    /// and the host lets the guest write it again.
    public func releaseCode(page: Int) {
        lock.withLock {
            guard let pageFlags else { return }
            pageFlags[page] &= ~GuestMemory.codeFlag
            codePages.remove(page)
            for cache in translationCaches { cache.takeUnretainedValue().flush() }
            applyHostProtection(page)
        }
    }

    /// Clears every code mark (after the runtime dropped all translations).
    public func forgetCode() {
        lock.withLock {
            guard let pageFlags else { return }
            for page in codePages {
                pageFlags[page] &= ~GuestMemory.codeFlag
                applyHostProtection(page)
            }
            codePages.removeAll()
        }
    }

    private func applyHostProtection(_ page: Int) {
        guard let pageFlags else { return }
        mprotect(base + page * GuestMemory.pageSize, GuestMemory.pageSize, GuestMemory.hostProtection(pageFlags[page]))
    }

    /// The host protection for a page with `flags`: readable when the guest may read or run
    /// it (the translator fetches), writable when the guest may write it and no code on it was
    /// translated.
    private static func hostProtection(_ flags: UInt8) -> Int32 {
        var protection: Int32 = PROT_NONE
        if flags & UInt8(MIMIC_PAGE_READ | MIMIC_PAGE_EXEC) != 0 { protection |= PROT_READ }
        if flags & UInt8(MIMIC_PAGE_WRITE) != 0 && flags & GuestMemory.codeFlag == 0 { protection |= PROT_WRITE | PROT_READ }
        return protection
    }

    private func pageRange(_ address: UInt64, _ length: UInt64) -> Range<Int>? {
        let (end, overflow) = address.addingReportingOverflow(length)
        guard !overflow, end <= UInt64(size) else { return nil }
        let first = Int(address >> UInt64(MIMIC_PAGE_SHIFT))
        let last = length == 0 ? first : Int((end - 1) >> UInt64(MIMIC_PAGE_SHIFT)) + 1
        return first..<max(first, last)
    }

    /// Copies `bytes` into guest memory at `address` (plain RAM, or pages the caller mapped).
    public func write(_ bytes: [UInt8], at address: UInt64) {
        precondition(address + UInt64(bytes.count) <= UInt64(size))
        bytes.withUnsafeBytes { (base + Int(address)).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    public func read(_ count: Int, at address: UInt64) -> [UInt8] {
        precondition(address + UInt64(count) <= UInt64(size))
        return Array(UnsafeRawBufferPointer(start: base + Int(address), count: count))
    }
}
