/// The commands of the GDB remote protocol that the stub answers, for one session. Anything
/// else gets the empty reply, which tells gdb the command is not supported.
///
/// Threads are all-stop, as gdb expects of a Linux gdbserver: a stop reply names the thread
/// it is about, which becomes the thread whose registers gdb reads (`Hg` selects another);
/// `vCont` says which threads step and which continue.
struct Session {
    let target: DebugTarget
    /// Set when gdb asked for no-ack mode; the server stops acknowledging after the reply.
    var startNoAck = false
    /// The thread the last stop was about.
    var stopThread: Int
    /// `Hg`: the thread whose registers `g`, `G`, `p` and `P` read and write (0: `stopThread`).
    var registerThread = 0
    /// `Hc`: the thread the old `s` and `c` packets run (0 or -1: `stopThread`, all for `c`).
    var runThread = -1

    init(target: DebugTarget) {
        self.target = target
        stopThread = target.threadIDs.first ?? 1
    }

    enum Outcome {
        case reply([UInt8])
        case noReply
        case end(GDBServer.Ending, reply: [UInt8]?)
    }

    /// A thread id as the protocol writes it (hex).
    static func id(_ thread: Int) -> String { String(thread, radix: 16) }

    /// A thread id in a packet: hex, or -1 (all threads); nil when malformed.
    static func parseThread<C: Collection>(_ text: C) -> Int? where C.Element == UInt8 {
        if text.elementsEqual("-1".utf8) { return -1 }
        guard let n = Hex.number(text), n <= UInt64(Int.max) else { return nil }
        return Int(n)
    }

    private var selectedRegisterThread: Int { registerThread > 0 ? registerThread : stopThread }

    mutating func handle(_ packet: [UInt8], interrupted: () -> Bool) -> Outcome {
        guard let first = packet.first else { return .reply([]) }
        let text = String(decoding: packet, as: UTF8.self)
        let body = packet.dropFirst()
        switch first {
        case UInt8(ascii: "?"):
            return reply("T05thread:\(Self.id(stopThread));")
        case UInt8(ascii: "g"):
            guard let registers = target.readRegisters(thread: selectedRegisterThread) else { return reply("E01") }
            return .reply((0..<X86RegisterSet.registers.count).flatMap { Hex.encode(X86RegisterSet.bytes(of: $0, in: registers)) })
        case UInt8(ascii: "G"):
            return writeAllRegisters(body)
        case UInt8(ascii: "p"):
            guard let n = Hex.number(body), n < X86RegisterSet.registers.count else { return reply("E45") }
            guard let registers = target.readRegisters(thread: selectedRegisterThread) else { return reply("E01") }
            return .reply(Hex.encode(X86RegisterSet.bytes(of: Int(n), in: registers)))
        case UInt8(ascii: "P"):
            let parts = body.split(separator: UInt8(ascii: "="), maxSplits: 1)
            guard parts.count == 2, let n = Hex.number(parts[0]), let bytes = Hex.decode(parts[1]) else { return reply("E45") }
            guard var registers = target.readRegisters(thread: selectedRegisterThread) else { return reply("E01") }
            guard X86RegisterSet.set(Int(n), to: bytes, in: &registers) else { return reply("E45") }
            return reply(target.writeRegisters(registers, thread: selectedRegisterThread) ? "OK" : "E01")
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
            let thread = runThread > 0 ? runThread : stopThread
            if let error = setPC(body, thread: thread) { return error }
            return stopReply(target.run(ResumeActions(step: thread), interrupted: interrupted))
        case UInt8(ascii: "c"):
            let actions = runThread > 0 ? ResumeActions(continuing: [runThread]) : ResumeActions(othersContinue: true)
            if let error = setPC(body, thread: runThread > 0 ? runThread : stopThread) { return error }
            return stopReply(target.run(actions, interrupted: interrupted))
        case UInt8(ascii: "D"):
            return .end(.detached, reply: Array("OK".utf8))
        case UInt8(ascii: "k"):
            return .end(.killed, reply: nil)
        case UInt8(ascii: "H"):
            return selectThread(body)
        case UInt8(ascii: "T"):
            guard let thread = Self.parseThread(body) else { return reply("E45") }
            return reply(target.threadIDs.contains(thread) ? "OK" : "E01")
        case UInt8(ascii: "v"):
            return verbose(text, interrupted: interrupted)
        case UInt8(ascii: "q"), UInt8(ascii: "Q"):
            return query(text)
        default:
            return .reply([])
        }
    }

    private func reply(_ s: String) -> Outcome { .reply(Array(s.utf8)) }

    /// The part `OFFSET,LENGTH` of `object` for a `qXfer` read: `m` and more to come, or `l`
    /// and the last part.
    private func transfer<C: Collection>(_ object: [UInt8], _ range: C) -> Outcome where C.Element == UInt8 {
        guard let (offset, length) = Self.addressAndLength(ArraySlice(range)) else { return reply("E00") }
        guard offset <= UInt64(object.count) else { return reply("E00") }
        let end = min(object.count, Int(offset) + Int(min(length, 0x10000)))
        return .reply([UInt8(ascii: end == object.count ? "l" : "m")] + object[Int(offset)..<end])
    }

