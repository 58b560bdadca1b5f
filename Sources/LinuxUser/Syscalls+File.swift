import CCPU
#if canImport(Glibc)
import Glibc
#endif

/// File and directory system calls. The host is x86-64 Linux, so each runs as the host's
/// own call with the same number: guest buffers become host pointers once checked, paths are
/// redirected under the sysroot, and structures (stat, statx, timespec, termios...) have the
/// same layout on both sides.
extension LinuxProcess {
    /// A guest path for a host call, allocated (free it with `deallocate`): redirected under
    /// the sysroot when it exists there (`follow`: a link as its last component is followed
    /// within the sysroot, see SysrootPaths); /proc/self/exe names the guest program.
    func hostPath(_ address: UInt64, follow: Bool = false) throws(Errno) -> UnsafeMutablePointer<CChar> {
        var chars = try cString(address)
        let text = String(decoding: chars.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text == "/proc/self/exe" || text == "/proc/\(getpid())/exe" {
            chars = Array(programPath.utf8CString)
        } else if options.sysroot != nil, text.hasPrefix("/") {
            let redirected = SysrootPaths.resolve(text, sysroot: options.sysroot, followLast: follow)
            if redirected != text { chars = Array(redirected.utf8CString) }
        }
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: chars.count)
        p.initialize(from: chars, count: chars.count)
        return p
    }

    /// Runs `body` with the host forms of the guest paths at `addresses` (0 stays NULL);
    /// `follow`: the call follows a link named by the path (see `hostPath`).
    func withPaths(_ addresses: [UInt64], follow: Bool = false, _ body: ([Int]) -> Int64) throws(Errno) -> Int64 {
        var pointers: [UnsafeMutablePointer<CChar>?] = []
        defer { for p in pointers { p?.deallocate() } }
        for address in addresses {
            pointers.append(address == 0 ? nil : try hostPath(address, follow: follow))
        }
        return body(pointers.map { Int(bitPattern: $0) })
    }

    /// A data buffer of a read or write as a host pointer and length. The host kernel itself
    /// checks it: guest pages are mapped on the host with the guest's access (unmapped ones
    /// inaccessible), so the host call copies what Linux would copy and fails with EFAULT where
    /// Linux would. Only the range is checked here, and translated code on pages the call will
    /// write is released first.
    func accessiblePrefix(_ address: UInt64, _ count: UInt64, write: Bool) throws(Errno) -> (Int, Int) {
        let length = min(count, 0x7FFF_F000)
        if length == 0 { return (0, 0) }
        guard address < space.size, length <= space.size - address else { throw .fault }
        if write { space.releaseWritableCode(address, address + length) }
        return (hostArgument(space.host(address)), Int(length))
    }

    /// A guest iovec array as a host one, every buffer checked.
    func hostIOVectors(_ address: UInt64, _ count: Int32, write: Bool) throws(Errno) -> [iovec] {
        guard count >= 0, count <= 1024 else { throw .invalid }
        let raw = try reading(address, Int(count) * 16)
        var vectors: [iovec] = []
        vectors.reserveCapacity(Int(count))
        for i in 0..<Int(count) {
            let base = raw.load(fromByteOffset: 16 * i, as: UInt64.self)
            let length = raw.load(fromByteOffset: 16 * i + 8, as: UInt64.self)
            guard length <= 0x7FFF_FFFF else { throw .invalid }
            let p = length == 0 ? nil : (write ? try writing(base, Int(length)) : try reading(base, Int(length)))
            vectors.append(iovec(iov_base: p, iov_len: Int(length)))
        }
        return vectors
    }

    func sysVectored(_ call: SyscallNumber, _ a: SyscallArguments, write: Bool) throws(Errno) -> Int64 {
        let vectors = try hostIOVectors(a[1], a.int(2), write: write)
        return vectors.withUnsafeBufferPointer { v in
            hostSyscall(call, a.long(0), Int(bitPattern: v.baseAddress), Int(a.int(2)), a.long(3), a.long(4), a.long(5))
        }
    }

