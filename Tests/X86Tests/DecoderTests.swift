import X86
import XCTest

/// Tricky encodings with their expected operands (facts from the SDM vol. 2, chapter 2).
final class DecoderTests: XCTestCase {
    let d64 = Decoder(mode: .long64)
    let d32 = Decoder(mode: .protected32)

    func decode(_ bytes: [UInt8], at address: UInt64 = 0x1000, mode: CPUMode = .long64,
                file: StaticString = #filePath, line: UInt = #line) -> Instruction {
        guard let i = Decoder(mode: mode).decode(bytes, address: address) else {
            XCTFail("ran out of bytes", file: file, line: line)
            return Instruction(mnemonic: .undefined, address: address, length: 0)
        }
        XCTAssertEqual(Int(i.length), bytes.count, "length of \(i)", file: file, line: line)
        return i
    }

    func mem(_ op: Operand) -> MemoryOperand? {
        if case .memory(let m) = op { return m }
        return nil
    }

    func testModRMWithDisp8() {
        let i = decode([0x48, 0x8B, 0x45, 0xF8])
        XCTAssertEqual(i.mnemonic, .mov)
        XCTAssertEqual(i.operandBytes, 8)
        XCTAssertEqual(i[0], .register(.rax))
        let m = mem(i[1])
        XCTAssertEqual(m?.base, .rbp)
        XCTAssertEqual(m?.displacement, -8)
        XCTAssertEqual(m?.bytes, 8)
        XCTAssertEqual(i.intelSyntax, "mov    rax,QWORD PTR [rbp-0x8]")
    }

    func testREXCountsOnlyDirectlyBeforeOpcode() {
        let ignored = decode([0x48, 0x66, 0x89, 0xC0])
        XCTAssertEqual(ignored.operandBytes, 2)
        XCTAssertEqual(ignored[0], .register(Register(.gpr16, 0)))
        XCTAssertFalse(ignored.prefixes.contains(.rex))
        let wins = decode([0x66, 0x48, 0x89, 0xC0])
        XCTAssertEqual(wins.operandBytes, 8, "REX.W overrides 66")
        XCTAssertTrue(wins.prefixes.contains(.rexW))
    }

    func testAddressSizePrefix() {
        let i = decode([0x67, 0x8B, 0x00])
        XCTAssertEqual(i.addressBytes, 4)
        XCTAssertEqual(mem(i[1])?.base, Register(.gpr32, 0))
        XCTAssertEqual(i.intelSyntax, "mov    eax,DWORD PTR [eax]")
    }

    func testRIPRelativeKeepsRawDisplacement() {
        let i = decode([0x48, 0x8D, 0x05, 0x10, 0x00, 0x00, 0x00], at: 0x1000)
        XCTAssertEqual(i.mnemonic, .lea)
        let m = mem(i[1])
        XCTAssertEqual(m?.base, Register(.rip, 0))
        XCTAssertEqual(m?.displacement, 0x10)
        XCTAssertEqual(m?.isRIPRelative, true)
        XCTAssertEqual(i.intelSyntax, "lea    rax,[rip+0x10]        # 0x1017")
    }

    func testSIBForms() {
        let i = decode([0x42, 0xFF, 0x54, 0xF5, 0x00])   // call [rbp+r14*8+0x0]
        let m = mem(i[0])
        XCTAssertEqual(m?.base, .rbp)
        XCTAssertEqual(m?.index, Register(.gpr64, 14))
        XCTAssertEqual(m?.scale, 8)
        XCTAssertEqual(i.intelSyntax, "call   QWORD PTR [rbp+r14*8+0x0]")
        let absolute = decode([0x64, 0x48, 0x8B, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00])
        XCTAssertEqual(absolute.segment, .fs)
        XCTAssertNil(mem(absolute[1])?.base)
        XCTAssertNil(mem(absolute[1])?.index)
        XCTAssertEqual(absolute.intelSyntax, "mov    rax,QWORD PTR fs:0x28")
        let noIndex = decode([0x8B, 0x04, 0x24])        // [rsp]: SIB index 100 = none
        XCTAssertEqual(mem(noIndex[1])?.base, .rsp)
        XCTAssertNil(mem(noIndex[1])?.index)
        let r12 = decode([0x41, 0x8B, 0x04, 0x24])      // [r12]: needs SIB too
        XCTAssertEqual(mem(r12[1])?.base, Register(.gpr64, 12))
        let r13 = decode([0x41, 0x8B, 0x45, 0x00])      // [r13+0x0]: mod 0 would be RIP
        XCTAssertEqual(mem(r13[1])?.base, Register(.gpr64, 13))
    }

