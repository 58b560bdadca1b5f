import CCPU
import Introspection
#if canImport(Glibc)
import Glibc
#endif

/// The system call table: what each call the guest makes becomes. Most run as the host's
/// own call (same number, same structures) with guest pointers checked and translated;
/// memory, signals, processes and the CPU are Mimic's (see the Syscalls+*.swift files).
/// nil: the call set the registers itself (rt_sigreturn).
extension LinuxProcess {
    func dispatch(_ number: UInt64, _ a: SyscallArguments) throws(Errno) -> Int64? {
        guard let call = SyscallNumber(rawValue: number) else {
            logUnimplemented("syscall \(number) at 0x" + String(cpu.pointee.rip - 2, radix: 16))
            throw Errno(ENOSYS)
        }
        if LinuxProcess.takesDescriptor.contains(call), HostDescriptors.isMimics(a.int(0)) { throw Errno(EBADF) }
        if call == .mmap, a[3] & LinuxProcess.mapAnonymous == 0, HostDescriptors.isMimics(a.int(4)) { throw Errno(EBADF) }
        if call == .dup2 || call == .dup3, HostDescriptors.isMimics(a.int(1)) { throw Errno(EBADF) }
        switch call {
        // Data transfer
        case .read, .pread64, .getdents64, .getdents:
            let (p, n) = try accessiblePrefix(a[1], a[2], write: true)
            return hostSyscall(call, a.long(0), p, n, a.long(3))
        case .write, .pwrite64:
            let (p, n) = try accessiblePrefix(a[1], a[2], write: false)
            return hostSyscall(call, a.long(0), p, n, a.long(3))
        case .readv, .preadv, .preadv2:
            return try sysVectored(call, a, write: true)
        case .writev, .pwritev, .pwritev2:
            return try sysVectored(call, a, write: false)
        case .sendfile:
            return hostSyscall(call, a.long(0), a.long(1), hostArgument(try optionalWriting(a[2], 8)), a.long(3))
        case .copy_file_range:
            return hostSyscall(call, a.long(0), hostArgument(try optionalWriting(a[1], 8)), a.long(2),
                               hostArgument(try optionalWriting(a[3], 8)), a.long(4), a.long(5))
        case .getrandom:
            let (p, n) = try accessiblePrefix(a[0], a[1], write: true)
            return hostSyscall(call, p, n, a.long(2))

        // Descriptors
        case .close, .dup, .dup2, .dup3, .lseek, .fsync, .fdatasync, .ftruncate, .fchmod, .fchown, .flock,
             .fadvise64, .fallocate, .syncfs, .fchdir, .eventfd2, .epoll_create, .epoll_create1, .close_range, .socket, .listen, .shutdown:
            return hostSyscall(call, a.long(0), a.long(1), a.long(2), a.long(3), a.long(4), a.long(5))
        case .fstat:
            return hostSyscall(call, a.long(0), hostArgument(try writing(a[1], 144)))
        case .fstatfs:
            return hostSyscall(call, a.long(0), hostArgument(try writing(a[1], 120)))
        case .ioctl:
            return try sysIoctl(a)
        case .fcntl:
            return try sysFcntl(a)
        case .pipe:
            return hostSyscall(.pipe2, hostArgument(try writing(a[0], 8)), 0)
        case .pipe2:
            return hostSyscall(.pipe2, hostArgument(try writing(a[0], 8)), a.long(1))
        case .poll, .ppoll:
            return try sysPoll(call, a)
        case .select, .pselect6:
            return try sysSelect(call, a)
        case .epoll_ctl:
            return hostSyscall(call, a.long(0), a.long(1), a.long(2), hostArgument(try optionalReading(a[3], 12)))
        case .epoll_wait, .epoll_pwait:
            let count = a.long(2)
            guard count > 0, count <= 1 << 20 else { throw .invalid }
            var mask = a[4] == 0 ? 0 : SignalState.hostMask(try load(a[4], as: UInt64.self))
            let events = try writing(a[1], 12 * count)
            return withUnsafeMutablePointer(to: &mask) { m in
                hostSyscall(call, a.long(0), hostArgument(events), count, a.long(3), a[4] == 0 ? 0 : hostArgument(m), 8)
            }
        case .memfd_create:
            let name = try cString(a[0], limit: 249)
            return name.withUnsafeBufferPointer { hostSyscall(call, Int(bitPattern: $0.baseAddress), a.long(1)) }

        // Paths
        case .open, .creat, .access, .mkdir, .rmdir, .unlink, .chdir, .chmod, .truncate, .chown, .lchown, .mknod:
            return try withPaths([a[0]]) { p in hostSyscall(call, p[0], a.long(1), a.long(2), a.long(3)) }
        case .openat, .mkdirat, .unlinkat, .fchmodat, .faccessat, .faccessat2, .mknodat, .fchownat:
            return try withPaths([a[1]]) { p in hostSyscall(call, a.long(0), p[0], a.long(2), a.long(3), a.long(4)) }
        case .rename, .link:
            return try withPaths([a[0], a[1]]) { p in hostSyscall(call, p[0], p[1]) }
        case .renameat, .renameat2, .linkat:
            return try withPaths([a[1], a[3]]) { p in hostSyscall(call, a.long(0), p[0], a.long(2), p[1], a.long(4)) }
        case .symlink:
            let target = try cString(a[0])
            return try withPaths([a[1]]) { p in target.withUnsafeBufferPointer { hostSyscall(call, Int(bitPattern: $0.baseAddress), p[0]) } }
        case .symlinkat:
            let target = try cString(a[0])
            return try withPaths([a[2]]) { p in target.withUnsafeBufferPointer { hostSyscall(call, Int(bitPattern: $0.baseAddress), a.long(1), p[0]) } }
        case .readlink:
            return try sysReadlink(call, dirfd: Int(AT_FDCWD), path: a[0], buffer: a[1], size: a.long(2))
        case .readlinkat:
            return try sysReadlink(call, dirfd: a.long(0), path: a[1], buffer: a[2], size: a.long(3))
        case .stat, .lstat:
            let buffer = try writing(a[1], 144)
            return try withPaths([a[0]]) { p in hostSyscall(call, p[0], hostArgument(buffer)) }
        case .statfs:
            let buffer = try writing(a[1], 120)
            return try withPaths([a[0]]) { p in hostSyscall(call, p[0], hostArgument(buffer)) }
        case .newfstatat:
            let buffer = try writing(a[2], 144)
            return try withPaths([a[1]]) { p in hostSyscall(call, a.long(0), p[0], hostArgument(buffer), a.long(3)) }
        case .statx:
            let buffer = try writing(a[4], 256)
            return try withPaths([a[1]]) { p in hostSyscall(call, a.long(0), p[0], a.long(2), a.long(3), hostArgument(buffer)) }
        case .utime:
            let times = try optionalReading(a[1], 16)
            return try withPaths([a[0]]) { p in hostSyscall(call, p[0], hostArgument(times)) }
        case .utimes:
            let times = try optionalReading(a[1], 32)
            return try withPaths([a[0]]) { p in hostSyscall(call, p[0], hostArgument(times)) }
        case .utimensat, .futimesat:
            let times = try optionalReading(a[2], 32)
            return try withPaths([a[1]]) { p in hostSyscall(call, a.long(0), p[0], hostArgument(times), a.long(3)) }
        case .getcwd:
            let (p, n) = try accessiblePrefix(a[0], a[1], write: true)
            return hostSyscall(call, p, n)
        case .umask:
            return hostSyscall(call, a.long(0))

        // Sockets
        case .connect, .bind:
            return hostSyscall(call, a.long(0), hostArgument(try reading(a[1], Int(a.int(2)))), Int(a.int(2)))
        case .accept, .accept4, .getsockname, .getpeername:
            let (address, length) = try socketAddressOut(a[1], a[2])
            return hostSyscall(call, a.long(0), address, length, a.long(3))
        case .sendto:
            let (p, n) = try accessiblePrefix(a[1], a[2], write: false)
            return hostSyscall(call, a.long(0), p, n, a.long(3), hostArgument(try optionalReading(a[4], Int(a.int(5)))), Int(a.int(5)))
        case .recvfrom:
            let (p, n) = try accessiblePrefix(a[1], a[2], write: true)
            let (address, length) = try socketAddressOut(a[4], a[5])
            return hostSyscall(call, a.long(0), p, n, a.long(3), address, length)
        case .setsockopt:
            return hostSyscall(call, a.long(0), a.long(1), a.long(2), hostArgument(try optionalReading(a[3], Int(a.int(4)))), Int(a.int(4)))
        case .getsockopt:
            let (value, length) = try socketAddressOut(a[3], a[4])
            return hostSyscall(call, a.long(0), a.long(1), a.long(2), value, length)
        case .socketpair:
            return hostSyscall(call, a.long(0), a.long(1), a.long(2), hostArgument(try writing(a[3], 8)))

        // Memory
        case .brk: return sysBrk(a)
        case .mmap: return try sysMmap(a)
        case .munmap: return try sysMunmap(a)
        case .mprotect: return try sysMprotect(a)
        case .mremap: return try sysMremap(a)
        case .madvise: return try sysMadvise(a)
        case .msync: return try sysMsync(a)
        case .mincore: return try sysMincore(a)

        // Signals
        case .rt_sigaction: return try sysSigaction(a)
        case .rt_sigprocmask: return try sysSigprocmask(a)
        case .rt_sigpending: return try sysSigpending(a)
        case .rt_sigsuspend:
            guard a[1] == 8 else { throw .invalid }
            return try sysSuspend(mask: try load(a[0], as: UInt64.self))
        case .pause: return try sysSuspend(mask: nil)
        case .rt_sigreturn:
            returnFromHandler()
            return nil
        case .sigaltstack: return try sysSigaltstack(a)
        case .kill, .tkill, .tgkill: return try sysKill(call, a)

        // Processes
        case .fork: return try sysClone(flags: UInt64(SIGCHLD), stack: 0, parentTID: 0, childTID: 0, tls: 0)
        case .vfork: return try sysClone(flags: LinuxProcess.cloneVfork | LinuxProcess.cloneVM | UInt64(SIGCHLD), stack: 0, parentTID: 0, childTID: 0, tls: 0)
        case .clone: return try sysClone(flags: a[0], stack: a[1], parentTID: a[2], childTID: a[3], tls: a[4])
        case .execve: return try sysExecve(a)
        case .clone3: return try sysClone3(a)
        case .exit: return exitThread(a.int(0))
        case .exit_group: exitProcess(a.int(0))
        case .wait4:
            return hostSyscall(call, a.long(0), hostArgument(try optionalWriting(a[1], 4)), a.long(2), hostArgument(try optionalWriting(a[3], 144)))
        case .waitid:
            return hostSyscall(call, a.long(0), a.long(1), hostArgument(try optionalWriting(a[2], 128)), a.long(3), hostArgument(try optionalWriting(a[4], 144)))
        case .getpid, .getppid, .gettid, .getuid, .getgid, .geteuid, .getegid, .setuid, .setgid, .setpgid, .getpgrp,
             .setsid, .setreuid, .setregid, .setresuid, .setresgid, .getpgid, .setfsuid, .setfsgid, .getsid,
             .getpriority, .setpriority, .personality, .sched_yield, .alarm, .sync:
            return hostSyscall(call, a.long(0), a.long(1), a.long(2))
        case .getresuid, .getresgid:
            return hostSyscall(call, hostArgument(try writing(a[0], 4)), hostArgument(try writing(a[1], 4)), hostArgument(try writing(a[2], 4)))
        case .getgroups:
            let size = Int(a.int(0))
            guard size >= 0 else { throw .invalid }
            return hostSyscall(call, size, size == 0 ? 0 : hostArgument(try writing(a[1], 4 * size)))
        case .setgroups:
            let size = Int(a.int(0))
            guard size >= 0, size <= 65536 else { throw .invalid }
            return hostSyscall(call, size, size == 0 ? 0 : hostArgument(try reading(a[1], 4 * size)))
        case .arch_prctl: return try sysArchPrctl(a)
        case .set_tid_address:
            clearChildTID = a[0]
            return hostSyscall(.gettid)
        case .set_robust_list:
            guard a[1] == 24 else { throw .invalid }
            return 0
        case .futex: return try sysFutex(a)
        case .prctl: return try sysPrctl(a)
        case .uname:
            return hostSyscall(call, hostArgument(try writing(a[0], 390)))
        case .getrlimit:
            return hostSyscall(call, a.long(0), hostArgument(try writing(a[1], 16)))
        case .setrlimit:
            return hostSyscall(call, a.long(0), hostArgument(try reading(a[1], 16)))
        case .prlimit64:
            return hostSyscall(call, a.long(0), a.long(1), hostArgument(try optionalReading(a[2], 16)), hostArgument(try optionalWriting(a[3], 16)))
        case .getrusage:
            return hostSyscall(call, a.long(0), hostArgument(try writing(a[1], 144)))
        case .sysinfo:
            return hostSyscall(call, hostArgument(try writing(a[0], 112)))
        case .times:
            return hostSyscall(call, hostArgument(try optionalWriting(a[0], 32)))
        case .sched_getaffinity:
            return hostSyscall(call, a.long(0), a.long(1), hostArgument(try writing(a[2], a.long(1))))
        case .sched_setaffinity:
            return hostSyscall(call, a.long(0), a.long(1), hostArgument(try reading(a[2], a.long(1))))
        case .getcpu:
            return hostSyscall(call, hostArgument(try optionalWriting(a[0], 4)), hostArgument(try optionalWriting(a[1], 4)))

        // Time
        case .clock_gettime:
            return hostSyscall(call, a.long(0), hostArgument(try writing(a[1], 16)))
        case .clock_getres:
            return hostSyscall(call, a.long(0), hostArgument(try optionalWriting(a[1], 16)))
        case .gettimeofday:
            return hostSyscall(call, hostArgument(try optionalWriting(a[0], 16)), hostArgument(try optionalWriting(a[1], 8)))
        case .time:
            return hostSyscall(call, hostArgument(try optionalWriting(a[0], 8)))
        case .nanosleep:
            return hostSyscall(call, hostArgument(try reading(a[0], 16)), hostArgument(try optionalWriting(a[1], 16)))
        case .clock_nanosleep:
            return hostSyscall(call, a.long(0), a.long(1), hostArgument(try reading(a[2], 16)), hostArgument(try optionalWriting(a[3], 16)))
        case .getitimer:
            return hostSyscall(call, a.long(0), hostArgument(try writing(a[1], 32)))
        case .setitimer:
            return hostSyscall(call, a.long(0), hostArgument(try optionalReading(a[1], 32)), hostArgument(try optionalWriting(a[2], 32)))

        case .restart_syscall:
            return -Int64(EINTR)
        case .rseq, .get_robust_list, .rt_sigtimedwait, .rt_sigqueueinfo, .sendmsg, .recvmsg:
            logUnimplemented("syscall \(number) (\(call))")
            throw Errno(ENOSYS)
        }
    }

