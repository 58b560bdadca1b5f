import TestSupport
/// BT BTS BTR BTC (register and memory; a register bit offset reaches outside a memory operand),
/// BSF BSR LZCNT TZCNT POPCNT (zero input included), and CMPXCHG XADD XCHG.
enum BitCases {
    static func cases(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        for width in [16, 32, 64] {
            for op in [Mnemonic.bt, .bts, .btr, .btc] { cases += bitTests(op, width, &random) }
            for op in [Mnemonic.bsf, .bsr, .lzcnt, .tzcnt, .popcnt] { cases += bitScans(op, width, &random) }
        }
        for width in Operands.widths { cases += exchanges(width, &random) }
        return cases
    }

    private static func bitTests(_ op: Mnemonic, _ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let m = Operands.mask(width)
        let (base, offsetReg) = (Operands.name(.r8, width), Operands.name(.rdx, width))
        for _ in 0..<10 {
            let bit = random.below(width * 2)   // register form: the offset is taken modulo the width
            var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
            Operands.set(&s, .r8, width: width, random.next() & m)
            Operands.set(&s, .rdx, width: width, UInt64(bit))
            cases.append(TestCase("\(op) r\(width), r\(width)", [Insn(op, "\(base), \(offsetReg)", width: width)], input: s))
            cases.append(TestCase("\(op) r\(width), imm", [Insn(op, "\(base), \(random.below(256))", width: width)], input: s))
        }
        // Memory with a register offset addresses the bit string around the operand, including
        // negative offsets; an immediate offset is masked to the operand width.
        let offsets: [Int64] = [0, 1, Int64(width - 1), Int64(width), 100, 1000, -1, -8, -Int64(width) - 3, -700]
        for offset in offsets {
            var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
            let at = 0x4000
            s[.rbx] = Layout.dataPointer(offset: at)
            Operands.set(&s, .rcx, width: width, UInt64(bitPattern: offset) & m)
            cases.append(TestCase("\(op) m\(width), r\(width)", [Insn(op, "\(Operands.ptr(width)) [rbx], \(Operands.name(.rcx, width))", width: width)], input: s))
            let imm = Int(UInt64(bitPattern: offset) & 0xFF)
            cases.append(TestCase("\(op) m\(width), imm", [Insn(op, "\(Operands.ptr(width)) [rbx + 2], \(imm)", width: width)], input: s))
        }
        return cases
    }

    private static func bitScans(_ op: Mnemonic, _ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let m = Operands.mask(width), top: UInt64 = 1 << UInt64(width - 1)
        var sources: [UInt64] = [0, 1, top, m, top | 1, 0x10 & m]
        for _ in 0..<8 { sources.append(random.next() & m >> UInt64(random.below(width))) }
        let (dst, src) = (Operands.name(.r11, width), Operands.name(.rsi, width))
        for value in sources {
            var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
            Operands.set(&s, .rsi, width: width, value)
            if value == 0 && (op == .bsf || op == .bsr) {
                // The SDM leaves the destination undefined for a zero source; CPUs keep it.
                // With its upper half clear, keeping it and zero-extending it agree.
                s[.r11] &= 0xFFFF_FFFF
            }
            cases.append(TestCase("\(op) r\(width), r\(width)\(value == 0 ? " zero" : "")", [Insn(op, "\(dst), \(src)", width: width)], input: s))
            let offset = 0x4800 + random.below(0x80)
            var viaMemory = s
            viaMemory[.rdi] = Layout.dataPointer(offset: offset)
            cases.append(TestCase("\(op) r\(width), m\(width)", [Insn(op, "\(dst), \(Operands.ptr(width)) [rdi]", width: width)],
                                  input: viaMemory, patches: [(offset, Operands.bytes(value, width))]))
        }
        return cases
    }

    private static func exchanges(_ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let values = Operands.boundaries(width, &random)
        let (acc, r, other) = (Operands.name(.rax, width), Operands.name(.r9, width), Operands.name(.rcx, width))
        for _ in 0..<10 {
            var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
            let equal = random.chance(50)
            let a = random.pick(values)
            Operands.set(&s, .rax, width: width, a)
            Operands.set(&s, .rcx, width: width, equal ? a : random.pick(values))
            Operands.set(&s, .r9, width: width, random.pick(values))
            cases.append(TestCase("cmpxchg r\(width), r\(width)", [Insn(.cmpxchg, "\(other), \(r)", width: width)], input: s))
            let offset = 0x5000 + random.below(0x80)
            s[.rsi] = Layout.dataPointer(offset: offset)
            let memoryValue = equal ? a : random.pick(values)
            let memory = "\(Operands.ptr(width)) [rsi]"
            let patch = [(offset: offset, bytes: Operands.bytes(memoryValue, width))]
            cases.append(TestCase("cmpxchg m\(width), r\(width)", [Insn(.cmpxchg, "\(memory), \(r)", width: width)], input: s, patches: patch))
            cases.append(TestCase("lock cmpxchg m\(width), r\(width)", [Insn(.cmpxchg, "\(memory), \(r)", width: width, prefix: "lock")], input: s, patches: patch))
            cases.append(TestCase("xadd r\(width), r\(width)", [Insn(.xadd, "\(other), \(r)", width: width)], input: s))
            cases.append(TestCase("xadd m\(width), r\(width)", [Insn(.xadd, "\(memory), \(r)", width: width, prefix: "lock")], input: s, patches: patch))
            cases.append(TestCase("xchg r\(width), r\(width)", [Insn(.xchg, "\(other), \(r)", width: width)], input: s))
            cases.append(TestCase("xchg m\(width), r\(width)", [Insn(.xchg, "\(memory), \(r)", width: width)], input: s, patches: patch))
            if width > 8 {
                // The one-byte 90+r forms.
                cases.append(TestCase("xchg acc, r\(width)", [Insn(.xchg, "\(acc), \(r)", width: width)], input: s))
            }
        }
        var s = Operands.randomState(&random)
        switch width {
        case 8:
            cases.append(TestCase("xchg r8h, r8", [Insn(.xchg, "ah, bl", width: 8)], input: s))
            // AH..BH as destination and source: CMPXCHG compares with AL and, when unequal,
            // loads AL from the destination.
            for (dst, src) in [("ah", "dh"), ("ch", "ah"), ("ah", "ah"), ("bh", "al"), ("dh", "bh")] {
                for equal in [false, true] {
                    var t = Operands.randomState(&random, flags: Operands.randomFlags(&random))
                    let al = t[.rax] & 0xFF
                    if equal {
                        let owner: GPR = ["ah": .rax, "ch": .rcx, "dh": .rdx, "bh": .rbx][dst]!
                        Operands.set(&t, owner, width: 8, al, high: true)
                    }
                    for op in [Mnemonic.cmpxchg, .xadd, .xchg] {
                        cases.append(TestCase("\(op) r8h, r8h", [Insn(op, "\(dst), \(src)", width: 8)], input: t))
                    }
                }
            }
        case 32:
            // XCHG EAX, EAX is not NOP: it zero-extends RAX.
            cases.append(TestCase("xchg eax, eax", [Insn(.xchg, "eax, eax", width: 32)], input: s))
            s[.rax] = 0xFFFF_FFFF_0000_0001
            cases.append(TestCase("nop", [Insn(.nop)], input: s))
        default:
            break
        }
        return cases
    }
}
