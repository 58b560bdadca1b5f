#if canImport(Glibc)
import Glibc
#endif

/// Mimic's own host file descriptors, kept out of the guest's way: a guest's open() must get
/// the number it would get natively, so descriptors Mimic opens (code buffers) move to the top
/// of the descriptor range, and the guest's calls on them fail with EBADF.
enum HostDescriptors {
    /// Just below the open-files limit (capped, as the kernel sizes its table by the highest
    /// descriptor).
    static let floor: Int32 = {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1000 }
        return Int32(max(64, min(limit.rlim_cur, 65536) - 32))
    }()

    /// The descriptors moved above `floor`.
    nonisolated(unsafe) static var owned = Set<Int32>()

    static func isMimics(_ fd: Int32) -> Bool { fd >= floor && owned.contains(fd) }

    /// The descriptors open now.
    static func open() -> Set<Int32> {
        var result = Set<Int32>()
        guard let dir = opendir("/proc/self/fd") else { return result }
        defer { closedir(dir) }
        let own = dirfd(dir)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = Int32(name), fd != own { result.insert(fd) }
        }
        return result
    }

    /// Moves every descriptor below `floor` that was not open in `before` above it (close-on-exec).
    static func moveAbove(_ before: Set<Int32>) {
        for fd in open().subtracting(before) where fd < floor {
            let moved = fcntl(fd, F_DUPFD_CLOEXEC, floor)
            if moved >= 0 {
                close(fd)
                owned.insert(moved)
            }
        }
    }
}
