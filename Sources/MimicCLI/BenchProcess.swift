import Foundation

/// Runs one command line as a child process and times it: posix_spawn, then wait, with the clock
/// read just before the spawn and just after the child ends (Foundation's Process polls for the
/// exit, which would add milliseconds to short runs). Standard input is /dev/null; standard
/// output and error go to files, so a chatty child never blocks on a full pipe.
struct BenchProcess {
    struct Result {
        /// The exit status, or 128 + the signal number when a signal ended the child.
        var status: Int32
        var seconds: Double
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Where the output files go (one pair, reused by every run).
    let scratch: URL

    init(scratch: URL) {
        self.scratch = scratch
    }

    func run(_ arguments: [String], timeout: Double) throws(Failure) -> Result {
        guard let program = arguments.first else { throw Failure(description: "empty command") }
        let outPath = scratch.appendingPathComponent("stdout").path
        let errPath = scratch.appendingPathComponent("stderr").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }

        var pid: pid_t = 0
        let start = Self.now()
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw Failure(description: "cannot run \(program): \(String(cString: strerror(spawned)))")
        }

        // The watchdog kills the child when the time is up. The child is not reaped until the
        // watchdog can no longer fire (waitid with WNOWAIT first), so the pid it kills is ours.
        let watchdog = Watchdog(pid: pid)
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { watchdog.fire() }
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        let seconds = Self.now() - start
        let timedOut = watchdog.disarm()
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}

        let status: Int32 = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        return Result(status: status, seconds: seconds, stdout: Self.read(outPath), stderr: Self.read(errPath),
                      timedOut: timedOut)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The file's first 64 KiB as text.
    static func read(_ path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: 1 << 16)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The absolute path of an executable found on PATH, or nil.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = String(dir) + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

/// Kills a child once, unless disarmed first.
private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private let pid: pid_t
    private var armed = true
    private var fired = false

    init(pid: pid_t) {
        self.pid = pid
    }

    func fire() {
        lock.lock()
        defer { lock.unlock() }
        guard armed else { return }
        fired = true
        kill(pid, SIGKILL)
    }

    /// Stops the watchdog; returns whether it had killed the child.
    func disarm() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        armed = false
        return fired
    }
}
