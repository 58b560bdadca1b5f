#if canImport(Glibc)
import Glibc
#endif

/// A guest `struct msghdr` rebuilt with host pointers: the name and control buffers are the
/// guest's own bytes (checked), the iovec array a host copy. Control messages have the same
/// layout on both sides (the host is x86-64) and descriptors are shared with the host, so
/// SCM_RIGHTS and SCM_CREDENTIALS pass through once checked.
struct HostMessage {
    var header = msghdr()
    var vectors: [iovec]

    /// Offsets of the fields of the x86-64 `struct msghdr` (56 bytes).
    static let size = 56
    static let nameLengthOffset = 8, controlLengthOffset = 40, flagsOffset = 48
    /// `struct mmsghdr`: a msghdr, then the byte count the call transferred (64 bytes).
    static let multipleSize = 64, transferredOffset = 56
}

/// sendmsg, recvmsg, sendmmsg, recvmmsg.
extension LinuxProcess {
    static let scmRights: Int32 = 1, solSocket: Int32 = 1

    /// The guest msghdr at `address` as a host one. `receiving`: the buffers are written.
    func hostMessage(_ address: UInt64, receiving: Bool) throws(Errno) -> HostMessage {
        let raw = try reading(address, HostMessage.size)
        let name = raw.load(as: UInt64.self)
        let nameLength = raw.load(fromByteOffset: 8, as: UInt32.self)
        let vectorAddress = raw.load(fromByteOffset: 16, as: UInt64.self)
        let vectorCount = raw.load(fromByteOffset: 24, as: UInt64.self)
        let control = raw.load(fromByteOffset: 32, as: UInt64.self)
        let controlLength = raw.load(fromByteOffset: 40, as: UInt64.self)
        guard vectorCount <= 1024 else { throw Errno(EMSGSIZE) }
        guard nameLength <= 1 << 16, controlLength <= 1 << 24 else { throw .invalid }
        let vectors = vectorCount == 0 ? [] : try hostIOVectors(vectorAddress, Int32(vectorCount), write: receiving)
        var message = HostMessage(vectors: vectors)
        if name != 0, nameLength > 0 {
            message.header.msg_name = receiving ? try writing(name, Int(nameLength)) : try reading(name, Int(nameLength))
            message.header.msg_namelen = nameLength
        }
        if control != 0, controlLength > 0 {
            let p = receiving ? try writing(control, Int(controlLength)) : try reading(control, Int(controlLength))
            message.header.msg_control = p
            message.header.msg_controllen = Int(controlLength)
            if !receiving { try checkControlMessages(p, Int(controlLength)) }
        }
        message.header.msg_flags = receiving ? 0 : raw.load(fromByteOffset: HostMessage.flagsOffset, as: Int32.self)
        return message
    }

    /// Descriptors sent with SCM_RIGHTS must be the guest's: Mimic's own are EBADF.
    func checkControlMessages(_ p: UnsafeMutableRawPointer, _ length: Int) throws(Errno) {
        var at = 0
        while at + 16 <= length {
            let size = p.load(fromByteOffset: at, as: UInt64.self)
            guard size >= 16, size <= UInt64(length - at) else { return }
            if p.load(fromByteOffset: at + 8, as: Int32.self) == LinuxProcess.solSocket,
               p.load(fromByteOffset: at + 12, as: Int32.self) == LinuxProcess.scmRights {
                for i in 0..<(Int(size) - 16) / 4 where HostDescriptors.isMimics(p.load(fromByteOffset: at + 16 + 4 * i, as: Int32.self)) {
                    throw Errno(EBADF)
                }
            }
            at += (Int(size) + 7) & ~7
        }
    }

