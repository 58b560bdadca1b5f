#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C while a guest runs: the SIGINT handler raises a flag that every run loop polls, and
/// pokes the accelerator (KVM's immediate_exit byte) so a guest spinning without exits stops too.
public enum Interruption {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0
    /// A byte the handler sets to 1 to make the running vCPU leave guest mode (kvm_run.immediate_exit).
    nonisolated(unsafe) public static var immediateExit: UnsafeMutablePointer<UInt8>?

    public static var isRequested: Bool { flag != 0 }

    /// Forgets a request once it has been served (tests that interrupt a run and go on).
    public static func clear() { flag = 0 }

    /// Installs the handler without SA_RESTART, so a blocking KVM_RUN returns EINTR.
    public static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            Interruption.flag = 1
            Interruption.immediateExit?.pointee = 1
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// Keeps SIGINT away from helper threads (the stdin reader), so it reaches the vCPU thread.
    public static func blockInCurrentThread() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}
