#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// While the gdb stub lets a KVM guest run, KVM_RUN does not come back by itself when the
/// guest makes no exits; a Ctrl-C from gdb must still stop it. A thread sends the vCPU thread
/// a signal every `period`, so KVM_RUN returns EINTR and the stub can look at its socket.
final class VCPUKicker: @unchecked Sendable {
    static let signal = SIGUSR2
    static let period: useconds_t = 20_000

    private let vcpuThread = pthread_self()
    private let lock = NSLock()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// Starts kicking the calling thread (the one that runs KVM_RUN).
    init() {
        Self.installHandler
        let thread = Thread { [self] in kick() }
        thread.start()
    }

    /// The handler only has to exist: a signal with a handler interrupts KVM_RUN. SA_RESTART so
    /// that a kick landing outside KVM_RUN does not fail other system calls.
    private static let installHandler: Void = {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(VCPUKicker.signal, &action, nil)
    }()

    private func kick() {
        while true {
            usleep(Self.period)
            lock.lock()
            defer { lock.unlock() }
            if stopped { break }
            pthread_kill(vcpuThread, Self.signal)
        }
        done.signal()
    }

    /// Stops the kicks; none is sent after this returns.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        done.wait()
    }
}
