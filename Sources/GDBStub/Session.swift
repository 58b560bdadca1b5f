/// The commands of the GDB remote protocol that the stub answers, for one session. Anything
/// else gets the empty reply, which tells gdb the command is not supported.
struct Session {
    let target: DebugTarget
    /// Set when gdb asked for no-ack mode; the server stops acknowledging after the reply.
    var startNoAck = false

    enum Outcome {
        case reply([UInt8])
        case noReply
        case end(GDBServer.Ending, reply: [UInt8]?)
    }

    /// The one thread the stub shows.
    static let thread = "1"

    mutating func handle(_ packet: [UInt8], interrupted: () -> Bool) -> Outcome {
        guard let first = packet.first else { return .reply([]) }
        let text = String(decoding: packet, as: UTF8.self)
        let body = packet.dropFirst()
        switch first {
        case UInt8(ascii: "?"):
            return reply("T05thread:\(Self.thread);")
        case UInt8(ascii: "g"):
            let registers = target.readRegisters()
            return .reply((0..<X86RegisterSet.registers.count).flatMap { Hex.encode(X86RegisterSet.bytes(of: $0, in: registers)) })
        case UInt8(ascii: "G"):
            return writeAllRegisters(body)
        case UInt8(ascii: "p"):
            guard let n = Hex.number(body), n < X86RegisterSet.registers.count else { return reply("E45") }
            return .reply(Hex.encode(X86RegisterSet.bytes(of: Int(n), in: target.readRegisters())))
        case UInt8(ascii: "P"):
            let parts = body.split(separator: UInt8(ascii: "="), maxSplits: 1)
            guard parts.count == 2, let n = Hex.number(parts[0]), let bytes = Hex.decode(parts[1]) else { return reply("E45") }
            var registers = target.readRegisters()
            guard X86RegisterSet.set(Int(n), to: bytes, in: &registers) else { return reply("E45") }
            target.writeRegisters(registers)
            return reply("OK")
        case UInt8(ascii: "m"):
            guard let (address, length) = Self.addressAndLength(body), length <= 0x10000 else { return reply("E45") }
            guard let bytes = target.readMemory(at: address, count: Int(length)) else { return reply("E14") }
            return .reply(Hex.encode(bytes))
        case UInt8(ascii: "M"):
            let parts = body.split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let (address, length) = Self.addressAndLength(parts[0]),
                  let bytes = Hex.decode(parts[1]), bytes.count == Int(length) else { return reply("E45") }
            return reply(target.writeMemory(at: address, bytes) ? "OK" : "E14")
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            return breakpoint(insert: first == UInt8(ascii: "Z"), body)
        case UInt8(ascii: "s"):
            if let error = setPC(body) { return error }
            return stopReply(target.step())
        case UInt8(ascii: "c"):
            if let error = setPC(body) { return error }
            return stopReply(target.resume(interrupted: interrupted))
        case UInt8(ascii: "D"):
            return .end(.detached, reply: Array("OK".utf8))
        case UInt8(ascii: "k"):
            return .end(.killed, reply: nil)
        case UInt8(ascii: "H"), UInt8(ascii: "T"):
            // Select or ask about a thread: there is one.
            return reply("OK")
        case UInt8(ascii: "v"):
            return verbose(text, interrupted: interrupted)
        case UInt8(ascii: "q"), UInt8(ascii: "Q"):
            return query(text)
        default:
            return .reply([])
        }
    }

    private func reply(_ s: String) -> Outcome { .reply(Array(s.utf8)) }

