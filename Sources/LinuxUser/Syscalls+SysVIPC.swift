import CCPU
import TCG
#if canImport(Glibc)
import Glibc
#endif

/// System V IPC: shared memory segments, semaphore sets and message queues. They are the
/// host kernel's (ids, keys, permissions and limits shared with every other process); the
/// structures have the same x86-64 layout on both sides. A segment is attached by the host
/// anywhere, then moved into the guest's address space as file mappings are (see sysMmap),
/// so it stays really shared, across fork too; detaching unmaps it there.
extension LinuxProcess {
    static let shmReadOnly: Int32 = 0o10000, shmRound: Int32 = 0o20000, shmRemap: Int32 = 0o40000
    static let shmExec: Int32 = 0o100000
    /// The IPC_64 bit glibc may add to a control command (the x86-64 kernel ignores it).
    static let ipc64: Int32 = 0x100
    static let ipcSet: Int32 = 1, ipcStat: Int32 = 2, ipcInfo: Int32 = 3
    /// Sizes of the control structures (x86-64): shmid64_ds, semid64_ds, msqid64_ds, then
    /// shminfo64, shm_info, seminfo, msginfo.
    static let shmidSize = 112, semidSize = 104, msqidSize = 120
    static let shminfoSize = 72, shmInfoSize = 48, seminfoSize = 40, msginfoSize = 32

    /// The name /proc/PID/maps gives an attached segment.
    static func segmentName(key: Int32) -> String {
        let digits = String(UInt32(bitPattern: key), radix: 16)
        return "/SYSV" + String(repeating: "0", count: 8 - digits.count) + digits + " (deleted)"
    }

    static func isSegmentName(_ name: String) -> Bool { name.hasPrefix("/SYSV") && name.hasSuffix(" (deleted)") }

    /// shmat: at the guest address asked for (rounded down with SHM_RND; replacing what is
    /// there only with SHM_REMAP), or where mmap would put it.
    func sysShmat(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let id = a.int(0), flags = a.int(2)
        var address = a[1]
        if flags & LinuxProcess.shmRound != 0 { address = AddressSpace.pageDown(address) }  // SHMLBA is a page
        guard address & (AddressSpace.pageSize - 1) == 0, address != 0 || flags & LinuxProcess.shmRemap == 0 else { throw .invalid }
        let hostFlags = Int(flags & (LinuxProcess.shmReadOnly | LinuxProcess.shmExec))
        let attached = hostSyscall(.shmat, Int(id), 0, hostFlags)
        guard attached >= 0 || attached < -4095 else { return attached }
        let hostAddress = UnsafeMutableRawPointer(bitPattern: UInt(truncatingIfNeeded: attached))!
        // The attach succeeded, so the caller may read the segment's description.
        var description = [UInt8](repeating: 0, count: LinuxProcess.shmidSize)
        let stat = description.withUnsafeMutableBytes { hostSyscall(.shmctl, Int(id), Int(LinuxProcess.ipcStat), hostArgument($0.baseAddress)) }
        guard stat == 0 else {
            _ = hostSyscall(.shmdt, hostArgument(hostAddress))
            return stat
        }
        let (key, size) = description.withUnsafeBytes { ($0.load(as: Int32.self), $0.load(fromByteOffset: 48, as: UInt64.self)) }
        var access: GuestMemory.PageAccess = [.read]
        if flags & LinuxProcess.shmReadOnly == 0 { access.insert(.write) }
        if flags & LinuxProcess.shmExec != 0 { access.insert(.execute) }
        group.addressSpaceLock.lock()
        defer { group.addressSpaceLock.unlock() }
        do throws(Errno) {
            guard let length = AddressSpace.pageUp(size), length <= space.size else { throw Errno(ENOMEM) }
            if address == 0 {
                address = try chooseAddress(hint: 0, length: length, low: false)
            } else {
                guard address >= AddressSpace.pageSize, address <= space.size - length else { throw Errno.invalid }
                if flags & LinuxProcess.shmRemap == 0, !space.isFree(address, address + length) { throw Errno.invalid }
            }
            let mapping = GuestMapping(start: address, end: address + length, access: access, shared: true,
                                       name: LinuxProcess.segmentName(key: key))
            guard space.adoptHostMapping(hostAddress, mapping) else { throw Errno(ENOMEM) }
            return Int64(address)
        } catch {
            _ = hostSyscall(.shmdt, hostArgument(hostAddress))
            throw error
        }
    }

