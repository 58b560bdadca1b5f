/// A GDB remote serial protocol server for one `DebugTarget` and one gdb at a time:
/// `target remote :PORT`. Packets are `$data#checksum`, acknowledged with `+` until gdb asks
/// for no-ack mode; a 0x03 byte while the guest runs interrupts it.
public final class GDBServer {
    private let connection: GDBConnection
    private var acknowledging = true

    /// How a debugging session ended.
    public enum Ending: Equatable, Sendable {
        /// gdb detached (`D`): the guest goes on without it.
        case detached
        /// gdb killed the guest (`k`).
        case killed
        /// The guest exited with this status (gdb was told).
        case exited(Int32)
        /// gdb went away without a word: the guest goes on without it.
        case disconnected
    }

    /// Listens on 127.0.0.1:`port` (0: any free port, see `port`); a port in use is an error.
    public init(port: UInt16) throws(GDBError) {
        connection = try GDBConnection(port: port)
    }

    public var port: UInt16 { connection.port }

    /// Waits for gdb to connect.
    public func waitForDebugger() throws(GDBError) {
        try connection.accept()
        acknowledging = true
    }

    /// Accepts a gdb that is waiting to connect, without waiting; true when one connected.
    /// A guest that runs before gdb comes (no `-S`) asks this now and then.
    public func acceptIfWaiting() -> Bool {
        guard connection.acceptIfWaiting() else { return false }
        acknowledging = true
        return true
    }

    /// Tells a connected gdb that the guest exited with `status` and closes the connection: for
    /// a guest that ends inside a resume without returning to the stub (a process that exits).
    public func reportExit(_ status: Int32) {
        guard !connection.isClosed else { return }
        send(Array(("W" + String(decoding: Hex.byte(UInt8(truncatingIfNeeded: status)), as: UTF8.self)).utf8))
        connection.closePeer()
    }

    /// Answers gdb until it detaches, kills the guest, the guest exits, or the connection closes.
    /// The guest is stopped on entry (gdb asks why with `?`).
    public func serve(_ target: DebugTarget) -> Ending {
        var session = Session(target: target)
        while let packet = receivePacket() {
            switch session.handle(packet, interrupted: { self.interruptRequested() }) {
            case .reply(let data):
                send(data)
            case .noReply:
                break
            case .end(let ending, let reply):
                if let reply { send(reply) }
                connection.closePeer()
                return ending
            }
            if session.startNoAck {
                acknowledging = false
                session.startNoAck = false
            }
        }
        return .disconnected
    }

    // MARK: Framing

    /// The next packet's data (escapes undone), acknowledging it; nil when the connection closed.
    private func receivePacket() -> [UInt8]? {
        while true {
            guard let byte = connection.readByte() else { return nil }
            switch byte {
            case UInt8(ascii: "$"):
                var data: [UInt8] = []
                var sum: UInt8 = 0
                while let b = connection.readByte() {
                    if b == UInt8(ascii: "#") { break }
                    sum &+= b
                    data.append(b)
                }
                guard let high = connection.readByte(), let low = connection.readByte() else { return nil }
                let valid = Hex.value(high).flatMap { h in Hex.value(low).map { h << 4 | $0 } } == sum
                if acknowledging { connection.write([UInt8(ascii: valid ? "+" : "-")]) }
                if valid { return Self.unescape(data) }
            case 0x03:
                // An interrupt while the guest is already stopped: report that it is stopped.
                return [UInt8(ascii: "?")]
            default:
                // Acknowledgements ('+', '-') of our replies and noise between packets.
                continue
            }
        }
    }

    private func send(_ data: [UInt8]) {
        var packet: [UInt8] = [UInt8(ascii: "$")]
        var sum: UInt8 = 0
        for b in data {
            if b == UInt8(ascii: "$") || b == UInt8(ascii: "#") || b == UInt8(ascii: "}") || b == UInt8(ascii: "*") {
                packet += [UInt8(ascii: "}"), b ^ 0x20]
                sum &+= UInt8(ascii: "}") &+ (b ^ 0x20)
            } else {
                packet.append(b)
                sum &+= b
            }
        }
        packet.append(UInt8(ascii: "#"))
        packet += Hex.byte(sum)
        connection.write(packet)
        // gdb's '+' comes back before its next packet; receivePacket skips it.
    }

    static func unescape(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var escaped = false
        for b in data {
            if escaped {
                out.append(b ^ 0x20)
                escaped = false
            } else if b == UInt8(ascii: "}") {
                escaped = true
            } else {
                out.append(b)
            }
        }
        return out
    }

    /// Asked by the target while the guest runs: did gdb send Ctrl-C (or go away)?
    private func interruptRequested() -> Bool {
        guard connection.hasInput() else { return connection.isClosed }
        while connection.hasInput() {
            guard let byte = connection.readByte() else { return true }
            if byte == 0x03 { return true }
        }
        return connection.isClosed
    }
}

/// Hex digits as the protocol writes them.
enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    static func byte(_ b: UInt8) -> [UInt8] { [digits[Int(b >> 4)], digits[Int(b & 15)]] }

    static func encode(_ bytes: [UInt8]) -> [UInt8] { bytes.flatMap(byte) }

    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Pairs of hex digits as bytes; nil for an odd count or a non-digit.
    static func decode<C: Collection>(_ text: C) -> [UInt8]? where C.Element == UInt8 {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var high: UInt8?
        for c in text {
            guard let v = value(c) else { return nil }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return out
    }

    /// A big-endian hex number such as an address; nil when empty or too long.
    static func number<C: Collection>(_ text: C) -> UInt64? where C.Element == UInt8 {
        guard !text.isEmpty, text.count <= 16 else { return nil }
        var v: UInt64 = 0
        for c in text {
            guard let d = value(c) else { return nil }
            v = v << 4 | UInt64(d)
        }
        return v
    }
}
