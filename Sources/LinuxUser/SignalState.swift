import CLinuxUser
import IR
#if canImport(Glibc)
import Glibc
#endif

/// A guest's `struct sigaction` as the x86-64 kernel takes it (rt_sigaction): handler, flags,
/// restorer, mask, 8 bytes each.
struct GuestSigaction: Equatable {
    var handler: UInt64 = GuestSigaction.defaultHandler
    var flags: UInt64 = 0
    var restorer: UInt64 = 0
    var mask: UInt64 = 0

    static let defaultHandler: UInt64 = 0
    static let ignoreHandler: UInt64 = 1

    static let noChildStop: UInt64 = 0x1
    static let noChildWait: UInt64 = 0x2
    static let siginfo: UInt64 = 0x4
    static let restorerFlag: UInt64 = 0x0400_0000
    static let onStack: UInt64 = 0x0800_0000
    static let restart: UInt64 = 0x1000_0000
    static let noDefer: UInt64 = 0x4000_0000
    static let resetHandler: UInt64 = 0x8000_0000
}

/// sigaltstack's stack.
struct AlternateStack: Equatable {
    var base: UInt64 = 0
    var size: UInt64 = 0
    var flags: Int32 = AlternateStack.disable

    static let onStack: Int32 = 1
    static let disable: Int32 = 2
    static let autoDisarm = Int32(bitPattern: 0x8000_0000)

    var isEnabled: Bool { flags & AlternateStack.disable == 0 }

    /// Whether `sp` is on this stack (as the kernel tests it: above the base, within size).
    func contains(_ sp: UInt64) -> Bool {
        isEnabled && sp > base && sp - base <= size
    }
}

/// The signal dispositions: one table for every thread of a process (CLONE_SIGHAND).
final class SignalActions {
    private var table = [GuestSigaction](repeating: GuestSigaction(), count: 65)
    private let lock = Lock()

    subscript(sig: Int) -> GuestSigaction {
        get { lock.withLock { table[sig] } }
        set { lock.withLock { table[sig] = newValue } }
    }
}

/// A guest thread's signal state: the process's dispositions (shared), and the thread's own
/// mask, pending signals and alternate stack.
///
/// Guest handlers are mirrored on the host: a signal with a guest handler gets a host handler
/// that records it (delivered by the run loop), SIG_IGN and SIG_DFL are the host's own, so the
/// host kernel ignores, stops or kills Mimic exactly as it would the program. The guest's
/// mask is the host's too (each guest thread runs on its own host thread), except for the
/// synchronous signals Mimic needs itself.
struct SignalState {
    var actions = SignalActions()
    /// Bit sig-1 for signal sig.
    var blocked: UInt64 = 0
    var pending: UInt64 = 0
    var pendingInfo = [[UInt8]](repeating: [], count: 65)
    /// Instances of each pending real-time signal (they queue; standard signals do not).
    var queued = [Int](repeating: 0, count: 65)
    static let firstRealTime: Int32 = 32
    var alternateStack = AlternateStack()
    /// The caller's mask while a call waits with a temporary one (rt_sigsuspend, ppoll,
    /// pselect6, epoll_pwait, epoll_pwait2) and a signal interrupted it: saved in the handler's
    /// frame (or restored when no handler runs).
    var maskBeforeSuspend: UInt64?

    static func bit(_ sig: Int32) -> UInt64 { 1 << UInt64(sig - 1) }

    /// Signals the CPU raises for the guest (faults) and Mimic needs on the host for its own
    /// fault handling; they are never blocked or caught on the host for the guest.
    static let synchronous: UInt64 = bit(SIGSEGV) | bit(SIGBUS) | bit(SIGILL) | bit(SIGFPE) | bit(SIGTRAP)
    static let unblockable: UInt64 = bit(SIGKILL) | bit(SIGSTOP)
    /// Signals whose default action is to do nothing.
    static let ignoredByDefault: UInt64 = bit(SIGCHLD) | bit(SIGCONT) | bit(SIGURG) | bit(SIGWINCH)

    /// The state of a new thread of the same process: the creator's dispositions and mask,
    /// nothing pending, no alternate stack (as clone with CLONE_VM leaves it).
    func forNewThread() -> SignalState {
        var state = SignalState()
        state.actions = actions
        state.blocked = blocked
        return state
    }

    /// The state a new process starts with: the mask and the ignored signals it inherited
    /// (execve keeps both), every other disposition the default.
    static func inherited() -> SignalState {
        var state = SignalState()
        var mask: UInt64 = 0
        _ = withUnsafeMutablePointer(to: &mask) { hostSyscall(.rt_sigprocmask, Int(SIG_BLOCK), 0, hostArgument($0), 8) }
        state.blocked = mask & ~unblockable
        for sig in Int32(1)...64 where bit(sig) & (synchronous | unblockable) == 0 {
            var old = GuestSigaction()
            let r = withUnsafeMutablePointer(to: &old) { hostSyscall(.rt_sigaction, Int(sig), 0, hostArgument($0), 8) }
            if r == 0, old.handler == GuestSigaction.ignoreHandler { state.actions[Int(sig)].handler = GuestSigaction.ignoreHandler }
        }
        return state
    }

    /// The host mask that mirrors guest mask `mask`.
    static func hostMask(_ mask: UInt64) -> UInt64 { mask & ~(synchronous | unblockable) }
}