    func testImmediateForms() {
        let imm64 = decode([0x48, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        XCTAssertEqual(imm64[1], .immediate(0x1122_3344_5566_7788, bytes: 8))
        XCTAssertEqual(imm64.intelSyntax, "movabs rax,0x1122334455667788")
        let iz = decode([0x48, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(iz[1], .immediate(-1, bytes: 8), "Iz sign-extends to 64 bits under REX.W")
        let ib = decode([0x48, 0x83, 0xC4, 0x80])
        XCTAssertEqual(ib[1], .immediate(-128, bytes: 8))
        XCTAssertEqual(ib.intelSyntax, "add    rsp,0xffffffffffffff80")
        let push = decode([0x6A, 0xFF])
        XCTAssertEqual(push.operandBytes, 8)
        XCTAssertEqual(push.intelSyntax, "push   0xffffffffffffffff")
        let enter = decode([0xC8, 0x10, 0x00, 0x01])
        XCTAssertEqual(enter[0], .immediate(16, bytes: 2))
        XCTAssertEqual(enter[1], .immediate(1, bytes: 1))
        let imm16 = decode([0x66, 0x81, 0xC0, 0x34, 0x12])
        XCTAssertEqual(imm16[1], .immediate(0x1234, bytes: 2))
    }

    func testMoffs() {
        let wide = decode([0x48, 0xA1, 1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(mem(wide[1])?.displacement, 0x0807_0605_0403_0201)
        let narrow = decode([0x67, 0xA1, 1, 2, 3, 4])
        XCTAssertEqual(mem(narrow[1])?.addressBytes, 4)
    }

    func testRelativeBranchesAreAbsolute() {
        let short = decode([0x74, 0xFE], at: 0x100)
        XCTAssertEqual(short.mnemonic, .jcc)
        XCTAssertEqual(short.condition, 4)
        XCTAssertEqual(short[0], .relative(0x100))
        let near = decode([0x0F, 0x85, 0x10, 0x00, 0x00, 0x00], at: 0x200)
        XCTAssertEqual(near.condition, 5)
        XCTAssertEqual(near[0], .relative(0x216))
        XCTAssertEqual(near.intelSyntax, "jne    0x216")
        let call = decode([0xE8, 0xFB, 0xFF, 0xFF, 0xFF], at: 0x1000)
        XCTAssertEqual(call[0], .relative(0x1000))
        XCTAssertEqual(call.operandBytes, 8)
        XCTAssertEqual(decode([0x0F, 0x94, 0xC0]).condition, 4)   // sete al
        XCTAssertEqual(decode([0x48, 0x0F, 0x4F, 0xC1]).condition, 15) // cmovg rax,rcx
    }

    func testUndefinedEncodings() {
        for bytes: [UInt8] in [[0x06], [0x07], [0x27], [0x60], [0xD6], [0xCE], [0x0F, 0x0B - 1]] {
            XCTAssertEqual(d64.decode(bytes, address: 0)?.mnemonic, .undefined, "\(bytes)")
        }
        XCTAssertEqual(d64.decode([0x8D, 0xC0], address: 0)?.mnemonic, .undefined, "LEA needs memory")
        XCTAssertEqual(d64.decode([0x0F, 0x01, 0xD8], address: 0)?.mnemonic, .undefined, "0F 01 /3 register")
        XCTAssertEqual(d64.decode([0x0F, 0x01, 0x10], address: 0)?.mnemonic, .lgdt)
        XCTAssertEqual(d64.decode([0xF0, 0x01, 0xC0], address: 0)?.mnemonic, .undefined, "LOCK with register dest")
        XCTAssertEqual(d64.decode([0xF0, 0x03, 0x00], address: 0)?.mnemonic, .undefined, "LOCK ADD reg, mem")
        XCTAssertEqual(d64.decode([0xF0, 0x39, 0x00], address: 0)?.mnemonic, .undefined, "CMP is not lockable")
        XCTAssertEqual(d64.decode([0xFE, 0xD0], address: 0)?.mnemonic, .undefined, "group 4 /2")
        XCTAssertEqual(d64.decode([0x8C, 0xF8], address: 0)?.mnemonic, .undefined, "segment register 7")
        XCTAssertEqual(d64.decode([0xC6, 0xC8, 0x00], address: 0)?.mnemonic, .undefined, "group 11 /1")
        let locked = decode([0xF0, 0x48, 0x0F, 0xB1, 0x17])
        XCTAssertEqual(locked.mnemonic, .cmpxchg)
        XCTAssertTrue(locked.prefixes.contains(.lock))
        XCTAssertEqual(locked.intelSyntax, "lock cmpxchg QWORD PTR [rdi],rdx")
    }

    func testRunningOutOfBytesAndTooLong() {
        XCTAssertNil(d64.decode([0x48, 0x8B], address: 0))
        XCTAssertNil(d64.decode([0x0F], address: 0))
        XCTAssertNil(d64.decode([UInt8](), address: 0))
        XCTAssertNil(d64.decode([0xE8, 0x00, 0x00], address: 0))
        let long = d64.decode([UInt8](repeating: 0x66, count: 15) + [0x90], address: 0)
        XCTAssertEqual(long?.mnemonic, .undefined)
        XCTAssertEqual(long?.length, 15)
    }

    func testStringInstructions() {
        let movsq = decode([0xF3, 0x48, 0xA5])
        XCTAssertEqual(movsq.mnemonic, .movs)
        XCTAssertEqual(movsq.operandBytes, 8)
        XCTAssertTrue(movsq.prefixes.contains(.rep))
        XCTAssertEqual(movsq.intelSyntax, "rep movs QWORD PTR es:[rdi],QWORD PTR ds:[rsi]")
        let scasb = decode([0xF2, 0xAE])
        XCTAssertEqual(scasb.operandBytes, 1)
        XCTAssertTrue(scasb.prefixes.contains(.repne))
        let stosd = decode([0xF3, 0xAB])
        XCTAssertEqual(stosd.intelSyntax, "rep stos DWORD PTR es:[rdi],eax")
        XCTAssertFalse(decode([0xF3, 0x01, 0xC0]).prefixes.contains(.rep), "REP only on string ops")
    }

    func testNopFamilyAndSizeConversions() {
        XCTAssertEqual(decode([0x90]).mnemonic, .nop)
        XCTAssertEqual(decode([0xF3, 0x90]).mnemonic, .pause)
        let xchg = decode([0x41, 0x90])
        XCTAssertEqual(xchg.mnemonic, .xchg)
        XCTAssertEqual(xchg[0], .register(Register(.gpr32, 8)))
        XCTAssertEqual(decode([0x0F, 0x1F, 0x44, 0x00, 0x00]).intelSyntax, "nop    DWORD PTR [rax+rax*1+0x0]")
        XCTAssertEqual(decode([0x66, 0x98]).mnemonic, .cbw)
        XCTAssertEqual(decode([0x98]).mnemonic, .cwde)
        XCTAssertEqual(decode([0x48, 0x98]).mnemonic, .cdqe)
        XCTAssertEqual(decode([0x48, 0x99]).mnemonic, .cqo)
        XCTAssertEqual(decode([0xF3, 0x0F, 0x1E, 0xFA]).mnemonic, .endbr64)
    }

    func testByteRegistersWithAndWithoutREX() {
        XCTAssertEqual(decode([0x88, 0xE0])[0], .register(Register(.gpr8, 0)))       // mov al,ah
        XCTAssertEqual(decode([0x88, 0xE0])[1], .register(Register(.gpr8High, 4)))
        XCTAssertEqual(decode([0x40, 0x88, 0xE0])[1], .register(Register(.gpr8, 4)))  // spl
        XCTAssertEqual(decode([0x40, 0x88, 0xE0]).intelSyntax, "mov    al,spl")
    }

    func testGroupsAndShifts() {
        let shr1 = decode([0xD1, 0xE8])
        XCTAssertEqual(shr1.mnemonic, .shr)
        XCTAssertEqual(shr1[1], .immediate(1, bytes: 1))
        XCTAssertEqual(shr1.intelSyntax, "shr    eax,1")
        XCTAssertEqual(decode([0xF7, 0xD8]).mnemonic, .neg)
        XCTAssertEqual(decode([0xF6, 0xC1, 0x04]).intelSyntax, "test   cl,0x4")
        XCTAssertEqual(decode([0xFF, 0xE0]).mnemonic, .jmp)
        XCTAssertEqual(decode([0x3E, 0xFF, 0xE0]).prefixes.contains(.notrack), true)
        XCTAssertEqual(decode([0x0F, 0xBA, 0xE0, 0x05]).mnemonic, .bt)
        XCTAssertEqual(decode([0x0F, 0xC7, 0x0F]).mnemonic, .cmpxchg8b)
        XCTAssertEqual(decode([0x48, 0x0F, 0xC7, 0x0F]).mnemonic, .cmpxchg16b)
        XCTAssertEqual(decode([0x0F, 0xAE, 0xF8]).mnemonic, .sfence)
        XCTAssertEqual(decode([0xF3, 0x48, 0x0F, 0xAE, 0xC0]).mnemonic, .rdfsbase)
        XCTAssertEqual(decode([0xC7, 0xF8, 0, 0, 0, 0], at: 0x10)[0], .relative(0x16))  // xbegin
    }

    func testSSEMandatoryPrefixes() {
        XCTAssertEqual(decode([0x0F, 0x10, 0x06]).mnemonic, .movups)
        XCTAssertEqual(decode([0x66, 0x0F, 0x10, 0x06]).mnemonic, .movupd)
        let movss = decode([0xF3, 0x0F, 0x10, 0x06])
        XCTAssertEqual(movss.mnemonic, .movss)
        XCTAssertEqual(mem(movss[1])?.bytes, 4)
        XCTAssertFalse(movss.prefixes.contains(.rep))
        XCTAssertEqual(decode([0xF2, 0x0F, 0x10, 0x06]).mnemonic, .movsd)
        XCTAssertEqual(decode([0x66, 0x48, 0x0F, 0x6E, 0xC0]).mnemonic, .movq)
        XCTAssertEqual(decode([0x66, 0x0F, 0x6E, 0xC0]).intelSyntax, "movd   xmm0,eax")
        XCTAssertEqual(decode([0xF3, 0x0F, 0xB8, 0xC1]).mnemonic, .popcnt)
        XCTAssertEqual(d64.decode([0x0F, 0xB8, 0xC1], address: 0)?.mnemonic, .undefined)
        XCTAssertEqual(decode([0xF3, 0x48, 0x0F, 0xBC, 0xC1]).mnemonic, .tzcnt)
        XCTAssertEqual(decode([0x0F, 0xBC, 0xC1]).mnemonic, .bsf)
        XCTAssertEqual(decode([0x66, 0x0F, 0x3A, 0x63, 0xC1, 0x1A]).intelSyntax, "pcmpistri xmm0,xmm1,0x1a")
        XCTAssertEqual(decode([0xF2, 0x0F, 0x38, 0xF1, 0xC1]).mnemonic, .crc32)
        XCTAssertEqual(decode([0x66, 0x0F, 0x73, 0xD8, 0x04]).mnemonic, .psrldq)
        XCTAssertEqual(decode([0xF2, 0x0F, 0xC2, 0xC1, 0x01]).intelSyntax, "cmpltsd xmm0,xmm1")
    }

    func testVEXAndEVEX() {
        let vmovdqa = decode([0xC5, 0xFD, 0x6F, 0x06])
        XCTAssertEqual(vmovdqa.mnemonic, .movdqa)
        XCTAssertTrue(vmovdqa.prefixes.contains(.vex))
        XCTAssertEqual(vmovdqa.vectorBytes, 32)
        XCTAssertEqual(vmovdqa.intelSyntax, "vmovdqa ymm0,YMMWORD PTR [rsi]")
        XCTAssertEqual(decode([0xC5, 0xFD, 0xEF, 0xC9]).intelSyntax, "vpxor  ymm1,ymm0,ymm1")
        XCTAssertEqual(decode([0xC5, 0xF8, 0x77]).mnemonic, .vzeroupper)
        XCTAssertEqual(decode([0xC5, 0xFC, 0x77]).mnemonic, .vzeroall)
        XCTAssertEqual(decode([0xC4, 0xE2, 0x7D, 0x58, 0xC0]).intelSyntax, "vpbroadcastd ymm0,xmm0")
        XCTAssertEqual(decode([0xC4, 0xE2, 0x72, 0xF7, 0xC2]).intelSyntax, "sarx   eax,edx,ecx")
        XCTAssertEqual(decode([0xC5, 0xFB, 0x93, 0xC0]).intelSyntax, "kmovd  eax,k0")
        XCTAssertEqual(decode([0xC5, 0x9D, 0x72, 0xD3, 0x1F]).intelSyntax, "vpsrld ymm12,ymm3,0x1f")
        let vpxorq = decode([0x62, 0xE1, 0xFD, 0x20, 0xEF, 0x57, 0x05])
        XCTAssertEqual(vpxorq.mnemonic, .vpxorq)
        XCTAssertEqual(mem(vpxorq[2])?.displacement, 0xA0, "EVEX disp8 is scaled by the operand size")
        XCTAssertEqual(vpxorq.intelSyntax, "vpxorq ymm18,ymm16,YMMWORD PTR [rdi+0xa0]")
        let masked = decode([0x62, 0xE1, 0x7F, 0x2A, 0x6F, 0x16])
        XCTAssertEqual(masked.opmask, 2)
        XCTAssertEqual(masked.intelSyntax, "vmovdqu8 ymm18{k2},YMMWORD PTR [rsi]")
        XCTAssertEqual(decode([0x62, 0x93, 0x25, 0x20, 0x3E, 0xEE, 0x01]).intelSyntax, "vpcmpltub k5,ymm27,ymm30")
        XCTAssertEqual(decode([0x62, 0xF3, 0x7D, 0x20, 0x3F, 0x47, 0x02, 0x00]).intelSyntax,
                       "vpcmpeqb k0,ymm16,YMMWORD PTR [rdi+0x40]")
        XCTAssertEqual(d64.decode([0xC5, 0xF9, 0xAF, 0xC0], address: 0)?.mnemonic, .undefined,
                       "VEX has no IMUL")
        XCTAssertEqual(d64.decode([0x66, 0xC5, 0xF9, 0xEF, 0xC0], address: 0)?.mnemonic, .undefined,
                       "66 before VEX is #UD")
    }

    func testX87() {
        let fnstcw = decode([0xD9, 0x7C, 0x24, 0x26])
        XCTAssertEqual(fnstcw.mnemonic, .fnstcw)
        XCTAssertEqual(mem(fnstcw[0])?.bytes, 2)
        XCTAssertEqual(decode([0xDB, 0x28]).intelSyntax, "fld    TBYTE PTR [rax]")
        XCTAssertEqual(decode([0xDE, 0xC9]).intelSyntax, "fmulp  st(1),st")
        XCTAssertEqual(decode([0xD9, 0xE0]).mnemonic, .fchs)
        XCTAssertEqual(decode([0xDF, 0xE9]).intelSyntax, "fucomip st,st(1)")
        let fcmov = decode([0xDA, 0xC1])
        XCTAssertEqual(fcmov.mnemonic, .fcmovcc)
        XCTAssertEqual(fcmov.condition, 2)
        XCTAssertEqual(fcmov.intelSyntax, "fcmovb st,st(1)")
        XCTAssertEqual(decode([0xDF, 0xE0]).intelSyntax, "fnstsw ax")
    }

    func testProtectedMode() {
        let inc = decode([0x40], mode: .protected32)
        XCTAssertEqual(inc.mnemonic, .inc)
        XCTAssertEqual(inc[0], .register(Register(.gpr32, 0)))
        XCTAssertEqual(decode([0x66, 0x4F], mode: .protected32)[0], .register(Register(.gpr16, 7)))
        XCTAssertEqual(decode([0x06], mode: .protected32).mnemonic, .push)
        XCTAssertEqual(decode([0x60], mode: .protected32).mnemonic, .pusha)
        let push = decode([0x50], mode: .protected32)
        XCTAssertEqual(push.operandBytes, 4)
        let mov = decode([0x8B, 0x05, 0x78, 0x56, 0x34, 0x12], mode: .protected32)
        XCTAssertNil(mem(mov[1])?.base, "mod 0 rm 5 is absolute outside 64-bit mode")
        XCTAssertEqual(mem(mov[1])?.displacement, 0x1234_5678)
        let bx = decode([0x67, 0x8B, 0x00], mode: .protected32)
        XCTAssertEqual(mem(bx[1])?.base, Register(.gpr16, 3))
        XCTAssertEqual(mem(bx[1])?.index, Register(.gpr16, 6))
        XCTAssertEqual(decode([0xC5, 0x06], mode: .protected32).mnemonic, .lds)
        XCTAssertEqual(decode([0xC5, 0xF9, 0xEF, 0xC0], mode: .protected32).mnemonic, .pxor)
        let jmp = decode([0xE9, 0xFB, 0xFF, 0xFF, 0xFF], at: 0x1000, mode: .protected32)
        XCTAssertEqual(jmp[0], .relative(0x1000))
        XCTAssertEqual(d32.decode([0x0F, 0x05], address: 0)?.mnemonic, .undefined, "SYSCALL is 64-bit only here")
    }
}