    /// What recvmsg tells the guest besides the byte count: the lengths it filled and the flags.
    func storeMessageResults(_ header: msghdr, at address: UInt64) throws(Errno) {
        let raw = try writing(address, HostMessage.size)
        if header.msg_name != nil { raw.storeBytes(of: header.msg_namelen, toByteOffset: HostMessage.nameLengthOffset, as: UInt32.self) }
        raw.storeBytes(of: UInt64(header.msg_controllen), toByteOffset: HostMessage.controlLengthOffset, as: UInt64.self)
        raw.storeBytes(of: header.msg_flags, toByteOffset: HostMessage.flagsOffset, as: Int32.self)
    }

    /// Runs `body` with the host msghdrs of `messages` laid out `stride` bytes apart (56 for
    /// one msghdr, 64 for an mmsghdr array), their iovec arrays pointing into one host array;
    /// the table is handed back with the call's result.
    func withHostMessages(_ messages: [HostMessage], stride: Int,
                          _ body: (UnsafeMutableRawPointer) -> Int64) -> (result: Int64, table: [UInt8]) {
        var vectors = messages.flatMap(\.vectors)
        var table = [UInt8](repeating: 0, count: messages.count * stride)
        let result = vectors.withUnsafeMutableBufferPointer { v in
            table.withUnsafeMutableBytes { t in
                var first = 0
                for (i, message) in messages.enumerated() {
                    var header = message.header
                    header.msg_iov = message.vectors.isEmpty ? nil : v.baseAddress! + first
                    header.msg_iovlen = message.vectors.count
                    first += message.vectors.count
                    t.storeBytes(of: header, toByteOffset: i * stride, as: msghdr.self)
                }
                return body(t.baseAddress!)
            }
        }
        return (result, table)
    }

    func sysSendmsg(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let message = try hostMessage(a[1], receiving: false)
        return withHostMessages([message], stride: HostMessage.size) { hostSyscall(.sendmsg, a.long(0), hostArgument($0), a.long(2)) }.result
    }

    func sysRecvmsg(_ a: SyscallArguments) throws(Errno) -> Int64 {
        let message = try hostMessage(a[1], receiving: true)
        let (result, table) = withHostMessages([message], stride: HostMessage.size) { hostSyscall(.recvmsg, a.long(0), hostArgument($0), a.long(2)) }
        if result >= 0 { try storeMessageResults(table.withUnsafeBytes { $0.load(as: msghdr.self) }, at: a[1]) }
        return result
    }

    /// sendmmsg and recvmmsg: each entry's msghdr rebuilt, then msg_len (and for receiving,
    /// the lengths and flags) copied back for the entries the call processed.
    func sysMultipleMessages(_ call: SyscallNumber, _ a: SyscallArguments) throws(Errno) -> Int64 {
        let receiving = call == .recvmmsg
        let count = min(UInt64(max(a.int(2), 0)), 1024)
        guard count > 0 else { return 0 }
        let stride = HostMessage.multipleSize
        _ = try writing(a[1], Int(count) * stride)
        var messages: [HostMessage] = []
        for i in 0..<count { messages.append(try hostMessage(a[1] + i * UInt64(stride), receiving: receiving)) }
        let timeout = receiving ? try optionalWriting(a[4], 16) : nil
        let (result, table) = withHostMessages(messages, stride: stride) { t in
            receiving
                ? hostSyscall(.recvmmsg, a.long(0), hostArgument(t), Int(count), a.long(3), hostArgument(timeout))
                : hostSyscall(.sendmmsg, a.long(0), hostArgument(t), Int(count), a.long(3))
        }
        guard result > 0 else { return result }
        for i in 0..<Int(result) {
            let entry = a[1] + UInt64(i * stride)
            let (header, transferred) = table.withUnsafeBytes {
                ($0.load(fromByteOffset: i * stride, as: msghdr.self),
                 $0.load(fromByteOffset: i * stride + HostMessage.transferredOffset, as: UInt32.self))
            }
            if receiving { try storeMessageResults(header, at: entry) }
            try store(transferred, at: entry + UInt64(HostMessage.transferredOffset))
        }
        return result
    }
}
