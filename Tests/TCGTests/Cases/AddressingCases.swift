import TestSupport
/// Effective addresses: LEA and loads/stores with every base and index register, every scale,
/// no/8-bit/32-bit displacements, no base, RIP-relative, and the 32-bit address size (67) with
/// its wrap-around; 16-bit operands (66) through memory.
enum AddressingCases {
    static func cases(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let displacements: [Int64] = [0, 8, -8, 0x7F, -0x80, 0x100, -0x1000, 0x1234]
        for base in GPR.allCases {
            for index in GPR.allCases where index != .rsp && random.chance(40) {
                let scale = random.pick([1, 2, 4, 8])
                let disp = random.pick(displacements)
                var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
                // A load through this operand must land in the data region: set the index small
                // and the base so that base + index * scale + disp hits the middle of the region.
                let indexValue = UInt64(random.below(0x40))
                s[index] = indexValue
                if base != .rsp {
                    let target = Int64(Layout.data + 0x8000) + Int64(random.below(0x400))
                    let baseValue = base == index ? indexValue : UInt64(target - Int64(indexValue) * Int64(scale) - disp)
                    if base != index { s[base] = baseValue }
                }
                let operand = "[\(Operands.name(base, 64)) + \(Operands.name(index, 64))*\(scale) \(disp < 0 ? "-" : "+") \(abs(disp))]"
                cases.append(TestCase("lea base+index*s+disp", [Insn(.lea, "rax, \(operand)")], input: s))
                cases.append(TestCase("lea r32 truncates", [Insn(.lea, "r9d, \(operand)")], input: s))
                if base != index || base == .rsp {
                    let destination = random.pick(["r10", "rax", "r14"])
                    cases.append(TestCase("mov load [b+i*s+d]", [Insn(.mov, "\(destination), QWORD PTR \(operand)")], input: s))
                    cases.append(TestCase("mov store [b+i*s+d]", [Insn(.mov, "DWORD PTR \(operand), 0x5a5a5a5a", width: 32)], input: s))
                }
            }
            // Base alone (RBP and R13 need a displacement byte, RSP and R12 a SIB byte).
            for disp in [Int64(0), random.pick(displacements)] {
                var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
                if base != .rsp { s[base] = UInt64(Int64(Layout.data + 0x8800) - disp) }
                let operand = disp == 0 ? "[\(Operands.name(base, 64))]" : "[\(Operands.name(base, 64)) \(disp < 0 ? "-" : "+") \(abs(disp))]"
                cases.append(TestCase("lea base+disp", [Insn(.lea, "rcx, \(operand)")], input: s))
                cases.append(TestCase("mov load [b+d]", [Insn(.mov, "rcx, QWORD PTR \(operand)")], input: s))
                cases.append(TestCase("add store [b+d]", [Insn(.add, "QWORD PTR \(operand), 7")], input: s))
            }
        }
        // No base: index*scale + disp32, and disp32 alone.
        for scale in [1, 2, 4, 8] {
            var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
            s[.rdx] = UInt64(random.below(0x100))
            let operand = "[rdx*\(scale) + 0x\(hex(Layout.data + 0x8400))]"
            cases.append(TestCase("lea index*s+disp32", [Insn(.lea, "rax, \(operand)")], input: s))
            cases.append(TestCase("mov load [i*s+disp32]", [Insn(.mov, "eax, DWORD PTR \(operand)", width: 32)], input: s))
        }
        var s = Operands.randomState(&random)
        cases.append(TestCase("lea disp32", [Insn(.lea, "rax, [0x12345678]")], input: s))
        cases.append(TestCase("lea rip+disp", [Insn(.lea, "rax, [rip + 0x100]"), Insn(.lea, "rcx, [rip - 0x20]")], input: s))
        // LEA with 16- and 32-bit operand and address sizes; 32-bit addresses wrap at 4 GiB.
        s[.rbx] = 0xDEAD_BEEF_FFFF_FFF0
        s[.rcx] = 0x1234_5678_0000_0010
        for form in ["ax, [rbx + rcx*2 + 5]", "eax, [ebx + ecx*4 + 0x20]", "ax, [ebx + 0x10]", "rax, [ebx + ecx]",
                     "eax, [rbx - 1]", "r11, [ecx*8 - 0x10]"] {
            cases.append(TestCase("lea size forms", [Insn(.lea, form)], input: s))
        }
        // A 32-bit address wraps: 0xFFFFFFF0 + disp lands back in the data region.
        var wrap = Operands.randomState(&random)
        wrap[.rbx] = 0xDEAD_0000_FFFF_FFF0
        let wrapped = "0x\(hex(Layout.data + 0x8500 + 0x10))"
        cases.append(TestCase("mov [e+disp] wraps", [Insn(.mov, "eax, DWORD PTR [ebx + \(wrapped)]", width: 32)], input: wrap))
        cases.append(TestCase("mov [e+disp] wraps", [Insn(.mov, "DWORD PTR [ebx + \(wrapped)], esi", width: 32)], input: wrap))
        // 16-bit operations through memory (the 66 prefix), merging into the low word.
        var narrow = Operands.randomState(&random, flags: Operands.randomFlags(&random))
        narrow[.rdi] = Layout.dataPointer(offset: 0x8600)
        for text in ["mov ax, WORD PTR [rdi]", "mov WORD PTR [rdi + 2], r9w", "add WORD PTR [rdi + 4], 0x1234",
                     "sub r10w, WORD PTR [rdi + 6]", "mov WORD PTR [rdi + 8], 0x7fff", "xor ax, 0x8001"] {
            cases.append(TestCase("16-bit via memory", [Piece.line(text)], input: narrow))
        }
        return cases
    }
}
