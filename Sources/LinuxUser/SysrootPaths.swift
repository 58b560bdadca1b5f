#if canImport(Glibc)
import Glibc
#endif

/// Absolute guest paths under a sysroot (`-L DIR`), resolved as if DIR were the root: a
/// symbolic link in the sysroot that points to an absolute path (as Debian's
/// /lib64/ld-linux-x86-64.so.2 does) points into the sysroot, not into the host's tree. A
/// path that does not exist in the sysroot is the host's own (qemu-user's rule), so /proc,
/// /dev and the like stay the host's.
public enum SysrootPaths {
    /// Linux's limit on links followed in one lookup (ELOOP beyond).
    static let maximumLinks = 40

    /// The host path for guest path `path`: inside `sysroot` when every component exists
    /// there (links resolved within it), else `path` itself. `followLast`: a link as the
    /// last component is resolved too (calls that follow it: open, stat, execve...); else it
    /// is left for the host call (lstat, readlink, unlink... act on the link itself).
    public static func resolve(_ path: String, sysroot: String?, followLast: Bool = true) -> String {
        guard let sysroot, path.hasPrefix("/") else { return path }
        var pending = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        pending.reverse()
        var resolved: [String] = []
        var links = 0
        while let component = pending.popLast() {
            switch component {
            case ".": continue
            case "..":
                _ = resolved.popLast()
                continue
            default: break
            }
            let candidate = sysroot + "/" + (resolved + [component]).joined(separator: "/")
            var st = stat()
            guard lstat(candidate, &st) == 0 else { return path }
            guard st.st_mode & S_IFMT == S_IFLNK, followLast || !pending.isEmpty else {
                resolved.append(component)
                continue
            }
            links += 1
            guard links <= maximumLinks, let target = readLink(candidate) else { return path }
            // The link's own components come next; an absolute one starts again at the root.
            if target.hasPrefix("/") { resolved.removeAll() }
            pending += target.split(separator: "/", omittingEmptySubsequences: true).map(String.init).reversed()
        }
        return sysroot + "/" + resolved.joined(separator: "/")
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, Int(PATH_MAX))
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
