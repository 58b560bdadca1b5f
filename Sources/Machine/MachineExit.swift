/// Why a run ended.
public enum MachineExit: Equatable, Sendable {
    /// The guest wrote `value` to the debug-exit port; the run's status is (value << 1) | 1.
    case debugExit(value: UInt32)
    /// The guest pulsed the reset line through the i8042 (command 0xFE). With no firmware to
    /// reboot into, reset ends the run as QEMU's -no-reboot does.
    case reset
    /// HLT with no way to be woken (this machine delivers no interrupts): a clean stop.
    case halted
    /// Triple fault: the processor shut down. Carries the state at the shutdown for the report.
    case shutdown(SystemCPUState)
    /// The user interrupted the run (SIGINT).
    case interrupted

    /// The process exit status for this outcome. Guest statuses from debug-exit are odd; Mimic's
    /// own outcomes use even numbers so they never collide with a guest's verdict.
    public var status: Int32 {
        switch self {
        case .debugExit(let v): return Int32(truncatingIfNeeded: (v << 1) | 1)
        case .reset, .halted: return 0
        case .shutdown: return MachineExit.crashStatus
        case .interrupted: return 130
        }
    }

    /// Status for a guest that crashed the virtual machine (triple fault, an accelerator failure).
    public static let crashStatus: Int32 = 4
}

/// Devices ask the run loop to stop through this; the loop checks it after every device access.
public final class RunControl: @unchecked Sendable {
    public private(set) var pendingExit: MachineExit?
    public init() {}
    /// The first request wins: a guest that writes debug-exit twice ends with the first verdict.
    public func requestExit(_ exit: MachineExit) {
        if pendingExit == nil { pendingExit = exit }
    }
    public func clear() { pendingExit = nil }
}
