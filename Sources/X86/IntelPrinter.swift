extension Instruction: CustomStringConvertible {
    /// Intel syntax as `objdump -d -M intel` prints it, e.g. `mov    QWORD PTR [rbp-0x8],rax`.
    public var description: String { intelSyntax }

    public var intelSyntax: String { IntelPrinter.format(self) }

    /// The mnemonic as printed (condition codes, "v" of VEX forms, widths of mask ops included),
    /// without prefixes such as "lock" or "rep".
    public var mnemonicText: String { IntelPrinter.mnemonicText(self) }
}

/// Formats instructions in objdump's Intel syntax. Not on the hot path: builds strings freely.
enum IntelPrinter {
    static let names: [String] = Mnemonic.allCases.map { String(describing: $0) }
    static let conditions = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]
    static let ssePredicates = [
        "eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord", "eq_uq", "nge", "ngt", "false", "neq_oq", "ge",
        "gt", "true", "eq_os", "lt_oq", "le_oq", "unord_s", "neq_us", "nlt_uq", "nle_uq", "ord_s", "eq_us",
        "nge_uq", "ngt_uq", "false_os", "neq_os", "ge_oq", "gt_oq", "true_us",
    ]
    static let integerPredicates = ["eq", "lt", "le", "false", "neq", "nlt", "nle", "true"]

    static func name(_ m: Mnemonic) -> String { names[Int(m.rawValue)] }

    /// Legacy SSE mnemonics whose VEX/EVEX forms are spelt with a leading "v".
    static func takesVPrefix(_ m: Mnemonic) -> Bool {
        (m.rawValue >= Mnemonic.movups.rawValue && m.rawValue <= Mnemonic.gf2p8affineinvqb.rawValue)
            || m == .ldmxcsr || m == .stmxcsr
    }

    static func widthSuffix(_ bytes: UInt8) -> String {
        switch bytes {
        case 1: "b"
        case 2: "w"
        case 4: "d"
        default: "q"
        }
    }

    /// The compare predicate folded into the mnemonic (CMPPS → CMPLTPS), if the immediate names one.
    static func predicate(_ i: Instruction) -> (prefix: String, suffix: String)? {
        guard case .immediate(let v, _) = i[i.operandCount - 1] else { return nil }
        switch i.mnemonic {
        case .cmpps, .cmppd, .cmpss, .cmpsd:
            let limit = i.prefixes.contains(.vex) || i.prefixes.contains(.evex) ? 32 : 8
            guard v >= 0 && v < limit else { return nil }
            let n = name(i.mnemonic)
            return ("cmp" + ssePredicates[Int(v)], String(n.dropFirst(3)))
        case .vpcmpb, .vpcmpw, .vpcmpd, .vpcmpq, .vpcmpub, .vpcmpuw, .vpcmpud, .vpcmpuq:
            guard v >= 0 && v < 8 else { return nil }
            return ("vpcmp" + integerPredicates[Int(v)], String(name(i.mnemonic).dropFirst(5)))
        default:
            return nil
        }
    }

    static func mnemonicText(_ i: Instruction) -> String {
        let m = i.mnemonic
        switch m {
        case .jcc: return "j" + conditions[Int(i.condition & 15)]
        case .setcc: return "set" + conditions[Int(i.condition & 15)]
        case .cmovcc: return "cmov" + conditions[Int(i.condition & 15)]
        case .fcmovcc:
            let c: [UInt8: String] = [2: "b", 3: "nb", 4: "e", 5: "ne", 6: "be", 7: "nbe", 10: "u", 11: "nu"]
            return "fcmov" + (c[i.condition] ?? "?")
        case .wait: return "fwait"
        case .kunpck: return "kunpck" + (i.operandBytes == 1 ? "bw" : i.operandBytes == 2 ? "wd" : "dq")
        case .kmov, .kand, .kandn, .kor, .kxnor, .kxor, .knot, .kortest, .ktest, .kadd, .kshiftl, .kshiftr:
            return name(m) + widthSuffix(i.operandBytes)
        case .incssp, .rdssp: return name(m) + (i.operandBytes == 8 ? "q" : "d")
        case .iret: return i.operandBytes == 8 ? "iretq" : i.operandBytes == 2 ? "iretw" : "iret"
        case .mov where isMovabs(i): return "movabs"
        default: break
        }
        let vector = i.prefixes.contains(.vex) || i.prefixes.contains(.evex)
        let base = predicate(i).map { $0.prefix + $0.suffix } ?? name(m)
        return vector && takesVPrefix(m) ? "v" + base : base
    }

    static func isMovabs(_ i: Instruction) -> Bool {
        guard i.map == .oneByte else { return false }
        if (0xA0...0xA3).contains(i.opcode) { return true }
        if (0xB8...0xBF).contains(i.opcode), case .immediate(_, let bytes) = i[1] { return bytes == 8 }
        return false
    }

    static func prefixText(_ i: Instruction) -> String {
        var s = ""
        if i.prefixes.contains(.repeatedOperandSize) { s += "data16 " }
        if i.prefixes.contains(.lock) { s += "lock " }
        switch i.mnemonic {
        case .movs, .stos, .lods, .ins, .outs:
            if i.prefixes.contains(.rep) { s += "rep " }
        case .cmps, .scas:
            if i.prefixes.contains(.rep) { s += "repz " }
            if i.prefixes.contains(.repne) { s += "repnz " }
        case .jmp, .call, .ret, .jcc:
            if i.prefixes.contains(.ignoredRepne) { s += "bnd " }
            if i.prefixes.contains(.ignoredRep) { s += "repz " }
        default:
            if i.prefixes.contains(.ignoredRep) { s += "repz " }
            if i.prefixes.contains(.ignoredRepne) { s += "repnz " }
        }
        if i.prefixes.contains(.notrack) { s += "notrack " }
        if i.prefixes.contains(.addressSize) && !hasMemoryOperand(i) { s += "addr32 " }
        if i.mnemonic == .nop, let seg = i.segment { s += segmentName(seg) + " " }
        return s
    }

    static func hasMemoryOperand(_ i: Instruction) -> Bool {
        for k in 0..<i.operandCount {
            if case .memory = i[k] { return true }
        }
        return false
    }

    static func format(_ i: Instruction) -> String {
        if i.mnemonic == .undefined { return "(bad)" }
        if i.mnemonic == .nop && i.map == .oneByte && i.prefixes.contains(.operandSize) { return "xchg   ax,ax" }
        let head = prefixText(i) + mnemonicText(i)
        var dropImmediate = predicate(i) != nil
        var ops: [String] = []
        var ripTarget: UInt64?
        for k in 0..<i.operandCount {
            let op = i[k]
            if dropImmediate, k == i.operandCount - 1 {
                dropImmediate = false
                continue
            }
            ops.append(operandText(op, index: k, in: i))
            if case .memory(let m) = op, m.isRIPRelative {
                ripTarget = i.nextAddress &+ UInt64(bitPattern: m.displacement)
                if m.addressBytes == 4 { ripTarget = ripTarget.map { $0 & 0xFFFF_FFFF } }
            }
        }
        if ops.isEmpty { return head }
        var text = head + String(repeating: " ", count: max(0, 6 - head.count)) + " " + ops.joined(separator: ",")
        if let ripTarget { text += "        # 0x" + String(ripTarget, radix: 16) }
        return text
    }

    static func operandText(_ op: Operand, index: Int, in i: Instruction) -> String {
        var s: String
        switch op {
        case .none: return ""
        case .register(let r):
            s = registerName(r, x87Index: index, in: i)
        case .immediate(let v, let bytes):
            if i.map == .oneByte && (0xD0...0xD3).contains(i.opcode) && index == 1 && i.opcode < 0xD2 { return "1" }
            let mask: UInt64 = bytes >= 8 ? ~0 : (1 << (8 * UInt64(bytes))) - 1
            return "0x" + String(UInt64(bitPattern: v) & mask, radix: 16)
        case .relative(let target):
            return "0x" + String(target, radix: 16)
        case .farPointer(let selector, let offset):
            return "0x" + String(selector, radix: 16) + ":0x" + String(offset, radix: 16)
        case .memory(let m):
            s = memoryText(m, in: i)
        }
        if index == 0 && i.opmask != 0 { s += "{k\(i.opmask)}" }
        if index == 0 && i.zeroingMask { s += "{z}" }
        return s
    }

    static func sizeKeyword(_ bytes: UInt16) -> String {
        switch bytes {
        case 1: "BYTE PTR "
        case 2: "WORD PTR "
        case 4: "DWORD PTR "
        case 6: "FWORD PTR "
        case 8: "QWORD PTR "
        case 10: "TBYTE PTR "
        case 16: "XMMWORD PTR "
        case 32: "YMMWORD PTR "
        case 64: "ZMMWORD PTR "
        default: ""
        }
    }

    static func memoryText(_ m: MemoryOperand, in i: Instruction) -> String {
        var bytes = m.bytes
        if i.mnemonic == .nop { bytes = UInt16(i.operandBytes) }
        switch i.mnemonic {
        case .lgdt, .sgdt, .lidt, .sidt: bytes = 0
        default: break
        }
        var s = sizeKeyword(bytes)
        let segmentShown = i.mnemonic == .nop ? nil : m.segment
        if m.base == nil && m.index == nil {
            s += (segmentShown.map(segmentName) ?? "ds") + ":0x"
            let mask: UInt64 = m.addressBytes == 8 ? ~0 : m.addressBytes == 4 ? 0xFFFF_FFFF : 0xFFFF
            s += String(UInt64(bitPattern: m.displacement) & mask, radix: 16)
        } else {
            if let seg = segmentShown { s += segmentName(seg) + ":" }
            s += "["
            if let base = m.base {
                s += base.file == .rip ? (m.addressBytes == 4 ? "eip" : "rip") : registerName(base)
            }
            if let index = m.index {
                if m.base != nil { s += "+" }
                s += registerName(index) + "*" + String(m.scale)
            }
            if m.displacementBytes > 0 {
                let d = m.displacement
                if m.base?.file == .rip {
                    // objdump shows a RIP displacement as an unsigned 64-bit addend.
                    return s + "+0x" + String(UInt64(bitPattern: d), radix: 16) + "]"
                }
                s += d < 0 ? "-0x" + String(UInt64(bitPattern: 0 &- d), radix: 16) : "+0x" + String(d, radix: 16)
            }
            s += "]"
        }
        if i.broadcast {
            s += "{1to\(Int(i.vectorBytes) / Int(max(m.bytes, 1)))}"
        }
        return s
    }

    static func segmentName(_ s: Segment) -> String {
        ["es", "cs", "ss", "ds", "fs", "gs"][Int(s.rawValue)]
    }

    static let gpr64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"]
    static let gpr32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]
    static let gpr16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"]
    static let gpr8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"]
    static let gpr8High = ["ah", "ch", "dh", "bh"]

    static func registerName(_ r: Register, x87Index: Int = -1, in i: Instruction? = nil) -> String {
        let n = Int(r.number)
        switch r.file {
        case .gpr64: return n < 8 ? gpr64[n] : "r\(n)"
        case .gpr32: return n < 8 ? gpr32[n] : "r\(n)d"
        case .gpr16: return n < 8 ? gpr16[n] : "r\(n)w"
        case .gpr8: return n < 8 ? gpr8[n] : "r\(n)b"
        case .gpr8High: return gpr8High[(n - 4) & 3]
        case .segment: return n < 6 ? segmentName(Segment(rawValue: r.number)!) : "seg\(n)"
        case .control: return "cr\(n)"
        case .debug: return "db\(n)"
        case .xmm: return "xmm\(n)"
        case .ymm: return "ymm\(n)"
        case .zmm: return "zmm\(n)"
        case .mmx: return "mm\(n)"
        case .mask: return "k\(n)"
        case .rip: return "rip"
        case .st:
            // The implicit ST(0) operand prints as "st"; the ModRM-selected one as "st(i)".
            if let i, i.operandCount == 2 {
                let implicitFirst = [0xD8, 0xD9, 0xDA, 0xDB, 0xDF].contains(Int(i.opcode))
                if (x87Index == 0) == implicitFirst { return "st" }
            }
            return "st(\(n))"
        }
    }
}
