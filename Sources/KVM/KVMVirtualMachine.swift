#if canImport(Glibc)
import Glibc
#endif
import CKVM
import Machine

/// One KVM virtual machine: its guest RAM is the machine's mapping, as memory slot 0.
final class KVMVirtualMachine {
    let system: KVMSystem
    let fd: Int32

    /// Three pages for the TSS Intel's VMX needs to emulate real mode, and one for its identity
    /// page table, placed just below the 4G boundary where no RAM or device lives.
    static let tssAddress: UInt = 0xFFFB_D000
    static let identityMapAddress: UInt64 = 0xFFFB_C000

    init(system: KVMSystem, ram: GuestRAM) throws(KVMError) {
        self.system = system
        fd = ckvm_ioctl_value(system.fd, CKVM_CREATE_VM, 0)
        guard fd >= 0 else { throw .ioctlFailed("KVM_CREATE_VM", errno) }

        if system.hasCapability(KVM_CAP_SET_TSS_ADDR) {
            guard ckvm_ioctl_value(fd, CKVM_SET_TSS_ADDR, KVMVirtualMachine.tssAddress) == 0 else {
                throw .ioctlFailed("KVM_SET_TSS_ADDR", errno)
            }
        }
        if system.hasCapability(KVM_CAP_SET_IDENTITY_MAP_ADDR) {
            var address = KVMVirtualMachine.identityMapAddress
            guard ckvm_ioctl(fd, CKVM_SET_IDENTITY_MAP_ADDR, &address) == 0 else {
                throw .ioctlFailed("KVM_SET_IDENTITY_MAP_ADDR", errno)
            }
        }

        var region = kvm_userspace_memory_region(slot: 0, flags: 0, guest_phys_addr: 0,
                                                 memory_size: ram.size,
                                                 userspace_addr: UInt64(UInt(bitPattern: ram.base)))
        guard ckvm_ioctl(fd, CKVM_SET_USER_MEMORY_REGION, &region) == 0 else {
            throw .ioctlFailed("KVM_SET_USER_MEMORY_REGION", errno)
        }
    }

    deinit { close(fd) }
}
