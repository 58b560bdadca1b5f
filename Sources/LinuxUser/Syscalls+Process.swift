import CCPU
import Introspection
#if canImport(Glibc)
import Glibc
#endif

/// fork, vfork, clone (threads: GuestThreads.swift), execve, arch_prctl, futex, prctl, seccomp.
extension LinuxProcess {
    static let cloneVM: UInt64 = 0x100, cloneVfork: UInt64 = 0x4000, cloneThread: UInt64 = 0x1_0000
    static let cloneSetTLS: UInt64 = 0x8_0000, cloneParentSetTID: UInt64 = 0x10_0000
    static let cloneChildClearTID: UInt64 = 0x20_0000, cloneChildSetTID: UInt64 = 0x100_0000

    /// A close-on-exec pipe for Mimic's own use, above the descriptors the guest sees.
    private func hostPipe() throws(Errno) -> [Int32] {
        var ends: [Int32] = [-1, -1]
        let r = ends.withUnsafeMutableBufferPointer { hostSyscall(.pipe2, Int(bitPattern: $0.baseAddress), Int(O_CLOEXEC)) }
        guard r == 0 else { throw Errno(Int32(-r)) }
        for i in 0..<2 {
            let moved = fcntl(ends[i], F_DUPFD_CLOEXEC, HostDescriptors.floor)
            if moved >= 0 { close(ends[i]); ends[i] = moved }
        }
        return ends
    }

    /// fork, vfork and clone without CLONE_THREAD: a host fork, so the child is a copy of
    /// this Mimic with the guest in it. With CLONE_VFORK the parent waits until the child
    /// has exec'd or exited, as Linux makes it wait.
    func sysClone(flags: UInt64, stack: UInt64, parentTID: UInt64, childTID: UInt64, tls: UInt64) throws(Errno) -> Int64 {
        if flags & LinuxProcess.cloneThread != 0 {
            return try spawnThread(flags: flags, stack: stack, parentTID: parentTID, childTID: childTID, tls: tls)
        }
        // Until the child has its own copy of the code buffers, the parent must not write to
        // them (translate, chain, tier up): the copy would take in half of a change.
        let copied = try hostPipe()
        var gate: [Int32] = [-1, -1]
        if flags & LinuxProcess.cloneVfork != 0 {
            do { gate = try hostPipe() } catch {
                close(copied[0])
                close(copied[1])
                throw error
            }
        }
        // No other thread may hold these locks while the host copies the process: in the
        // child only this thread exists to release them. The translation lock stays held
        // until the child's copy is made, so the parent's other threads write no code either.
        group.addressSpaceLock.lock()
        space.memory.lock.lock()
        let pid = fork()
        if pid == 0 {
            space.memory.lock.reinitializeInForkedChild()
            group.addressSpaceLock.reinitializeInForkedChild()
            space.restartPeaks()
        } else {
            close(copied[1])
            var byte: UInt8 = 0
            // One byte when the copy is made; end of file if the child died first.
            if pid > 0 { while read(copied[0], &byte, 1) < 0 && errno == EINTR {} }
            close(copied[0])
            space.memory.lock.unlock()
            group.addressSpaceLock.unlock()
        }
        if pid < 0 {
            let e = errno
            if gate[0] >= 0 { close(gate[0]); close(gate[1]) }
            throw Errno(e)
        }
        if pid == 0 {
            ForkedCodeBuffers.privatize()
            close(copied[0])
            var byte: UInt8 = 1
            _ = write(copied[1], &byte, 1)
            close(copied[1])
            group.forked()
            engine.becomeOnlyThread()
            // The write end stays open until exec (close-on-exec) or exit ends the parent's wait.
            if gate[0] >= 0 { close(gate[0]) }
            if stack != 0 { setRegister(MIMIC_RSP, stack) }
            if flags & LinuxProcess.cloneSetTLS != 0 { cpu.pointee.fs_base = tls }
            let me = getpid()
            if flags & LinuxProcess.cloneChildSetTID != 0 { try? store(me, at: childTID) }
            if flags & LinuxProcess.cloneParentSetTID != 0, flags & LinuxProcess.cloneVM != 0 { try? store(me, at: parentTID) }
            if flags & LinuxProcess.cloneChildClearTID != 0 { clearChildTID = childTID }
            return 0
        }
        if flags & LinuxProcess.cloneParentSetTID != 0 { try? store(pid, at: parentTID) }
        if gate[0] >= 0 {
            close(gate[1])
            var byte: UInt8 = 0
            while read(gate[0], &byte, 1) < 0 && errno == EINTR {}
            close(gate[0])
        }
        return Int64(pid)
    }

    func sysExecve(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let path = try string(a[0], limit: Int(PATH_MAX))
        let arguments = try stringArray(a[1])
        let environment = try stringArray(a[2])
        return try execute(path: path, arguments: arguments, environment: environment, depth: 0)
    }

