#if canImport(Glibc)
import Glibc
#endif

/// After a fork, the child's copies of Mimic's code buffers.
///
/// A code buffer is one memfd mapped twice (written through one view, run through the other)
/// with MAP_SHARED, so a forked child would share it with its parent: each would append new
/// translations over the other's. The child gives each buffer a memfd of its own, with the
/// same contents, mapped at the same addresses (so every pointer into the code stays valid).
enum ForkedCodeBuffers {
    static let name = "memfd:mimic-code"
    static let seekData: Int32 = 3, seekHole: Int32 = 4

    struct View {
        var start: UInt
        var end: UInt
        var protection: Int32
    }

    static func privatize() {
        for (inode, views) in codeViews() {
            guard let first = views.first else { continue }
            let size = views.map { $0.end - $0.start }.max()!
            let old = descriptor(inode: inode)
            let fresh = Int32(truncatingIfNeeded: hostSyscall(.memfd_create, Int(bitPattern: UnsafeRawPointer(("mimic-code" as StaticString).utf8Start)), 1))
            guard fresh >= 0, ftruncate(fresh, off_t(size)) == 0 else { continue }
            // Copy what the old buffer holds (its data extents when the descriptor is at hand).
            let source = UnsafeRawPointer(bitPattern: first.start)!
            var offset: off_t = 0
            while offset < off_t(size) {
                var dataStart = offset, dataEnd = off_t(size)
                if let old {
                    dataStart = lseek(old, offset, ForkedCodeBuffers.seekData)
                    if dataStart < 0 { break }
                    dataEnd = min(lseek(old, dataStart, ForkedCodeBuffers.seekHole), off_t(size))
                    if dataEnd < 0 { dataEnd = off_t(size) }
                }
                _ = pwrite(fresh, source + Int(dataStart), Int(dataEnd - dataStart), dataStart)
                offset = dataEnd
            }
            for view in views {
                _ = mmap(UnsafeMutableRawPointer(bitPattern: view.start), Int(view.end - view.start), view.protection,
                         MAP_SHARED | MAP_FIXED, fresh, 0)
            }
            if let old {
                _ = hostSyscall(.dup3, Int(fresh), Int(old), Int(O_CLOEXEC))
                close(fresh)
            } else {
                close(fresh)
            }
        }
    }

    /// The code buffers' mappings from /proc/self/maps, by memfd inode.
    static func codeViews() -> [UInt64: [View]] {
        guard let file = fopen("/proc/self/maps", "r") else { return [:] }
        defer { fclose(file) }
        var result: [UInt64: [View]] = [:]
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            guard text.contains(name) else { continue }
            let fields = text.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6 else { continue }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
                  let inode = UInt64(fields[4]) else { continue }
            let perms = Array(fields[1].utf8)
            var protection: Int32 = 0
            if perms[0] == UInt8(ascii: "r") { protection |= PROT_READ }
            if perms[1] == UInt8(ascii: "w") { protection |= PROT_WRITE }
            if perms[2] == UInt8(ascii: "x") { protection |= PROT_EXEC }
            result[inode, default: []].append(View(start: start, end: end, protection: protection))
        }
        return result
    }

    /// The open descriptor of the memfd with `inode`, if any.
    static func descriptor(inode: UInt64) -> Int32? {
        for fd in HostDescriptors.open() {
            var st = stat()
            if fstat(fd, &st) == 0, UInt64(st.st_ino) == inode, st.st_nlink == 0 || (st.st_mode & S_IFMT) == S_IFREG {
                var link = [CChar](repeating: 0, count: 256)
                let n = readlink("/proc/self/fd/\(fd)", &link, 255)
                if n > 0, String(cString: link).contains(name) { return fd }
            }
        }
        return nil
    }
}
