import ELF
import TCG
#if canImport(Glibc)
import Glibc
#endif

/// A program's image in guest memory, with what the initial stack's auxiliary vector and the
/// run loop need to know about it.
public struct LoadedImage: Equatable, Sendable {
    /// e_entry plus the load bias.
    public var entry: UInt64
    /// What was added to every p_vaddr (0 for ET_EXEC).
    public var bias: UInt64
    /// Guest address of the program headers (AT_PHDR), 0 if no segment holds them.
    public var programHeaders: UInt64
    public var programHeaderCount: Int
    /// PT_INTERP: the dynamic loader the program asks for.
    public var interpreter: String?
    /// The end of the highest segment (where the brk heap starts, page aligned up).
    public var end: UInt64
    /// PT_GNU_STACK asks for an executable stack.
    public var executableStack: Bool
}

/// Reads and checks an x86-64 ELF program and maps its PT_LOAD segments into an address space.
public enum ProgramLoader {
    /// Reads `path` whole. A missing file is status 127, anything else unreadable status 2.
    public static func read(path: String) throws(LoadError) -> ELFFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw LoadError("\(path): \(String(cString: strerror(e)))",
                            status: e == ENOENT || e == ENOTDIR ? LoadError.missingStatus : LoadError.badInputStatus)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw LoadError("\(path): \(String(cString: strerror(errno)))") }
        guard st.st_mode & S_IFMT != S_IFDIR else { throw LoadError("\(path): is a directory") }
        guard st.st_mode & S_IFMT == S_IFREG else { throw LoadError("\(path): not a regular file") }
        guard st.st_size <= 1 << 32 else { throw LoadError("\(path): too large to be a program (\(st.st_size) bytes)") }
        // Read straight into the array's storage: zero-filling it first would touch every page twice.
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: Int(st.st_size)) { buffer, count in
            while count < buffer.count {
                let n = Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else {
                    failure = n < 0 ? String(cString: strerror(errno)) : "unexpected end of file"
                    return
                }
                count += n
            }
        }
        if let failure { throw LoadError("\(path): cannot read: \(failure)") }
        do {
            return try ELFFile(bytes: bytes)
        } catch {
            throw LoadError("\(path): \(error)")
        }
    }

    /// Checks `elf` and copies its segments into `space`. A position-independent program
    /// (ET_DYN) is placed at `base` (aligned to its largest segment alignment).
    /// `hostPath`, the file `elf` was read from, lets the segments' file pages be mapped from
    /// it (copy-on-write, as Linux maps them) rather than copied.
    public static func load(_ elf: ELFFile, name: String, into space: AddressSpace,
                            base: UInt64? = nil, hostPath: String? = nil) throws(LoadError) -> LoadedImage {
        let page = AddressSpace.pageSize
        guard elf.machine == .x86_64 else {
            let machine: String = switch elf.machine {
            case .x86: "i386"
            case .x86_64: "x86-64"
            case .other(let m): "machine \(m)"
            }
            throw LoadError("\(name): not an x86-64 program (ELF for \(machine))")
        }
        let positionIndependent: Bool
        switch elf.type {
        case .executable: positionIndependent = false
        case .sharedObject: positionIndependent = true
        default: throw LoadError("\(name): not an executable ELF file (type \(elf.type))")
        }
        let fileSize = UInt64(elf.bytes.count)
        var loads: [ELFProgramHeader] = []
        var interpreter: String?
        var executableStack = false
        var phdrSegment: UInt64?
        for (i, ph) in elf.programHeaders.enumerated() {
            switch ph.type {
            case ELFProgramHeader.load:
                let (fileEnd, o1) = ph.offset.addingReportingOverflow(ph.fileSize)
                let (memEnd, o2) = ph.virtualAddress.addingReportingOverflow(ph.memorySize)
                guard !o1, fileEnd <= fileSize else { throw LoadError("\(name): segment \(i) lies outside the file") }
                guard ph.fileSize <= ph.memorySize else { throw LoadError("\(name): segment \(i) has more file bytes than memory bytes") }
                guard !o2, memEnd <= space.mmapTop else { throw LoadError("\(name): segment \(i) at 0x\(String(ph.virtualAddress, radix: 16)) size 0x\(String(ph.memorySize, radix: 16)) does not fit the address space") }
                guard (ph.virtualAddress &- ph.offset) % page == 0 else { throw LoadError("\(name): segment \(i) address and file offset differ modulo the page size") }
                if ph.memorySize > 0 { loads.append(ph) }
            case ELFProgramHeader.interp:
                let (end, o) = ph.offset.addingReportingOverflow(ph.fileSize)
                guard !o, end <= fileSize, ph.fileSize > 1, ph.fileSize < 4096 else { throw LoadError("\(name): bad PT_INTERP") }
                let raw = elf.bytes[Int(ph.offset)..<Int(end)]
                guard let nul = raw.firstIndex(of: 0), nul > raw.startIndex else { throw LoadError("\(name): PT_INTERP is not a NUL-terminated path") }
                interpreter = String(decoding: raw[..<nul], as: UTF8.self)
            case ELFProgramHeader.gnuStack:
                executableStack = ph.flags & ELFProgramHeader.executable != 0
            case ELFProgramHeader.phdr:
                phdrSegment = ph.virtualAddress
            default:
                break
            }
        }
        guard !loads.isEmpty else { throw LoadError("\(name): no loadable segment") }
        let ordered = loads.sorted { $0.virtualAddress < $1.virtualAddress }
        for (a, b) in zip(ordered, ordered.dropFirst()) where a.virtualAddress + a.memorySize > b.virtualAddress {
            throw LoadError("\(name): segments at 0x\(String(a.virtualAddress, radix: 16)) and 0x\(String(b.virtualAddress, radix: 16)) overlap")
        }
        let low = AddressSpace.pageDown(ordered.first!.virtualAddress)
        let high = ordered.map { $0.virtualAddress + $0.memorySize }.max()!
        var bias: UInt64 = 0
        if positionIndependent {
            let base = base ?? space.programBase
            var align = page
            for ph in ordered where ph.alignment > align && ph.alignment & (ph.alignment - 1) == 0 { align = ph.alignment }
            guard align <= 1 << 30 else { throw LoadError("\(name): segment alignment 0x\(String(align, radix: 16)) is too large") }
            bias = ((base + align - 1) & ~(align - 1)) &- low
            guard base < space.mmapTop, high - low <= space.mmapTop - base, align < space.mmapTop - base - (high - low) else { throw LoadError("\(name): the program's segments span too much memory") }
        } else {
            guard low >= page else { throw LoadError("\(name): segment at address 0 (Linux refuses to map page zero)") }
        }
        guard let highPage = AddressSpace.pageUp(high + bias) else { throw LoadError("\(name): segments do not fit the address space") }

        // Fresh writable pages for every segment, the file's pages copied in as Linux maps
        // them (whole pages, so bytes past p_filesz on its last page are the file's, zeroed
        // only in a writable segment), then each page given the union of the access of the
        // segments on it.
        let span = (low + bias, highPage)
        guard space.isFree(span.0, span.1) else { throw LoadError("\(name): segments overlap memory already mapped") }
        for ph in ordered {
            let start = AddressSpace.pageDown(ph.virtualAddress + bias)
            space.setFreshAccess(start, AddressSpace.pageUp(ph.virtualAddress + bias + ph.memorySize)! - start, [.read, .write])
        }
        let file = hostPath.map { open($0, O_RDONLY | O_CLOEXEC) } ?? -1
        defer { if file >= 0 { close(file) } }
        var previous: (end: UInt64, access: GuestMemory.PageAccess) = (0, [])
        var finalAccess: [(start: UInt64, end: UInt64, access: GuestMemory.PageAccess)] = []
        for ph in ordered {
            let start = AddressSpace.pageDown(ph.virtualAddress + bias)
            let end = AddressSpace.pageUp(ph.virtualAddress + bias + ph.memorySize)!
            let fileStart = AddressSpace.pageDown(ph.offset)
            let fileEnd = ph.fileSize == 0 ? fileStart : min(AddressSpace.pageUp(ph.offset + ph.fileSize)!, fileSize)
            // A page the previous segment shares keeps what was copied there; the file's last
            // page, when the file ends inside it, is copied too (the rest of it stays zero).
            let mapStart = max(start, previous.end), mapEnd = AddressSpace.pageDown(start + (fileEnd - fileStart))
            let mapped = file >= 0 && mapEnd > mapStart
                && mmap(space.host(mapStart), Int(mapEnd - mapStart), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
                        file, off_t(fileStart + (mapStart - start))) != MAP_FAILED
            elf.bytes.withUnsafeBytes { bytes in
                if mapped {
                    if mapStart > start { space.host(start).copyMemory(from: bytes.baseAddress! + Int(fileStart), byteCount: Int(mapStart - start)) }
                    let tail = fileStart + (mapEnd - start)
                    if tail < fileEnd { space.host(mapEnd).copyMemory(from: bytes.baseAddress! + Int(tail), byteCount: Int(fileEnd - tail)) }
                } else {
                    space.host(start).copyMemory(from: bytes.baseAddress! + Int(fileStart), byteCount: Int(fileEnd - fileStart))
                }
            }
            if ph.flags & ELFProgramHeader.writable != 0, ph.memorySize > ph.fileSize {
                let zeroStart = ph.virtualAddress + bias + ph.fileSize
                let zeroEnd = min(AddressSpace.pageUp(zeroStart)!, end)
                space.host(zeroStart).initializeMemory(as: UInt8.self, repeating: 0, count: Int(zeroEnd - zeroStart))
            }
            var access: GuestMemory.PageAccess = []
            if ph.flags & ELFProgramHeader.readable != 0 { access.insert(.read) }
            if ph.flags & ELFProgramHeader.writable != 0 { access.insert(.write) }
            if ph.flags & ELFProgramHeader.executable != 0 { access.insert(.execute) }
            var first = start
            if first < previous.end {
                // A page shared with the previous segment gets what both allow.
                finalAccess.append((first, first + page, access.union(previous.access)))
                first += page
            }
            if first < end { finalAccess.append((first, end, access)) }
            previous = (end, access)
            // The pages holding file bytes map the file; whole pages of bss past them are
            // anonymous memory, as /proc/PID/maps shows them.
            let fileBacked = ph.fileSize == 0 ? start : min(AddressSpace.pageUp(ph.virtualAddress + bias + ph.fileSize)!, end)
            if fileBacked > start { space.record(GuestMapping(start: start, end: fileBacked, access: access, offset: fileStart, name: name)) }
            if end > fileBacked { space.record(GuestMapping(start: fileBacked, end: end, access: access)) }
        }
        for range in finalAccess { space.setFreshAccess(range.start, range.end - range.start, range.access) }

        // AT_PHDR: PT_PHDR if present, else the loaded bytes that hold e_phoff.
        let phoff = UInt64(elf.bytes[32...39].reversed().reduce(0) { $0 << 8 | UInt64($1) })
        var phdrAddress: UInt64 = 0
        if let phdrSegment {
            phdrAddress = phdrSegment + bias
        } else if let holder = ordered.first(where: { $0.offset <= phoff && phoff < $0.offset + $0.fileSize }) {
            phdrAddress = holder.virtualAddress + (phoff - holder.offset) + bias
        }
        return LoadedImage(entry: elf.entry &+ bias, bias: bias, programHeaders: phdrAddress,
                           programHeaderCount: elf.programHeaders.count, interpreter: interpreter,
                           end: high + bias, executableStack: executableStack)
    }
}
