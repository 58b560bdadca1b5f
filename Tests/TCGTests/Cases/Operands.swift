import TestSupport
/// Register names, operand sizes and interesting values shared by the case generators.
enum Operands {
    static let widths = [8, 16, 32, 64]

    private static let names64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
    private static let legacy32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]
    private static let legacy16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]
    private static let legacy8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"]

    /// The name of register `r` at `width` bits (the low byte for 8).
    static func name(_ r: GPR, _ width: Int) -> String {
        let n = r.rawValue
        switch width {
        case 64: return names64[n]
        case 32: return n < 8 ? legacy32[n] : "r\(n)d"
        case 16: return n < 8 ? legacy16[n] : "r\(n)w"
        default: return n < 8 ? legacy8[n] : "r\(n)b"
        }
    }

    /// AH, CH, DH, BH: bits 8-15 of RAX, RCX, RDX, RBX.
    static func highByte(_ r: GPR) -> String { ["ah", "ch", "dh", "bh"][r.rawValue] }

    static func ptr(_ width: Int) -> String {
        switch width {
        case 8: "BYTE PTR"
        case 16: "WORD PTR"
        case 32: "DWORD PTR"
        default: "QWORD PTR"
        }
    }

    static func mask(_ width: Int) -> UInt64 { width == 64 ? ~0 : (1 << UInt64(width)) - 1 }

    /// Zero, one, all ones, the largest and smallest signed values, a lone sign bit neighbour,
    /// and a random value: the values where flags change meaning.
    static func boundaries(_ width: Int, _ random: inout SplitMix64) -> [UInt64] {
        let m = mask(width)
        let top: UInt64 = 1 << UInt64(width - 1)
        return [0, 1, m, top - 1, top, top + 1, random.next() & m]
    }

    /// An immediate operand in assembler syntax (negative values with a minus sign, so the
    /// assembler picks the sign-extended encoding when it fits).
    static func immediate(_ value: Int64) -> String { value < 0 ? "-0x\(String(-value, radix: 16))" : "0x\(String(value, radix: 16))" }

    /// A state with every register holding random bits, RSP at the test stack, and the given
    /// flags.
    static func randomState(_ random: inout SplitMix64, flags: Flags = []) -> MachineState {
        var state = MachineState()
        for r in GPR.allCases { state[r] = random.next() }
        state[.rsp] = Layout.stackTop
        state.flags = flags
        return state
    }

    /// Random status flags (DF clear).
    static func randomFlags(_ random: inout SplitMix64) -> Flags {
        Flags(rawValue: random.next() & Flags.status.rawValue)
    }

    /// Puts `value` into the low `width` bits of `r`, keeping the other bits.
    static func set(_ state: inout MachineState, _ r: GPR, width: Int, _ value: UInt64, high: Bool = false) {
        let shift: UInt64 = high ? 8 : 0
        let m = mask(width) << shift
        state[r] = (state[r] & ~m) | ((value << shift) & m)
    }

    static func bytes(_ value: UInt64, _ width: Int) -> [UInt8] {
        (0..<width / 8).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
    }
}

extension SplitMix64 {
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}
