import CCPU
import TCG
#if canImport(Glibc)
import Glibc
#endif

/// A system call's failure: the errno the guest gets (as -errno in rax).
struct Errno: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
    static let fault = Errno(EFAULT)
    static let invalid = Errno(EINVAL)
}

/// Guest buffers as host pointers, after checking that the guest may touch them: a syscall
/// never reads or writes memory the guest could not (EFAULT instead), and never Mimic's own.
extension LinuxProcess {
    /// The host address of [address, address + length), which the guest may read.
    func reading(_ address: UInt64, _ length: Int) throws(Errno) -> UnsafeMutableRawPointer {
        guard length >= 0, space.memory.isAccessible(address, length, write: false) else { throw .fault }
        return space.host(address)
    }

    /// The host address of [address, address + length), which the guest may write; pages
    /// holding translated code are released first.
    func writing(_ address: UInt64, _ length: Int) throws(Errno) -> UnsafeMutableRawPointer {
        guard length >= 0, space.memory.prepareWrite(address, length) else { throw .fault }
        return space.host(address)
    }

    /// As `reading`, with guest NULL passed on as a host NULL.
    func optionalReading(_ address: UInt64, _ length: Int) throws(Errno) -> UnsafeMutableRawPointer? {
        address == 0 ? nil : try reading(address, length)
    }

    func optionalWriting(_ address: UInt64, _ length: Int) throws(Errno) -> UnsafeMutableRawPointer? {
        address == 0 ? nil : try writing(address, length)
    }

    func load<T>(_ address: UInt64, as type: T.Type) throws(Errno) -> T {
        try reading(address, MemoryLayout<T>.size).loadUnaligned(as: T.self)
    }

    func store<T>(_ value: T, at address: UInt64) throws(Errno) {
        try writing(address, MemoryLayout<T>.size).storeBytes(of: value, as: T.self)
    }

    /// A NUL-terminated guest string of at most `limit` bytes before the NUL (ENAMETOOLONG
    /// beyond), with its NUL.
    func cString(_ address: UInt64, limit: Int = Int(PATH_MAX)) throws(Errno) -> [CChar] {
        var out: [CChar] = []
        var at = address
        while true {
            guard let access = space.memory.access(at: at), access.contains(.read) else { throw .fault }
            let pageEnd = AddressSpace.pageDown(at) + AddressSpace.pageSize
            let p = space.host(at).assumingMemoryBound(to: CChar.self)
            let n = Int(pageEnd - at)
            for i in 0..<n {
                out.append(p[i])
                if p[i] == 0 { return out }
                if out.count > limit { throw Errno(ENAMETOOLONG) }
            }
            at = pageEnd
        }
    }

    /// A guest string as a Swift string (for argv and envp arrays and logs).
    func string(_ address: UInt64, limit: Int = 1 << 20) throws(Errno) -> String {
        let c = try cString(address, limit: limit)
        return String(decoding: c.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A NULL-terminated array of string pointers (argv, envp).
    func stringArray(_ address: UInt64) throws(Errno) -> [String] {
        guard address != 0 else { return [] }
        var out: [String] = []
        var at = address
        while true {
            let p: UInt64 = try load(at, as: UInt64.self)
            if p == 0 { return out }
            out.append(try string(p))
            guard out.count < 1 << 20 else { throw Errno(E2BIG) }
            at += 8
        }
    }

    // MARK: Registers

    static let gprOffset = MemoryLayout<MimicCPUState>.offset(of: \.gpr)!

    @inline(__always)
    func register(_ r: Int) -> UInt64 {
        UnsafeRawPointer(cpu).load(fromByteOffset: LinuxProcess.gprOffset + 8 * r, as: UInt64.self)
    }

    @inline(__always)
    func setRegister(_ r: Int, _ value: UInt64) {
        UnsafeMutableRawPointer(cpu).storeBytes(of: value, toByteOffset: LinuxProcess.gprOffset + 8 * r, as: UInt64.self)
    }

    /// RFLAGS as the guest would push it.
    var rflags: UInt64 {
        cpu.pointee.flags | (cpu.pointee.df << 10) | cpu.pointee.eflags_rest
    }

    func setRFLAGS(_ value: UInt64) {
        cpu.pointee.flags = value & 0x8D5
        cpu.pointee.df = (value >> 10) & 1
        // What user code may change: TF, AC, ID (and the fixed bit 1, IF as always on).
        cpu.pointee.eflags_rest = (value & (0x100 | 0x40000 | 0x200000)) | 0x202
    }
}
