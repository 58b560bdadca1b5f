import CCPU
#if canImport(Glibc)
import Glibc
#endif

/// Descriptors that deliver events (epoll, eventfd, timerfd, signalfd, inotify), and the
/// calls that take signals the guest blocks instead of running handlers (signalfd,
/// rt_sigtimedwait) or send them with a payload (rt_sigqueueinfo).
///
/// Guest signals are host signals with the same numbers, and a signal the guest blocks is
/// blocked on the host too (SignalState mirrors the mask), so it stays pending in the host
/// kernel where the host's signalfd and rt_sigtimedwait find it. Only the synchronous signals
/// Mimic keeps for its own faults are never blocked on the host; a guest sending one of those
/// to itself has it queued in Mimic's own pending set.
extension LinuxProcess {
    /// epoll_wait, epoll_pwait and epoll_pwait2: `struct epoll_event` is 12 packed bytes on
    /// x86-64, the host's layout; the signal mask is temporary (`waitWithTemporaryMask`). As on Linux the
    /// event buffer need only lie in the address space: the host kernel faults (EFAULT) on the
    /// events it stores into inaccessible pages, none when nothing is ready.
    func sysEpollWait(_ call: SyscallNumber, _ a: SyscallArguments) throws(Errno) -> Int64 {
        let count = a.int(2)
        guard count > 0, count <= Int32.max / 12 else { throw .invalid }
        let (events, _) = try accessiblePrefix(a[1], 12 * UInt64(count), write: true)
        if call == .epoll_wait { return hostSyscall(call, a.long(0), events, Int(count), a.long(3)) }
        if a[4] != 0, a[5] != 8 { throw .invalid }
        let mask: UInt64? = a[4] == 0 ? nil : try load(a[4], as: UInt64.self)
        let timeout = call == .epoll_pwait2 ? hostArgument(try optionalReading(a[3], 16)) : a.long(3)
        return waitWithTemporaryMask(mask) { m, probe in
            var zero = timespec()
            return withUnsafeMutablePointer(to: &zero) {
                hostSyscall(call, a.long(0), events, Int(count), probe ? (call == .epoll_pwait2 ? hostArgument($0) : 0) : timeout, m, 8)
            }
        }
    }

    /// signalfd and signalfd4: the host's signalfd for the same signals (see above), less
    /// the synchronous ones the host never lets pend.
    func sysSignalfd(_ call: SyscallNumber, _ a: SyscallArguments) throws(Errno) -> Int64 {
        guard a[2] == 8 else { throw .invalid }
        var mask = SignalState.hostMask(try load(a[1], as: UInt64.self))
        let flags = call == .signalfd4 ? a.long(3) : 0
        return withUnsafeMutablePointer(to: &mask) { hostSyscall(.signalfd4, a.long(0), hostArgument($0), 8, flags) }
    }

    /// rt_sigtimedwait: a waited-for signal Mimic already holds is taken first; otherwise the
    /// host waits for it.
    func sysSigtimedwait(_ a: SyscallArguments) throws(Errno) -> Int64 {
        guard a[3] == 8 else { throw .invalid }
        let set = try load(a[0], as: UInt64.self) & ~SignalState.unblockable
        let info = try optionalWriting(a[1], 128)
        let timeout = try optionalReading(a[2], 16)
        collectHostSignals()
        let ready = signals.pending & set
        if ready != 0 {
            let sig = Int32(ready.trailingZeroBitCount + 1)
            let recorded = signals.pendingInfo[Int(sig)]
            dequeueSignal(sig)
            if let info {
                let bytes = recorded.isEmpty ? LinuxProcess.userSignalInfo(sig) : recorded
                bytes.withUnsafeBytes { info.copyMemory(from: $0.baseAddress!, byteCount: 128) }
            }
            return Int64(sig)
        }
        var mask = SignalState.hostMask(set)
        return withUnsafeMutablePointer(to: &mask) { hostSyscall(.rt_sigtimedwait, hostArgument($0), hostArgument(info), hostArgument(timeout), 8) }
    }

    /// rt_sigqueueinfo and rt_tgsigqueueinfo: the host sends the guest's siginfo (the kernel
    /// checks si_code as for any process); a synchronous signal to this process is queued here.
    func sysSigqueueinfo(_ call: SyscallNumber, _ a: SyscallArguments) throws(Errno) -> Int64 {
        let threadDirected = call == .rt_tgsigqueueinfo
        let sig = threadDirected ? a.int(2) : a.int(1)
        let info = try reading(threadDirected ? a[3] : a[2], 128)
        let me = getpid()
        let toSelf = a.int(0) == me && (!threadDirected || a.int(1) == me)
        if toSelf, sig >= 1, sig <= 64, SignalState.bit(sig) & SignalState.synchronous != 0 {
            var bytes = [UInt8](UnsafeRawBufferPointer(start: info, count: 128))
            bytes.withUnsafeMutableBytes { $0.storeBytes(of: sig, as: Int32.self) }
            queueSignal(sig, info: bytes)
            return 0
        }
        return threadDirected
            ? hostSyscall(call, a.long(0), a.long(1), Int(sig), hostArgument(info))
            : hostSyscall(call, a.long(0), Int(sig), hostArgument(info))
    }

    /// timerfd_settime and timer_settime: a new `struct itimerspec` (32 bytes) in, the old one out.
    func sysSetTimer(_ call: SyscallNumber, _ a: SyscallArguments) throws(Errno) -> Int64 {
        let new = try reading(a[2], 32)
        let old = try optionalWriting(a[3], 32)
        return hostSyscall(call, a.long(0), a.long(1), hostArgument(new), hostArgument(old))
    }
}
