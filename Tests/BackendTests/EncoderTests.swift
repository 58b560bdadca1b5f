import XCTest
@testable import Backend

/// Every encoder form against GNU `as`: the same instruction written in Intel syntax must
/// assemble to the same bytes.
final class EncoderTests: XCTestCase {
    typealias Form = (asm: String, encode: (inout X86Encoder) -> Void)

    static let names64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
    static let names32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"]
    static let names16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"]
    static let names8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"]

    static func name(_ r: GPR, _ w: Width) -> String {
        switch w {
        case .b8: names8[Int(r.rawValue)]
        case .b16: names16[Int(r.rawValue)]
        case .b32: names32[Int(r.rawValue)]
        case .b64: names64[Int(r.rawValue)]
        }
    }

    static func ptr(_ w: Width) -> String {
        switch w {
        case .b8: "byte ptr"
        case .b16: "word ptr"
        case .b32: "dword ptr"
        case .b64: "qword ptr"
        }
    }

    static func text(_ m: Mem) -> String {
        var parts: [String] = []
        if let b = m.base { parts.append(names64[Int(b.rawValue)]) }
        if let i = m.index { parts.append("\(names64[Int(i.rawValue)])*\(m.scale)") }
        var s = parts.joined(separator: "+")
        if m.disp != 0 || parts.isEmpty { s += m.disp < 0 ? "-\(-Int(m.disp))" : (parts.isEmpty ? "\(m.disp)" : "+\(m.disp)") }
        return "[\(s)]"
    }

