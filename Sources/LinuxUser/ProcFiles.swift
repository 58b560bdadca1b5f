#if canImport(Glibc)
import Glibc
#endif

/// The files of /proc that describe a process, as the guest must see them: its own mappings,
/// auxiliary vector, arguments and environment rather than Mimic's (stat, statm, status,
/// smaps and smaps_rollup: ProcStatusFiles.swift). Opening one gives the guest a memfd holding the text Linux would
/// generate at that moment.
extension LinuxProcess {
    static let memfdCloseOnExec = 1

    enum ProcFile: String {
        case maps, auxv, cmdline, environ, stat, statm, status, smaps
        case smapsRollup = "smaps_rollup"
        /// Memory by address: the host's files would read Mimic's memory at the guest's
        /// addresses, so they are refused rather than wrong.
        case mem, pagemap
        /// /proc/cpuinfo, the system's (ProcCPUInfo.swift).
        case cpuinfo

        /// Whether the file describes a process (/proc/PID/FILE) rather than the system.
        var describesProcess: Bool { self != .cpuinfo }
    }

    /// A generated file and what it describes: `path` names the same file on the host (the
    /// guest's process and threads are Mimic's), `thread` the thread a per-thread form names
    /// (/proc/thread-self, /proc/PID/task/TID), nil for the process (its main thread).
    struct ProcFileRequest {
        var file: ProcFile
        var path: String
        var thread: Int32?

        /// Whether the file describes the thread that reads it (whose signal state Mimic has).
        var describesCaller: Bool { (thread ?? getpid()) == Int32(truncatingIfNeeded: hostSyscall(.gettid)) }
    }

    /// The path a guest open names, made absolute when it is relative to a directory of /proc
    /// (a descriptor's, or the working directory) and ends in a generated file's name, as in
    /// openat(the descriptor of /proc/PID, "stat"), which is how ps reads it.
    func procPath(dirfd: Int32, _ address: UInt64) throws(Errno) -> String {
        let path = try string(address, limit: Int(PATH_MAX))
        guard !path.hasPrefix("/"), let last = path.split(separator: "/").last, ProcFile(rawValue: String(last)) != nil else { return path }
        var directory: String?
        if dirfd == AT_FDCWD {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
            if getcwd(&buffer, buffer.count) != nil { directory = String(cString: buffer) }
        } else {
            directory = descriptorPath(dirfd)
        }
        guard let directory, directory.hasPrefix("/proc/") else { return path }
        return directory + "/" + path
    }

    /// The generated file a path names: /proc/{self,thread-self,PID}/FILE and
    /// /proc/{self,PID}/task/TID/FILE for this process; nil for every other path.
    func procFile(_ path: String) -> ProcFileRequest? {
        guard path.hasPrefix("/proc/") else { return nil }
        let parts = path.split(separator: "/")
        let normalized = "/" + parts.joined(separator: "/")
        if parts.count == 2, parts[1] == "cpuinfo" { return ProcFileRequest(file: .cpuinfo, path: normalized) }
        guard parts.count == 3 || parts.count == 5, let file = ProcFile(rawValue: String(parts.last!)), file.describesProcess else { return nil }
        let me = getpid()
        if parts.count == 3 {
            if parts[1] == "thread-self" {
                return ProcFileRequest(file: file, path: normalized, thread: Int32(truncatingIfNeeded: hostSyscall(.gettid)))
            }
            return parts[1] == "self" || Int32(parts[1]) == me ? ProcFileRequest(file: file, path: normalized) : nil
        }
        guard parts[1] == "self" || Int32(parts[1]) == me, parts[2] == "task", let tid = Int32(parts[3]), tid > 0 else { return nil }
        return access("/proc/self/task/\(tid)", F_OK) == 0 ? ProcFileRequest(file: file, path: normalized, thread: tid) : nil
    }

