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