    /// Calls whose first argument is a descriptor: on Mimic's own they fail with EBADF.
    static let takesDescriptor: Set<SyscallNumber> = [
        .read, .pread64, .getdents64, .getdents, .write, .pwrite64, .readv, .preadv, .preadv2, .writev, .pwritev,
        .pwritev2, .close, .dup, .dup2, .dup3, .lseek, .fsync, .fdatasync, .ftruncate, .fchmod, .fchown, .flock,
        .fadvise64, .fallocate, .fstat, .fstatfs, .ioctl, .fcntl, .fchdir,
    ]

    /// An (address, length pointer) pair the call fills (accept, getsockname, getsockopt...):
    /// the length is read first, then both checked for writing.
    func socketAddressOut(_ address: UInt64, _ lengthAddress: UInt64) throws(Errno) -> (Int, Int) {
        guard address != 0 else { return (0, hostArgument(try optionalWriting(lengthAddress, 4))) }
        let length: Int32 = try load(lengthAddress, as: Int32.self)
        guard length >= 0 else { throw .invalid }
        return (hostArgument(try writing(address, Int(length))), hostArgument(try writing(lengthAddress, 4)))
    }

    func logUnimplemented(_ what: @autoclosure () -> String) {
        Log.unimplemented(what())
    }
}
