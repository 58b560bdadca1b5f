import TCG
#if canImport(Glibc)
import Glibc
#endif

/// /proc/PID/stat, statm, status, smaps and smaps_rollup as the guest must see them. The guest's process and
/// threads are Mimic's host process and threads, so most of what these files say is the
/// host's own text (ids, states, times, the command name, which Mimic gives the guest
/// program's); what Linux takes from the memory map (code, data, stack, brk, argument and
/// environment bounds, sizes and resident pages by kind, smaps' entries) and from the signal
/// state (whose dispositions and masks Mimic keeps for the guest) is replaced by the guest's.
/// The peaks (VmPeak, VmHWM) are the guest's too (see `willRelease`).
extension LinuxProcess {
    // MARK: stat

    /// One line of space-separated fields after "PID (COMM) ". Fields are numbered as in
    /// proc(5), from 1.
    func procStat(_ request: ProcFileRequest) throws(Errno) -> [UInt8] {
        let text = try LinuxProcess.hostProcText(request.path)
        // The command name may hold spaces and parentheses: it ends at the last ')'.
        guard let close = text.lastIndex(of: UInt8(ascii: ")")), close + 2 <= text.count else { return text }
        let rest = text[(close + 2)...].prefix { $0 != UInt8(ascii: "\n") }
        var fields = rest.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        func set(_ number: Int, _ value: UInt64) {
            if number - 3 < fields.count { fields[number - 3] = String(value) }
        }
        let memory = memoryMapFacts()
        let signalMasks = guestSignalMasks(request)
        set(23, memory.mappedBytes)
        set(26, memory.startCode)
        set(27, memory.endCode)
        set(28, initialStack.stackPointer)
        // The obsolete signal fields show the first 31 signals only, as Linux prints them.
        if let pending = UInt64(fields.count > 28 ? fields[28] : "") { set(31, (pending | signalMasks.pending) & 0x7FFF_FFFF) }
        set(32, signalMasks.blocked & 0x7FFF_FFFF)
        set(33, signalMasks.ignored & 0x7FFF_FFFF)
        set(34, signalMasks.caught & 0x7FFF_FFFF)
        set(45, memory.startData)
        set(46, memory.endData)
        set(47, memory.startBrk)
        let strings = initialStrings
        set(48, strings.arguments.0)
        set(49, strings.arguments.1)
        set(50, strings.environment.0)
        set(51, strings.environment.1)
        return Array(text[...close]) + Array((" " + fields.joined(separator: " ") + "\n").utf8)
    }

    // MARK: status

    func procStatus(_ request: ProcFileRequest) throws(Errno) -> [UInt8] {
        let text = String(decoding: try LinuxProcess.hostProcText(request.path), as: UTF8.self)
        let memory = memoryMapFacts()
        let usage = try guestMemoryUsage()
        let signalMasks = guestSignalMasks(request)
        func kilobytes(_ bytes: UInt64) -> String {
            let digits = String(bytes >> 10)
            return String(repeating: " ", count: max(0, 8 - digits.count)) + digits + " kB"
        }
        func mask(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let name = line.prefix { $0 != ":" }
            switch name {
            case "VmPeak": lines.append("VmPeak:\t" + kilobytes(max(memory.peakMappedBytes, memory.mappedBytes)))
            case "VmHWM": lines.append("VmHWM:\t" + kilobytes(max(memory.residentPeakBytes, usage.residentBytes)))
            case "VmSize": lines.append("VmSize:\t" + kilobytes(memory.mappedBytes))
            case "VmExe": lines.append("VmExe:\t" + kilobytes(memory.codePageBytes))
            case "VmRSS": lines.append("VmRSS:\t" + kilobytes(usage.residentBytes))
            case "RssAnon": lines.append("RssAnon:\t" + kilobytes(usage.anonymousBytes))
            case "RssFile": lines.append("RssFile:\t" + kilobytes(usage.fileBytes))
            case "RssShmem": lines.append("RssShmem:\t" + kilobytes(usage.shmemBytes))
            case "VmData": lines.append("VmData:\t" + kilobytes(usage.dataBytes))
            case "VmStk": lines.append("VmStk:\t" + kilobytes(usage.stackBytes))
            case "VmLib": lines.append("VmLib:\t" + kilobytes(usage.executableBytes - min(usage.executableBytes, memory.codePageBytes)))
            case "VmSwap": lines.append("VmSwap:\t" + kilobytes(usage.swapBytes))
            case "SigPnd":
                let host = UInt64(line.split(separator: "\t").last ?? "", radix: 16) ?? 0
                lines.append("SigPnd:\t" + mask(host | signalMasks.pending))
            case "SigBlk": lines.append("SigBlk:\t" + mask(signalMasks.blocked))
            case "SigIgn": lines.append("SigIgn:\t" + mask(signalMasks.ignored))
            case "SigCgt": lines.append("SigCgt:\t" + mask(signalMasks.caught))
            default: lines.append(String(line))
            }
        }
        return Array(lines.joined(separator: "\n").utf8)
    }

