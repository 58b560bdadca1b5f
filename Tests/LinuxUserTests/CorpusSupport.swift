import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended, as its parent sees it.
enum CorpusTermination: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)
    /// Still running at the deadline; the whole process group was killed.
    case timedOut(seconds: Double)

    var description: String {
        switch self {
        case .exited(let status): "exit status \(status)"
        case .signaled(let signal): "killed by signal \(signal) (\(String(cString: strsignal(signal))))"
        case .timedOut(let seconds): "still running after \(seconds) s (killed)"
        }
    }
}

/// Everything a caller can observe of one run.
struct CorpusOutcome: Equatable {
    var stdout: [UInt8]
    var stderr: [UInt8]
    var termination: CorpusTermination

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// What to run and in which surroundings. Native and Mimic runs of one case share all of it.
struct CorpusInvocation {
    var arguments: [String]
    var environment: [String: String] = CorpusEnvironment.standard
    var stdin: [UInt8]? = nil
    /// The directory the program starts in; a fresh temporary one when nil.
    var directory: URL? = nil
    var timeout: Double = 60
}

enum CorpusEnvironment {
    /// A small fixed environment so output never depends on the developer's shell.
    static let standard: [String: String] = [
        "PATH": "/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC", "HOME": "/tmp", "CORPUS_VAR": "corpus value",
    ]

    /// Native glibc picks AVX2/FMA/EVEX variants of string and libm functions by CPUID; Mimic
    /// reports up to SSE4.2 only. Masking those features natively makes both runs use the same
    /// variants, so a libm result differing in the last bit is Mimic's fault, not the variant's.
    static let glibcBaseline = "glibc.cpu.hwcaps=-AVX,-AVX2,-FMA,-FMA4,-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD,-AVX512ER,-AVX512PF"
}

/// Runs processes with posix_spawn: own process group, default signal dispositions and an
/// empty mask (the test process's own must not leak into the program), output to files, and a
/// deadline after which the whole group is killed.
enum CorpusProcess {
    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ executable: String, _ invocation: CorpusInvocation) throws -> CorpusOutcome {
        let scratch = try CorpusFiles.makeDirectory("spawn")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let directory = try invocation.directory ?? CorpusFiles.makeDirectory("cwd")
        defer { if invocation.directory == nil { try? FileManager.default.removeItem(at: directory) } }
        let outPath = scratch.appendingPathComponent("stdout").path
        let errPath = scratch.appendingPathComponent("stderr").path
        let inPath = scratch.appendingPathComponent("stdin").path
        if let stdin = invocation.stdin {
            try Data(stdin).write(to: URL(fileURLWithPath: inPath))
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, invocation.stdin == nil ? "/dev/null" : inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard let addChdir = addChdir else { throw SpawnError(description: "this C library lacks posix_spawn_file_actions_addchdir_np") }
        _ = addChdir(&actions, directory.path)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv = [executable] + invocation.arguments
        let envp = invocation.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnvp in posix_spawn(&pid, executable, &actions, &attributes, cArgv, cEnvp) }
        }
        if spawned != 0 {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }

        let deadline = Date().addingTimeInterval(invocation.timeout)
        var status: Int32 = 0
        var termination: CorpusTermination?
        while termination == nil {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                termination = decode(status)
            } else if reaped < 0 && errno != EINTR {
                throw SpawnError(description: "waitpid: \(String(cString: strerror(errno)))")
            } else if Date() > deadline {
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
                termination = .timedOut(seconds: invocation.timeout)
            } else {
                usleep(2000)
            }
        }
        // Whatever the program left running in its group (a background job) goes too.
        kill(-pid, SIGKILL)
        let stdout = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        let stderr = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
        return CorpusOutcome(stdout: [UInt8](stdout), stderr: [UInt8](stderr), termination: termination!)
    }

    /// glibc 2.29+ has it; the Swift Glibc module does not declare it.
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addChdir: AddChdir? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()

    private static func decode(_ status: Int32) -> CorpusTermination {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}

enum CorpusFiles {
    /// This test process's scratch root; every directory the corpus makes lives below it.
    static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mimic-corpus-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    static func makeDirectory(_ prefix: String) throws -> URL {
        let url = root.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The directory of this file: the C sources are in Programs/ beside it.
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    static func tool(_ name: String) -> String? {
        for directory in ["/usr/local/bin", "/usr/bin", "/bin"] {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }
}

/// The `mimic` executable built with these tests: MIMIC_BINARY, else beside the test bundle.
enum CorpusMimic {
    static var path: String? {
        if let path = ProcessInfo.processInfo.environment["MIMIC_BINARY"] { return path }
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let candidate = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("mimic").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// Accelerators to compare, from MIMIC_CORPUS_ACCELS (comma list), else `defaults`.
    static func accels(defaults: [String]) -> [String] {
        guard let list = ProcessInfo.processInfo.environment["MIMIC_CORPUS_ACCELS"] else { return defaults }
        return list.split(separator: ",").map(String.init)
    }

    static func located(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let path else {
            XCTFail("the mimic executable is not beside the test bundle; build it (swift build) or set MIMIC_BINARY", file: file, line: line)
            throw XCTSkip("no mimic executable")
        }
        return path
    }

    /// `mimic run --accel ACCEL -- PROGRAM ARGS...` with the invocation's surroundings.
    static func run(_ program: String, accel: String, _ invocation: CorpusInvocation) throws -> CorpusOutcome {
        var wrapped = invocation
        wrapped.arguments = ["run", "--accel", accel, "--", program] + invocation.arguments
        return try CorpusProcess.run(try located(), wrapped)
    }
}

/// Side-by-side reports of two outcomes.
enum CorpusComparison {
    /// nil when equal, else what differs, readable in a test log.
    static func differences(native: CorpusOutcome, mimic: CorpusOutcome) -> String? {
        var parts: [String] = []
        if native.termination != mimic.termination {
            parts.append("termination: native \(native.termination), mimic \(mimic.termination)")
        }
        if native.stdout != mimic.stdout { parts.append("stdout differs: " + firstDifference(native.stdout, mimic.stdout)) }
        if native.stderr != mimic.stderr { parts.append("stderr differs: " + firstDifference(native.stderr, mimic.stderr)) }
        if parts.isEmpty { return nil }
        if !mimic.stderr.isEmpty && native.stderr != mimic.stderr {
            parts.append("mimic's stderr (first 1500 bytes):\n" + String(decoding: mimic.stderr.prefix(1500), as: UTF8.self))
        }
        return parts.joined(separator: "\n")
    }

    /// The first differing line of each, with its number and the line before it.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        let left = String(decoding: a, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let right = String(decoding: b, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let index = (0..<min(left.count, right.count)).first { left[$0] != right[$0] } ?? min(left.count, right.count)
        func line(_ lines: [Substring], _ i: Int) -> String {
            i < lines.count ? "\"" + String(lines[i].prefix(300)) + "\"" : "(end)"
        }
        var text = "\(a.count) bytes native, \(b.count) under mimic; first difference at line \(index + 1)"
        if index > 0 { text += "\n    after: \(line(left, index - 1))" }
        text += "\n    native: \(line(left, index))\n    mimic:  \(line(right, index))"
        return text
    }
}
