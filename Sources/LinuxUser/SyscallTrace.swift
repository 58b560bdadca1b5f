/// `--strace`: one line per system call on standard error, as strace prints them (raw
/// arguments in hex; the result decimal, or -1 and the errno's name).
extension LinuxProcess {
    func traceSyscall(_ number: UInt64, _ a: SyscallArguments, _ result: Int64?) {
        let name = SyscallNumber(rawValue: number).map { "\($0)" } ?? "syscall_\(number)"
        let arguments = a.values.map { "0x" + String($0, radix: 16) }.joined(separator: ", ")
        var line = "[\(getpid())] \(name)(\(arguments))"
        if let result {
            line += result < 0 && result >= -4095 ? " = -1 errno \(-result)" : " = \(result)"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