    // MARK: smaps

    /// Each guest mapping as /proc/PID/maps shows it, then its figures and flags.
    func procSmaps() throws(Errno) -> [UInt8] {
        var out = ""
        let entries = try guestSmaps()
        for (entry, line) in zip(entries, mapsLines(entries.map(\.mapping))) {
            out += line
            for figure in entry.figures { out += LinuxProcess.smapsLine(figure.name, figure.value, kilobytes: figure.kilobytes) }
            out += "VmFlags: " + entry.flags.map { $0 + " " }.joined() + "\n"
        }
        return Array(out.utf8)
    }

    /// smaps_rollup: the guest mappings' figures summed, under a line spanning them all. Its
    /// fields are the host kernel's; the proportional shares of anonymous, file and shmem
    /// pages split each mapping's Pss by its anonymous pages and by what it maps.
    func procSmapsRollup() throws(Errno) -> [UInt8] {
        let entries = try guestSmaps()
        let host = LinuxProcess.hostSmaps(try LinuxProcess.hostProcText("/proc/self/smaps_rollup"))
        guard let template = host.first, let first = entries.first, let last = entries.last else { return [] }
        var sums: [String: UInt64] = [:]
        for entry in entries {
            for figure in entry.figures where figure.kilobytes { sums[figure.name, default: 0] += figure.value }
            let value = { (name: String) in entry.figures.first { $0.name == name }?.value ?? 0 }
            let pss = value("Pss"), rss = value("Rss")
            let anonymous = rss == 0 ? 0 : pss * min(value("Anonymous"), rss) / rss
            let m = entry.mapping
            let shmem = m.shared && (!m.isFileBacked || LinuxProcess.isSegmentName(m.name))
            sums["Pss_Anon", default: 0] += anonymous
            sums[shmem ? "Pss_Shmem" : "Pss_File", default: 0] += pss - anonymous
        }
        var out = LinuxProcess.mapsLine(GuestMapping(start: first.mapping.start, end: last.mapping.end, access: [], name: "[rollup]"))
        for field in template.fields {
            out += LinuxProcess.smapsLine(field.name, field.kilobytes ? sums[field.name] ?? 0 : field.value, kilobytes: field.kilobytes)
        }
        return Array(out.utf8)
    }

    /// The guest's mappings with their smaps figures and flags. The page counts are the
    /// host's for the host pages behind each mapping (a host entry that covers several guest
    /// mappings is shared out in proportion to their sizes); the size and the flags are the
    /// guest's. The fields and their order are the host kernel's.
    func guestSmaps() throws(Errno) -> [(mapping: GuestMapping, figures: [SmapsFigure], flags: [String])] {
        let mappings = group.addressSpaceLock.withLock { space.mappings }
        let host = LinuxProcess.hostSmaps(try LinuxProcess.hostProcText("/proc/self/smaps"))
        guard let template = host.first else { return mappings.map { ($0, [], LinuxProcess.vmFlags($0, host: [])) } }
        let base = UInt64(UInt(bitPattern: space.memory.base))
        var next = 0  // host entries are sorted too: the first that may overlap
        return mappings.map { m in
            let start = base + m.start, end = base + m.end
            while next < host.count, host[next].end <= start { next += 1 }
            let overlapping = host[next...].prefix { $0.start < end }
            let first = overlapping.first
            let figures = template.fields.map { field in
                var value: UInt64
                switch field.name {
                case "Size": value = (m.end - m.start) >> 10
                case "KernelPageSize", "MMUPageSize": value = first?.value(field.name) ?? AddressSpace.pageSize >> 10
                default:
                    if !field.kilobytes { value = first?.value(field.name) ?? 0; break }
                    value = 0
                    for entry in overlapping {
                        let covered = min(end, entry.end) - max(start, entry.start)
                        value += entry.value(field.name) * covered / (entry.end - entry.start)
                    }
                }
                return SmapsFigure(name: field.name, value: value, kilobytes: field.kilobytes)
            }
            return (m, figures, LinuxProcess.vmFlags(m, host: first?.flags ?? []))
        }
    }

