#if canImport(Glibc)
import Glibc
#endif

/// Where `-d` output goes: standard error, or the file given with `-D`.
public final class LogSink: @unchecked Sendable {
    private let file: UnsafeMutablePointer<FILE>
    private let owned: Bool

    public static let standardError = LogSink(file: stderr, owned: false)

    private init(file: UnsafeMutablePointer<FILE>, owned: Bool) {
        self.file = file
        self.owned = owned
    }

    /// `append`: add to the file (a program `mimic run` execs logs after its parent).
    public convenience init(path: String, append: Bool = false) throws(LogError) {
        guard let f = fopen(path, append ? "a" : "w") else {
            throw LogError(description: "cannot open log file \(path): \(String(cString: strerror(errno)))")
        }
        self.init(file: f, owned: true)
    }

    deinit { if owned { fclose(file) } }

    /// Writes `text` in one call, so lines from several threads do not interleave.
    public func write(_ text: String) {
        fputs(text, file)
    }

    public func flush() { fflush(file) }
}
