/// What CPUID reports to the guest, for the runtime: Linux user mode derives AT_HWCAP from it.
public enum GuestCPUID {
    /// CPUID leaf 1 EDX (the feature bits Linux x86-64 passes as AT_HWCAP).
    public static var leaf1EDX: UInt32 { CPUID.query(leaf: 1, subleaf: 0).edx }
}