    /// Checks the program as the kernel would (errors come back to the guest), then replaces
    /// this process: an x86-64 ELF (or a script whose interpreter is one) runs under a new
    /// `mimic run` with the same options; anything else is the host's to execute. A script
    /// goes to the new `mimic run` as itself: it runs the interpreter as execve does and
    /// names the process after the script.
    func execute(path: String, arguments: [String], environment: [String], depth: Int) throws(Errno) -> Int64 {
        let (host, header) = try executableHeader(path, depth: depth)
        if let (interpreter, argument) = ScriptInterpreter.parse(header) {
            guard !interpreter.isEmpty else { throw Errno(ENOEXEC) }
            guard try runsUnderMimic(interpreter, depth: depth + 1) else {
                let script = [interpreter] + (argument.map { [$0] } ?? []) + [path] + arguments.dropFirst()
                return try execute(path: interpreter, arguments: script, environment: environment, depth: depth + 1)
            }
        }
        let program: String
        var argv: [String]
        if ScriptInterpreter.parse(header) != nil || LinuxProcess.isGuestProgram(header) {
            program = "/proc/self/exe"
            argv = ["mimic", "run"] + options.forwardedOptions + ["--argv0", arguments.first ?? "", "--", host] + arguments.dropFirst()
        } else {
            program = host
            argv = arguments
        }
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer {
            for p in cArguments { free(p) }
            for p in cEnvironment { free(p) }
        }
        Log.sink.flush()  // the -D file's buffered lines; the new program appends after them
        Glibc.execve(program, cArguments, cEnvironment)
        throw Errno(errno)
    }

    /// The host path of the program the guest asks to run and its first bytes, after the
    /// kernel's checks: it exists, is a regular file, may be executed and read.
    func executableHeader(_ path: String, depth: Int) throws(Errno) -> (host: String, header: [UInt8]) {
        guard depth <= ScriptInterpreter.nesting else { throw Errno(ELOOP) }
        guard !path.isEmpty else { throw Errno(ENOENT) }
        let host = path == "/proc/self/exe" || path == "/proc/\(getpid())/exe" ? programPath : LinuxProcess.hostPath(path, sysroot: options.sysroot)
        var st = stat()
        guard stat(host, &st) == 0 else { throw Errno(errno) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw Errno(EACCES) }
        guard Glibc.access(host, X_OK) == 0 else { throw Errno(errno) }
        let fd = open(host, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Errno(errno) }
        var header = [UInt8](repeating: 0, count: ScriptInterpreter.headerBytes)
        let n = read(fd, &header, header.count)
        close(fd)
        guard n >= 0 else { throw Errno(errno) }
        return (host, Array(header.prefix(n)))
    }

    /// Whether the program at `path` (a script's interpreter) is an x86-64 ELF, or a script
    /// whose interpreter is one; errors as execve gives them.
    func runsUnderMimic(_ path: String, depth: Int) throws(Errno) -> Bool {
        let header = try executableHeader(path, depth: depth).header
        guard let (interpreter, _) = ScriptInterpreter.parse(header) else { return LinuxProcess.isGuestProgram(header) }
        guard !interpreter.isEmpty else { throw Errno(ENOEXEC) }
        return try runsUnderMimic(interpreter, depth: depth + 1)
    }

    static func isGuestProgram(_ header: [UInt8]) -> Bool {
        header.count >= 20 && header.starts(with: [0x7F, 0x45, 0x4C, 0x46]) && header[4] == 2
            && UInt16(header[18]) | UInt16(header[19]) << 8 == 62
    }

    func sysArchPrctl(_ a: SyscallArguments) throws(Errno) -> Int64 {
        switch a[0] {
        case 0x1001:  // ARCH_SET_GS
            guard a[1] < 1 << 47 else { throw Errno(EPERM) }
            cpu.pointee.gs_base = a[1]
        case 0x1002:  // ARCH_SET_FS
            guard a[1] < 1 << 47 else { throw Errno(EPERM) }
            cpu.pointee.fs_base = a[1]
        case 0x1003:  // ARCH_GET_FS
            try store(cpu.pointee.fs_base, at: a[1])
        case 0x1004:  // ARCH_GET_GS
            try store(cpu.pointee.gs_base, at: a[1])
        default:
            throw .invalid
        }
        return 0
    }

    /// futex on the host's own futexes at the host address of the guest word: the same waits,
    /// wakes and timeouts (and, with threads, the same wake-ups between them).
    func sysFutex(_ a: SyscallArguments) throws(Errno) -> Int64 {
        guard a[0] & 3 == 0 else { throw .invalid }
        let word = try reading(a[0], 4)
        let operation = a.int(1) & 0x7F
        switch operation {
        case 0, 9, 6, 13, 11:  // WAIT, WAIT_BITSET, LOCK_PI, LOCK_PI2, WAIT_REQUEUE_PI: a timeout
            let timeout = try optionalReading(a[3], 16)
            let second = operation == 11 ? hostArgument(try reading(a[4], 4)) : 0
            return hostSyscall(.futex, hostArgument(word), Int(a.int(1)), a.long(2), hostArgument(timeout), second, a.long(5))
        case 1, 10, 7, 8:  // WAKE, WAKE_BITSET, UNLOCK_PI, TRYLOCK_PI
            return hostSyscall(.futex, hostArgument(word), Int(a.int(1)), a.long(2), a.long(3), 0, a.long(5))
        case 3, 4, 5, 12:  // REQUEUE, CMP_REQUEUE, WAKE_OP, CMP_REQUEUE_PI: a second word
            guard a[4] & 3 == 0 else { throw .invalid }
            let second = try writing(a[4], 4)
            return hostSyscall(.futex, hostArgument(word), Int(a.int(1)), a.long(2), a.long(3), hostArgument(second), a.long(5))
        default:
            logUnimplemented("futex operation \(operation)")
            throw Errno(ENOSYS)
        }
    }

