/// Something that runs a machine's boot CPU: KVM, or Mimic's own translator (tcg, interp). All
/// share the machine's RAM, buses and devices.
public protocol Accelerator: AnyObject {
    /// Short name as the command line spells it ("kvm", "tcg", "interp").
    var name: String { get }
    /// Runs from `machine.bootState` until the guest stops the machine, the processor shuts
    /// down, or the user interrupts; throws when the accelerator itself fails.
    func run(_ machine: Machine) throws -> MachineExit
    /// The boot CPU's state when the last run ended (the register dump of a report).
    var finalState: SystemCPUState? { get }
}
