#if canImport(Glibc)
import Glibc
#endif

/// Counters the engine keeps as it runs (what `--stats` prints).
public struct Statistics: Sendable {
    public var blocksTranslated = 0
    public var instructionsTranslated = 0
    public var translationNanoseconds: UInt64 = 0
    /// Entries into generated code from the execution loop (chained jumps do not come back here).
    public var entries = 0
    public var chainsPatched = 0
    public var jumpCacheMisses = 0
    public var flushes = 0
    /// Writes to pages holding translated code (self-modifying code), each dropping translations.
    public var codeInvalidations = 0
    /// Host code emitted for the translated blocks (JIT only; without `--stats` counting calls).
    public var hostBytes = 0
    public var hostInstructions = 0
    /// Exits through a goto_tb that was not chained yet (or, under the interpreter, whose
    /// successor was not the remembered one): the rest of the goto_tb jumps were chained.
    public var unchainedExits = 0
    /// Counted blocks that ran often enough to be translated again with the optimizer.
    public var blocksOptimizedWhenHot = 0

    /// Adds what another engine counted (another thread of the same guest); `flushes`, which
    /// counts the shared cache's, stays as it is.
    public mutating func add(_ other: Statistics) {
        blocksTranslated += other.blocksTranslated
        instructionsTranslated += other.instructionsTranslated
        translationNanoseconds += other.translationNanoseconds
        entries += other.entries
        chainsPatched += other.chainsPatched
        jumpCacheMisses += other.jumpCacheMisses
        codeInvalidations += other.codeInvalidations
        hostBytes += other.hostBytes
        hostInstructions += other.hostInstructions
        unchainedExits += other.unchainedExits
        blocksOptimizedWhenHot += other.blocksOptimizedWhenHot
    }
}

/// The monotonic clock, for timing translation and runs.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary start.
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

extension MonotonicClock {
    public static func seconds() -> Double { Double(now()) / 1e9 }
}
