/// The parts of a guest instruction's encoding that a thunk re-emits, as the manual's
/// "instruction format" figure lays them out: legacy prefixes, REX, escape and opcode bytes,
/// ModRM, (SIB and displacement, dropped), immediate.
struct GuestEncoding: Hashable {
    /// F0: kept, so a locked read-modify-write stays atomic on the host.
    var lock = false
    /// The legacy prefixes that select the instruction (66, F2, F3), in their original order.
    /// Segment overrides and 67 are dropped: the address is computed before the thunk runs.
    var selectingPrefixes: [UInt8] = []
    /// A REX prefix was present: even one without bits set makes byte registers 4-7 mean
    /// SPL..DIL instead of AH..BH, so the re-encoding keeps it.
    var rex = false
    var rexW = false, rexR = false, rexX = false, rexB = false
    /// The escape bytes (none, 0F, 0F 38 or 0F 3A) and the opcode byte.
    var opcode: [UInt8] = []
    var modrm: UInt8?
    var immediate: [UInt8] = []

    var mod: UInt8 { (modrm ?? 0) >> 6 }
    var regField: UInt8 { ((modrm ?? 0) >> 3) & 7 }
    var rmField: UInt8 { (modrm ?? 0) & 7 }
    var hasMemoryOperand: Bool { modrm != nil && mod != 3 }

    /// Parses a legacy-encoded (not VEX/EVEX) SSE, MMX or x87 instruction, or one of the
    /// one-byte-map integer instructions with a ModRM operand that LOCK applies to, of
    /// `bytes.count` bytes; nil when the bytes are not such an instruction.
    init?(_ bytes: [UInt8]) {
        var i = 0
        // Legacy prefixes.
        prefixes: while i < bytes.count {
            switch bytes[i] {
            case 0x66, 0xF2, 0xF3: selectingPrefixes.append(bytes[i])
            case 0xF0: lock = true
            case 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65, 0x67: break
            default: break prefixes
            }
            i += 1
        }
        // REX counts only as the last prefix.
        if i < bytes.count, bytes[i] & 0xF0 == 0x40 {
            let rex = bytes[i]
            self.rex = true
            rexW = rex & 8 != 0
            rexR = rex & 4 != 0
            rexX = rex & 2 != 0
            rexB = rex & 1 != 0
            i += 1
        }
        guard i < bytes.count else { return nil }
        switch bytes[i] {
        case 0x0F:
            guard i + 1 < bytes.count else { return nil }
            if bytes[i + 1] == 0x38 || bytes[i + 1] == 0x3A {
                guard i + 2 < bytes.count else { return nil }
                opcode = Array(bytes[i...(i + 2)])
                i += 3
            } else {
                opcode = Array(bytes[i...(i + 1)])
                i += 2
            }
            // EMMS (0F 77) is the one instruction here without ModRM.
            if opcode == [0x0F, 0x77] {
                guard i == bytes.count else { return nil }
                return
            }
        case 0xD8...0xDF, _ where GuestEncoding.isLockableOneByteOpcode(bytes[i]):
            opcode = [bytes[i]]
            i += 1
        case 0xC4, 0xC5, 0x62, 0x8F:
            return nil  // VEX, EVEX, XOP: not run as host instructions
        default:
            return nil
        }
        guard i < bytes.count else { return nil }
        let m = bytes[i]
        modrm = m
        i += 1
        if m >> 6 != 3 {
            var displacement = m >> 6 == 1 ? 1 : m >> 6 == 2 ? 4 : 0
            if m & 7 == 4 {
                guard i < bytes.count else { return nil }
                let sib = bytes[i]
                i += 1
                if m >> 6 == 0 && sib & 7 == 5 { displacement = 4 }
            } else if m >> 6 == 0 && m & 7 == 5 {
                displacement = 4  // RIP-relative
            }
            i += displacement
        }
        guard i <= bytes.count else { return nil }
        immediate = Array(bytes[i...])
    }

    /// The one-byte opcodes of the read-modify-write instructions LOCK applies to, with a
    /// ModRM operand: ADD OR ADC SBB AND SUB XOR (00-03 ... 30-33, the Eb,Gb Ev,Gv Gb,Eb Gv,Ev
    /// forms of each row, and the 38-3B CMP row which the decoder refuses to lock), group 1
    /// (80 81 83), XCHG (86 87), group 3 (F6 F7: NOT NEG) and groups 4 and 5 (FE FF: INC DEC).
    static func isLockableOneByteOpcode(_ b: UInt8) -> Bool {
        switch b {
        case 0x00...0x3F: b & 7 < 4
        case 0x80, 0x81, 0x83, 0x86, 0x87, 0xF6, 0xF7, 0xFE, 0xFF: true
        default: false
        }
    }

    /// The instruction for the host: the same prefixes, REX, opcode, register fields and
    /// immediate, with a memory operand replaced by `[base]` (base one of rax, rcx, rdx, rbx,
    /// rsi, rdi, r8-r11: no SIB byte or displacement needed) and, when `register` is given,
    /// that host register in the ModRM reg field instead of the guest's.
    func reencoded(memoryBase base: UInt8?, register: UInt8? = nil) -> [UInt8] {
        var out: [UInt8] = lock ? [0xF0] : []
        out += selectingPrefixes
        let b = base.map { $0 >> 3 == 1 } ?? rexB
        let x = base == nil ? rexX : false
        let r = register.map { $0 >> 3 == 1 } ?? rexR
        let bits: UInt8 = (rexW ? 8 : 0) | (r ? 4 : 0) | (x ? 2 : 0) | (b ? 1 : 0)
        if rex || bits != 0 { out.append(0x40 | bits) }
        out += opcode
        if var modrm {
            if let register { modrm = (modrm & 0xC7) | (register & 7) << 3 }
            if let base {
                out.append((modrm & 0x38) | (base & 7))
            } else {
                out.append(modrm)
            }
        }
        return out + immediate
    }
}
