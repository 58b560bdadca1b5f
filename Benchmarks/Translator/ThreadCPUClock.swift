#if canImport(Glibc)
import Glibc
#endif

/// The calling thread's CPU time. Translation is pure computation on one thread, so timing it
/// by CPU time rather than wall time leaves out the time the thread waits while other processes
/// run: on the project's 2-vCPU machines, shared with builds and tests, wall time varies 2x.
enum ThreadCPUClock {
    /// Nanoseconds of CPU time this thread has used.
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
