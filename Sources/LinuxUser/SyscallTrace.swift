import Introspection

/// `-d strace`: one line per system call, as strace prints them (raw arguments in hex; the
/// result decimal, or -1 and the errno).
extension LinuxProcess {
    func traceSyscall(_ number: UInt64, _ a: SyscallArguments, _ result: Int64?) {
        let name = SyscallNumber(rawValue: number).map { "\($0)" } ?? "syscall_\(number)"
        let arguments = a.values.map { "0x" + String($0, radix: 16) }.joined(separator: ", ")
        var line = "\(getpid()) \(name)(\(arguments))"
        if let result {
            line += result < 0 && result >= -4095 ? " = -1 errno \(-result) (\(String(cString: strerror(Int32(-result)))))" : " = \(result)"
        }
        Log.write(.strace, line + "\n")
    }
}

#if canImport(Glibc)
import Glibc
#endif
