import CLinuxUser

/// The six argument registers of a system call (rdi, rsi, rdx, r10, r8, r9).
struct SyscallArguments {
    var values: [UInt64]

    subscript(_ i: Int) -> UInt64 { values[i] }
    /// Argument `i` as the C `long` (or pointer-sized value) the host call takes.
    func long(_ i: Int) -> Int { Int(bitPattern: UInt(values[i])) }
    /// Argument `i` as a C `int` (the upper half of the register is ignored, as the kernel does).
    func int(_ i: Int) -> Int32 { Int32(truncatingIfNeeded: values[i]) }
}

/// A pointer as a host system call argument.
@inline(__always)
func hostArgument(_ p: UnsafeMutableRawPointer?) -> Int { Int(bitPattern: p) }

/// The host kernel's system call `number` (the host is x86-64, so the numbers are the guest's),
/// returning its raw result: -errno on failure.
@inline(__always)
func hostSyscall(_ number: SyscallNumber, _ a1: Int = 0, _ a2: Int = 0, _ a3: Int = 0, _ a4: Int = 0, _ a5: Int = 0, _ a6: Int = 0) -> Int64 {
    Int64(mimic_host_syscall(Int(number.rawValue), a1, a2, a3, a4, a5, a6))
}
