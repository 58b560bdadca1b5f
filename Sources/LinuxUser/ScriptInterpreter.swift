#if canImport(Glibc)
import Glibc
#endif

/// A script's `#!` line, as Linux's binfmt_script reads it: within the first 256 bytes, the
/// interpreter up to the first blank, then at most one argument (the rest of the line, less
/// trailing blanks). The program that runs is the interpreter with arguments
/// [interpreter as written, its argument if any, the script's path, the script's arguments
/// after argv[0]]; the process is still named after the script (execve names it after the
/// file it was given), and /proc/self/exe is the interpreter.
enum ScriptInterpreter {
    /// How many scripts may name scripts as their interpreters before execve gives up (ELOOP).
    static let nesting = 4
    static let headerBytes = 256

    /// The interpreter and its optional argument, when `header` starts with `#!`.
    static func parse(_ header: [UInt8]) -> (interpreter: String, argument: String?)? {
        guard header.starts(with: [0x23, 0x21]) else { return nil }  // "#!"
        let line = header.dropFirst(2).prefix { $0 != 0x0A }
        let words = String(decoding: line, as: UTF8.self).drop { $0 == " " || $0 == "\t" }
            .split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
        guard let interpreter = words.first else { return ("", nil) }
        let argument = words.count > 1 ? words[1].drop { $0 == " " || $0 == "\t" }.trimmingTrailingBlanks() : ""
        return (String(interpreter), argument.isEmpty ? nil : argument)
    }

    /// The program `mimic run` loads for `path` and the arguments it starts with: `path` and
    /// `arguments` themselves unless `path` is a script (interpreters found under `sysroot`
    /// first, as the guest's execve finds them).
    static func resolve(_ path: String, arguments: [String], sysroot: String?) throws(LoadError) -> (path: String, arguments: [String]) {
        var (current, named, argv) = (path, path, arguments)
        for _ in 0...nesting {
            guard let (interpreter, argument) = parse(header(current)) else { return (current, argv) }
            guard !interpreter.isEmpty else { throw LoadError("\(path): no interpreter after #!", status: 126) }
            argv = [interpreter] + (argument.map { [$0] } ?? []) + [named] + argv.dropFirst()
            current = LinuxProcess.hostPath(interpreter, sysroot: sysroot)
            named = interpreter
            guard access(current, F_OK) == 0 else {
                throw LoadError("\(path): \(interpreter): bad interpreter: \(String(cString: strerror(errno)))", status: 126)
            }
        }
        throw LoadError("\(path): too many levels of #! interpreters", status: 126)
    }

    /// The first bytes of the file at `path` (none when it cannot be read: the loader says why).
    static func header(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: headerBytes)
        let n = read(fd, &bytes, bytes.count)
        return n > 0 ? Array(bytes.prefix(n)) : []
    }
}
