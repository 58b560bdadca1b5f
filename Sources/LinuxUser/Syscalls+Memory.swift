import CCPU
import TCG
#if canImport(Glibc)
import Glibc
#endif

/// brk, mmap, munmap, mremap, mprotect, madvise, msync, mincore with Linux's semantics over
/// the guest's address space; membarrier.
///
/// Private anonymous memory is the address space's own zero pages. File and shared mappings
/// are host mappings (made anywhere by the host kernel, which checks the descriptor, the
/// offset and the access as Linux does) moved into the guest range with mremap, so MAP_SHARED
/// is really shared, with the file and across fork.
extension LinuxProcess {
    static let mapShared: UInt64 = 0x01, mapPrivate: UInt64 = 0x02, mapSharedValidate: UInt64 = 0x03
    static let mapFixed: UInt64 = 0x10, mapAnonymous: UInt64 = 0x20, map32Bit: UInt64 = 0x40
    static let mapFixedNoReplace: UInt64 = 0x10_0000
    static let mremapMayMove: UInt64 = 1, mremapFixed: UInt64 = 2, mremapDontUnmap: UInt64 = 4

    static func pageAccess(fromProtection prot: UInt64) -> GuestMemory.PageAccess {
        var access: GuestMemory.PageAccess = []
        if prot & UInt64(PROT_READ) != 0 { access.insert(.read) }
        if prot & UInt64(PROT_WRITE) != 0 { access.insert(.write) }
        if prot & UInt64(PROT_EXEC) != 0 { access.insert(.execute) }
        return access
    }

    func sysBrk(_ a: SyscallArguments) -> Int64 {
        let requested = a[0]
        let current = space.brk
        guard requested >= space.brkStart, let newEnd = AddressSpace.pageUp(requested), newEnd <= space.mmapTop else {
            return Int64(current)
        }
        let oldEnd = AddressSpace.pageUp(current)!
        if newEnd > oldEnd {
            guard space.isFree(oldEnd, newEnd) else { return Int64(current) }
            // Fresh read-write pages; the record merges with the heap before them.
            space.mapAnonymous(GuestMapping(start: oldEnd, end: newEnd, access: [.read, .write], name: "[heap]"))
        } else if newEnd < oldEnd {
            willRelease(newEnd, oldEnd)
            space.unmap(newEnd, oldEnd)
        }
        space.brk = requested
        return Int64(requested)
    }

    func sysMmap(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let hint = a[0], length = a[1], prot = a[2], flags = a[3], fd = a.int(4), offset = a[5]
        let type = flags & 0xF
        guard length != 0, offset & (AddressSpace.pageSize - 1) == 0,
              type == LinuxProcess.mapShared || type == LinuxProcess.mapPrivate || type == LinuxProcess.mapSharedValidate else { throw .invalid }
        guard let rounded = AddressSpace.pageUp(length), rounded <= space.size else { throw Errno(ENOMEM) }
        let anonymous = flags & LinuxProcess.mapAnonymous != 0
        let shared = type != LinuxProcess.mapPrivate
        let fixed = flags & (LinuxProcess.mapFixed | LinuxProcess.mapFixedNoReplace) != 0
        let address: UInt64
        if fixed {
            guard hint & (AddressSpace.pageSize - 1) == 0 else { throw .invalid }
            guard hint <= space.size - rounded, hint >= AddressSpace.pageSize else { throw Errno(hint == 0 ? EPERM : ENOMEM) }
            if flags & LinuxProcess.mapFixed == 0, !space.isFree(hint, hint + rounded) { throw Errno(EEXIST) }
            address = hint
        } else {
            address = try chooseAddress(hint: hint, length: rounded, low: flags & LinuxProcess.map32Bit != 0)
        }
        if fixed { willRelease(address, address + rounded) }
        let access = LinuxProcess.pageAccess(fromProtection: prot)
        if anonymous && !shared {
            space.mapAnonymous(GuestMapping(start: address, end: address + rounded, access: access))
            return Int64(address)
        }
        // The host maps the file (or shared memory) anywhere first: its errors are Linux's.
        var hostProt = Int32(prot & UInt64(PROT_READ | PROT_WRITE))
        if access.contains(.execute) { hostProt |= PROT_READ }
        let hostFlags = Int32(shared ? MAP_SHARED : MAP_PRIVATE) | (anonymous ? MAP_ANONYMOUS : 0)
        let r = hostSyscall(.mmap, 0, Int(rounded), Int(hostProt), Int(hostFlags), anonymous ? -1 : Int(fd), Int(offset))
        guard r >= 0 || r < -4095 else { return r }
        var name = ""
        if !anonymous { name = descriptorPath(fd) ?? "" }
        guard space.adoptHostMapping(UnsafeMutableRawPointer(bitPattern: UInt(r))!,
                                     GuestMapping(start: address, end: address + rounded, access: access, shared: shared,
                                                  offset: anonymous ? 0 : offset, name: anonymous ? "" : name)) else { throw Errno(ENOMEM) }
        return Int64(address)
    }

    /// Where a mapping without MAP_FIXED goes: the hint when that range is free, else the
    /// highest free range below the mmap area's top (below 2 GiB for MAP_32BIT).
    func chooseAddress(hint: UInt64, length: UInt64, low: Bool) throws(Errno) -> UInt64 {
        let h = AddressSpace.pageDown(hint)
        if h >= 0x10000, h <= space.mmapTop, length <= space.mmapTop - h, space.isFree(h, h + length) { return h }
        guard let found = space.findFree(length: length, below: low ? 1 << 31 : space.mmapTop, above: 0x10000) else { throw Errno(ENOMEM) }
        return found
    }

