/// A register operand: which file it belongs to and its number there.
/// General-purpose registers carry their width: `gpr8` numbers 0-15 are AL, CL, DL, BL, SPL,
/// BPL, SIL, DIL, R8B..R15B; `gpr8High` numbers 4-7 are AH, CH, DH, BH (only without REX).
public struct Register: Hashable, Sendable {
    public enum File: UInt8, Sendable {
        case gpr8, gpr8High, gpr16, gpr32, gpr64
        case segment        // ES CS SS DS FS GS
        case control        // CR0..CR15
        case debug          // DR0..DR15
        case xmm, ymm, zmm, mmx, st, mask
        case rip            // RIP-relative base (number 0)
    }

    public var file: File
    public var number: UInt8

    public init(_ file: File, _ number: UInt8) {
        self.file = file
        self.number = number
    }

    public static func gpr(_ number: UInt8, bytes: Int) -> Register {
        switch bytes {
        case 1: Register(.gpr8, number)
        case 2: Register(.gpr16, number)
        case 4: Register(.gpr32, number)
        default: Register(.gpr64, number)
        }
    }

    /// Width in bytes of a general-purpose register; 0 for the others.
    public var gprBytes: Int {
        switch file {
        case .gpr8, .gpr8High: 1
        case .gpr16: 2
        case .gpr32: 4
        case .gpr64: 8
        default: 0
        }
    }

    public var isGPR: Bool { gprBytes != 0 }

    public static let rax = Register(.gpr64, 0), rcx = Register(.gpr64, 1), rdx = Register(.gpr64, 2)
    public static let rbx = Register(.gpr64, 3), rsp = Register(.gpr64, 4), rbp = Register(.gpr64, 5)
    public static let rsi = Register(.gpr64, 6), rdi = Register(.gpr64, 7)
}

/// Segment registers in encoding order.
public enum Segment: UInt8, Sendable {
    case es, cs, ss, ds, fs, gs
}
