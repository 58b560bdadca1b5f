#if canImport(Glibc)
import Glibc
#endif

public struct GDBError: Error, CustomStringConvertible {
    public var description: String
}

/// A TCP listener on localhost and the one gdb connected to it. The socket calls are the
/// host's; bytes are read in chunks and handed out one at a time.
final class GDBConnection {
    private let listener: Int32
    private var peer: Int32 = -1
    private var pending: [UInt8] = []
    private var pendingStart = 0
    /// No gdb is connected: none yet, or it closed the connection (or the connection failed).
    private(set) var isClosed = true

    /// Listens on 127.0.0.1:`port` (0 picks a free port; see `port`).
    init(port: UInt16) throws(GDBError) {
        // Close-on-exec: a program `mimic run` execs must not inherit the stub's port.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw GDBError(description: "gdb stub: socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw GDBError(description: "gdb stub: cannot listen on port \(port): \(message)")
        }
        listener = fd
    }

    deinit {
        if peer >= 0 { close(peer) }
        close(listener)
    }

    /// The port actually listened on.
    var port: UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Waits for gdb to connect.
    func accept() throws(GDBError) {
        while true {
            let fd = Glibc.accept(listener, nil, nil)
            if fd >= 0 {
                adopt(fd)
                return
            }
            if errno != EINTR { throw GDBError(description: "gdb stub: accept: \(String(cString: strerror(errno)))") }
        }
    }

    /// Accepts a gdb that is waiting to connect, without waiting for one; true when one was.
    func acceptIfWaiting() -> Bool {
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) == 1 else { return false }
        let fd = Glibc.accept(listener, nil, nil)
        guard fd >= 0 else { return false }
        adopt(fd)
        return true
    }

    private func adopt(_ fd: Int32) {
        if peer >= 0 { close(peer) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var yes: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        peer = fd
        isClosed = false
        pending = []
        pendingStart = 0
    }

    /// The next byte from gdb, waiting for it; nil once the connection is closed.
    func readByte() -> UInt8? {
        if pendingStart == pending.count {
            guard fill(wait: true) else { return nil }
        }
        pendingStart += 1
        return pending[pendingStart - 1]
    }

    /// Whether gdb sent something (without waiting); reads it into the buffer.
    func hasInput() -> Bool {
        if pendingStart < pending.count { return true }
        return fill(wait: false)
    }

    private func fill(wait: Bool) -> Bool {
        guard !isClosed else { return false }
        var poller = pollfd(fd: peer, events: Int16(POLLIN), revents: 0)
        var ready = poll(&poller, 1, wait ? -1 : 0)
        // A signal (Ctrl-C, the KVM stub's vCPU kicks) is no reason to stop waiting for gdb.
        while ready < 0, errno == EINTR, wait { ready = poll(&poller, 1, -1) }
        if ready == 0 { return false }
        if ready < 0 { return errno == EINTR ? false : closeWithFailure() }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = recv(peer, &chunk, chunk.count, 0)
        guard n > 0 else {
            if n < 0, errno == EINTR { return false }
            return closeWithFailure()
        }
        pending = Array(chunk[0..<n])
        pendingStart = 0
        return true
    }

    private func closeWithFailure() -> Bool {
        isClosed = true
        return false
    }

    func write(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count, !isClosed {
            let n = bytes[sent...].withUnsafeBytes { send(peer, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n } else if n < 0, errno == EINTR { continue } else { isClosed = true }
        }
    }

    func closePeer() {
        if peer >= 0 { close(peer) }
        peer = -1
        isClosed = true
    }
}
