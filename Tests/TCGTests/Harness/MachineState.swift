/// The status flags and DF, each at its EFLAGS bit, so a set is also an RFLAGS image.
struct Flags: OptionSet, Hashable, CustomStringConvertible {
    let rawValue: UInt64

    static let cf = Flags(rawValue: 1 << 0)
    static let pf = Flags(rawValue: 1 << 2)
    static let af = Flags(rawValue: 1 << 4)
    static let zf = Flags(rawValue: 1 << 6)
    static let sf = Flags(rawValue: 1 << 7)
    static let df = Flags(rawValue: 1 << 10)
    static let of = Flags(rawValue: 1 << 11)

    /// The six arithmetic flags, whose definedness the flag rules track.
    static let status: Flags = [.cf, .pf, .af, .zf, .sf, .of]
    /// Everything compared: the status flags and DF (always defined).
    static let compared: Flags = [.status, .df]

    static let named: [(Flags, String)] = [
        (.cf, "CF"), (.pf, "PF"), (.af, "AF"), (.zf, "ZF"), (.sf, "SF"), (.of, "OF"), (.df, "DF"),
    ]

    /// The RFLAGS value loaded before a snippet: these flags plus the always-one bit 1.
    var rflagsImage: UInt64 { rawValue | 0x2 }

    init(rawValue: UInt64) { self.rawValue = rawValue }

    init(rflags: UInt64) { self.init(rawValue: rflags & Flags.compared.rawValue) }

    /// "CF ZF" style; "-" when empty.
    var description: String {
        let names = Flags.named.filter { contains($0.0) }.map(\.1)
        return names.isEmpty ? "-" : names.joined(separator: " ")
    }
}

/// Register numbers in encoding order, as the CPU state and native runner store them.
enum GPR: Int, CaseIterable {
    case rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15

    var name: String { "\(self)" }
}

/// What a snippet starts from and what it ends in: the 16 GPRs, the flags and rip.
struct MachineState: Equatable {
    var gpr: [UInt64] = Array(repeating: 0, count: 16)
    var flags: Flags = []
    var rip: UInt64 = 0

    subscript(_ r: GPR) -> UInt64 {
        get { gpr[r.rawValue] }
        set { gpr[r.rawValue] = newValue }
    }
}

/// Where a run stopped.
enum Stop: Equatable, CustomStringConvertible {
    /// Ran off the end of the snippet (Mimic: halted on the HLT placed there).
    case end
    /// A CPU exception. `address` is the faulting data address, kept for page faults only.
    case fault(vector: Int, address: UInt64?)
    /// Anything the harness does not expect (a SYSCALL stop, a foreign signal, a setup error).
    case other(String)

    var description: String {
        switch self {
        case .end: "end"
        case .fault(let vector, let address?): "fault #\(vector) at address 0x\(hex(address))"
        case .fault(let vector, nil): "fault #\(vector)"
        case .other(let what): what
        }
    }
}

/// One run's result: the final state, why it stopped and the data region afterwards.
struct Outcome {
    var state: MachineState
    var stop: Stop
    var data: [UInt8]
    /// The FXSAVE image (x87, MMX, XMM, MXCSR) at the end, for runs that carried one in.
    var vector: [UInt8]? = nil
}

func hex(_ value: UInt64) -> String { String(value, radix: 16) }

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
}
