#if canImport(Glibc)
import Glibc
#endif
import CKVM
import Introspection
import Machine

/// A machine running on one KVM vCPU: the loop around KVM_RUN that serves its exits.
public final class KVMGuest {
    unowned let accelerator: KVMAccelerator
    let machine: Machine
    let vm: KVMVirtualMachine
    let vcpu: KVMVirtualCPU

    init(_ accelerator: KVMAccelerator, _ machine: Machine) throws(KVMError) {
        self.accelerator = accelerator
        self.machine = machine
        vm = try KVMVirtualMachine(system: accelerator.system, ram: machine.ram)
        vcpu = try KVMVirtualCPU(vm: vm)
        try vcpu.setState(machine.bootState)
        withUnsafeMutablePointer(to: &vcpu.run.pointee.immediate_exit) { Interruption.immediateExit = $0 }
    }

    /// Keeps the final state and statistics in the accelerator, and flushes the serial port.
    public func finish() {
        Interruption.immediateExit = nil
        accelerator.finalState = vcpu.stateForReport
        machine.serialOutput.flush()
    }

    /// Runs until the machine stops (see `Accelerator.run`).
    public func run() throws(KVMError) -> MachineExit {
        while true {
            switch try enter() {
            case .exit(let exit): return exit
            case .debug, .signalled: continue
            }
        }
    }

    /// What one trip into the guest ended with, beyond the exits served in it.
    enum Event {
        case exit(MachineExit)
        /// KVM_EXIT_DEBUG (only while guest debugging is on).
        case debug(kvm_debug_exit_arch)
        /// KVM_RUN returned EINTR: a signal came (Ctrl-C is seen as `.exit(.interrupted)`).
        case signalled
    }

    /// Runs the vCPU until an exit the machine does not serve by itself.
    func enter() throws(KVMError) -> Event {
        let run = vcpu.run
        let collectsStatistics = accelerator.collectsStatistics
        while true {
            if let exit = machine.control.pendingExit { return .exit(exit) }
            if Interruption.isRequested { return .exit(.interrupted) }
            let start = collectsStatistics ? MonotonicNanoseconds.now() : 0
            let status = ckvm_ioctl_value(vcpu.fd, CKVM_RUN, 0)
            if collectsStatistics { accelerator.statistics.runNanoseconds += MonotonicNanoseconds.now() - start }
            if status != 0 {
                let e = errno
                if e == EINTR || e == EAGAIN {
                    run.pointee.immediate_exit = 0
                    if Interruption.isRequested { return .exit(.interrupted) }
                    return .signalled
                }
                throw .ioctlFailed("KVM_RUN", e)
            }
            accelerator.statistics.count(run.pointee.exit_reason)
            if Log.isEnabled(.kvm) { Log.sink.write(KVMExits.describe(run, vcpu.runBytes)) }
            switch Int32(run.pointee.exit_reason) {
            case KVM_EXIT_IO:
                dispatchPortIO(run, vcpu.runBytes)
            case KVM_EXIT_MMIO:
                dispatchMMIO(run)
            case KVM_EXIT_HLT:
                return .exit(.halted)
            case KVM_EXIT_SHUTDOWN:
                return .exit(.shutdown(try vcpu.state))
            case KVM_EXIT_INTR:
                continue
            case KVM_EXIT_DEBUG:
                return .debug(run.pointee.debug.arch)
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
    private func dispatchPortIO(_ run: UnsafeMutablePointer<kvm_run>, _ bytes: UnsafeMutableRawPointer) {
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
    private func dispatchMMIO(_ run: UnsafeMutablePointer<kvm_run>) {
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