    /// Opens generated `file` with open(2) flags `flags`: a descriptor on a memfd positioned at
    /// its start, or the errno Linux gives for a /proc file opened that way.
    func openProcFile(_ request: ProcFileRequest, flags: Int32) throws(Errno) -> Int64 {
        if request.file == .mem || request.file == .pagemap {
            logUnimplemented("open \(request.path): guest memory by address is not available under Mimic")
            throw Errno(EACCES)
        }
        guard flags & O_ACCMODE == O_RDONLY else { throw Errno(EACCES) }
        guard flags & O_DIRECTORY == 0 else { throw Errno(ENOTDIR) }
        let bytes = try procFileContents(request)
        let fd = request.file.rawValue.withCString { hostSyscall(.memfd_create, Int(bitPattern: $0), flags & O_CLOEXEC != 0 ? LinuxProcess.memfdCloseOnExec : 0) }
        guard fd >= 0 else { return fd }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { hostSyscall(.write, Int(fd), hostArgument(UnsafeMutableRawPointer(mutating: $0.baseAddress! + written)), $0.count - written) }
            if n == -Int64(EINTR) { continue }
            guard n > 0 else {
                _ = hostSyscall(.close, Int(fd))
                return n < 0 ? n : -Int64(ENOSPC)
            }
            written += Int(n)
        }
        _ = hostSyscall(.lseek, Int(fd), 0, Int(SEEK_SET))
        return fd
    }

    func procFileContents(_ request: ProcFileRequest) throws(Errno) -> [UInt8] {
        let file = request.file
        switch file {
        case .maps:
            // Other threads may map and unmap meanwhile: a consistent snapshot of the list.
            let mappings = group.addressSpaceLock.withLock { space.mappings }
            return Array(mapsLines(mappings).joined().utf8)
        case .auxv:
            return auxiliaryVectorBytes
        case .cmdline, .environ:
            let (start, end) = file == .cmdline ? initialStrings.arguments : initialStrings.environment
            guard end > start else { return [] }
            guard space.memory.isAccessible(start, Int(end - start), write: false) else { return [] }
            return Array(UnsafeRawBufferPointer(start: space.host(start), count: Int(end - start)))
        case .stat:
            return try procStat(request)
        case .status:
            return try procStatus(request)
        case .statm:
            return try procStatm(request)
        case .smaps:
            return try procSmaps()
        case .smapsRollup:
            return try procSmapsRollup()
        case .mem, .pagemap:
            throw Errno(EACCES)
        case .cpuinfo:
            return try LinuxProcess.procCPUInfo()
        }
    }

    /// Gives the host thread (the main thread names the process) the command name Linux gives
    /// a program at execve: the last component of the path it ran, at most 15 bytes. Its
    /// /proc/PID/comm, stat and status, and PR_GET_NAME, then show the guest's, and threads
    /// inherit it.
    static func nameThread(afterProgram program: String) {
        let last = program.split(separator: "/").last.map(String.init) ?? program
        var name = Array(last.utf8.prefix(15)) + [0]
        _ = name.withUnsafeMutableBytes { hostSyscall(.prctl, 15, hostArgument($0.baseAddress)) }  // PR_SET_NAME
    }

    /// The auxiliary vector the program started with, as /proc/PID/auxv and PR_GET_AUXV give it.
    var auxiliaryVectorBytes: [UInt8] {
        var words: [UInt64] = []
        for (type, value) in initialStack.auxiliaryVector.entries { words += [type.rawValue, value] }
        words += [AuxType.null.rawValue, 0]
        return words.withUnsafeBytes { Array($0) }
    }

    /// Where the initial stack put the argument and environment strings (each range holds the
    /// strings back to back with their NULs, as /proc/PID/cmdline and environ show them).
    var initialStrings: (arguments: (UInt64, UInt64), environment: (UInt64, UInt64)) {
        let stack = initialStack
        func word(_ i: Int) -> UInt64 {
            stack.bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self) }
        }
        let argc = Int(word(0))
        let execfn = stack.auxiliaryVector.value(.execfn) ?? 0
        let environmentStart = word(argc + 2)
        var environmentCount = 0
        while word(argc + 2 + environmentCount) != 0 { environmentCount += 1 }
        let argumentsEnd = environmentCount > 0 ? environmentStart : execfn
        let argumentsStart = argc > 0 ? word(1) : argumentsEnd
        return ((argumentsStart, argumentsEnd), environmentCount > 0 ? (environmentStart, execfn) : (execfn, execfn))
    }

    /// The lines of /proc/PID/maps for `mappings`. A mapping whose file cannot be found by its
    /// name (memfd, SysV shared memory, shared anonymous memory, a deleted file) shows the
    /// device and inode of the host mapping behind it, which maps the same file.
    func mapsLines(_ mappings: [GuestMapping]) -> [String] {
        var host: [(start: UInt64, end: UInt64, device: String, inode: UInt64)]?
        let base = UInt64(UInt(bitPattern: space.memory.base))
        return mappings.map { m in
            var st = stat()
            guard m.shared || m.isFileBacked, !m.isFileBacked || stat(m.name, &st) != 0 else { return LinuxProcess.mapsLine(m) }
            if host == nil {
                let text = (try? LinuxProcess.hostProcText("/proc/self/maps")) ?? []
                host = String(decoding: text, as: UTF8.self).split(separator: "\n").compactMap { line in
                    let words = line.split(separator: " ", maxSplits: 5)
                    let range = words.first?.split(separator: "-") ?? []
                    guard words.count >= 5, range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16),
                          let inode = UInt64(words[4]) else { return nil }
                    return (start, end, String(words[3]), inode)
                }
            }
            let at = base + m.start
            guard let entry = host?.first(where: { $0.start <= at && at < $0.end }), entry.inode != 0 else { return LinuxProcess.mapsLine(m) }
            return LinuxProcess.mapsLine(m, identity: (entry.device, entry.inode))
        }
    }

    /// One line of /proc/PID/maps, formatted as Linux's show_map_vma does: hex addresses and
    /// offset (at least 8 digits), the device as major:minor and the inode (the named file's
    /// unless `identity` gives them), then the name from column 73.
    static func mapsLine(_ m: GuestMapping, identity: (device: String, inode: UInt64)? = nil) -> String {
        func hex(_ v: UInt64) -> String {
            let digits = String(v, radix: 16)
            return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
        }
        let permissions = (m.access.contains(.read) ? "r" : "-") + (m.access.contains(.write) ? "w" : "-")
            + (m.access.contains(.execute) ? "x" : "-") + (m.shared ? "s" : "p")
        var device = "00:00", inode: UInt64 = 0
        var st = stat()
        if let identity {
            (device, inode) = identity
        } else if m.isFileBacked, stat(m.name, &st) == 0 {
            let dev = UInt64(st.st_dev)
            let major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF)
            let minor = (dev & 0xFF) | ((dev >> 12) & ~0xFF)
            func two(_ v: UInt64) -> String { v < 16 ? "0" + String(v, radix: 16) : String(v, radix: 16) }
            device = two(major) + ":" + two(minor)
            inode = UInt64(st.st_ino)
        }
        var line = "\(hex(m.start))-\(hex(m.end)) \(permissions) \(hex(m.isFileBacked ? m.offset : 0)) \(device) \(inode) "
        // Shared anonymous memory is a deleted shmem file to Linux.
        let name = m.name.isEmpty && m.shared ? "/dev/zero (deleted)" : m.name
        if !name.isEmpty {
            if line.utf8.count < 72 { line += String(repeating: " ", count: 72 - line.utf8.count) }
            line += " " + name
        }
        return line + "\n"
    }
}