    func sysMunmap(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let start = a[0]
        guard start & (AddressSpace.pageSize - 1) == 0, a[1] != 0, let end = AddressSpace.pageUp(start &+ a[1]),
              end > start, end <= space.size else { throw .invalid }
        willRelease(start, end)
        space.unmap(start, end)
        return 0
    }

    func sysMprotect(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let start = a[0], prot = a[2]
        guard start & (AddressSpace.pageSize - 1) == 0 else { throw .invalid }
        guard prot & ~UInt64(PROT_READ | PROT_WRITE | PROT_EXEC | 0x0100_0000 | 0x0200_0000) == 0 else { throw .invalid }
        guard let end = AddressSpace.pageUp(start &+ a[1]), end >= start else { throw Errno(ENOMEM) }
        if end == start { return 0 }
        guard end <= space.size, space.isFullyMapped(start, end) else { throw Errno(ENOMEM) }
        space.changeAccess(start, end, LinuxProcess.pageAccess(fromProtection: prot))
        return 0
    }

    func sysMremap(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let old = a[0], flags = a[3], requested = a[4]
        guard old & (AddressSpace.pageSize - 1) == 0,
              flags & ~(LinuxProcess.mremapMayMove | LinuxProcess.mremapFixed | LinuxProcess.mremapDontUnmap) == 0,
              flags & LinuxProcess.mremapFixed == 0 || flags & LinuxProcess.mremapMayMove != 0 else { throw .invalid }
        guard let oldLength = AddressSpace.pageUp(a[1]), let newLength = AddressSpace.pageUp(a[2]), newLength != 0 else { throw .invalid }
        guard flags & LinuxProcess.mremapDontUnmap == 0 else { throw .invalid }
        guard oldLength != 0, old <= space.size - oldLength, let source = space.mapping(containing: old),
              old + oldLength <= source.end else { throw .fault }
        if flags & LinuxProcess.mremapFixed != 0 {
            guard requested & (AddressSpace.pageSize - 1) == 0, requested <= space.size - newLength, requested >= AddressSpace.pageSize,
                  requested + newLength <= old || requested >= old + oldLength else { throw .invalid }
            willRelease(requested, requested + newLength)
            if oldLength > newLength { willRelease(old + newLength, old + oldLength) }
            space.unmap(requested, requested + newLength)
            guard space.move(old, min(oldLength, newLength), to: requested, newLength) else { throw Errno(ENOMEM) }
            if oldLength > newLength { space.unmap(old + newLength, old + oldLength) }
            return Int64(requested)
        }
        if newLength <= oldLength {
            willRelease(old + newLength, old + oldLength)
            space.unmap(old + newLength, old + oldLength)
            return Int64(old)
        }
        if old + newLength <= space.size, source.end == old + oldLength, space.isFree(old + oldLength, old + newLength),
           !source.shared, !source.isFileBacked {
            space.extend(old, from: old + oldLength, to: old + newLength)
            return Int64(old)
        }
        guard flags & LinuxProcess.mremapMayMove != 0 else { throw Errno(ENOMEM) }
        let target = try chooseAddress(hint: 0, length: newLength, low: false)
        guard space.move(old, oldLength, to: target, newLength) else { throw Errno(ENOMEM) }
        return Int64(target)
    }

    func sysMadvise(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let start = a[0]
        guard start & (AddressSpace.pageSize - 1) == 0, let end = AddressSpace.pageUp(start &+ a[1]), end >= start else { throw .invalid }
        if end == start { return 0 }
        guard end <= space.size, space.isFullyMapped(start, end) else { throw Errno(ENOMEM) }
        switch a.int(2) {
        case 4, 8:  // MADV_DONTNEED, MADV_FREE: private pages read as zeros (or the file) again
            willRelease(start, end)
            space.releaseCode(start, end)
            return hostSyscall(.madvise, hostArgument(space.host(start)), Int(end - start), 4)
        default:
            return 0
        }
    }

    func sysMsync(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let start = a[0]
        guard start & (AddressSpace.pageSize - 1) == 0, let end = AddressSpace.pageUp(start &+ a[1]), end >= start else { throw .invalid }
        guard end <= space.size, space.isFullyMapped(start, end) else { throw Errno(ENOMEM) }
        return hostSyscall(.msync, hostArgument(space.host(start)), Int(end - start), a.long(2))
    }

    func sysMincore(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let start = a[0]
        guard start & (AddressSpace.pageSize - 1) == 0 else { throw .invalid }
        guard let end = AddressSpace.pageUp(start &+ a[1]), end <= space.size, space.isFullyMapped(start, end) else { throw Errno(ENOMEM) }
        let pages = Int((end - start) / AddressSpace.pageSize)
        let out = try writing(a[2], pages)
        return hostSyscall(.mincore, hostArgument(space.host(start)), Int(end - start), hostArgument(out))
    }

    /// membarrier: the host's, whose barriers reach every guest thread (each is a host
    /// thread of this process). Without rseq under Mimic its commands are not offered, as a
    /// kernel without CONFIG_RSEQ answers.
    func sysMembarrier(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let rseqCommands: Int32 = 0x80 | 0x100  // PRIVATE_EXPEDITED_RSEQ and its registration
        let command = a.int(0)
        if command & rseqCommands != 0 { throw .invalid }
        let r = hostSyscall(.membarrier, Int(command), Int(a.int(1)), Int(a.int(2)))
        return command == 0 && r > 0 ? r & ~Int64(rseqCommands) : r
    }

    /// The path a descriptor names (for the mapping list), from /proc/self/fd.
    func descriptorPath(_ fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
