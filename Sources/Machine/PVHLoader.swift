#if canImport(Glibc)
import Glibc
#endif
import ELF

/// Loads a PVH kernel image (the x86/HVM direct boot ABI, as QEMU's -kernel, Firecracker and
/// Linux's CONFIG_PVH use it): the ELF's PT_LOAD segments go to their physical addresses, an
/// hvm_start_info with the command line and memory map is built in low RAM, and the boot CPU
/// is set to start at the XEN_ELFNOTE_PHYS32_ENTRY address in 32-bit protected mode.
public enum PVHLoader {
    /// Boot data lives in low memory, below where images load (1M and up), in two pages:
    /// start info and memory map in the first, the command line in the second.
    public static let startInfoAddress: UInt64 = 0x7000
    public static let memoryMapAddress: UInt64 = 0x7040
    public static let commandLineAddress: UInt64 = 0x8000
    public static let bootDataEnd: UInt64 = 0x9000
    /// Longest command line, leaving room for its terminating NUL.
    public static let maxCommandLine = Int(bootDataEnd - commandLineAddress) - 1

    /// What the loader found in an image, before it touches the machine.
    public struct Image: Equatable {
        public struct Segment: Equatable {
            public var physicalAddress: UInt64
            public var fileOffset: UInt64
            public var fileSize: UInt64
            public var memorySize: UInt64
        }
        public var entry: UInt32
        public var segments: [Segment]
    }

    /// Reads, checks and loads the image at `path` into `machine`, then sets its boot state.
    public static func load(path: String, commandLine: String = "", into machine: Machine) throws(MachineError) {
        let bytes = try readFile(path)
        try load(bytes: bytes, name: path, commandLine: commandLine, into: machine)
    }

    public static func load(bytes: [UInt8], name: String, commandLine: String = "", into machine: Machine) throws(MachineError) {
        func bad(_ reason: String) -> MachineError { .badImage(path: name, reason: reason) }
        let image = try inspect(bytes: bytes, name: name)
        let ram = machine.ram
        let ramText = "\(ram.size >> 20)M of RAM"
        guard UInt64(image.entry) < ram.size else {
            throw bad("PVH entry 0x\(String(image.entry, radix: 16)) is outside \(ramText)")
        }
        for s in image.segments {
            guard ram.contains(s.physicalAddress, count: s.memorySize) else {
                throw bad("segment at 0x\(String(s.physicalAddress, radix: 16)) (\(s.memorySize) bytes) does not fit in \(ramText)")
            }
            guard s.physicalAddress >= bootDataEnd || s.physicalAddress + s.memorySize <= startInfoAddress else {
                throw bad("segment at 0x\(String(s.physicalAddress, radix: 16)) overlaps the boot data at 0x\(String(startInfoAddress, radix: 16))-0x\(String(bootDataEnd, radix: 16))")
            }
        }
        let line = Array(commandLine.utf8)
        guard line.count <= maxCommandLine, !line.contains(0) else {
            throw .badImage(path: name, reason: "command line longer than \(maxCommandLine) bytes or containing NUL")
        }

        for s in image.segments {
            try ram.write(Array(bytes[Int(s.fileOffset)..<Int(s.fileOffset + s.fileSize)]), at: s.physicalAddress)
            // The part of the segment past the file data is zero-filled (.bss).
            try ram.fill(0, at: s.physicalAddress + s.fileSize, count: s.memorySize - s.fileSize)
        }

        let info = StartInfo(commandLineAddress: line.isEmpty ? 0 : commandLineAddress,
                             memoryMapAddress: memoryMapAddress,
                             memoryMap: StartInfo.pcMemoryMap(ramSize: ram.size))
        try ram.fill(0, at: startInfoAddress, count: bootDataEnd - startInfoAddress)
        try ram.write(info.bytes, at: startInfoAddress)
        try ram.write(info.memoryMapBytes, at: memoryMapAddress)
        try ram.write(line + [0], at: commandLineAddress)

        machine.bootState = SystemCPUState.pvhEntry(entry: image.entry, startInfo: UInt32(startInfoAddress))
    }

