import Machine

/// Failures of the KVM accelerator. Each renders as one line; the guest-caused ones carry the
/// register state at the failure for a dump.
public enum KVMError: Error, CustomStringConvertible {
    /// /dev/kvm is missing, not accessible, or speaks another API version.
    case unavailable(String)
    /// An ioctl failed: its name and errno.
    case ioctlFailed(String, Int32)
    /// KVM_EXIT_FAIL_ENTRY: the hardware refused the guest state.
    case failedEntry(hardwareReason: UInt64, cpu: UInt32, state: SystemCPUState?)
    /// KVM_EXIT_INTERNAL_ERROR: KVM could not emulate something (on PVM, some CPL 0 instructions).
    case internalError(suberror: UInt32, data: [UInt64], state: SystemCPUState?)
    /// An exit this machine does not handle.
    case unexpectedExit(reason: UInt32, state: SystemCPUState?)

    public var description: String {
        switch self {
        case .unavailable(let why): return "KVM is not usable: \(why)"
        case .ioctlFailed(let name, let e): return "KVM \(name) failed: \(KVMError.errnoText(e))"
        case .failedEntry(let reason, let cpu, let s):
            return "KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY, hardware reason 0x\(String(reason, radix: 16)), cpu \(cpu))\(KVMError.at(s))"
        case .internalError(let sub, let data, let s):
            let name = KVMError.internalErrorNames[sub] ?? "suberror \(sub)"
            let words = data.map { "0x" + String($0, radix: 16) }.joined(separator: " ")
            return "KVM internal error: \(name)\(words.isEmpty ? "" : " [\(words)]")\(KVMError.at(s))"
        case .unexpectedExit(let reason, let s): return "KVM exit \(reason) not handled\(KVMError.at(s))"
        }
    }

    /// The register dump that goes with a guest-caused failure, if one was read.
    public var state: SystemCPUState? {
        switch self {
        case .failedEntry(_, _, let s), .internalError(_, _, let s), .unexpectedExit(_, let s): return s
        case .unavailable, .ioctlFailed: return nil
        }
    }

    private static func at(_ s: SystemCPUState?) -> String {
        guard let s else { return "" }
        return " at rip 0x\(String(s.rip, radix: 16))"
    }

    /// KVM_INTERNAL_ERROR_* suberrors from <linux/kvm.h>.
    private static let internalErrorNames: [UInt32: String] = [
        1: "instruction emulation failed",
        2: "exception while delivering an event",
        3: "unexpected exit reason",
        4: "exception while delivering an event (with data)",
        5: "unexpected exit during event delivery",
    ]

    static func errnoText(_ e: Int32) -> String {
        String(cString: strerror(e))
    }
}

#if canImport(Glibc)
import Glibc
#endif
