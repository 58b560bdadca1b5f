#if canImport(Glibc)
import Glibc
#endif
import CKVM
import Introspection
import Machine

/// Runs a machine on /dev/kvm: the machine's RAM becomes memory slot 0, one vCPU starts in the
/// machine's boot state, and every I/O or MMIO exit goes to the machine's buses.
public final class KVMAccelerator: Accelerator {
    public let name = "kvm"
    let system: KVMSystem

    /// Throws `.unavailable` when /dev/kvm cannot be used.
    public init() throws(KVMError) {
        system = try KVMSystem()
    }

    public func run(_ machine: Machine) throws -> MachineExit {
        try runTyped(machine)
    }

    /// The exit the last run produced with KVM's view of the vCPU, for tests and reports.
    public internal(set) var finalState: SystemCPUState?

    /// `--stats`: also time each KVM_RUN (exits are always counted).
    public var collectsStatistics = false
    public internal(set) var statistics = KVMStatistics()

    func runTyped(_ machine: Machine) throws(KVMError) -> MachineExit {
        let guest = try start(machine)
        defer { guest.finish() }
        return try guest.run()
    }

    /// The machine on a new VM, its vCPU in the boot state, not yet run: for a caller that
    /// drives it (the gdb stub), then runs it with `run()` and ends with `finish()`.
    public func start(_ machine: Machine) throws(KVMError) -> KVMGuest {
        try KVMGuest(self, machine)
    }
}
