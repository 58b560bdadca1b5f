#if canImport(Glibc)
import Glibc
#endif
import CKVM
import Machine

/// One vCPU and its shared kvm_run page.
final class KVMVirtualCPU {
    let fd: Int32
    let run: UnsafeMutablePointer<kvm_run>
    private let mapSize: Int

    init(vm: KVMVirtualMachine, id: UInt = 0) throws(KVMError) {
        fd = ckvm_ioctl_value(vm.fd, CKVM_CREATE_VCPU, id)
        guard fd >= 0 else { throw .ioctlFailed("KVM_CREATE_VCPU", errno) }
        mapSize = try vm.system.vcpuMapSize
        let p = mmap(nil, mapSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let p, p != MAP_FAILED else {
            let e = errno
            close(fd)
            throw .ioctlFailed("mmap of kvm_run", e)
        }
        run = p.bindMemory(to: kvm_run.self, capacity: 1)

        // Show the guest the processor KVM supports, unchanged.
        let cpuid = try vm.system.supportedCPUID()
        guard ckvm_ioctl(fd, CKVM_SET_CPUID2, cpuid.header) == 0 else { throw .ioctlFailed("KVM_SET_CPUID2", errno) }
    }

    deinit {
        munmap(run, mapSize)
        close(fd)
    }

    /// The kvm_run page as raw bytes, for the I/O data area at run.io.data_offset.
    var runBytes: UnsafeMutableRawPointer { UnsafeMutableRawPointer(run) }

    var state: SystemCPUState {
        get throws(KVMError) {
            var regs = kvm_regs()
            var sregs = kvm_sregs()
            guard ckvm_ioctl(fd, CKVM_GET_REGS, &regs) == 0 else { throw .ioctlFailed("KVM_GET_REGS", errno) }
            guard ckvm_ioctl(fd, CKVM_GET_SREGS, &sregs) == 0 else { throw .ioctlFailed("KVM_GET_SREGS", errno) }
            return SystemCPUState(regs: regs, sregs: sregs)
        }
    }

    func setState(_ s: SystemCPUState) throws(KVMError) {
        // Start from KVM's own sregs so fields the machine state does not model (the pending
        // interrupt bitmap) keep their values.
        var sregs = kvm_sregs()
        guard ckvm_ioctl(fd, CKVM_GET_SREGS, &sregs) == 0 else { throw .ioctlFailed("KVM_GET_SREGS", errno) }
        s.store(into: &sregs)
        guard ckvm_ioctl(fd, CKVM_SET_SREGS, &sregs) == 0 else { throw .ioctlFailed("KVM_SET_SREGS", errno) }
        var regs = s.kvmRegs
        guard ckvm_ioctl(fd, CKVM_SET_REGS, &regs) == 0 else { throw .ioctlFailed("KVM_SET_REGS", errno) }
    }

    /// KVM_GET_REGS / KVM_SET_REGS and the rest, as the debugger needs them.
    func registers() throws(KVMError) -> kvm_regs {
        var regs = kvm_regs()
        guard ckvm_ioctl(fd, CKVM_GET_REGS, &regs) == 0 else { throw .ioctlFailed("KVM_GET_REGS", errno) }
        return regs
    }

    func setRegisters(_ regs: kvm_regs) throws(KVMError) {
        var regs = regs
        guard ckvm_ioctl(fd, CKVM_SET_REGS, &regs) == 0 else { throw .ioctlFailed("KVM_SET_REGS", errno) }
    }

    func specialRegisters() throws(KVMError) -> kvm_sregs {
        var sregs = kvm_sregs()
        guard ckvm_ioctl(fd, CKVM_GET_SREGS, &sregs) == 0 else { throw .ioctlFailed("KVM_GET_SREGS", errno) }
        return sregs
    }

    func setSpecialRegisters(_ sregs: kvm_sregs) throws(KVMError) {
        var sregs = sregs
        guard ckvm_ioctl(fd, CKVM_SET_SREGS, &sregs) == 0 else { throw .ioctlFailed("KVM_SET_SREGS", errno) }
    }

    func floatingPoint() throws(KVMError) -> kvm_fpu {
        var fpu = kvm_fpu()
        guard ckvm_ioctl(fd, CKVM_GET_FPU, &fpu) == 0 else { throw .ioctlFailed("KVM_GET_FPU", errno) }
        return fpu
    }

    func setFloatingPoint(_ fpu: kvm_fpu) throws(KVMError) {
        var fpu = fpu
        guard ckvm_ioctl(fd, CKVM_SET_FPU, &fpu) == 0 else { throw .ioctlFailed("KVM_SET_FPU", errno) }
    }

    /// KVM_SET_GUEST_DEBUG: `control` is KVM_GUESTDBG_* flags; `debugRegisters` DR0-DR3, DR6, DR7
    /// as the debug registers hold them (indexes 4 and 5 unused).
    func setGuestDebug(control: UInt32, debugRegisters: [UInt64] = []) throws(KVMError) {
        var debug = kvm_guest_debug()
        debug.control = control
        withUnsafeMutableBytes(of: &debug.arch.debugreg) { slots in
            for (i, value) in debugRegisters.prefix(8).enumerated() { slots.storeBytes(of: value, toByteOffset: 8 * i, as: UInt64.self) }
        }
        guard ckvm_ioctl(fd, CKVM_SET_GUEST_DEBUG, &debug) == 0 else { throw .ioctlFailed("KVM_SET_GUEST_DEBUG", errno) }
    }

    /// The state for a failure report; nil if even reading it fails.
    var stateForReport: SystemCPUState? { try? state }
}