    private mutating func query(_ text: String) -> Outcome {
        if text.hasPrefix("qSupported") {
            let auxv = target.auxiliaryVector == nil ? "" : ";qXfer:auxv:read+"
            return reply("PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;vContSupported+;hwbreak+" + auxv)
        }
        if text == "QStartNoAckMode" {
            startNoAck = true
            return reply("OK")
        }
        if text.hasPrefix("qXfer:features:read:target.xml:") {
            return transfer(Array(X86RegisterSet.xml.utf8), text.utf8.dropFirst("qXfer:features:read:target.xml:".count))
        }
        if text.hasPrefix("qXfer:auxv:read::"), let auxv = target.auxiliaryVector {
            return transfer(auxv, text.utf8.dropFirst("qXfer:auxv:read::".count))
        }
        switch text {
        case "qAttached": return reply("1")
        case "qC": return reply("QC" + Self.id(selectedRegisterThread))
        // Every thread in the first reply; the next says there are no more.
        case "qfThreadInfo": return reply("m" + target.threadIDs.map(Self.id).joined(separator: ","))
        case "qsThreadInfo": return reply("l")
        case "qSymbol::": return reply("OK")
        // gdb moves the program's sections by these (only a program loaded elsewhere than
        // linked has any); it asks before it reads symbols' addresses.
        case "qOffsets":
            guard let offset = target.loadOffset else { return .reply([]) }
            let hex = String(offset, radix: 16)
            return reply("Text=\(hex);Data=\(hex);Bss=\(hex)")
        default: return .reply([])
        }
    }

    private mutating func verbose(_ text: String, interrupted: () -> Bool) -> Outcome {
        if text == "vCont?" { return reply("vCont;c;C;s;S") }
        if text.hasPrefix("vCont;") {
            guard let actions = Self.resumeActions(text.dropFirst("vCont;".count)) else { return reply("E45") }
            return stopReply(target.run(actions, interrupted: interrupted))
        }
        if text.hasPrefix("vKill") { return .end(.killed, reply: Array("OK".utf8)) }
        return .reply([])
    }

    /// `vCont`'s actions, `;`-separated: `s`, `S sig`, `c`, `C sig`, each for `:thread` or,
    /// without one, for every thread no earlier action named (a signal only goes to a named
    /// thread). Only one thread may step.
    static func resumeActions(_ list: Substring) -> ResumeActions? {
        var actions = ResumeActions()
        for action in list.split(separator: ";") {
            let parts = action.split(separator: ":", maxSplits: 1)
            guard let kind = parts.first?.first, "sScC".contains(kind) else { return nil }
            let stepping = kind == "s" || kind == "S"
            var signal: Int32?
            if kind == "S" || kind == "C" {
                guard let n = Hex.number(parts[0].utf8.dropFirst()), n < 256 else { return nil }
                signal = Int32(n)
            }
            var thread = -1
            if parts.count == 2 {
                guard let t = parseThread(parts[1].utf8) else { return nil }
                thread = t
            }
            if thread == -1 {
                // The default action: for the threads not named so far.
                if stepping { return nil }
                actions.othersContinue = true
            } else if actions.step == thread || actions.continuing.contains(thread) {
                continue  // The leftmost action for a thread wins.
            } else if stepping {
                guard actions.step == nil else { return nil }
                actions.step = thread
            } else {
                actions.continuing.insert(thread)
            }
            if thread != -1, let signal { actions.signals[thread] = signal }
        }
        return actions
    }

    /// `Hg thread` selects the thread whose registers gdb reads, `Hc thread` the one `s` and
    /// `c` run; 0 is any thread, -1 all.
    private mutating func selectThread(_ body: ArraySlice<UInt8>) -> Outcome {
        guard let kind = body.first, let thread = Self.parseThread(body.dropFirst()) else { return reply("E45") }
        guard thread <= 0 || target.threadIDs.contains(thread) else { return reply("E01") }
        switch kind {
        case UInt8(ascii: "g"): registerThread = max(0, thread)
        case UInt8(ascii: "c"): runThread = thread
        default: return reply("E45")
        }
        return reply("OK")
    }

    private func writeAllRegisters(_ body: ArraySlice<UInt8>) -> Outcome {
        guard let bytes = Hex.decode(body) else { return reply("E45") }
        guard var registers = target.readRegisters(thread: selectedRegisterThread) else { return reply("E01") }
        var offset = 0
        for n in X86RegisterSet.registers.indices {
            let size = X86RegisterSet.registers[n].bits / 8
            guard offset + size <= bytes.count else { break }
            _ = X86RegisterSet.set(n, to: Array(bytes[offset..<offset + size]), in: &registers)
            offset += size
        }
        return reply(target.writeRegisters(registers, thread: selectedRegisterThread) ? "OK" : "E01")
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

    /// `s ADDR` and `c ADDR` resume `thread` at ADDR.
    private func setPC(_ body: ArraySlice<UInt8>, thread: Int) -> Outcome? {
        guard !body.isEmpty else { return nil }
        guard let address = Hex.number(body) else { return reply("E45") }
        guard var registers = target.readRegisters(thread: thread) else { return reply("E01") }
        registers.rip = address
        return target.writeRegisters(registers, thread: thread) ? nil : reply("E01")
    }

    /// The reply to a resume. The thread it names becomes the one whose registers gdb reads,
    /// as gdb assumes.
    private mutating func stopReply(_ result: (stop: DebugStop, thread: Int)) -> Outcome {
        stopThread = result.thread
        registerThread = 0
        let thread = "thread:\(Self.id(result.thread));"
        switch result.stop {
        case .stepped, .breakpoint: return reply("T05" + thread)
        case .interrupted: return reply("T02" + thread)
        case .signal(let signal): return reply("T" + String(decoding: Hex.byte(UInt8(truncatingIfNeeded: signal)), as: UTF8.self) + thread)
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