    /// shmdt: the attachment starting at `address` (its pieces, if mprotect split it) is
    /// unmapped, which detaches it on the host.
    func sysShmdt(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let address = a[0]
        guard address & (AddressSpace.pageSize - 1) == 0 else { throw .invalid }
        group.addressSpaceLock.lock()
        defer { group.addressSpaceLock.unlock() }
        guard let first = space.mapping(containing: address), first.start == address, first.offset == 0,
              LinuxProcess.isSegmentName(first.name) else { throw .invalid }
        var last = first
        while let next = space.mapping(containing: last.end), next.start == last.end, next.name == first.name,
              next.offset == last.offset + (last.end - last.start) {
            last = next
        }
        willRelease(first.start, last.end)
        space.unmap(first.start, last.end)
        return 0
    }

    /// A control call's structure, checked for range only: the host kernel looks the id up
    /// before it copies (EINVAL before EFAULT, as on Linux) and faults on what the guest
    /// may not touch, its pages being mapped with the guest's access.
    func controlBuffer(_ address: UInt64, _ length: Int, write: Bool) throws(Errno) -> Int {
        try accessiblePrefix(address, UInt64(length), write: write).0
    }

    func sysShmctl(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let command = a.int(1)
        let buffer: Int
        switch command & ~LinuxProcess.ipc64 {
        case LinuxProcess.ipcSet: buffer = try controlBuffer(a[2], LinuxProcess.shmidSize, write: false)
        case LinuxProcess.ipcStat, 13, 15: buffer = try controlBuffer(a[2], LinuxProcess.shmidSize, write: true)  // SHM_STAT, SHM_STAT_ANY
        case LinuxProcess.ipcInfo: buffer = try controlBuffer(a[2], LinuxProcess.shminfoSize, write: true)
        case 14: buffer = try controlBuffer(a[2], LinuxProcess.shmInfoSize, write: true)  // SHM_INFO
        default: buffer = 0  // IPC_RMID, SHM_LOCK, SHM_UNLOCK; the host refuses the rest
        }
        return hostSyscall(.shmctl, a.long(0), Int(command), buffer)
    }

    /// semop and semtimedop: `struct sembuf` is 6 bytes.
    func sysSemop(_ call: SyscallNumber, _ a: SyscallArguments) throws(Errno) -> Int64 {
        let count = a[2]
        guard count >= 1 else { throw .invalid }
        guard count <= 0xFFFF else { throw Errno(E2BIG) }
        let operations = try reading(a[1], 6 * Int(count))
        if call == .semop { return hostSyscall(.semop, a.long(0), hostArgument(operations), Int(count)) }
        return hostSyscall(.semtimedop, a.long(0), hostArgument(operations), Int(count), hostArgument(try optionalReading(a[3], 16)))
    }

    /// semctl: the fourth argument is a value (SETVAL) or a pointer (a description, or the
    /// set's values as unsigned shorts, as many as the set has).
    func sysSemctl(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let id = a.long(0), command = a.int(2)
        let argument: Int
        switch command & ~LinuxProcess.ipc64 {
        case LinuxProcess.ipcSet: argument = try controlBuffer(a[3], LinuxProcess.semidSize, write: false)
        case LinuxProcess.ipcStat, 18, 20: argument = try controlBuffer(a[3], LinuxProcess.semidSize, write: true)  // SEM_STAT(_ANY)
        case LinuxProcess.ipcInfo, 19: argument = try controlBuffer(a[3], LinuxProcess.seminfoSize, write: true)  // SEM_INFO
        case 13, 17:  // GETALL, SETALL
            var description = [UInt8](repeating: 0, count: LinuxProcess.semidSize)
            let stat = description.withUnsafeMutableBytes { hostSyscall(.semctl, id, 0, Int(LinuxProcess.ipcStat), hostArgument($0.baseAddress)) }
            guard stat == 0 else { return stat }
            let count = description.withUnsafeBytes { $0.load(fromByteOffset: 80, as: UInt64.self) }  // sem_nsems
            let bytes = 2 * Int(min(count, 0xFFFF))
            argument = try controlBuffer(a[3], bytes, write: command & ~LinuxProcess.ipc64 == 13)
        default: argument = a.long(3)  // IPC_RMID, GETVAL, SETVAL, GETPID, GETNCNT, GETZCNT
        }
        return hostSyscall(.semctl, id, a.long(1), Int(command), argument)
    }

    func sysMsgctl(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let command = a.int(1)
        let buffer: Int
        switch command & ~LinuxProcess.ipc64 {
        case LinuxProcess.ipcSet: buffer = try controlBuffer(a[2], LinuxProcess.msqidSize, write: false)
        case LinuxProcess.ipcStat, 11, 13: buffer = try controlBuffer(a[2], LinuxProcess.msqidSize, write: true)  // MSG_STAT, MSG_STAT_ANY
        case LinuxProcess.ipcInfo, 12: buffer = try controlBuffer(a[2], LinuxProcess.msginfoSize, write: true)  // MSG_INFO
        default: buffer = 0  // IPC_RMID; the host refuses the rest
        }
        return hostSyscall(.msgctl, a.long(0), Int(command), buffer)
    }
}
