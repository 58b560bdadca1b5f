import CCPU
#if canImport(Glibc)
import Glibc
#endif

/// rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, pause, the waits with a
/// temporary mask, sigaltstack, kill, tkill, tgkill.
extension LinuxProcess {
    func sysSigaction(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let sig = a.int(0)
        guard a[3] == 8, sig >= 1, sig <= 64 else { throw .invalid }
        if a[1] != 0, sig == SIGKILL || sig == SIGSTOP { throw .invalid }
        let new: GuestSigaction? = a[1] == 0 ? nil : try load(a[1], as: GuestSigaction.self)
        if a[2] != 0 { try store(signals.actions[Int(sig)], at: a[2]) }
        if var new {
            new.mask &= ~SignalState.unblockable
            signals.actions[Int(sig)] = new
            if new.handler == GuestSigaction.ignoreHandler
                || (new.handler == GuestSigaction.defaultHandler && SignalState.bit(sig) & SignalState.ignoredByDefault != 0) {
                signals.pending &= ~SignalState.bit(sig)
                signals.queued[Int(sig)] = 0
            }
            mirrorDisposition(sig)
        }
        return 0
    }

    func sysSigprocmask(_ a: SyscallArguments) throws(Errno) -> Int64 {
        guard a[3] == 8 else { throw .invalid }
        let old = signals.blocked
        if a[1] != 0 {
            let set: UInt64 = try load(a[1], as: UInt64.self)
            switch a.int(0) {
            case SIG_BLOCK: setBlockedSignals(old | set)
            case SIG_UNBLOCK: setBlockedSignals(old & ~set)
            case SIG_SETMASK: setBlockedSignals(set)
            default: throw .invalid
            }
        }
        if a[2] != 0 { try store(old, at: a[2]) }
        return 0
    }

    func sysSigpending(_ a: SyscallArguments) throws(Errno) -> Int64 {
        guard a[1] <= 8 else { throw .invalid }
        collectHostSignals()
        var host: UInt64 = 0
        _ = withUnsafeMutablePointer(to: &host) { hostSyscall(.rt_sigpending, hostArgument($0), 8) }
        try store((signals.pending | host) & signals.blocked, at: a[0])
        return 0
    }

    /// rt_sigsuspend(mask) and pause(): wait with `mask` (pause: the current one) for a
    /// signal that runs a handler. The host installs the mask and waits in one call: a guest
    /// mask set on the host first would let a pending signal in before the wait began.
    func sysSuspend(mask: UInt64?) throws(Errno) -> Int64 {
        // Nothing to look at first: a signal Mimic holds ends the wait at once.
        waitWithTemporaryMask(mask ?? signals.blocked) { m, probe in probe ? 0 : hostSyscall(.rt_sigsuspend, m, 8) }
    }

    /// ppoll, pselect6, epoll_pwait and epoll_pwait2 wait with a temporary mask (nil: the
    /// caller's) as rt_sigsuspend does: when a signal interrupts the wait, the temporary mask
    /// stays installed until delivery, so the handler runs with it and its frame saves the
    /// caller's mask (restored by rt_sigreturn, or at once when no handler runs); when the
    /// call returns otherwise the caller's mask is back, and a signal only the temporary mask
    /// let through stays pending, as on Linux. `wait` gets the host mask's address, and
    /// `probe` true when it must not block: Mimic holds a signal (not pending on the host)
    /// that the mask lets through. Linux looks at the descriptors before it looks for
    /// signals, so a descriptor already ready still wins then (the call reports it, and the
    /// signal waits for the caller's own mask); only a probe that finds nothing is EINTR.
    func waitWithTemporaryMask(_ mask: UInt64?, _ wait: (_ hostMask: Int, _ probe: Bool) -> Int64) -> Int64 {
        guard let mask else { return wait(0, false) }
        let temporary = mask & ~SignalState.unblockable
        collectHostSignals()
        let held = signals.pending & ~temporary != 0
        var host = SignalState.hostMask(temporary)
        var result = withUnsafeMutablePointer(to: &host) { wait(hostArgument($0), held) }
        if held, result == 0 { result = -Int64(EINTR) }
        if result == -Int64(EINTR) {
            signals.maskBeforeSuspend = signals.blocked
            setBlockedSignals(temporary)
        }
        return result
    }

    func sysSigaltstack(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let current = signals.alternateStack
        let onIt = current.contains(register(MIMIC_RSP))
        if a[0] != 0 {
            let p = try reading(a[0], 24)
            guard !onIt else { throw Errno(EPERM) }
            try setAlternateStack(base: p.load(as: UInt64.self), flags: p.load(fromByteOffset: 8, as: Int32.self),
                                  size: p.load(fromByteOffset: 16, as: UInt64.self))
        }
        if a[1] != 0 {
            let p = try writing(a[1], 24)
            var flags = onIt ? AlternateStack.onStack : (current.isEnabled ? 0 : AlternateStack.disable)
            flags |= current.flags & AlternateStack.autoDisarm
            p.storeBytes(of: current.base, as: UInt64.self)
            p.storeBytes(of: UInt64(UInt32(bitPattern: flags)), toByteOffset: 8, as: UInt64.self)
            p.storeBytes(of: current.size, toByteOffset: 16, as: UInt64.self)
        }
        return 0
    }

    func setAlternateStack(base: UInt64, flags: Int32, size: UInt64) throws(Errno) {
        let mode = flags & ~AlternateStack.autoDisarm
        guard mode == 0 || mode == AlternateStack.onStack || mode == AlternateStack.disable else { throw .invalid }
        if mode == AlternateStack.disable {
            signals.alternateStack = AlternateStack()
            return
        }
        guard size >= UInt64(SignalFrame.minimumStack) else { throw Errno(ENOMEM) }
        signals.alternateStack = AlternateStack(base: base, size: size, flags: flags & AlternateStack.autoDisarm)
    }

    /// kill, tkill and tgkill. A synchronous signal (SIGSEGV, SIGILL...) sent to this process
    /// is queued for the guest here: the host must keep those signals for Mimic's own faults.
    func sysKill(_ number: SyscallNumber, _ a: SyscallArguments) throws(Errno) -> Int64 {
        let sig: Int32
        let toSelf: Bool
        let me = Int64(getpid())
        switch number {
        case .kill:
            sig = a.int(1)
            toSelf = Int64(a.int(0)) == me
        case .tkill:
            sig = a.int(1)
            toSelf = Int64(a.int(0)) == hostSyscall(.gettid)
        default:
            sig = a.int(2)
            toSelf = Int64(a.int(0)) == me && Int64(a.int(1)) == hostSyscall(.gettid)
        }
        if toSelf, sig >= 1, sig <= 64, SignalState.bit(sig) & SignalState.synchronous != 0 {
            queueSignal(sig, info: LinuxProcess.userSignalInfo(sig, code: number == .kill ? 0 : -6))  // SI_USER, SI_TKILL
            return 0
        }
        switch number {
        case .kill: return hostSyscall(.kill, a.long(0), Int(sig))
        case .tkill: return hostSyscall(.tkill, a.long(0), Int(sig))
        default: return hostSyscall(.tgkill, a.long(0), a.long(1), Int(sig))
        }
    }
}
