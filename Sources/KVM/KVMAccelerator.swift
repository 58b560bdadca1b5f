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
    private let system: KVMSystem

    /// Throws `.unavailable` when /dev/kvm cannot be used.
    public init() throws(KVMError) {
        system = try KVMSystem()
    }

    public func run(_ machine: Machine) throws -> MachineExit {
        try runTyped(machine)
    }

    /// The exit the last run produced with KVM's view of the vCPU, for tests and reports.
    public private(set) var finalState: SystemCPUState?

    /// `--stats`: also time each KVM_RUN (exits are always counted).
    public var collectsStatistics = false
    public private(set) var statistics = KVMStatistics()

    func runTyped(_ machine: Machine) throws(KVMError) -> MachineExit {
        let vm = try KVMVirtualMachine(system: system, ram: machine.ram)
        let vcpu = try KVMVirtualCPU(vm: vm)
        try vcpu.setState(machine.bootState)

        let run = vcpu.run
        withUnsafeMutablePointer(to: &run.pointee.immediate_exit) { Interruption.immediateExit = $0 }
        defer {
            Interruption.immediateExit = nil
            finalState = vcpu.stateForReport
            machine.serialOutput.flush()
        }

        while true {
            if let exit = machine.control.pendingExit { return exit }
            if Interruption.isRequested { return .interrupted }
            let start = collectsStatistics ? MonotonicNanoseconds.now() : 0
            let status = ckvm_ioctl_value(vcpu.fd, CKVM_RUN, 0)
            if collectsStatistics { statistics.runNanoseconds += MonotonicNanoseconds.now() - start }
            if status != 0 {
                let e = errno
                if e == EINTR || e == EAGAIN { run.pointee.immediate_exit = 0; continue }
                throw .ioctlFailed("KVM_RUN", e)
            }
            statistics.count(run.pointee.exit_reason)
            if Log.isEnabled(.kvm) { Log.sink.write(KVMExits.describe(run, vcpu.runBytes)) }
            switch Int32(run.pointee.exit_reason) {
            case KVM_EXIT_IO:
                dispatchPortIO(run, vcpu.runBytes, machine)
            case KVM_EXIT_MMIO:
                dispatchMMIO(run, machine)
            case KVM_EXIT_HLT:
                return .halted
            case KVM_EXIT_SHUTDOWN:
                return .shutdown(try vcpu.state)
            case KVM_EXIT_INTR:
                continue
            case KVM_EXIT_FAIL_ENTRY:
                let f = run.pointee.fail_entry
                throw .failedEntry(hardwareReason: f.hardware_entry_failure_reason, cpu: f.cpu, state: vcpu.stateForReport)
            case KVM_EXIT_INTERNAL_ERROR:
                let i = run.pointee.internal
                let count = min(Int(i.ndata), 16)
                let data = withUnsafeBytes(of: i.data) { Array($0.bindMemory(to: UInt64.self).prefix(count)) }
                throw .internalError(suberror: i.suberror, data: data, state: vcpu.stateForReport)
            default:
                throw .unexpectedExit(reason: run.pointee.exit_reason, state: vcpu.stateForReport)
            }
        }
    }

    /// KVM_EXIT_IO: `count` accesses of `size` bytes at `port` (count > 1 for INS/OUTS with REP),
    /// their data packed at data_offset in the kvm_run page.
    private func dispatchPortIO(_ run: UnsafeMutablePointer<kvm_run>, _ bytes: UnsafeMutableRawPointer, _ machine: Machine) {
        let io = run.pointee.io
        let size = Int(io.size)
        let data = bytes + Int(io.data_offset)
        for i in 0..<Int(io.count) {
            let slot = data + i * size
            if io.direction == UInt8(KVM_EXIT_IO_OUT) {
                var value: UInt32 = 0
                withUnsafeMutableBytes(of: &value) { $0.baseAddress!.copyMemory(from: slot, byteCount: size) }
                machine.ports.write(port: io.port, size: size, value: value)
            } else {
                var value = machine.ports.read(port: io.port, size: size)
                withUnsafeBytes(of: &value) { slot.copyMemory(from: $0.baseAddress!, byteCount: size) }
            }
        }
    }

    /// KVM_EXIT_MMIO: one access of `len` bytes to a guest physical address outside RAM.
    private func dispatchMMIO(_ run: UnsafeMutablePointer<kvm_run>, _ machine: Machine) {
        let address = run.pointee.mmio.phys_addr
        let size = Int(min(run.pointee.mmio.len, 8))
        withUnsafeMutableBytes(of: &run.pointee.mmio.data) { data in
            if run.pointee.mmio.is_write != 0 {
                var value: UInt64 = 0
                withUnsafeMutableBytes(of: &value) { $0.baseAddress!.copyMemory(from: data.baseAddress!, byteCount: size) }
                machine.writePhysical(address, size: size, value: value)
            } else {
                var value = machine.readPhysical(address, size: size)
                withUnsafeBytes(of: &value) { data.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: size) }
            }
        }
    }
}