    static let widths: [Width] = [.b8, .b16, .b32, .b64]
    /// Registers that exercise every quirk: the accumulator, byte registers needing REX,
    /// rsp/rbp/r12/r13 and the REX-extended ones.
    static let regs: [GPR] = [.rax, .rcx, .rbx, .rsp, .rbp, .rsi, .rdi, .r8, .r11, .r12, .r13, .r15]
    static let mems: [Mem] = {
        var m: [Mem] = []
        for b in GPR.allCases {
            m.append(Mem(b))
            m.append(Mem(b, 8))
            m.append(Mem(b, -128))
            m.append(Mem(b, 0x1234))
        }
        for (b, i) in [(GPR.rax, GPR.rbx), (.rsp, .rcx), (.rbp, .r12), (.r13, .r9), (.r12, .r13), (.r15, .rbp), (.rdi, .r8)] {
            for s: UInt8 in [1, 2, 4, 8] {
                m.append(Mem(b, index: i, scale: s))
                m.append(Mem(b, index: i, scale: s, 127))
                m.append(Mem(b, index: i, scale: s, -0x10000))
            }
        }
        m.append(Mem(nil, index: .rcx, scale: 8, 0x40))
        m.append(Mem(nil, index: .r10, scale: 2))
        return m
    }()
    static let aluNames = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]
    static let shiftNames: [ShiftOp: String] = [.rol: "rol", .ror: "ror", .rcl: "rcl", .rcr: "rcr", .shl: "shl", .shr: "shr", .sar: "sar"]
    static let ccNames = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]

    static func forms() -> [Form] {
        var f: [Form] = []
        // MOV in all its shapes.
        for w in widths {
            for d in regs {
                for s in regs { f.append(("mov \(name(d, w)), \(name(s, w))", { $0.mov(w, d, s) })) }
            }
            for m in mems {
                f.append(("mov \(name(.rdx, w)), \(ptr(w)) \(text(m))", { $0.mov(w, .rdx, m) }))
                f.append(("mov \(ptr(w)) \(text(m)), \(name(.r9, w))", { $0.mov(w, m, .r9) }))
            }
            for d in [GPR.rsi, .r12] {
                f.append(("mov \(ptr(w)) \(text(Mem(d, 16))), \(name(.rdi, w))", { $0.mov(w, Mem(d, 16), .rdi) }))
                f.append(("mov \(ptr(w)) \(text(Mem(d, 16))), -3", { $0.mov(w, Mem(d, 16), imm: -3) }))
            }
        }
        for r in GPR.allCases {
            f.append(("mov \(name(r, .b32)), 0x89abcdef", { $0.movImm32(r, 0x89ab_cdef) }))
            f.append(("mov \(name(r, .b64)), -2", { $0.movImmSext(r, -2) }))
            f.append(("movabs \(name(r, .b64)), 0x123456789abcdef0", { $0.movImm64(r, 0x1234_5678_9abc_def0) }))
            for src in regs {
                for w in [Width.b32, .b64] {
                    f.append(("movzx \(name(r, w)), \(name(src, .b8))", { $0.movzx(w, r, src, from: .b8) }))
                    f.append(("movzx \(name(r, w)), \(name(src, .b16))", { $0.movzx(w, r, src, from: .b16) }))
                    f.append(("movsx \(name(r, w)), \(name(src, .b8))", { $0.movsx(w, r, src, from: .b8) }))
                    f.append(("movsx \(name(r, w)), \(name(src, .b16))", { $0.movsx(w, r, src, from: .b16) }))
                }
                f.append(("movsxd \(name(r, .b64)), \(name(src, .b32))", { $0.movsxd(r, src) }))
            }
        }
        for m in mems.prefix(40) {
            f.append(("movzx r10d, byte ptr \(text(m))", { $0.movzx(.b32, .r10, m, from: .b8) }))
            f.append(("movzx rax, word ptr \(text(m))", { $0.movzx(.b64, .rax, m, from: .b16) }))
            f.append(("movsx rsi, byte ptr \(text(m))", { $0.movsx(.b64, .rsi, m, from: .b8) }))
            f.append(("movsx ecx, word ptr \(text(m))", { $0.movsx(.b32, .rcx, m, from: .b16) }))
            f.append(("movsxd r13, dword ptr \(text(m))", { $0.movsxd(.r13, m) }))
            f.append(("lea rbx, \(text(m))", { $0.lea(.b64, .rbx, m) }))
            f.append(("lea r8d, \(text(m))", { $0.lea(.b32, .r8, m) }))
            f.append(("call qword ptr \(text(m))", { $0.call(m) }))
            f.append(("jmp qword ptr \(text(m))", { $0.jmp(m) }))
        }
        // ALU.
        for (i, n) in aluNames.enumerated() {
            let op = ALUOp(rawValue: UInt8(i))!
            for w in widths {
                for d in regs {
                    for s in [GPR.rax, .rdx, .rsi, .r10, .r15] {
                        f.append(("\(n) \(name(d, w)), \(name(s, w))", { $0.alu(op, w, d, s) }))
                    }
                    for imm: Int32 in [0, 1, -1, 127, -128, 128, 0x7FFF_FFFF, -0x8000_0000] {
                        let v = w == .b8 ? Int32(Int8(truncatingIfNeeded: imm)) : (w == .b16 ? Int32(Int16(truncatingIfNeeded: imm)) : imm)
                        f.append(("\(n) \(name(d, w)), \(v)", { $0.alu(op, w, d, imm: v) }))
                    }
                }
                for m in [Mem(.rsp, 8), Mem(.r13), Mem(.rbx, index: .r12, scale: 4, 0x100)] {
                    f.append(("\(n) \(name(.rdi, w)), \(ptr(w)) \(text(m))", { $0.alu(op, w, .rdi, m) }))
                    f.append(("\(n) \(ptr(w)) \(text(m)), \(name(.r8, w))", { $0.alu(op, w, m, .r8) }))
                    f.append(("\(n) \(ptr(w)) \(text(m)), 5", { $0.alu(op, w, m, imm: 5) }))
                    if w != .b8 { f.append(("\(n) \(ptr(w)) \(text(m)), 1000", { $0.alu(op, w, m, imm: 1000) })) }
                }
            }
        }
        for w in widths {
            for a in regs {
                f.append(("test \(name(a, w)), \(name(.rbp, w))", { $0.test(w, a, .rbp) }))
                f.append(("test \(name(a, w)), \(name(.r9, w))", { $0.test(w, a, .r9) }))
                f.append(("test \(name(a, w)), 100", { $0.test(w, a, imm: 100) }))
                f.append(("neg \(name(a, w))", { $0.neg(w, a) }))
                f.append(("not \(name(a, w))", { $0.not(w, a) }))
                f.append(("mul \(name(a, w))", { $0.mulWide(signed: false, w, a) }))
                f.append(("imul \(name(a, w))", { $0.mulWide(signed: true, w, a) }))
                for (op, n) in shiftNames {
                    f.append(("\(n) \(name(a, w)), 1", { $0.shift(op, w, a, imm: 1) }))
                    f.append(("\(n) \(name(a, w)), 7", { $0.shift(op, w, a, imm: 7) }))
                    f.append(("\(n) \(name(a, w)), cl", { $0.shiftByCL(op, w, a) }))
                }
                if w != .b8 {
                    for s in [GPR.rcx, .rbp, .r12, .r13] {
                        f.append(("imul \(name(a, w)), \(name(s, w))", { $0.imul(w, a, s) }))
                        f.append(("imul \(name(a, w)), \(name(s, w)), 3", { $0.imul(w, a, s, imm: 3) }))
                        f.append(("imul \(name(a, w)), \(name(s, w)), 300", { $0.imul(w, a, s, imm: 300) }))
                        f.append(("lzcnt \(name(a, w)), \(name(s, w))", { $0.lzcnt(w, a, s) }))
                        f.append(("tzcnt \(name(a, w)), \(name(s, w))", { $0.tzcnt(w, a, s) }))
                        f.append(("popcnt \(name(a, w)), \(name(s, w))", { $0.popcnt(w, a, s) }))
                        f.append(("bsr \(name(a, w)), \(name(s, w))", { $0.bsr(w, a, s) }))
                        f.append(("bsf \(name(a, w)), \(name(s, w))", { $0.bsf(w, a, s) }))
                        f.append(("xchg \(name(a, w)), \(name(s, w))", { $0.xchg(w, a, s) }))
                    }
                    f.append(("imul \(name(a, w)), \(ptr(w)) [r12+8]", { $0.imul(w, a, Mem(.r12, 8)) }))
                }
                if w == .b32 || w == .b64 {
                    f.append(("bswap \(name(a, w))", { $0.bswap(w, a) }))
                    for s in [GPR.rax, .rcx, .r9, .r14] {
                        for c in [GPR.rdx, .rbp, .r11] {
                            f.append(("shlx \(name(a, w)), \(name(s, w)), \(name(c, w))", { $0.shiftX(.shl, w, a, s, count: c) }))
                            f.append(("shrx \(name(a, w)), \(name(s, w)), \(name(c, w))", { $0.shiftX(.shr, w, a, s, count: c) }))
                            f.append(("sarx \(name(a, w)), \(name(s, w)), \(name(c, w))", { $0.shiftX(.sar, w, a, s, count: c) }))
                            f.append(("andn \(name(a, w)), \(name(s, w)), \(name(c, w))", { $0.andn(w, a, s, c) }))
                        }
                    }
                }
            }
            for a in [GPR.rax, .rbx] { f.append(("xchg \(name(a, w)), \(name(.r10, w))", { $0.xchg(w, a, .r10) })) }
        }
        for (i, cc) in ccNames.enumerated() {
            let c = ConditionCode(rawValue: UInt8(i))!
            for r in regs {
                f.append(("set\(cc) \(name(r, .b8))", { $0.setcc(c, r) }))
                f.append(("cmov\(cc) \(name(r, .b64)), \(name(.r13, .b64))", { $0.cmov(c, .b64, r, .r13) }))
                f.append(("cmov\(cc) \(name(.rdx, .b32)), \(name(r, .b32))", { $0.cmov(c, .b32, .rdx, r) }))
            }
        }
        for r in GPR.allCases {
            f.append(("push \(name(r, .b64))", { $0.push(r) }))
            f.append(("pop \(name(r, .b64))", { $0.pop(r) }))
            f.append(("call \(name(r, .b64))", { $0.call(r) }))
            f.append(("jmp \(name(r, .b64))", { $0.jmp(r) }))
        }
        f.append(("ret", { $0.ret() }))
        f.append(("int3", { $0.int3() }))
        f.append(("ud2", { $0.ud2() }))
        f.append(("cpuid", { $0.cpuid() }))
        return f
    }

    func testFormsMatchGNUAssembler() throws {
        let forms = Self.forms()
        let expected = try GNUAssembler.assemble(forms.map(\.asm))
        var mismatches = 0
        for (i, form) in forms.enumerated() {
            var e = X86Encoder()
            form.encode(&e)
            XCTAssertEqual(e.instructionCount, 1, form.asm)
            let got = e.bytes + [UInt8](repeating: 0xCC, count: 16 - e.bytes.count)
            if got != expected[i] {
                mismatches += 1
                if mismatches < 30 {
                    XCTFail("\(form.asm): got \(hex(e.bytes)), as gives \(hex(expected[i]))")
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "of \(forms.count) forms")
    }

    func testBranchesMatchGNUAssembler() throws {
        // Backward near (rel8), backward far (rel32), forward far (rel32), forward short.
        let source = [
            "back: nop", "jne back", "jmp back", ".fill 200, 1, 0x90", "je back", "jmp back",
            "jl fwd", "jmp fwd", ".fill 200, 1, 0x90", "fwd: nop", "jmp short close", "nop", "close: ret",
        ].joined(separator: "\n")
        let expected = try GNUAssembler.assemble(source: source)
        var e = X86Encoder()
        let back = e.newLabel(), fwd = e.newLabel(), near = e.newLabel()
        e.bind(back)
        e.byte(0x90)
        e.jcc(.ne, back)
        e.jmp(back)
        for _ in 0..<200 { e.byte(0x90) }
        e.jcc(.e, back)
        e.jmp(back)
        e.jcc(.l, fwd)
        e.jmp(fwd)
        for _ in 0..<200 { e.byte(0x90) }
        e.bind(fwd)
        e.byte(0x90)
        e.jmp(near, short: true)
        e.byte(0x90)
        e.bind(near)
        e.ret()
        XCTAssertEqual(hex(e.bytes), hex(expected))
    }

    func testAbsoluteBranchesAreRelativeToOrigin() {
        var e = X86Encoder(origin: 0x1000)
        e.byte(0x90)
        e.call(absolute: 0x1100)
        e.jmp(absolute: 0x1000)
        e.jcc(.b, absolute: 0x2000)
        XCTAssertEqual(hex(e.bytes), "90 e8 fa 00 00 00 e9 f5 ff ff ff 0f 82 ef 0f 00 00")
    }

    func testInPlaceEncoderGoesOnInItsOwnMemoryWhenFull() {
        let destination = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 16)
        defer { destination.deallocate() }
        var e = X86Encoder(origin: 0, destination: destination, capacity: 8, storage: EncoderStorage())
        e.loadImmediate(.rax, 5)
        XCTAssertTrue(e.writesInPlace)
        XCTAssertEqual(destination.load(as: UInt8.self), 0xB8)
        e.loadImmediate(.rdx, 0x1_0000_0000)
        XCTAssertFalse(e.writesInPlace)
        XCTAssertEqual(hex(e.bytes), "b8 05 00 00 00 48 ba 00 00 00 00 01 00 00 00")
    }

    func testManyLabelsAndPendingBranches() {
        // More labels and unresolved branches than the storage starts with.
        var e = X86Encoder()
        let labels = (0..<300).map { _ in e.newLabel() }
        for l in labels { e.jmp(l) }
        for l in labels.reversed() { e.bind(l) }
        // Every jmp rel32 lands at the end, where all labels are bound.
        for (i, l) in labels.enumerated() {
            XCTAssertEqual(e.offset(of: l), 300 * 5)
            let field = e.bytes[(5 * i + 1)..<(5 * i + 5)].reversed().reduce(0) { $0 << 8 | Int($1) }
            XCTAssertEqual(field, 300 * 5 - 5 * (i + 1))
        }
    }

    func testAlignPadsWithTheManualsMultiByteNOPs() {
        // SDM Vol. 2B, NOP, "Recommended Multi-Byte Sequence of NOP Instruction".
        let table: [Int: String] = [
            1: "90", 2: "66 90", 3: "0f 1f 00", 4: "0f 1f 40 00", 5: "0f 1f 44 00 00", 6: "66 0f 1f 44 00 00",
            7: "0f 1f 80 00 00 00 00", 8: "0f 1f 84 00 00 00 00 00", 9: "66 0f 1f 84 00 00 00 00 00",
        ]
        for length in 1...9 {
            var e = X86Encoder()
            e.nop(length: length)
            XCTAssertEqual(hex(e.bytes), table[length])
        }
        for start in 0..<32 {
            var e = X86Encoder()
            for _ in 0..<start { e.byte(0xCC) }
            e.align(16, remainder: 3)
            XCTAssertEqual(e.offset % 16, 3)
            XCTAssertEqual(e.instructionCount, (e.offset - start + 8) / 9, "one NOP per 9 bytes of padding")
        }
    }

    func testLoadImmediatePicksShortestForm() {
        var e = X86Encoder()
        e.loadImmediate(.rax, 5)
        e.loadImmediate(.r9, 0xFFFF_FFFF)
        e.loadImmediate(.rcx, UInt64(bitPattern: -5))
        e.loadImmediate(.rdx, 0x1_0000_0000)
        XCTAssertEqual(hex(e.bytes), "b8 05 00 00 00 41 b9 ff ff ff ff 48 c7 c1 fb ff ff ff 48 ba 00 00 00 00 01 00 00 00")
    }
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined(separator: " ") }
