/// What CPUID reports to the guest, for the runtime: Linux user mode derives AT_HWCAP and
/// /proc/cpuinfo from it.
public enum GuestCPUID {
    /// CPUID leaf 1 EDX (the feature bits Linux x86-64 passes as AT_HWCAP).
    public static var leaf1EDX: UInt32 { CPUID.query(leaf: 1, subleaf: 0).edx }

    /// Any leaf and subleaf as the guest's CPUID instruction reads them.
    public static func query(leaf: UInt32, subleaf: UInt32 = 0) -> (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
        let r = CPUID.query(leaf: leaf, subleaf: subleaf)
        return (r.eax, r.ebx, r.ecx, r.edx)
    }
}