    /// What status and statm say of the memory in use: resident pages by kind (from the
    /// guest's smaps figures) and the sizes Linux accounts by mapping kind (data: private
    /// writable; executable: not writable; the stack apart).
    struct MemoryUsage {
        var residentBytes: UInt64 = 0, anonymousBytes: UInt64 = 0, fileBytes: UInt64 = 0, shmemBytes: UInt64 = 0
        var swapBytes: UInt64 = 0, dataBytes: UInt64 = 0, stackBytes: UInt64 = 0, executableBytes: UInt64 = 0
    }

    func guestMemoryUsage() throws(Errno) -> MemoryUsage {
        var usage = MemoryUsage()
        for entry in try guestSmaps() {
            let value = { (name: String) in (entry.figures.first { $0.name == name }?.value ?? 0) << 10 }
            let m = entry.mapping
            let resident = value("Rss"), anonymous = min(value("Anonymous"), resident)
            usage.residentBytes += resident
            usage.anonymousBytes += anonymous
            if m.shared && (!m.isFileBacked || LinuxProcess.isSegmentName(m.name)) {
                usage.shmemBytes += resident - anonymous
            } else {
                usage.fileBytes += resident - anonymous
            }
            usage.swapBytes += value("Swap")
            let size = m.end - m.start
            if m.name == "[stack]" {
                usage.stackBytes += size
            } else if m.access.contains(.write) {
                if !m.shared { usage.dataBytes += size }
            } else if m.access.contains(.execute) {
                usage.executableBytes += size
            }
        }
        return usage
    }

    // MARK: statm

    /// statm's sizes in pages, the guest's (lib and dt are 0 on Linux too).
    func procStatm(_ request: ProcFileRequest) throws(Errno) -> [UInt8] {
        let text = String(decoding: try LinuxProcess.hostProcText(request.path), as: UTF8.self)
        var fields = text.split(separator: "\n").first?.split(separator: " ").map(String.init) ?? []
        guard fields.count >= 4 else { return Array(text.utf8) }
        let memory = memoryMapFacts()
        let usage = try guestMemoryUsage()
        let page = AddressSpace.pageSize
        fields[0] = String(memory.mappedBytes / page)
        fields[1] = String(usage.residentBytes / page)
        fields[2] = String((usage.fileBytes + usage.shmemBytes) / page)
        fields[3] = String(memory.codePageBytes / page)
        if fields.count > 5 { fields[5] = String((usage.dataBytes + usage.stackBytes) / page) }
        return Array((fields.joined(separator: " ") + "\n").utf8)
    }

    /// A figure line as Linux prints it: the name and colon in 16 columns, the value in 8.
    static func smapsLine(_ name: String, _ value: UInt64, kilobytes: Bool) -> String {
        let label = name + ":"
        let digits = String(value)
        return label + String(repeating: " ", count: max(0, 16 - label.count)) + String(repeating: " ", count: max(0, 8 - digits.count))
            + digits + (kilobytes ? " kB\n" : "\n")
    }

    /// The guest mapping's VmFlags, in the kernel's order: its access; may-read, may-exec and
    /// may-write (for a shared mapping only when the host's, which has the real file, may);
    /// shared; a stack that grows down; accounted (private and writable); and what only the
    /// host knows (locked, soft-dirty).
    static func vmFlags(_ m: GuestMapping, host: Set<String>) -> [String] {
        var flags: [String] = []
        if m.access.contains(.read) { flags.append("rd") }
        if m.access.contains(.write) { flags.append("wr") }
        if m.access.contains(.execute) { flags.append("ex") }
        if m.shared, host.contains("sh") { flags.append("sh") }
        flags.append("mr")
        if !m.shared || host.contains("mw") { flags.append("mw") }
        flags.append("me")
        if m.shared { flags.append("ms") }
        if m.name == "[stack]" { flags.append("gd") }
        if host.contains("lo") { flags.append("lo") }
        if !m.shared, m.access.contains(.write) { flags.append("ac") }
        if host.contains("sd") { flags.append("sd") }
        return flags
    }

    /// One figure of an smaps entry (kilobytes, or a plain number as THPeligible).
    struct SmapsFigure {
        var name: String
        var value: UInt64
        var kilobytes: Bool
    }

    /// One entry of the host's smaps: its range, figures and flags.
    struct HostSmapsEntry {
        var start: UInt64
        var end: UInt64
        var fields: [SmapsFigure] = []
        var flags: Set<String> = []

        func value(_ name: String) -> UInt64 { fields.first { $0.name == name }?.value ?? 0 }
    }