extension LinuxProcess {
    /// Sets the guest's mask, and the host's to match.
    func setBlockedSignals(_ mask: UInt64) {
        signals.blocked = mask & ~SignalState.unblockable
        var host = SignalState.hostMask(signals.blocked)
        _ = withUnsafeMutablePointer(to: &host) { hostSyscall(.rt_sigprocmask, Int(SIG_SETMASK), hostArgument($0), 0, 8) }
    }

    /// Gives the host the disposition that mirrors the guest's for `sig`.
    func mirrorDisposition(_ sig: Int32) {
        SignalState.mirror(sig, signals.actions[Int(sig)])
    }
}

extension SignalState {
    /// Gives every host signal the disposition that mirrors the guest's: Mimic's runtime may
    /// have installed handlers of its own (the Swift backtracer's, for SIGABRT, SIGILL...),
    /// which must not see the guest's signals. Called before the engine installs its own
    /// fault handlers.
    static func mirrorAll(_ state: SignalState) {
        for sig in Int32(1)...64 where bit(sig) & unblockable == 0 {
            if bit(sig) & synchronous != 0 {
                var host = GuestSigaction()
                _ = withUnsafeMutablePointer(to: &host) { hostSyscall(.rt_sigaction, Int(sig), hostArgument($0), 0, 8) }
            } else {
                mirror(sig, state.actions[Int(sig)])
            }
        }
    }

    /// Gives the host the disposition that mirrors guest action `action` for `sig`.
    static func mirror(_ sig: Int32, _ action: GuestSigaction) {
        guard bit(sig) & (synchronous | unblockable) == 0 else { return }
        switch action.handler {
        case GuestSigaction.defaultHandler, GuestSigaction.ignoreHandler:
            var host = GuestSigaction(handler: action.handler)
            _ = withUnsafeMutablePointer(to: &host) { hostSyscall(.rt_sigaction, Int(sig), hostArgument($0), 0, 8) }
        default:
            _ = mimic_signal_catch(sig, Int32(action.flags & (GuestSigaction.noChildStop | GuestSigaction.noChildWait)))
        }
    }
}

extension LinuxProcess {

    /// Makes `sig` pending with `info` (128 bytes of siginfo).
    func queueSignal(_ sig: Int32, info: [UInt8], count: Int = 1) {
        signals.pending |= SignalState.bit(sig)
        signals.pendingInfo[Int(sig)] = info
        if sig >= SignalState.firstRealTime { signals.queued[Int(sig)] += count }
    }

    /// Takes one instance of pending `sig`: the bit stays while real-time instances remain.
    func dequeueSignal(_ sig: Int32) {
        if sig >= SignalState.firstRealTime, signals.queued[Int(sig)] > 1 {
            signals.queued[Int(sig)] -= 1
            return
        }
        signals.queued[Int(sig)] = 0
        signals.pending &= ~SignalState.bit(sig)
    }

    /// A siginfo for a signal sent by a process (SI_USER): signo, code, pid, uid.
    static func userSignalInfo(_ sig: Int32, code: Int32 = 0) -> [UInt8] {
        var info = [UInt8](repeating: 0, count: 128)
        info.withUnsafeMutableBytes { b in
            b.storeBytes(of: sig, toByteOffset: 0, as: Int32.self)
            b.storeBytes(of: code, toByteOffset: 8, as: Int32.self)
            b.storeBytes(of: getpid(), toByteOffset: 16, as: Int32.self)
            b.storeBytes(of: getuid(), toByteOffset: 20, as: UInt32.self)
        }
        return info
    }

    /// Takes the signals the host handlers recorded.
    func collectHostSignals() {
        var taken = mimic_signal_take_pending()
        while taken != 0 {
            let sig = Int32(taken.trailingZeroBitCount + 1)
            taken &= taken - 1
            var info = [UInt8](repeating: 0, count: 128)
            info.withUnsafeMutableBytes { mimic_signal_recorded_info(sig, $0.baseAddress) }
            queueSignal(sig, info: info, count: max(1, Int(mimic_signal_take_count(sig))))
        }
    }

    /// Kills Mimic with `sig` the way the signal's default action kills the program (or stops
    /// it, or does nothing for the signals ignored by default).
    func takeDefaultAction(_ sig: Int32) {
        if SignalState.bit(sig) & SignalState.ignoredByDefault != 0 { return }
        var host = GuestSigaction()
        _ = withUnsafeMutablePointer(to: &host) { hostSyscall(.rt_sigaction, Int(sig), hostArgument($0), 0, 8) }
        var unblock = SignalState.bit(sig)
        _ = withUnsafeMutablePointer(to: &unblock) { hostSyscall(.rt_sigprocmask, Int(SIG_UNBLOCK), hostArgument($0), 0, 8) }
        _ = hostSyscall(.tgkill, Int(getpid()), Int(hostSyscall(.gettid)), Int(sig))
        // Still here: a stop signal (and the process was continued), or nothing kills.
        if SignalState.bit(sig) & (SignalState.bit(SIGSTOP) | SignalState.bit(SIGTSTP) | SignalState.bit(SIGTTIN) | SignalState.bit(SIGTTOU)) != 0 {
            setBlockedSignals(signals.blocked)
            mirrorDisposition(sig)
            return
        }
        _exit(128 + sig)
    }
}
