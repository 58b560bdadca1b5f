#if canImport(Glibc)
import Glibc
#endif
import CKVM

/// The /dev/kvm handle: checks the API version, answers capability and CPUID questions,
/// creates virtual machines.
public final class KVMSystem {
    public static let devicePath = "/dev/kvm"
    /// The only stable KVM API version there has ever been.
    static let apiVersion: Int32 = 12

    let fd: Int32

    public init() throws(KVMError) {
        fd = open(KVMSystem.devicePath, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw .unavailable("cannot open \(KVMSystem.devicePath): \(KVMError.errnoText(e))")
        }
        let version = ckvm_ioctl_value(fd, CKVM_GET_API_VERSION, 0)
        guard version == KVMSystem.apiVersion else {
            close(fd)
            throw .unavailable("\(KVMSystem.devicePath) speaks API version \(version), not \(KVMSystem.apiVersion)")
        }
    }

    deinit { close(fd) }

    /// Nil when KVM can run a guest here, else the reason it cannot.
    public static func unusableReason() -> String? {
        do { _ = try KVMSystem() } catch { return error.description }
        return nil
    }

    func hasCapability(_ cap: Int32) -> Bool {
        ckvm_ioctl_value(fd, CKVM_CHECK_EXTENSION, UInt(cap)) > 0
    }

    var vcpuMapSize: Int {
        get throws(KVMError) {
            let n = ckvm_ioctl_value(fd, CKVM_GET_VCPU_MMAP_SIZE, 0)
            guard n > 0 else { throw .ioctlFailed("KVM_GET_VCPU_MMAP_SIZE", errno) }
            return Int(n)
        }
    }

    /// KVM_GET_SUPPORTED_CPUID: everything this host's KVM can show a guest, as a kvm_cpuid2
    /// buffer ready for KVM_SET_CPUID2. The entry count is not known in advance: grow on E2BIG.
    func supportedCPUID() throws(KVMError) -> CPUIDTable {
        var capacity = 64
        while true {
            let table = CPUIDTable(capacity: capacity)
            if ckvm_ioctl(fd, CKVM_GET_SUPPORTED_CPUID, table.header) == 0 { return table }
            let e = errno
            guard e == E2BIG, capacity < 4096 else { throw .ioctlFailed("KVM_GET_SUPPORTED_CPUID", e) }
            capacity *= 2
        }
    }
}

/// A kvm_cpuid2 header followed by its variable-length array of kvm_cpuid_entry2.
final class CPUIDTable {
    let header: UnsafeMutablePointer<kvm_cpuid2>
    private let raw: UnsafeMutableRawPointer

    init(capacity: Int) {
        let bytes = MemoryLayout<kvm_cpuid2>.size + capacity * MemoryLayout<kvm_cpuid_entry2>.stride
        raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 8)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        header = raw.bindMemory(to: kvm_cpuid2.self, capacity: 1)
        header.pointee.nent = UInt32(capacity)
    }

    deinit { raw.deallocate() }
}
