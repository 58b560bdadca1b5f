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
        if let second = LinuxProcess.secondDescriptor[call], HostDescriptors.isMimics(a.int(second)) { throw Errno(EBADF) }
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
             .fadvise64, .fallocate, .syncfs, .fchdir, .eventfd, .eventfd2, .epoll_create, .epoll_create1, .close_range,
             .socket, .listen, .shutdown, .timerfd_create, .inotify_init, .inotify_init1, .inotify_rm_watch, .tee,
             .sync_file_range, .readahead, .timer_getoverrun, .timer_delete:
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
        case .epoll_wait, .epoll_pwait, .epoll_pwait2:
            return try sysEpollWait(call, a)
        case .signalfd, .signalfd4:
            return try sysSignalfd(call, a)
        case .timerfd_settime, .timer_settime:
            return try sysSetTimer(call, a)
        case .timerfd_gettime, .timer_gettime:
            return hostSyscall(call, a.long(0), hostArgument(try writing(a[1], 32)))
        case .timer_create:
            return hostSyscall(call, a.long(0), hostArgument(try optionalReading(a[1], 64)), hostArgument(try writing(a[2], 4)))
        case .inotify_add_watch:
            return try withPaths([a[1]], follow: a.int(2) & LinuxProcess.inDontFollow == 0) { p in hostSyscall(call, a.long(0), p[0], a.long(2)) }
        case .splice:
            return hostSyscall(call, a.long(0), hostArgument(try optionalWriting(a[1], 8)), a.long(2),
                               hostArgument(try optionalWriting(a[3], 8)), a.long(4), a.long(5))
        case .vmsplice:
            // Into a pipe's write end the buffers are read; out of a read end they are written.
            let writesMemory = fcntl(a.int(0), F_GETFL) & O_ACCMODE != O_WRONLY
            return try sysVectored(call, a, write: writesMemory)
        case .memfd_create:
            let name: [CChar]
            do { name = try cString(a[0], limit: 249) } catch { throw error.code == ENAMETOOLONG ? .invalid : error }
            return name.withUnsafeBufferPointer { hostSyscall(call, Int(bitPattern: $0.baseAddress), a.long(1)) }

        // Paths
        case .open:
            if let file = procFile(try procPath(dirfd: AT_FDCWD, a[0])) { return try openProcFile(file, flags: a.int(1)) }
            return try withPaths([a[0]], follow: a.int(1) & O_NOFOLLOW == 0) { p in hostSyscall(call, p[0], a.long(1), a.long(2)) }
        case .openat:
            if let file = procFile(try procPath(dirfd: a.int(0), a[1])) { return try openProcFile(file, flags: a.int(2)) }
            return try withPaths([a[1]], follow: a.int(2) & O_NOFOLLOW == 0) { p in hostSyscall(call, a.long(0), p[0], a.long(2), a.long(3)) }
        case .openat2:
            guard a[3] >= 24, a[3] <= 4096 else { throw a[3] < 24 ? .invalid : Errno(E2BIG) }
            let how = try reading(a[2], Int(a[3]))
            if let file = procFile(try procPath(dirfd: a.int(0), a[1])) {
                return try openProcFile(file, flags: Int32(truncatingIfNeeded: how.load(as: UInt64.self)))
            }
            let follow = Int32(truncatingIfNeeded: how.load(as: UInt64.self)) & O_NOFOLLOW == 0
            return try withPaths([a[1]], follow: follow) { p in hostSyscall(call, a.long(0), p[0], hostArgument(how), a.long(3)) }
        case .creat, .access, .chdir, .chmod, .truncate, .chown:
            return try withPaths([a[0]], follow: true) { p in hostSyscall(call, p[0], a.long(1), a.long(2), a.long(3)) }
        case .mkdir, .rmdir, .unlink, .lchown, .mknod:
            return try withPaths([a[0]]) { p in hostSyscall(call, p[0], a.long(1), a.long(2), a.long(3)) }
        case .fchmodat, .faccessat, .faccessat2, .fchownat:
            let follow = call == .fchmodat || call == .faccessat || a.int(call == .fchownat ? 4 : 3) & LinuxProcess.atSymlinkNoFollow == 0
            return try withPaths([a[1]], follow: follow) { p in hostSyscall(call, a.long(0), p[0], a.long(2), a.long(3), a.long(4)) }
        case .mkdirat, .unlinkat, .mknodat:
            return try withPaths([a[1]]) { p in hostSyscall(call, a.long(0), p[0], a.long(2), a.long(3), a.long(4)) }
        case .getxattr, .lgetxattr:
            let name = try cString(a[1], limit: 255)
            let (value, size) = try accessiblePrefix(a[2], a[3], write: true)
            return try withPaths([a[0]], follow: call == .getxattr) { p in name.withUnsafeBufferPointer { hostSyscall(call, p[0], Int(bitPattern: $0.baseAddress), value, size) } }
        case .fgetxattr:
            let name = try cString(a[1], limit: 255)
            let (value, size) = try accessiblePrefix(a[2], a[3], write: true)
            return name.withUnsafeBufferPointer { hostSyscall(call, a.long(0), Int(bitPattern: $0.baseAddress), value, size) }
        case .setxattr, .lsetxattr:
            let name = try cString(a[1], limit: 255)
            let (value, size) = try accessiblePrefix(a[2], a[3], write: false)
            return try withPaths([a[0]], follow: call == .setxattr) { p in name.withUnsafeBufferPointer { hostSyscall(call, p[0], Int(bitPattern: $0.baseAddress), value, size, a.long(4)) } }
        case .fsetxattr:
            let name = try cString(a[1], limit: 255)
            let (value, size) = try accessiblePrefix(a[2], a[3], write: false)
            return name.withUnsafeBufferPointer { hostSyscall(call, a.long(0), Int(bitPattern: $0.baseAddress), value, size, a.long(4)) }
        case .listxattr, .llistxattr:
            let (list, size) = try accessiblePrefix(a[1], a[2], write: true)
            return try withPaths([a[0]], follow: call == .listxattr) { p in hostSyscall(call, p[0], list, size) }
        case .flistxattr:
            let (list, size) = try accessiblePrefix(a[1], a[2], write: true)
            return hostSyscall(call, a.long(0), list, size)
        case .removexattr, .lremovexattr:
            let name = try cString(a[1], limit: 255)
            return try withPaths([a[0]], follow: call == .removexattr) { p in name.withUnsafeBufferPointer { hostSyscall(call, p[0], Int(bitPattern: $0.baseAddress)) } }
        case .fremovexattr:
            let name = try cString(a[1], limit: 255)
            return name.withUnsafeBufferPointer { hostSyscall(call, a.long(0), Int(bitPattern: $0.baseAddress)) }
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
            return try withPaths([a[0]], follow: call == .stat) { p in hostSyscall(call, p[0], hostArgument(buffer)) }
        case .statfs:
            let buffer = try writing(a[1], 120)
            return try withPaths([a[0]], follow: true) { p in hostSyscall(call, p[0], hostArgument(buffer)) }
        case .newfstatat:
            let buffer = try writing(a[2], 144)
            return try withPaths([a[1]], follow: a.int(3) & LinuxProcess.atSymlinkNoFollow == 0) { p in
                hostSyscall(call, a.long(0), p[0], hostArgument(buffer), a.long(3))
            }
        case .statx:
            let buffer = try writing(a[4], 256)
            return try withPaths([a[1]], follow: a.int(2) & LinuxProcess.atSymlinkNoFollow == 0) { p in
                hostSyscall(call, a.long(0), p[0], a.long(2), a.long(3), hostArgument(buffer))
            }
        case .utime:
            let times = try optionalReading(a[1], 16)
            return try withPaths([a[0]], follow: true) { p in hostSyscall(call, p[0], hostArgument(times)) }
        case .utimes:
            let times = try optionalReading(a[1], 32)
            return try withPaths([a[0]], follow: true) { p in hostSyscall(call, p[0], hostArgument(times)) }
        case .utimensat, .futimesat:
            let times = try optionalReading(a[2], 32)
            let follow = call == .futimesat || a.int(3) & LinuxProcess.atSymlinkNoFollow == 0
            return try withPaths([a[1]], follow: follow) { p in hostSyscall(call, a.long(0), p[0], hostArgument(times), a.long(3)) }
        case .getcwd:
            let (p, n) = try accessiblePrefix(a[0], a[1], write: true)
            return hostSyscall(call, p, n)
        case .umask:
            return hostSyscall(call, a.long(0))

        // Sockets
        case .connect, .bind:
            let length = try socketAddressLength(a.int(2))
            return hostSyscall(call, a.long(0), hostArgument(try reading(a[1], length)), length)
        case .accept, .accept4, .getsockname, .getpeername:
            let (address, length) = try socketAddressOut(a[1], a[2])
            return hostSyscall(call, a.long(0), address, length, a.long(3))
        case .sendto:
            let (p, n) = try accessiblePrefix(a[1], a[2], write: false)
            let length = a[4] == 0 ? 0 : try socketAddressLength(a.int(5))
            return hostSyscall(call, a.long(0), p, n, a.long(3), hostArgument(try optionalReading(a[4], length)), length)
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
        case .sendmsg: return try sysSendmsg(a)
        case .recvmsg: return try sysRecvmsg(a)
        case .sendmmsg, .recvmmsg: return try sysMultipleMessages(call, a)

        // Memory
        case .brk: return sysBrk(a)
        case .mmap: return try sysMmap(a)
        case .munmap: return try sysMunmap(a)
        case .mprotect: return try sysMprotect(a)
        case .mremap: return try sysMremap(a)
        case .madvise: return try sysMadvise(a)
        case .msync: return try sysMsync(a)
        case .mincore: return try sysMincore(a)
        case .membarrier: return try sysMembarrier(a)

        // System V IPC
        case .shmget, .semget, .msgget:
            return hostSyscall(call, a.long(0), a.long(1), a.long(2))
        case .shmat: return try sysShmat(a)
        case .shmdt: return try sysShmdt(a)
        case .shmctl: return try sysShmctl(a)
        case .semop, .semtimedop: return try sysSemop(call, a)
        case .semctl: return try sysSemctl(a)
        case .msgsnd:
            // The message: a long type, then msgsz bytes (the host checks the size first).
            let (p, _) = try accessiblePrefix(a[1], a[2] &+ 8, write: false)
            return hostSyscall(call, a.long(0), p, a.long(2), a.long(3))
        case .msgrcv:
            let (p, _) = try accessiblePrefix(a[1], a[2] &+ 8, write: true)
            return hostSyscall(call, a.long(0), p, a.long(2), a.long(3), a.long(4))
        case .msgctl: return try sysMsgctl(a)

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
        case .rt_sigtimedwait: return try sysSigtimedwait(a)
        case .rt_sigqueueinfo, .rt_tgsigqueueinfo: return try sysSigqueueinfo(call, a)

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
             .getpriority, .setpriority, .personality, .sched_yield, .alarm, .sync, .sched_getscheduler,
             .sched_get_priority_max, .sched_get_priority_min:
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
        case .sched_getaffinity, .sched_setaffinity:
            // The length is an unsigned int; the kernel copies at most its own mask size, so
            // only the range is checked (a large buffer is fine, as on Linux).
            let length = UInt64(UInt32(truncatingIfNeeded: a[1]))
            let (mask, _) = try accessiblePrefix(a[2], length, write: call == .sched_getaffinity)
            return hostSyscall(call, a.long(0), Int(length), mask)
        case .sched_getparam:
            return hostSyscall(call, a.long(0), hostArgument(try writing(a[1], 4)))
        case .sched_setparam:
            return hostSyscall(call, a.long(0), hostArgument(try reading(a[1], 4)))
        case .sched_setscheduler:
            return hostSyscall(call, a.long(0), a.long(1), hostArgument(try reading(a[2], 4)))
        case .sched_rr_get_interval:
            return hostSyscall(call, a.long(0), hostArgument(try writing(a[1], 16)))
        case .capget:
            return hostSyscall(call, hostArgument(try writing(a[0], 8)), hostArgument(try optionalWriting(a[1], 24)))
        case .capset:
            return hostSyscall(call, hostArgument(try writing(a[0], 8)), hostArgument(try optionalReading(a[1], 24)))
        case .mlock, .munlock, .mlock2:
            let start = AddressSpace.pageDown(a[0])
            guard let end = AddressSpace.pageUp(a[0] &+ a[1]), end >= start, end <= space.size,
                  group.addressSpaceLock.withLock({ space.isFullyMapped(start, end) }) else { throw Errno(ENOMEM) }
            return hostSyscall(call, hostArgument(space.host(start)), Int(end - start), a.long(2))
        case .mlockall, .munlockall:
            // Locking Mimic's whole reservation is not what the guest asks for; its pages are
            // ordinary host memory either way.
            return 0
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
        case .rseq, .get_robust_list:
            logUnimplemented("syscall \(number) (\(call))")
            throw Errno(ENOSYS)
        case .seccomp:
            // See PR_SET_SECCOMP: no filter can be put on the guest's calls, so none is taken.
            logUnimplemented("syscall \(number) (seccomp operation \(a[0])): seccomp is not available under Mimic")
            throw Errno(ENOSYS)
        case .io_uring_setup, .io_uring_enter, .io_uring_register:
            // The ring's submissions would be the host kernel's, working on host addresses
            // and bypassing Mimic; ENOSYS is the answer glibc and liburing fall back from,
            // not a gap (shown by -d strace only).
            throw Errno(ENOSYS)
        }
    }

    /// Calls whose first argument is a descriptor: on Mimic's own they fail with EBADF.
    static let takesDescriptor: Set<SyscallNumber> = [
        .read, .pread64, .getdents64, .getdents, .write, .pwrite64, .readv, .preadv, .preadv2, .writev, .pwritev,
        .pwritev2, .close, .dup, .dup2, .dup3, .lseek, .fsync, .fdatasync, .ftruncate, .fchmod, .fchown, .flock,
        .fadvise64, .fallocate, .fstat, .fstatfs, .ioctl, .fcntl, .fchdir, .sendfile, .copy_file_range, .splice, .tee,
        .vmsplice, .sync_file_range, .readahead, .syncfs, .connect, .bind, .accept, .accept4, .getsockname, .getpeername,
        .sendto, .recvfrom, .setsockopt, .getsockopt, .listen, .shutdown, .sendmsg, .recvmsg, .sendmmsg, .recvmmsg,
        .epoll_ctl, .epoll_wait, .epoll_pwait, .epoll_pwait2, .timerfd_settime, .timerfd_gettime, .signalfd, .signalfd4,
        .inotify_add_watch, .inotify_rm_watch, .fgetxattr, .fsetxattr, .flistxattr, .fremovexattr,
    ]

    /// Calls with a second descriptor argument (its index): Mimic's own are EBADF there too.
    static let secondDescriptor: [SyscallNumber: Int] = [
        .dup2: 1, .dup3: 1, .sendfile: 1, .copy_file_range: 2, .splice: 2, .tee: 1, .epoll_ctl: 2,
    ]

    static let atSymlinkNoFollow: Int32 = 0x100
    static let inDontFollow = Int32(bitPattern: 0x0200_0000)

    /// A socket address length the guest passes in: at most a `struct sockaddr_storage`.
    func socketAddressLength(_ length: Int32) throws(Errno) -> Int {
        guard length >= 0, length <= 128 else { throw .invalid }
        return Int(length)
    }

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
