import CCPU
import X86

/// Which backend runs translated blocks.
public enum Accel: String, Sendable, CaseIterable {
    case jit = "tcg"
    case interp
}

/// Why `Engine.run` returned.
public enum StopReason: Equatable, Sendable {
    /// HLT executed (rip is after it).
    case halt
    /// A guest exception: rip is the faulting instruction.
    case exception(vector: Int, errorCode: UInt64, address: UInt64)
    /// SYSCALL executed (rip is after it); the caller services it and may run again.
    case syscall
}

public struct EngineOptions: Sendable {
    public var codeBufferBytes: Int = 64 << 20
    public var maxBlockInstructions: Int = 512
    public var optimize: Bool = true
    public init() {}
}

/// Runs guest code: translation-block cache, chaining, the execution loop.
public final class Engine {
    public let memory: GuestMemory
    public let accel: Accel
    public let cpu: UnsafeMutablePointer<MimicCPUState>

    /// Throws when the code buffer cannot be mapped.
    public init(memory: GuestMemory, accel: Accel, options: EngineOptions = EngineOptions(), mode: CPUMode = .long64) throws {
        self.memory = memory
        self.accel = accel
        cpu = .allocate(capacity: 1)
        cpu.initialize(to: MimicCPUState())
    }

    deinit { cpu.deallocate() }

    /// Runs from `cpu.rip` until the guest stops (see `StopReason`).
    public func run() -> StopReason { .halt }
}
