/// What the gdb stub debugs: a guest CPU with memory, behind the few operations the GDB remote
/// protocol needs. The stub knows nothing of how the guest runs (TCG, the interpreter, KVM).
public protocol DebugTarget: AnyObject {
    func readRegisters() -> DebugRegisters
    func writeRegisters(_ registers: DebugRegisters)
    /// Guest memory at a guest virtual address; nil when some of it is not mapped.
    func readMemory(at address: UInt64, count: Int) -> [UInt8]?
    /// False when some of the range is not mapped (nothing is written then).
    func writeMemory(at address: UInt64, _ bytes: [UInt8]) -> Bool
    /// Software (`Z0`) or hardware (`Z1`) breakpoints; false when the target cannot set it.
    func insertBreakpoint(at address: UInt64, hardware: Bool) -> Bool
    func removeBreakpoint(at address: UInt64, hardware: Bool) -> Bool
    /// Runs one instruction.
    func step() -> DebugStop
    /// Runs until a breakpoint, until the guest stops, or until `interrupted()` (which the target
    /// asks now and then) returns true.
    func resume(interrupted: () -> Bool) -> DebugStop
    /// gdb is gone (detached or disconnected): forget its breakpoints; the guest runs on.
    func detach()

    /// The guest's threads by the ids gdb shows (a Linux process: its thread ids); by default
    /// one thread, 1, whose registers are `readRegisters()`'s.
    var threadIDs: [Int] { get }
    /// `thread`'s registers; nil when there is no such thread (any more).
    func readRegisters(thread: Int) -> DebugRegisters?
    /// False when there is no such thread.
    func writeRegisters(_ registers: DebugRegisters, thread: Int) -> Bool
    /// Runs the threads as `actions` says until one of them stops (all-stop: then every thread
    /// is stopped), or until `interrupted()` returns true. Returns the stop and the thread it
    /// is about.
    func run(_ actions: ResumeActions, interrupted: () -> Bool) -> (stop: DebugStop, thread: Int)

    /// A Linux process's auxiliary vector (as /proc/PID/auxv has it), from which gdb learns
    /// where a position-independent program and its interpreter were loaded; nil by default.
    var auxiliaryVector: [UInt8]? { get }
    /// How far from its link-time addresses the program was loaded (a position-independent
    /// program's load bias), which `qOffsets` gives gdb so the program's symbols are where
    /// it runs; nil (the default) when it runs where it was linked.
    var loadOffset: UInt64? { get }
}

/// What gdb asks each thread to do when it resumes the guest (`vCont`).
public struct ResumeActions: Equatable, Sendable {
    /// The thread that runs one instruction, if one does.
    public var step: Int?
    /// Threads that run until something stops.
    public var continuing: Set<Int> = []
    /// Every thread not named by `step` or `continuing` runs too, threads that start meanwhile
    /// included.
    public var othersContinue = false
    /// Signals to deliver as threads resume (`C sig`, `S sig`): gdb passes on the signal a
    /// thread stopped with. A thread that stopped with a signal and resumes without one has it
    /// suppressed.
    public var signals: [Int: Int32] = [:]

    public init(step: Int? = nil, continuing: Set<Int> = [], othersContinue: Bool = false, signals: [Int: Int32] = [:]) {
        self.step = step
        self.continuing = continuing
        self.othersContinue = othersContinue
        self.signals = signals
    }

    /// Whether `thread` runs (steps or continues).
    public func runs(_ thread: Int) -> Bool {
        thread == step || continuing.contains(thread) || othersContinue
    }
}

/// A target with one thread, 1, no auxiliary vector, loaded where it was linked.
extension DebugTarget {
    public var auxiliaryVector: [UInt8]? { nil }

    public var loadOffset: UInt64? { nil }

    public var threadIDs: [Int] { [1] }

    public func readRegisters(thread: Int) -> DebugRegisters? {
        thread == 1 ? readRegisters() : nil
    }

    public func writeRegisters(_ registers: DebugRegisters, thread: Int) -> Bool {
        guard thread == 1 else { return false }
        writeRegisters(registers)
        return true
    }

    public func run(_ actions: ResumeActions, interrupted: () -> Bool) -> (stop: DebugStop, thread: Int) {
        (actions.step != nil ? step() : resume(interrupted: interrupted), 1)
    }
}

/// Why the guest stopped, in the protocol's terms.
public enum DebugStop: Equatable, Sendable {
    case stepped
    case breakpoint
    case interrupted
    /// A fault the guest did not handle, as the POSIX signal gdb shows (SIGSEGV, SIGILL...).
    case signal(Int32)
    /// The guest ended with this status.
    case exited(Int32)
}

/// The x86-64 registers gdb asks for, in the units the target description gives them.
public struct DebugRegisters: Equatable, Sendable {
    /// RAX..R15 in encoding order (RAX RCX RDX RBX RSP RBP RSI RDI R8..R15).
    public var gpr = [UInt64](repeating: 0, count: 16)
    public var rip: UInt64 = 0
    public var eflags: UInt32 = 0x2
    /// CS SS DS ES FS GS selectors.
    public var segments = [UInt32](repeating: 0, count: 6)
    public var fsBase: UInt64 = 0
    public var gsBase: UInt64 = 0
    /// ST0..ST7, 10 bytes each (80-bit extended), as the stack registers hold them.
    public var st = [[UInt8]](repeating: [UInt8](repeating: 0, count: 10), count: 8)
    /// FCTRL FSTAT FTAG FISEG FIOFF FOSEG FOOFF FOP.
    public var x87Control: [UInt32] = [0x37F, 0, 0xFFFF, 0, 0, 0, 0, 0]
    /// XMM0..XMM15 as (low, high) quadwords.
    public var xmm = [[UInt64]](repeating: [0, 0], count: 16)
    public var mxcsr: UInt32 = 0x1F80

    public init() {}
}