    /// readlink and readlinkat: /proc/self/exe shows the guest program, not Mimic.
    func sysReadlink(_ call: SyscallNumber, dirfd: Int, path: UInt64, buffer: UInt64, size: Int) throws(Errno) -> Int64 {
        guard size > 0 else { throw .invalid }
        let text = try string(path, limit: Int(PATH_MAX))
        if text == "/proc/self/exe" || text == "/proc/\(getpid())/exe" {
            let bytes = Array(programPath.utf8)
            let n = min(bytes.count, size)
            let out = try writing(buffer, n)
            bytes.withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: n) }
            return Int64(n)
        }
        let (out, n) = try accessiblePrefix(buffer, UInt64(size), write: true)
        return try withPaths([path]) { p in
            call == .readlink ? hostSyscall(.readlink, p[0], out, n) : hostSyscall(.readlinkat, dirfd, p[0], out, n)
        }
    }

    func sysIoctl(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let request = UInt32(truncatingIfNeeded: a[1])
        let fd = a.long(0)
        switch request {
        case 0x5401, 0x5413, 0x540F, 0x541B, 0x5429, 0x5411, 0x802C_542A, 0x8004_5430:
            // TCGETS, TIOCGWINSZ, TIOCGPGRP, FIONREAD, TIOCGSID, TIOCOUTQ, TCGETS2, TIOCGPTN
            let size = switch request { case 0x5401: 36; case 0x802C_542A: 44; case 0x5413: 8; default: 4 }
            return hostSyscall(.ioctl, fd, Int(request), hostArgument(try writing(a[2], size)))
        case 0x5402, 0x5403, 0x5404, 0x5414, 0x5410, 0x5421, 0x402C_542B, 0x4004_5431:
            // TCSETS, TCSETSW, TCSETSF, TIOCSWINSZ, TIOCSPGRP, FIONBIO, TCSETS2, TIOCSPTLCK
            let size = switch request { case 0x5402, 0x5403, 0x5404: 36; case 0x402C_542B: 44; case 0x5414: 8; default: 4 }
            return hostSyscall(.ioctl, fd, Int(request), hostArgument(try reading(a[2], size)))
        case 0x5409, 0x540A, 0x540B, 0x540E, 0x5422, 0x5450, 0x5451, 0x4004_9409:
            // TCSBRK, TCXONC, TCFLSH, TIOCSCTTY, TIOCNOTTY, FIONCLEX, FIOCLEX, FICLONE: integer arguments
            return hostSyscall(.ioctl, fd, Int(request), a.long(2))
        case 0x5452:  // FIOASYNC: an int in
            return hostSyscall(.ioctl, fd, Int(request), hostArgument(try reading(a[2], 4)))
        case 0x8905, 0x8008_6601, 0x2:  // SIOCATMARK, FS_IOC_GETFLAGS, FIGETBSZ: an int out
            return hostSyscall(.ioctl, fd, Int(request), hostArgument(try writing(a[2], 4)))
        case 0x8910, 0x8913, 0x8915, 0x8917, 0x8919, 0x891B, 0x8921, 0x8927, 0x8933:
            // SIOCGIFNAME, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFDSTADDR, SIOCGIFBRDADDR, SIOCGIFNETMASK,
            // SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX: a struct ifreq (40 bytes) in and out
            return hostSyscall(.ioctl, fd, Int(request), hostArgument(try writing(a[2], 40)))
        case 0x8912:  // SIOCGIFCONF: struct ifconf {int length; pointer to ifreqs (NULL: measure)}
            let conf = try writing(a[2], 16)
            let length = conf.load(as: Int32.self), buffer = conf.load(fromByteOffset: 8, as: UInt64.self)
            guard length >= 0 else { throw .invalid }
            var host = (length, Int32(0), buffer == 0 ? 0 : UInt64(UInt(bitPattern: hostArgument(try writing(buffer, Int(length))))))
            let r = withUnsafeMutablePointer(to: &host) { hostSyscall(.ioctl, fd, Int(request), hostArgument($0)) }
            if r >= 0 { conf.storeBytes(of: host.0, as: Int32.self) }
            return r
        default:
            logUnimplemented("ioctl 0x" + String(request, radix: 16) + " on fd \(fd)")
            return -Int64(ENOTTY)
        }
    }

    func sysFcntl(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let fd = a.long(0), command = a.int(1)
        switch command {
        case 0, 1, 2, 3, 4, 8, 9, 10, 11, 1024, 1025, 1026, 1030, 1031, 1032, 1033, 1034:
            // F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG,
            // leases, F_NOTIFY, F_DUPFD_CLOEXEC, pipe sizes, seals: integer arguments
            return hostSyscall(.fcntl, fd, Int(command), a.long(2))
        case 5, 36:  // F_GETLK, F_OFD_GETLK: struct flock in and out
            return hostSyscall(.fcntl, fd, Int(command), hostArgument(try writing(a[2], 32)))
        case 6, 7, 37, 38:  // F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW
            return hostSyscall(.fcntl, fd, Int(command), hostArgument(try reading(a[2], 32)))
        case 16:  // F_GETOWN_EX
            return hostSyscall(.fcntl, fd, Int(command), hostArgument(try writing(a[2], 8)))
        case 15:  // F_SETOWN_EX
            return hostSyscall(.fcntl, fd, Int(command), hostArgument(try reading(a[2], 8)))
        default:
            logUnimplemented("fcntl command \(command)")
            throw .invalid
        }
    }

    /// select's fd_set arguments: (nfds + 63) / 64 words each, read and written.
    func sysSelect(_ call: SyscallNumber, _ a: SyscallArguments) throws(Errno) -> Int64 {
        let n = a.int(0)
        guard n >= 0 else { throw .invalid }
        let setBytes = (Int(n) + 63) / 64 * 8
        let read = try optionalWriting(a[1], setBytes), write = try optionalWriting(a[2], setBytes)
        let except = try optionalWriting(a[3], setBytes)
        if call == .select {
            return hostSyscall(.select, Int(n), hostArgument(read), hostArgument(write), hostArgument(except),
                               hostArgument(try optionalWriting(a[4], 16)))
        }
        let timeout = try optionalWriting(a[4], 16)
        return waitWithTemporaryMask(try pselectMask(a[5])) { m, probe in
            var argument = (UInt64(UInt(bitPattern: m)), UInt64(8))
            guard probe else {
                return withUnsafeMutablePointer(to: &argument) {
                    hostSyscall(.pselect6, Int(n), hostArgument(read), hostArgument(write), hostArgument(except),
                                hostArgument(timeout), m == 0 ? 0 : hostArgument($0))
                }
            }
            // A look without waiting, on copies: when nothing is ready (EINTR) Linux leaves
            // the sets as they were.
            var sets = [UInt8](repeating: 0, count: 3 * setBytes)
            var zero = timespec()
            let result = sets.withUnsafeMutableBytes { copies -> Int64 in
                let copy = { (i: Int, set: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? in
                    guard let set else { return nil }
                    copies.baseAddress!.advanced(by: i * setBytes).copyMemory(from: set, byteCount: setBytes)
                    return copies.baseAddress!.advanced(by: i * setBytes)
                }
                let (r, w, e) = (copy(0, read), copy(1, write), copy(2, except))
                let found = withUnsafeMutablePointer(to: &argument) { mask in
                    withUnsafeMutablePointer(to: &zero) {
                        hostSyscall(.pselect6, Int(n), hostArgument(r), hostArgument(w), hostArgument(e), hostArgument($0), hostArgument(mask))
                    }
                }
                if found > 0 {
                    for (copy, set) in [(r, read), (w, write), (e, except)] {
                        if let copy, let set { set.copyMemory(from: copy, byteCount: setBytes) }
                    }
                }
                return found
            }
            return result
        }
    }

    func sysPoll(_ call: SyscallNumber, _ a: SyscallArguments) throws(Errno) -> Int64 {
        let count = a.long(1)
        guard count >= 0, count <= 1 << 20 else { throw .invalid }
        let fds = count == 0 ? nil : try writing(a[0], 8 * count)
        if call == .poll { return hostSyscall(.poll, hostArgument(fds), count, a.long(2)) }
        guard a[3] == 0 || a[4] == 8 else { throw .invalid }
        let timeout = try optionalWriting(a[2], 16)
        let mask: UInt64? = a[3] == 0 ? nil : try load(a[3], as: UInt64.self)
        return waitWithTemporaryMask(mask) { m, probe in
            // A look without waiting writes each revents as Linux's interrupted ppoll does.
            var zero = timespec()
            return withUnsafeMutablePointer(to: &zero) {
                hostSyscall(.ppoll, hostArgument(fds), count, probe ? hostArgument($0) : hostArgument(timeout), m, 8)
            }
        }
    }

    /// pselect6's sixth argument: a pointer to {const sigset_t *, size_t}, the mask the call
    /// waits with (nil: no pointer, or a NULL set, which leaves the mask alone).
    func pselectMask(_ address: UInt64) throws(Errno) -> UInt64? {
        guard address != 0 else { return nil }
        let setAddress: UInt64 = try load(address, as: UInt64.self)
        let size: UInt64 = try load(address + 8, as: UInt64.self)
        guard setAddress != 0 else { return nil }
        guard size == 8 else { throw .invalid }
        return try load(setAddress, as: UInt64.self)
    }
}
