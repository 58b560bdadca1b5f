import TestSupport
/// SHL SAL SHR SAR ROL ROR RCL RCR and SHLD SHRD: counts 0, 1, n, the width and beyond (masked),
/// by immediate, by the 1-form and by CL, in registers and memory, with CF in 0 and 1.
enum ShiftCases {
    static let single: [Mnemonic] = [.shl, .sal, .shr, .sar, .rol, .ror, .rcl, .rcr]

    static func counts(_ width: Int) -> [Int] {
        Array(Set([0, 1, 2, 3, 7, 8, 9, width - 1, width, width + 1, 16, 17, 31, 32, 33, 63, 64, 65, 255])).sorted()
    }

    static func cases(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        for op in single {
            for width in Operands.widths {
                cases += singleShifts(op, width, &random)
            }
        }
        for op in [Mnemonic.shld, .shrd] {
            for width in [16, 32, 64] { cases += doubleShifts(op, width, &random) }
        }
        return cases
    }

    private static func values(_ width: Int, _ random: inout SplitMix64) -> [UInt64] {
        let m = Operands.mask(width), top: UInt64 = 1 << UInt64(width - 1)
        return [random.next() & m, top, top | 1, m, 1, (top >> 1) | 1, random.next() & m]
    }

    private static func state(carry: Bool, _ random: inout SplitMix64) -> MachineState {
        var flags = Operands.randomFlags(&random)
        if carry { flags.insert(.cf) } else { flags.remove(.cf) }
        return Operands.randomState(&random, flags: flags)
    }

    private static func singleShifts(_ op: Mnemonic, _ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let target: GPR = width == 8 ? random.pick([.rax, .rdx, .r9]) : random.pick([.rax, .rbx, .r12])
        let name = Operands.name(target, width)
        for count in counts(width) {
            for carry in [false, true] {
                let value = random.pick(values(width, &random))
                var s = state(carry: carry, &random)
                Operands.set(&s, target, width: width, value)
                cases.append(TestCase("\(op) r\(width), imm", [Insn(op, "\(name), \(count)", width: width, count: .known(count))], input: s))

                // By CL; the upper bits of CL must not matter beyond the mask.
                var byCL = state(carry: carry, &random)
                Operands.set(&byCL, target, width: width, value)
                let cl = UInt64(count) | (random.chance(30) ? 0x40 : 0)
                Operands.set(&byCL, .rcx, width: 8, cl & 0xFF)
                let clCount = Int(cl & 0xFF)
                cases.append(TestCase("\(op) r\(width), cl", [Insn(op, "\(name), cl", width: width, count: .known(clCount))], input: byCL))
            }
        }
        // The dedicated by-one encoding (D0/D1), and AH..BH and memory operands.
        for value in values(width, &random) {
            for carry in [false, true] {
                var s = state(carry: carry, &random)
                Operands.set(&s, target, width: width, value)
                cases.append(TestCase("\(op) r\(width), 1", [Insn(op, "\(name), 1", width: width, count: .known(1))], input: s))
                if width == 8 {
                    Operands.set(&s, .rcx, width: 8, value, high: true)
                    let count = random.pick([1, 3, 8, 9])
                    cases.append(TestCase("\(op) r8h, imm", [Insn(op, "ch, \(count)", width: 8, count: .known(count))], input: s))
                }
                let offset = 0x3000 + random.below(0x100)
                s[.rsi] = Layout.dataPointer(offset: offset)
                let count = random.pick(counts(width))
                cases.append(TestCase("\(op) m\(width), imm", [Insn(op, "\(Operands.ptr(width)) [rsi], \(count)", width: width, count: .known(count))],
                                      input: s, patches: [(offset, Operands.bytes(value, width))]))
            }
        }
        return cases
    }

    /// SHLD/SHRD counts stay within the operand size: beyond it the SDM leaves the result
    /// undefined (only reachable with 16-bit operands).
    private static func doubleShifts(_ op: Mnemonic, _ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let legal = counts(width).filter { width != 16 || ($0 & 31) <= 15 }
        let (dst, src) = (Operands.name(.rax, width), Operands.name(.rdx, width))
        for count in legal {
            for _ in 0..<3 {
                var s = state(carry: random.chance(50), &random)
                Operands.set(&s, .rax, width: width, random.pick(values(width, &random)))
                Operands.set(&s, .rdx, width: width, random.pick(values(width, &random)))
                cases.append(TestCase("\(op) r\(width), imm", [Insn(op, "\(dst), \(src), \(count)", width: width, count: .known(count))], input: s))
                Operands.set(&s, .rcx, width: 8, UInt64(count))
                cases.append(TestCase("\(op) r\(width), cl", [Insn(op, "\(dst), \(src), cl", width: width, count: .known(count))], input: s))
                let offset = 0x3400 + random.below(0x100)
                s[.rdi] = Layout.dataPointer(offset: offset)
                let value = random.pick(values(width, &random))
                cases.append(TestCase("\(op) m\(width), imm", [Insn(op, "\(Operands.ptr(width)) [rdi], \(src), \(count)", width: width, count: .known(count))],
                                      input: s, patches: [(offset, Operands.bytes(value, width))]))
            }
        }
        return cases
    }
}
