import CCPU
import X86

/// What the lifter translates for: a Linux process (user mode, the default) or a whole machine.
public struct LifterOptions: Sendable, Hashable {
    /// System mode: SYSCALL, HLT, INT n and the privileged instructions act on the system state
    /// (`MimicCPUState.sys`) as the processor does, at privilege level `privilegeLevel`; guest
    /// memory is virtual (see `SystemMemory`). In user mode SYSCALL and HLT go to the execution
    /// loop as requests and the privileged instructions raise #UD.
    public var system: Bool
    /// The CPL the code runs at (system mode): privileged instructions at CPL > 0 raise #GP(0).
    public var privilegeLevel: UInt8
    /// Other threads share the guest memory (user mode, after the first CLONE_VM thread):
    /// LOCK-prefixed read-modify-writes and XCHG with memory must be atomic on the host too.
    /// Off, they lift as plain loads and stores, which is exact for one thread and faster.
    public var atomicLocks: Bool

    public init(system: Bool = false, privilegeLevel: UInt8 = 3, atomicLocks: Bool = false) {
        self.system = system
        self.privilegeLevel = privilegeLevel
        self.atomicLocks = atomicLocks
    }

    /// The lifter for a system-mode translation with `MimicSystemState.tb_flags` = `flags`.
    public static func system(flags: UInt32) -> (CPUMode, LifterOptions) {
        let mode: CPUMode = flags & UInt32(MIMIC_TB_CODE64) != 0 ? .long64 : .protected32
        return (mode, LifterOptions(system: true, privilegeLevel: UInt8(flags & UInt32(MIMIC_TB_CPL))))
    }
}