    static func hostSmaps(_ text: [UInt8]) -> [HostSmapsEntry] {
        var entries: [HostSmapsEntry] = []
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("VmFlags:") {
                guard !entries.isEmpty else { continue }
                entries[entries.count - 1].flags = Set(line.dropFirst(8).split(separator: " ").map(String.init))
            } else if let colon = line.firstIndex(of: ":"), !line[..<colon].contains(" "), !line[..<colon].contains("-"), !entries.isEmpty {
                let words = line[line.index(after: colon)...].split(separator: " ")
                guard let value = words.first.flatMap({ UInt64($0) }) else { continue }
                entries[entries.count - 1].fields.append(SmapsFigure(name: String(line[..<colon]), value: value,
                                                                     kilobytes: words.count > 1 && words[1] == "kB"))
            } else {
                let range = line.prefix { $0 != " " }.split(separator: "-")
                guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16), end > start else { continue }
                entries.append(HostSmapsEntry(start: start, end: end))
            }
        }
        return entries
    }

    // MARK: What the files take from the guest

    /// The memory-map figures Linux keeps for a process (mm_struct), for the guest: code and
    /// data bounds as binfmt_elf records them at execve (code from the executable PT_LOAD
    /// segments; data from the start of the last segment to the end of the highest file
    /// contents), the brk start, the mapped size, and the peaks.
    struct MemoryMapFacts {
        var startCode: UInt64 = 0, endCode: UInt64 = 0, startData: UInt64 = 0, endData: UInt64 = 0
        var startBrk: UInt64 = 0, mappedBytes: UInt64 = 0
        var peakMappedBytes: UInt64 = 0, residentPeakBytes: UInt64 = 0

        /// The code's whole pages, as Linux counts them for VmExe and statm.
        var codePageBytes: UInt64 {
            endCode > startCode ? (AddressSpace.pageUp(endCode) ?? endCode) - AddressSpace.pageDown(startCode) : 0
        }
    }

    func memoryMapFacts() -> MemoryMapFacts {
        group.addressSpaceLock.withLock {
            var facts = MemoryMapFacts(startBrk: space.brkStart, mappedBytes: space.mappedBytes, peakMappedBytes: space.peakMappedBytes,
                                       residentPeakBytes: space.residentPeakBytes)
            // The program headers as loaded (AT_PHDR): Elf64_Phdr, 56 bytes each.
            let size = 56, count = image.programHeaderCount, at = image.programHeaders
            guard at != 0, count > 0, space.memory.isAccessible(at, size * count, write: false) else { return facts }
            var startCode = UInt64.max, endCode: UInt64 = 0
            for i in 0..<count {
                let header = UnsafeRawPointer(space.host(at + UInt64(size * i)))
                guard header.loadUnaligned(as: UInt32.self) == 1 else { continue }  // PT_LOAD
                let executable = header.loadUnaligned(fromByteOffset: 4, as: UInt32.self) & 1 != 0  // PF_X
                let address = header.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
                let fileEnd = address &+ header.loadUnaligned(fromByteOffset: 32, as: UInt64.self)
                if executable {
                    startCode = min(startCode, address)
                    endCode = max(endCode, fileEnd)
                }
                facts.startData = max(facts.startData, address)
                facts.endData = max(facts.endData, fileEnd)
            }
            let bias = image.bias
            if startCode != .max {
                facts.startCode = startCode &+ bias
                facts.endCode = endCode &+ bias
            }
            facts.startData &+= bias
            facts.endData &+= bias
            return facts
        }
    }

    /// The signal sets the files show: dispositions are the process's; pending and blocked
    /// are the calling thread's when the file describes it, else the host's (the same but for
    /// the signals Mimic keeps for its own faults).
    func guestSignalMasks(_ request: ProcFileRequest) -> (pending: UInt64, blocked: UInt64, ignored: UInt64, caught: UInt64) {
        var ignored: UInt64 = 0, caught: UInt64 = 0
        for sig in Int32(1)...64 {
            switch signals.actions[Int(sig)].handler {
            case GuestSigaction.defaultHandler: break
            case GuestSigaction.ignoreHandler: ignored |= SignalState.bit(sig)
            default: caught |= SignalState.bit(sig)
            }
        }
        if request.describesCaller {
            collectHostSignals()
            return (signals.pending, signals.blocked, ignored, caught)
        }
        var blocked: UInt64 = 0
        let path = request.path.hasSuffix("/stat") ? String(request.path.dropLast(4)) + "status" : request.path
        if let text = try? LinuxProcess.hostProcText(path) {
            for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where line.hasPrefix("SigBlk:") {
                blocked = UInt64(line.split(separator: "\t").last ?? "", radix: 16) ?? 0
            }
        }
        return (0, blocked, ignored, caught)
    }

    /// The host's text of a /proc file.
    static func hostProcText(_ path: String) throws(Errno) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Errno(errno) }
        defer { close(fd) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw Errno(errno) }
            if n == 0 { return text }
            text += chunk[0..<n]
        }
    }
}