    private mutating func query(_ text: String) -> Outcome {
        if text.hasPrefix("qSupported") {
            return reply("PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;vContSupported+;hwbreak+")
        }
        if text == "QStartNoAckMode" {
            startNoAck = true
            return reply("OK")
        }
        if text.hasPrefix("qXfer:features:read:target.xml:") {
            let range = Array(text.utf8.dropFirst("qXfer:features:read:target.xml:".count))
            guard let (offset, length) = Self.addressAndLength(range[...]) else { return reply("E00") }
            let xml = Array(X86RegisterSet.xml.utf8)
            guard offset <= UInt64(xml.count) else { return reply("E00") }
            let end = min(xml.count, Int(offset) + Int(min(length, 0x10000)))
            return .reply([UInt8(ascii: end == xml.count ? "l" : "m")] + xml[Int(offset)..<end])
        }
        switch text {
        case "qAttached": return reply("1")
        case "qC": return reply("QC" + Self.thread)
        case "qfThreadInfo": return reply("m" + Self.thread)
        case "qsThreadInfo": return reply("l")
        case "qSymbol::": return reply("OK")
        default: return .reply([])
        }
    }

    private func verbose(_ text: String, interrupted: () -> Bool) -> Outcome {
        if text == "vCont?" { return reply("vCont;c;C;s;S") }
        if text.hasPrefix("vCont;") {
            // One thread: the first action decides (s, S: step; c, C: continue).
            let action = text.dropFirst("vCont;".count).prefix(1)
            switch action {
            case "s", "S": return stopReply(target.step())
            case "c", "C": return stopReply(target.resume(interrupted: interrupted))
            default: return reply("E45")
            }
        }
        if text.hasPrefix("vKill") { return .end(.killed, reply: Array("OK".utf8)) }
        return .reply([])
    }

    private func writeAllRegisters(_ body: ArraySlice<UInt8>) -> Outcome {
        guard let bytes = Hex.decode(body) else { return reply("E45") }
        var registers = target.readRegisters()
        var offset = 0
        for n in X86RegisterSet.registers.indices {
            let size = X86RegisterSet.registers[n].bits / 8
            guard offset + size <= bytes.count else { break }
            _ = X86RegisterSet.set(n, to: Array(bytes[offset..<offset + size]), in: &registers)
            offset += size
        }
        target.writeRegisters(registers)
        return reply("OK")
    }

    /// `Ztype,addr,kind`: 0 software and 1 hardware breakpoints; watchpoints are not supported.
    private func breakpoint(insert: Bool, _ body: ArraySlice<UInt8>) -> Outcome {
        let fields = body.split(separator: UInt8(ascii: ","))
        guard fields.count >= 2, let type = Hex.number(fields[0]), let address = Hex.number(fields[1]) else { return reply("E45") }
        guard type == 0 || type == 1 else { return .reply([]) }
        let done = insert ? target.insertBreakpoint(at: address, hardware: type == 1)
                          : target.removeBreakpoint(at: address, hardware: type == 1)
        return reply(done ? "OK" : "E22")
    }

    /// `s ADDR` and `c ADDR` resume at ADDR.
    private func setPC(_ body: ArraySlice<UInt8>) -> Outcome? {
        guard !body.isEmpty else { return nil }
        guard let address = Hex.number(body) else { return reply("E45") }
        var registers = target.readRegisters()
        registers.rip = address
        target.writeRegisters(registers)
        return nil
    }

    private func stopReply(_ stop: DebugStop) -> Outcome {
        switch stop {
        case .stepped, .breakpoint: return reply("T05thread:\(Self.thread);")
        case .interrupted: return reply("T02thread:\(Self.thread);")
        case .signal(let signal): return reply("T" + String(decoding: Hex.byte(UInt8(truncatingIfNeeded: signal)), as: UTF8.self) + "thread:\(Self.thread);")
        case .exited(let status): return .end(.exited(status), reply: Array(("W" + String(decoding: Hex.byte(UInt8(truncatingIfNeeded: status)), as: UTF8.self)).utf8))
        }
    }

    /// `ADDR,LENGTH` in hex.
    static func addressAndLength(_ text: ArraySlice<UInt8>) -> (UInt64, UInt64)? {
        let parts = text.split(separator: UInt8(ascii: ","), maxSplits: 1)
        guard parts.count == 2, let address = Hex.number(parts[0]), let length = Hex.number(parts[1]) else { return nil }
        return (address, length)
    }
}