    /// Parses and checks an image without loading it.
    public static func inspect(bytes: [UInt8], name: String) throws(MachineError) -> Image {
        func bad(_ reason: String) -> MachineError { .badImage(path: name, reason: reason) }
        let elf: ELFFile
        do { elf = try ELFFile(bytes: bytes) } catch let e as ELFError { throw bad(e.description) } catch { throw bad("\(error)") }
        guard elf.machine == .x86_64 else { throw bad("not an x86-64 ELF image") }

        var segments: [Image.Segment] = []
        var entry: UInt32?
        for ph in elf.programHeaders {
            guard ph.isLoad || ph.type == ELFProgramHeader.note else { continue }
            guard ph.offset <= UInt64(bytes.count), ph.fileSize <= UInt64(bytes.count) - ph.offset else {
                throw bad("truncated: segment data at offset 0x\(String(ph.offset, radix: 16)) (\(ph.fileSize) bytes) lies past the end of the file")
            }
            if ph.isLoad {
                guard ph.fileSize <= ph.memorySize else { throw bad("segment file size exceeds its memory size") }
                guard ph.memorySize > 0 else { continue }
                segments.append(Image.Segment(physicalAddress: ph.physicalAddress, fileOffset: ph.offset,
                                              fileSize: ph.fileSize, memorySize: ph.memorySize))
            } else if entry == nil {
                entry = phys32Entry(notes: bytes[Int(ph.offset)..<Int(ph.offset + ph.fileSize)])
            }
        }
        guard let entry else { throw bad("no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); not a PVH image") }
        guard !segments.isEmpty else { throw bad("no loadable segments") }
        return Image(entry: entry, segments: segments)
    }

    /// XEN_ELFNOTE_PHYS32_ENTRY (Xen public/elfnote.h): note type 18, owner "Xen", the
    /// descriptor a 32-bit physical entry address.
    static let phys32EntryNoteType: UInt32 = 18

    /// Walks the notes of a PT_NOTE segment: each is namesz, descsz, type (32-bit words), then the
    /// name and the descriptor, each padded to 4 bytes.
    static func phys32Entry(notes: ArraySlice<UInt8>) -> UInt32? {
        func word(_ at: Int) -> UInt32? {
            guard at >= notes.startIndex, at + 4 <= notes.endIndex else { return nil }
            return UInt32(notes[at]) | UInt32(notes[at + 1]) << 8 | UInt32(notes[at + 2]) << 16 | UInt32(notes[at + 3]) << 24
        }
        func padded(_ n: UInt32) -> Int { (Int(n) + 3) & ~3 }
        var at = notes.startIndex
        while let nameSize = word(at), let descSize = word(at + 4), let type = word(at + 8) {
            let name = at + 12
            let desc = name + padded(nameSize)
            guard desc + padded(descSize) <= notes.endIndex else { return nil }
            if type == phys32EntryNoteType, nameSize == 4, notes[name..<name + 4].elementsEqual(Array("Xen\0".utf8)), descSize >= 4 {
                return word(desc)
            }
            at = desc + padded(descSize)
        }
        return nil
    }

    /// The whole file, or a one-line reason it cannot be read.
    static func readFile(_ path: String) throws(MachineError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .badImage(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .badImage(path: path, reason: String(cString: strerror(errno))) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw .badImage(path: path, reason: "not a regular file") }
        // Nothing that fits in guest RAM is larger; refuse before reading.
        guard UInt64(st.st_size) <= MemorySize.maximum else { throw .badImage(path: path, reason: "file too large") }
        var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .badImage(path: path, reason: n == 0 ? "file shrank while reading" : String(cString: strerror(errno))) }
            done += n
        }
        return bytes
    }
}