    /// prctl: the options that describe the process or thread are the host's own (the guest
    /// thread is the host thread, and Mimic is the process), with guest pointers translated;
    /// those about the address space or the system calls are the guest's (the tid address,
    /// the auxiliary vector) or refused where Mimic cannot honour them (seccomp, PR_SET_MM).
    func sysPrctl(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let option = a.int(0)
        switch option {
        case 15:  // PR_SET_NAME
            return hostSyscall(.prctl, 15, hostArgument(try reading(a[1], 16)))
        case 16:  // PR_GET_NAME
            return hostSyscall(.prctl, 16, hostArgument(try writing(a[1], 16)))
        case 2, 37:  // PR_GET_PDEATHSIG, PR_GET_CHILD_SUBREAPER: an int out
            return hostSyscall(.prctl, Int(option), hostArgument(try writing(a[1], 4)))
        case 1, 3, 4, 7, 8, 13, 14, 21, 23, 24, 27, 28, 29, 30, 31, 32, 33, 34, 36, 38, 39, 41, 42, 47, 52, 53, 57, 58,
             0x5961_6D61:
            // PR_SET_PDEATHSIG, PR_GET/SET_DUMPABLE, PR_GET/SET_KEEPCAPS, PR_GET/SET_TIMING,
            // PR_GET_SECCOMP, PR_CAPBSET_READ/DROP, PR_GET/SET_SECUREBITS, PR_SET/GET_TIMERSLACK,
            // PR_TASK_PERF_EVENTS_DISABLE/ENABLE, PR_MCE_KILL(_GET), PR_SET_CHILD_SUBREAPER,
            // PR_SET/GET_NO_NEW_PRIVS, PR_SET/GET_THP_DISABLE, PR_CAP_AMBIENT,
            // PR_GET/SET_SPECULATION_CTRL, PR_SET/GET_IO_FLUSHER, PR_SET_PTRACER: integers only
            return hostSyscall(.prctl, Int(option), a.long(1), a.long(2), a.long(3), a.long(4))
        case 40:  // PR_GET_TID_ADDRESS: the guest's set_tid_address / CLONE_CHILD_CLEARTID word
            try store(clearChildTID, at: a[1])
            return 0
        case 0x4155_5856:  // PR_GET_AUXV: the guest's auxiliary vector, its full size returned
            guard a[3] == 0, a[4] == 0 else { throw .invalid }
            let bytes = auxiliaryVectorBytes
            let n = min(Int(min(a[2], UInt64(Int.max))), bytes.count)
            if n > 0 {
                let out = try writing(a[1], n)
                bytes.withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: n) }
            }
            return Int64(bytes.count)
        case 22:  // PR_SET_SECCOMP
            // Mimic cannot put a filter (or strict mode) on the guest's system calls: refused
            // as by a kernel without seccomp, rather than a sandbox that is not there.
            logUnimplemented("prctl PR_SET_SECCOMP (mode \(a[1])): seccomp is not available under Mimic")
            throw .invalid
        case 25:  // PR_GET_TSC: RDTSC runs for the guest (Mimic executes it), PR_TSC_ENABLE
            try store(Int32(1), at: a[1])
            return 0
        case 26:  // PR_SET_TSC: enabling is what it is; Mimic cannot make RDTSC fault (PR_TSC_SIGSEGV)
            guard a[1] == 1 else {
                logUnimplemented("prctl PR_SET_TSC \(a[1]): RDTSC cannot be made to fault under Mimic")
                throw .invalid
            }
            return 0
        case 59:  // PR_SET_SYSCALL_USER_DISPATCH: on the host it would trap Mimic's own calls
            logUnimplemented("prctl PR_SET_SYSCALL_USER_DISPATCH: not available under Mimic")
            throw .invalid
        case 35:  // PR_SET_MM: the guest's memory map is Mimic's to lay out
            throw Errno(EPERM)
        case 0x5356_4D41:  // PR_SET_VMA: anonymous mapping names are not kept (as without CONFIG_ANON_VMA_NAME)
            throw .invalid
        default:
            logUnimplemented("prctl option \(option)")
            throw .invalid
        }
    }
}

extension Substring {
    func trimmingTrailingBlanks() -> String {
        var s = self
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
