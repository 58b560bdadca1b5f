import Backend
import CCPU
import Foundation
import IR
import Lifter
import Optimizer
import X86
import XCTest

/// Golden codegen files: for each case, the guest instructions, the IR before and after the
/// optimizer, and the host code are written to `Golden/<family>.txt`, with the count of host
/// instructions per guest instruction; `Golden/summary.txt` tabulates those counts for every case.
///
/// A test regenerates its family and compares it with the file; a difference fails with an
/// excerpt of the first differing lines. `MIMIC_RECORD_GOLDEN=1 swift test --filter
/// GoldenCodegenTests` rewrites the files instead (review the diff before committing it).
///
/// The text is made stable across runs and hosts: the JIT gets fixed `HostFeatures`, host code
/// is shown at block-relative offsets, and absolute addresses (the shared epilogue, helpers,
/// the code buffer) are printed as names.
final class GoldenCodegenTests: XCTestCase {
    func testALU() throws { try GoldenCodegen.check(GoldenCases.alu) }
    func testShifts() throws { try GoldenCodegen.check(GoldenCases.shifts) }
    func testMultiplyDivide() throws { try GoldenCodegen.check(GoldenCases.multiplyDivide) }
    func testMemory() throws { try GoldenCodegen.check(GoldenCases.memory) }
    func testExchange() throws { try GoldenCodegen.check(GoldenCases.exchange) }
    func testStack() throws { try GoldenCodegen.check(GoldenCases.stack) }
    func testControl() throws { try GoldenCodegen.check(GoldenCases.control) }
    func testString() throws { try GoldenCodegen.check(GoldenCases.string) }
    func testBits() throws { try GoldenCodegen.check(GoldenCases.bits) }
    func testFlagsAcrossBlocks() throws { try GoldenCodegen.check(GoldenCases.flagsAcrossBlocks) }
    func testSummary() throws { try GoldenCodegen.checkSummary(GoldenCases.all) }
}

// MARK: Cases

/// One golden case: guest code (Intel syntax for GNU `as`, local labels allowed) translated
/// from its first byte; every block that starts inside the snippet is shown, in address order.
struct GoldenCase {
    /// What follows the snippet in guest memory. The lifter peeks at a block's successors to
    /// learn which flags they overwrite unread, so this decides whether the last block's
    /// flags are computed.
    enum Successor {
        /// `xor r11d, r11d`: every flag is overwritten before it is read.
        case flagsDead
        /// Nothing readable: every flag is live where the snippet ends.
        case flagsLive
    }

    var name: String
    var lines: [String]
    var successor: Successor
    /// What the case shows, when the name alone does not say.
    var note: String?

    init(_ name: String, _ lines: [String], _ successor: Successor = .flagsDead, note: String? = nil) {
        self.name = name
        self.lines = lines
        self.successor = successor
        self.note = note
    }
}

struct GoldenFamily {
    var file: String
    var title: String
    var cases: [GoldenCase]
}

enum GoldenCases {
    static let all = [alu, shifts, multiplyDivide, memory, exchange, stack, control, string, bits, flagsAcrossBlocks]

    static let alu: GoldenFamily = {
        var cases: [GoldenCase] = []
        let writing = ["add", "or", "adc", "sbb", "and", "sub", "xor"]
        for op in writing { cases.append(GoldenCase("\(op) r32, r32", ["\(op) eax, ebx"])) }
        for op in ["cmp", "test"] { cases.append(GoldenCase("\(op) r32, r32 [flags live]", ["\(op) eax, ebx"], .flagsLive)) }
        for op in writing { cases.append(GoldenCase("\(op) m32, r32", ["\(op) DWORD PTR [rbx+8], eax"])) }
        for op in ["cmp", "test"] {
            cases.append(GoldenCase("\(op) m32, r32 [flags live]", ["\(op) DWORD PTR [rbx+8], eax"], .flagsLive))
        }
        for op in writing { cases.append(GoldenCase("\(op) r32, m32", ["\(op) eax, DWORD PTR [rbx+8]"])) }
        cases.append(GoldenCase("cmp r32, m32 [flags live]", ["cmp eax, DWORD PTR [rbx+8]"], .flagsLive))
        cases += [
            GoldenCase("add r64, r64", ["add rax, rbx"]),
            GoldenCase("add r16, r16", ["add ax, bx"]),
            GoldenCase("add r8, r8", ["add al, bl"]),
            GoldenCase("add r8 high, r8", ["add ah, bl"]),
            GoldenCase("add r32, imm8", ["add eax, 8"]),
            GoldenCase("add r64, imm32", ["add rax, 0x12345"]),
            GoldenCase("and r64, imm8 (negative)", ["and rsp, -16"]),
            GoldenCase("add m64, imm8", ["add QWORD PTR [rbx+8], 1"]),
            GoldenCase("sub m8, imm8", ["sub BYTE PTR [rbx], 1"]),
            GoldenCase("xor r32, same (zero idiom)", ["xor eax, eax"]),
            GoldenCase("add r32, r32 [flags live]", ["add eax, ebx"], .flagsLive),
            GoldenCase("sub r32, r32 [flags live]", ["sub eax, ebx"], .flagsLive),
            GoldenCase("and r32, r32 [flags live]", ["and eax, ebx"], .flagsLive),
            GoldenCase("adc r64, r64 [flags live]", ["adc rax, rbx"], .flagsLive),
            GoldenCase("add r8, r8 [flags live]", ["add al, bl"], .flagsLive),
            GoldenCase("inc r32", ["inc eax"]),
            GoldenCase("dec r64", ["dec rax"]),
            GoldenCase("inc m32", ["inc DWORD PTR [rbx]"]),
            GoldenCase("inc r32 [flags live]", ["inc eax"], .flagsLive),
            GoldenCase("dec r32 [flags live]", ["dec eax"], .flagsLive),
            GoldenCase("neg r32", ["neg eax"]),
            GoldenCase("neg r64", ["neg rax"]),
            GoldenCase("neg m32", ["neg DWORD PTR [rbx]"]),
            GoldenCase("neg r32 [flags live]", ["neg eax"], .flagsLive),
            GoldenCase("not r32", ["not eax"]),
            GoldenCase("not m64", ["not QWORD PTR [rbx]"]),
            GoldenCase("three dependent ops", ["add eax, ebx", "sub eax, ecx", "xor eax, edx"]),
            GoldenCase("three dependent ops [flags live]", ["add eax, ebx", "sub eax, ecx", "xor eax, edx"], .flagsLive),
        ]
        return GoldenFamily(file: "alu.txt", title: "ALU operations on registers, memory and immediates; INC, DEC, NEG, NOT", cases: cases)
    }()

    static let shifts: GoldenFamily = {
        var cases: [GoldenCase] = []
        for op in ["shl", "shr", "sar", "rol", "ror"] {
            cases.append(GoldenCase("\(op) r32, 1", ["\(op) eax, 1"]))
            cases.append(GoldenCase("\(op) r32, imm", ["\(op) eax, 5"]))
            cases.append(GoldenCase("\(op) r32, cl", ["\(op) eax, cl"]))
        }
        cases += [
            GoldenCase("shl r64, imm", ["shl rax, 40"]),
            GoldenCase("sar r64, cl", ["sar rax, cl"]),
            GoldenCase("shr r8, imm", ["shr al, 3"]),
            GoldenCase("shl r16, cl", ["shl ax, cl"]),
            GoldenCase("rcl r32, 1", ["rcl eax, 1"]),
            GoldenCase("rcr r32, cl", ["rcr eax, cl"]),
            GoldenCase("shl m32, imm", ["shl DWORD PTR [rbx], 3"]),
            GoldenCase("sar m64, cl", ["sar QWORD PTR [rbx], cl"]),
            GoldenCase("shld r32, r32, imm", ["shld eax, ebx, 7"]),
            GoldenCase("shrd r64, r64, cl", ["shrd rax, rbx, cl"]),
            GoldenCase("shl r32, 1 [flags live]", ["shl eax, 1"], .flagsLive),
            GoldenCase("shl r32, imm [flags live]", ["shl eax, 5"], .flagsLive),
            GoldenCase("shl r32, cl [flags live]", ["shl eax, cl"], .flagsLive),
            GoldenCase("sar r64, cl [flags live]", ["sar rax, cl"], .flagsLive),
            GoldenCase("rol r32, cl [flags live]", ["rol eax, cl"], .flagsLive),
        ]
        return GoldenFamily(file: "shifts.txt", title: "Shifts and rotates by 1, by an immediate and by CL", cases: cases)
    }()

    static let multiplyDivide = GoldenFamily(file: "muldiv.txt", title: "IMUL, MUL, DIV, IDIV", cases: [
        GoldenCase("imul r32, r32", ["imul eax, ebx"]),
        GoldenCase("imul r64, r64", ["imul rax, rbx"]),
        GoldenCase("imul r32, r32, imm8", ["imul eax, ebx, 10"]),
        GoldenCase("imul r64, r64, imm32", ["imul rax, rbx, 1000"]),
        GoldenCase("imul r16, r16", ["imul ax, bx"]),
        GoldenCase("imul r64, m64", ["imul rax, QWORD PTR [rbx+8]"]),
        GoldenCase("imul r32 (edx:eax)", ["imul ecx"]),
        GoldenCase("imul r64 (rdx:rax)", ["imul rcx"]),
        GoldenCase("mul r32", ["mul ecx"]),
        GoldenCase("mul r64", ["mul rcx"]),
        GoldenCase("mul r8", ["mul cl"]),
        GoldenCase("mul m64", ["mul QWORD PTR [rbx]"]),
        GoldenCase("div r32", ["div ecx"]),
        GoldenCase("div r64", ["div rcx"]),
        GoldenCase("div r8", ["div cl"]),
        GoldenCase("idiv r32", ["idiv ecx"]),
        GoldenCase("idiv r64", ["idiv rcx"]),
        GoldenCase("idiv m32", ["idiv DWORD PTR [rbx]"]),
        GoldenCase("cdq; idiv r32", ["cdq", "idiv ecx"]),
        GoldenCase("xor edx, edx; div r64", ["xor edx, edx", "div rcx"]),
        GoldenCase("imul r32, r32 [flags live]", ["imul eax, ebx"], .flagsLive),
        GoldenCase("mul r64 [flags live]", ["mul rcx"], .flagsLive),
    ])

    static let memory = GoldenFamily(file: "memory.txt", title: "MOV, MOVZX, MOVSX, MOVSXD, LEA and addressing forms", cases: [
        GoldenCase("mov r32, r32", ["mov eax, ebx"]),
        GoldenCase("mov r64, r64", ["mov rax, rbx"]),
        GoldenCase("mov r32, imm32", ["mov eax, 0x12345678"]),
        GoldenCase("mov r64, imm64", ["movabs rax, 0x123456789abcdef0"]),
        GoldenCase("mov r8, r8", ["mov al, bl"]),
        GoldenCase("mov r8 high, r8", ["mov ah, bl"]),
        GoldenCase("mov r16, r16", ["mov ax, bx"]),
        GoldenCase("mov r32, m32", ["mov eax, DWORD PTR [rbx+8]"]),
        GoldenCase("mov r64, m64", ["mov rax, QWORD PTR [rbx+8]"]),
        GoldenCase("mov r8, m8", ["mov al, BYTE PTR [rbx]"]),
        GoldenCase("mov r16, m16", ["mov ax, WORD PTR [rbx]"]),
        GoldenCase("mov m32, r32", ["mov DWORD PTR [rbx+8], eax"]),
        GoldenCase("mov m64, r64", ["mov QWORD PTR [rbx+8], rax"]),
        GoldenCase("mov m8, r8", ["mov BYTE PTR [rbx], al"]),
        GoldenCase("mov m32, imm32", ["mov DWORD PTR [rbx+8], 0x1234"]),
        GoldenCase("mov m64, imm32", ["mov QWORD PTR [rbx+8], -1"]),
        GoldenCase("mov r64, [base+index*8+disp]", ["mov rax, QWORD PTR [rbx+rcx*8+0x10]"]),
        GoldenCase("mov r64, [index*4+disp32]", ["mov rax, QWORD PTR [rcx*4+0x1000]"]),
        GoldenCase("mov r32, [disp32]", ["mov eax, DWORD PTR ds:0x2000"]),
        GoldenCase("mov r64, [rip+disp]", ["mov rax, QWORD PTR [rip+0x100]"]),
        GoldenCase("mov r32, [base32] (addr32)", ["mov eax, DWORD PTR [ebx+4]"]),
        GoldenCase("mov r64, fs:[disp]", ["mov rax, QWORD PTR fs:0x28"]),
        GoldenCase("load, add, store", ["mov eax, DWORD PTR [rbx]", "add eax, ecx", "mov DWORD PTR [rbx], eax"]),
        GoldenCase("two loads from one base", ["mov rax, QWORD PTR [rbx]", "mov rcx, QWORD PTR [rbx+8]"]),
        GoldenCase("movzx r32, r8", ["movzx eax, bl"]),
        GoldenCase("movzx r32, r16", ["movzx eax, bx"]),
        GoldenCase("movzx r32, m8", ["movzx eax, BYTE PTR [rbx]"]),
        GoldenCase("movzx r32, m16", ["movzx eax, WORD PTR [rbx]"]),
        GoldenCase("movsx r32, r8", ["movsx eax, bl"]),
        GoldenCase("movsx r64, r16", ["movsx rax, bx"]),
        GoldenCase("movsx r32, m8", ["movsx eax, BYTE PTR [rbx]"]),
        GoldenCase("movsx r64, m16", ["movsx rax, WORD PTR [rbx]"]),
        GoldenCase("movsxd r64, r32", ["movsxd rax, ebx"]),
        GoldenCase("movsxd r64, m32", ["movsxd rax, DWORD PTR [rbx]"]),
        GoldenCase("cdqe", ["cdqe"]),
        GoldenCase("cqo", ["cqo"]),
        GoldenCase("lea r64, [base+index*4+disp]", ["lea rax, [rbx+rcx*4+8]"]),
        GoldenCase("lea r64, [base+index]", ["lea rax, [rbx+rcx]"]),
        GoldenCase("lea r32, [base+disp]", ["lea eax, [rbx+16]"]),
        GoldenCase("lea r64, [index*8]", ["lea rax, [rcx*8]"]),
        GoldenCase("lea r64, [rip+disp]", ["lea rax, [rip+0x100]"]),
        GoldenCase("bswap r32", ["bswap eax"]),
        GoldenCase("bswap r64", ["bswap rax"]),
    ])

    static let exchange = GoldenFamily(file: "exchange.txt", title: "XCHG, CMPXCHG, XADD", cases: [
        GoldenCase("xchg r32, r32", ["xchg eax, ebx"]),
        GoldenCase("xchg r64, r64", ["xchg rcx, rdx"]),
        GoldenCase("xchg r8, r8 high", ["xchg al, bh"]),
        GoldenCase("xchg m32, r32", ["xchg DWORD PTR [rbx], eax"]),
        GoldenCase("xchg m64, r64", ["xchg QWORD PTR [rbx], rcx"]),
        GoldenCase("cmpxchg r32, r32", ["cmpxchg ecx, edx"]),
        GoldenCase("cmpxchg m32, r32", ["cmpxchg DWORD PTR [rbx], ecx"]),
        GoldenCase("lock cmpxchg m64, r64", ["lock cmpxchg QWORD PTR [rbx], rcx"]),
        GoldenCase("lock cmpxchg m64, r64; jnz", ["1:", "lock cmpxchg QWORD PTR [rbx], rcx", "jnz 1b"]),
        GoldenCase("lock cmpxchg m32, r32 [flags live]", ["lock cmpxchg DWORD PTR [rbx], ecx"], .flagsLive),
        GoldenCase("xadd r32, r32", ["xadd eax, ebx"]),
        GoldenCase("lock xadd m64, r64", ["lock xadd QWORD PTR [rbx], rax"]),
        GoldenCase("lock add m32, r32", ["lock add DWORD PTR [rbx], eax"]),
        GoldenCase("lock inc m64", ["lock inc QWORD PTR [rbx]"]),
    ])

    static let stack = GoldenFamily(file: "stack.txt", title: "PUSH, POP, CALL, RET, LEAVE, PUSHF", cases: [
        GoldenCase("push r64", ["push rax"]),
        GoldenCase("pop r64", ["pop rbx"]),
        GoldenCase("push imm8", ["push 1"]),
        GoldenCase("push m64", ["push QWORD PTR [rbx+8]"]),
        GoldenCase("pop m64", ["pop QWORD PTR [rbx+8]"]),
        GoldenCase("push r64; pop r64", ["push rax", "pop rbx"]),
        GoldenCase("push r64 x3", ["push rbx", "push r12", "push r13"]),
        GoldenCase("prologue", ["push rbp", "mov rbp, rsp", "sub rsp, 0x20"]),
        GoldenCase("epilogue: leave; ret", ["leave", "ret"]),
        GoldenCase("pop rbp; ret", ["pop rbp", "ret"]),
        GoldenCase("ret", ["ret"]),
        GoldenCase("ret imm16", ["ret 16"]),
        GoldenCase("call rel32", ["call 1f", "1:", "nop"]),
        GoldenCase("call r64", ["call rax"]),
        GoldenCase("call m64", ["call QWORD PTR [rbx+8]"]),
        GoldenCase("pushfq", ["pushfq"]),
        GoldenCase("popfq", ["popfq"]),
    ])

    static let control: GoldenFamily = {
        var cases: [GoldenCase] = [
            GoldenCase("jmp rel (two blocks)", ["jmp 1f", "nop", "1:", "nop"]),
            GoldenCase("jmp r64", ["jmp rax"]),
            GoldenCase("jmp m64", ["jmp QWORD PTR [rbx+rcx*8]"]),
            GoldenCase("jcc both ways", ["cmp eax, ebx", "jl 1f", "mov ecx, 1", "jmp 2f", "1:", "mov ecx, 2", "2:"]),
            GoldenCase("loop dec ecx; jnz chains to itself", ["1:", "add eax, ecx", "dec ecx", "jnz 1b"]),
            GoldenCase("loop sub; jnz with a load", ["1:", "add eax, DWORD PTR [rbx+rcx*4]", "sub rcx, 1", "jnz 1b"]),
            GoldenCase("loop instruction", ["1:", "add eax, ecx", "loop 1b"]),
            GoldenCase("jrcxz", ["1:", "jrcxz 1b"]),
        ]
        for cc in ["o", "b", "ae", "e", "ne", "be", "a", "s", "p", "l", "ge", "le", "g"] {
            cases.append(GoldenCase("cmp r32, r32; j\(cc)", ["1:", "cmp eax, ebx", "j\(cc) 1b"]))
        }
        cases += [
            GoldenCase("cmp r64, imm8; je", ["1:", "cmp rax, 5", "je 1b"]),
            GoldenCase("cmp m32, imm8; jne", ["1:", "cmp DWORD PTR [rbx], 0", "jne 1b"]),
            GoldenCase("test r32, r32; jz", ["1:", "test eax, eax", "jz 1b"]),
            GoldenCase("test r8, imm8; jnz", ["1:", "test al, 1", "jnz 1b"]),
            GoldenCase("cmp r32, r32; jl [flags live]", ["cmp eax, ebx", "jl 1f", "1:"], .flagsLive),
            GoldenCase("cmp r32, r32; setl r8", ["cmp eax, ebx", "setl cl"]),
            GoldenCase("test r32, r32; sete r8", ["test eax, eax", "sete al"]),
            GoldenCase("cmp r64, r64; setb r8", ["cmp rax, rbx", "setb cl"]),
            GoldenCase("cmp r32, r32; seta m8", ["cmp eax, ebx", "seta BYTE PTR [rbx]"]),
            GoldenCase("setcc after add (flags from the add)", ["add eax, ebx", "seto cl"]),
            GoldenCase("cmp r32, r32; cmovl r32, r32", ["cmp eax, ebx", "cmovl eax, ecx"]),
            GoldenCase("test r64, r64; cmovz r64, r64", ["test rax, rax", "cmovz rax, rbx"]),
            GoldenCase("cmp r32, r32; cmovg r32, m32", ["cmp eax, ebx", "cmovg eax, DWORD PTR [rbx]"]),
            GoldenCase("cmp; cmovb; cmova (min/max)", ["cmp rax, rbx", "mov rcx, rax", "cmovb rcx, rbx", "cmova rax, rbx"]),
            GoldenCase("cmp r32, r32; setl r8 [flags live]", ["cmp eax, ebx", "setl cl"], .flagsLive),
        ]
        return GoldenFamily(file: "control.txt", title: "Jumps, Jcc both ways, loops, CMP/TEST with Jcc, SETcc, CMOVcc", cases: cases)
    }()

    static let string = GoldenFamily(file: "string.txt", title: "String instructions with and without REP", cases: [
        GoldenCase("movsb", ["movsb"]),
        GoldenCase("movsq", ["movsq"]),
        GoldenCase("rep movsb", ["rep movsb"]),
        GoldenCase("rep movsq", ["rep movsq"]),
        GoldenCase("rep stosb", ["rep stosb"]),
        GoldenCase("rep stosd", ["rep stosd"]),
        GoldenCase("lodsb", ["lodsb"]),
        GoldenCase("stosq", ["stosq"]),
        GoldenCase("scasb", ["scasb"]),
        GoldenCase("repne scasb", ["repne scasb"]),
        GoldenCase("repe cmpsb", ["repe cmpsb"]),
        GoldenCase("cld; rep movsb", ["cld", "rep movsb"]),
    ])

    static let bits = GoldenFamily(file: "bits.txt", title: "BT, BTS, BTR, BTC, BSF, BSR, TZCNT, LZCNT, POPCNT", cases: [
        GoldenCase("bt r32, r32", ["bt eax, ecx"]),
        GoldenCase("bt r64, imm8", ["bt rax, 37"]),
        GoldenCase("bt m32, r32 (bit string)", ["bt DWORD PTR [rbx], ecx"]),
        GoldenCase("bt m32, imm8", ["bt DWORD PTR [rbx], 5"]),
        GoldenCase("bts r32, imm8", ["bts eax, 5"]),
        GoldenCase("btr r64, r64", ["btr rax, rcx"]),
        GoldenCase("btc r32, r32", ["btc eax, ecx"]),
        GoldenCase("lock bts m32, imm8", ["lock bts DWORD PTR [rbx], 3"]),
        GoldenCase("bt r32, r32; jc", ["1:", "bt eax, ecx", "jc 1b"]),
        GoldenCase("bt r32, imm8; setc", ["bt eax, 3", "setc cl"]),
        GoldenCase("bt r32, r32 [flags live]", ["bt eax, ecx"], .flagsLive),
        GoldenCase("bsf r32, r32", ["bsf eax, ecx"]),
        GoldenCase("bsr r64, r64", ["bsr rax, rcx"]),
        GoldenCase("bsf r32, m32", ["bsf eax, DWORD PTR [rbx]"]),
        GoldenCase("bsf r32, r32 [flags live]", ["bsf eax, ecx"], .flagsLive),
        GoldenCase("tzcnt r32, r32", ["tzcnt eax, ecx"]),
        GoldenCase("lzcnt r64, r64", ["lzcnt rax, rcx"]),
        GoldenCase("popcnt r32, r32", ["popcnt eax, ecx"]),
        GoldenCase("popcnt r64, r64 [flags live]", ["popcnt rax, rcx"], .flagsLive),
    ])

    static let flagsAcrossBlocks = GoldenFamily(file: "flags-across-blocks.txt",
                                                title: "Flags across block ends: what a block computes for its successors", cases: [
        GoldenCase("add; jmp; sub (overwrites all)", ["add eax, ebx", "jmp 1f", "1:", "sub ecx, edx"],
                   note: "the successor overwrites every flag unread: the add computes none"),
        GoldenCase("add; jmp; sub [flags live]", ["add eax, ebx", "jmp 1f", "1:", "sub ecx, edx"], .flagsLive,
                   note: "the add computes no flags; the sub, whose successor is unknown, computes all"),
        GoldenCase("add; jmp; adc (reads CF)", ["add eax, ebx", "jmp 1f", "1:", "adc ecx, edx"],
                   note: "the successor reads CF before overwriting every flag: the add computes only CF"),
        GoldenCase("add; jmp; inc (keeps CF) [flags live]", ["add eax, ebx", "jmp 1f", "1:", "inc ecx"], .flagsLive,
                   note: "INC leaves CF alone and nothing known follows it: the add computes only CF"),
        GoldenCase("sub; jmp; jz (reads ZF)", ["sub eax, ebx", "jmp 1f", "1:", "jz 2f", "2:"],
                   note: "the scan stops at a control transfer: the sub computes every flag"),
        GoldenCase("add; jmp; load, sub", ["add eax, ebx", "jmp 1f", "1:", "mov ecx, DWORD PTR [rbx]", "sub ecx, edx"],
                   note: "the load may fault and show the flags to a handler: the add computes every flag"),
        GoldenCase("add; jmp; mov, lea, xor", ["add eax, ebx", "jmp 1f", "1:", "mov ecx, eax", "lea edx, [rcx+1]", "xor ecx, edx"],
                   note: "flagless register instructions are looked through: the add computes none"),
        GoldenCase("cmp; jl; both successors overwrite",
                   ["cmp eax, ebx", "jl 1f", "xor ecx, ecx", "jmp 2f", "1:", "sub ecx, edx", "2:"],
                   note: "the cmp computes only what the jl reads"),
        GoldenCase("cmp; jl; one successor reads CF",
                   ["cmp eax, ebx", "jl 1f", "sbb ecx, ecx", "jmp 2f", "1:", "sub ecx, edx", "2:"],
                   note: "the fall-through's sbb reads CF: the cmp computes CF as well as SF and OF"),
        GoldenCase("loop body chained to itself", ["1:", "add eax, ecx", "dec ecx", "jnz 1b"],
                   note: "both successors (itself and the xor after it) overwrite every flag"),
        GoldenCase("add; call; callee xor", ["add eax, ebx", "call 1f", "1:", "xor eax, eax"],
                   note: "the callee overwrites every flag: the add computes none"),
    ])
}

// MARK: Generation and comparison

enum GoldenCodegen {
    /// Where every case's code starts in guest memory.
    static let guestBase: UInt64 = 0x40_1000
    /// The host features the JIT is told it has, whatever the host really has (code is only
    /// compiled here, never run).
    static let features = HostFeatures(bmi2: true, bmi1: true, lzcnt: true, popcnt: true)
    static let successorLine = "xor r11d, r11d"

    static var recording: Bool { ProcessInfo.processInfo.environment["MIMIC_RECORD_GOLDEN"] == "1" }

    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The counts of one case, for the summary.
    struct Measure {
        var family: String
        var name: String
        var blocks: Int
        var guestInstructions: Int
        var hostInstructions: Int
        var hostBytes: Int
    }

    static func check(_ family: GoldenFamily, file: StaticString = #filePath, line: UInt = #line) throws {
        let (text, _) = try render(family)
        try compare(text, with: family.file, file: file, line: line)
    }

    static func checkSummary(_ families: [GoldenFamily], file: StaticString = #filePath, line: UInt = #line) throws {
        var measures: [Measure] = []
        for family in families { measures += try render(family).1 }
        try compare(summary(measures), with: "summary.txt", file: file, line: line)
    }

    static func compare(_ actual: String, with name: String, file: StaticString, line: UInt) throws {
        let url = directory.appendingPathComponent(name)
        if recording {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            XCTFail("Golden/\(name) is missing; record it with MIMIC_RECORD_GOLDEN=1", file: file, line: line)
            return
        }
        if expected != actual {
            XCTFail("Golden/\(name) differs (re-record with MIMIC_RECORD_GOLDEN=1 if the change is intended):\n"
                    + diffExcerpt(expected: expected, actual: actual), file: file, line: line)
        }
    }

    /// Which cases differ, and the first region where the texts differ in unified-diff style.
    static func diffExcerpt(expected: String, actual: String, context: Int = 3, limit: Int = 20) -> String {
        let old = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let new = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var out = ""
        let oldCases = cases(old), newCases = cases(new)
        let changed = newCases.filter { oldCases[$0.key] != $0.value }.map(\.key).sorted()
        let removed = oldCases.keys.filter { newCases[$0] == nil }.sorted()
        func list(_ names: [String]) -> String {
            names.prefix(12).joined(separator: "; ") + (names.count > 12 ? "; ... (\(names.count - 12) more)" : "")
        }
        if !changed.isEmpty { out += "cases changed or added (\(changed.count)): \(list(changed))\n" }
        if !removed.isEmpty { out += "cases removed (\(removed.count)): \(list(removed))\n" }

        var first = 0
        while first < old.count, first < new.count, old[first] == new[first] { first += 1 }
        // The hunk ends where three lines agree again.
        var (oldEnd, newEnd) = (old.count, new.count)
        search: for distance in 1..<400 {
            for a in 0...distance {
                let (i, j) = (first + a, first + distance - a)
                guard i + 3 <= old.count, j + 3 <= new.count else { continue }
                if old[i..<i + 3].elementsEqual(new[j..<j + 3]) {
                    (oldEnd, newEnd) = (i, j)
                    break search
                }
            }
        }
        if let header = old[..<first].last(where: { $0.hasPrefix("==== ") }) { out += "first difference in \(header)\n" }
        out += "@@ -\(first + 1),\(oldEnd - first) +\(first + 1),\(newEnd - first) @@\n"
        for l in old[max(0, first - context)..<first] { out += " \(l)\n" }
        for l in old[first..<min(oldEnd, first + limit)] { out += "-\(l)\n" }
        if oldEnd - first > limit { out += "-... (\(oldEnd - first - limit) more)\n" }
        for l in new[first..<min(newEnd, first + limit)] { out += "+\(l)\n" }
        if newEnd - first > limit { out += "+... (\(newEnd - first - limit) more)\n" }
        for l in new[newEnd..<min(new.count, newEnd + context)] { out += " \(l)\n" }
        return out
    }

    /// Each case's text by its name (a summary table counts as one case).
    static func cases(_ lines: [Substring]) -> [String: String] {
        var result: [String: String] = [:]
        var name = "(header)"
        var text = ""
        for line in lines {
            if line.hasPrefix("==== ") {
                result[name] = text
                name = String(line.dropFirst(5).dropLast(5))
                text = ""
            }
            text += line + "\n"
        }
        result[name] = text
        return result
    }

    // MARK: Rendering

    static func render(_ family: GoldenFamily) throws -> (String, [Measure]) {
        if let reason = Assembler.unavailableReason { throw XCTSkip(reason) }
        let assembled = try Assembler.assemble(family.cases.map(\.lines) + [[successorLine]])
        let successor = try assembled.last!.get()
        let jit = try JIT(codeBufferBytes: 4 << 20, features: features)
        var out = "Golden codegen: \(family.title)\n"
        out += "Recorded by Tests/TCGTests/GoldenCodegenTests.swift (MIMIC_RECORD_GOLDEN=1 rewrites this file).\n"
        out += "Guest code at 0x\(hex(guestBase, width: 8)); host features: bmi1 bmi2 lzcnt popcnt.\n"
        out += "Host code is shown at block offsets; [r14+x] is the CPU state, [r15+x] guest memory.\n"
        out += "Unless a case says [flags live], the snippet is followed by `\(successorLine)`, so no flag is live where it ends.\n\n"
        var measures: [Measure] = []
        for (i, c) in family.cases.enumerated() {
            let bytes: [UInt8]
            switch assembled[i] {
            case .success(let b): bytes = b
            case .failure(let error): throw Failure(description: "\(family.file): \(c.name): \(error)")
            }
            let (text, measure) = try renderCase(c, bytes: bytes, successor: successor, jit: jit, family: family)
            out += text
            measures.append(measure)
        }
        return (out, measures)
    }

    static func renderCase(_ c: GoldenCase, bytes: [UInt8], successor: [UInt8], jit: JIT,
                           family: GoldenFamily) throws -> (String, Measure) {
        let code = bytes + (c.successor == .flagsDead ? successor : [])
        let end = guestBase + UInt64(bytes.count)
        var out = "==== \(c.name) ====\n"
        if let note = c.note { out += note + "\n" }
        switch c.successor {
        case .flagsDead: out += "followed by: 0x\(hex(end, width: 8)):  \(successorLine)\n\n"
        case .flagsLive: out += "followed by: nothing readable (flags live at the end)\n\n"
        }
        var measure = Measure(family: family.file, name: c.name, blocks: 0, guestInstructions: 0, hostInstructions: 0, hostBytes: 0)
        let lifter = Lifter(mode: .long64)
        let decoder = Decoder(mode: .long64)
        try code.withUnsafeBytes { guest in
            var pc = guestBase
            while pc < end {
                // Stop the block where the snippet ends, so the successor is only looked at.
                var count = 0
                var address = pc
                while address < end {
                    let offset = Int(address - guestBase)
                    guard let insn = decoder.decode(UnsafeRawBufferPointer(rebasing: guest[offset...]), address: address),
                          insn.length > 0 else { throw Failure(description: "\(c.name): undecodable at 0x\(hex(address, width: 8))") }
                    address = insn.nextAddress
                    count += 1
                }
                var lifted = lifter.translate(code: guest, codeAddress: guestBase, pc: pc, maxInstructions: count,
                                              keepInstructions: true)
                let before = lifted.ir.text
                Optimizer.optimize(&lifted.ir)
                guard let compiled = jit.compile(lifted.ir, tbIndex: UInt32(measure.blocks)) else {
                    throw Failure(description: "\(c.name): the JIT did not compile the block at 0x\(hex(pc, width: 8))")
                }
                out += "-- block 0x\(hex(pc, width: 8)): guest \(lifted.instructionCount) -> host \(compiled.hostInstructionCount)\n"
                out += "IN:\n"
                for insn in lifted.instructions ?? [] { out += "0x" + hex(insn.address, width: 8) + ":  " + insn.intelSyntax + "\n" }
                out += "\nOP:\n" + before
                out += "\nOP after optimization:\n" + lifted.ir.text
                out += "\n" + exits(lifted.ir, pc: pc)
                out += "\n" + hostCode(compiled, jit: jit) + "\n"
                measure.blocks += 1
                measure.guestInstructions += lifted.instructionCount
                measure.hostInstructions += compiled.hostInstructionCount
                measure.hostBytes += compiled.size
                guard lifted.endAddress > pc else { break }
                pc = lifted.endAddress
            }
        }
        out += "guest \(measure.guestInstructions) instructions -> host \(measure.hostInstructions) instructions "
            + "(\(ratio(measure.hostInstructions, measure.guestInstructions)) per guest instruction)\n\n"
        return (out, measure)
    }

    /// Where each goto_tb leads (from the `rip` write before it), and the globals (flags) the
    /// block need not leave exact because its successors overwrite them unread.
    static func exits(_ ir: IRBlock, pc: UInt64) -> String {
        var out = ""
        var target: String?
        for line in ir.text.split(separator: "\n") {
            if line.hasPrefix(" mov_i64 rip, $0x") {
                target = String(line.dropFirst(" mov_i64 rip, $".count))
            } else if line.hasPrefix(" goto_tb ") {
                // "goto_tb $slot, 0xtarget", or "goto_tb $slot" after a write of the target to rip.
                let parts = line.dropFirst(" goto_tb ".count).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                let to = parts.count > 1 ? parts[1] : target ?? "?"
                var text = "goto_tb \(parts[0]) -> \(to)"
                if to.hasPrefix("0x"), UInt64(to.dropFirst(2), radix: 16) == pc { text += " (this block: chains to itself)" }
                out += text + "\n"
            }
        }
        for (slot, mask) in [(0, ir.deadAtChainedExit.0), (1, ir.deadAtChainedExit.1)] {
            let dead = ir.layout.globals.indices.filter { $0 < 64 && mask & (1 << UInt64($0)) != 0 }
            out += "dead at chained exit \(slot): " + (dead.isEmpty ? "nothing" : dead.map { ir.layout.globals[$0].name }.joined(separator: " ")) + "\n"
        }
        return out
    }

    static func hostCode(_ block: CompiledBlock, jit: JIT) -> String {
        var out = "OUT: [size=\(block.size), host instructions=\(block.hostInstructionCount)]\n"
        let names = addressNames(jit)
        let entry = UInt64(UInt(bitPattern: block.entry))
        let bufferStart = UInt64(UInt(bitPattern: jit.buffer.executable))
        let bufferRange = bufferStart..<bufferStart + UInt64(jit.buffer.capacity)
        let decoder = Decoder(mode: .long64)
        let bytes = UnsafeRawBufferPointer(start: block.entry, count: block.size)
        var marks = block.hostToGuest[...]
        var offset = 0
        func name(_ address: UInt64) -> String? {
            if address >= entry, address <= entry + UInt64(block.size) { return "0x" + hex(address - entry, width: 4) }
            if let n = names[address] { return n }
            return bufferRange.contains(address) ? "<code>" : nil
        }
        while offset < block.size {
            while let mark = marks.first, mark.hostOffset <= UInt32(offset) {
                out += "  -- guest 0x" + hex(mark.guestPC, width: 8) + "\n"
                marks = marks.dropFirst()
            }
            let address = entry + UInt64(offset)
            guard let insn = decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[offset...]), address: address),
                  insn.length > 0 else {
                out += "0x" + hex(UInt64(offset), width: 4) + ":  (undecodable)\n"
                break
            }
            var text = insn.intelSyntax
            var comment: String?
            for k in 0..<insn.operandCount {
                switch insn[k] {
                case .relative(let target):
                    text = text.replacingOccurrences(of: "0x" + String(target, radix: 16), with: name(target) ?? "<abs>")
                case .immediate(let v, bytes: 8):
                    let value = UInt64(bitPattern: v)
                    if let n = name(value) { text = text.replacingOccurrences(of: "0x" + String(value, radix: 16), with: n) }
                case .memory(let m) where m.base == Register(.gpr64, 14) && m.index == nil:
                    comment = stateFieldName(Int(m.displacement))
                default:
                    break
                }
            }
            out += "0x" + hex(UInt64(offset), width: 4) + ":  " + text + (comment.map { "    # " + $0 } ?? "") + "\n"
            offset += Int(insn.length)
        }
        return out
    }

    /// Names for absolute addresses host code may hold: the shared exits and every helper.
    static func addressNames(_ jit: JIT) -> [UInt64: String] {
        var names: [UInt64: String] = [UInt64(UInt(bitPattern: jit.entry.epilogueAddress)): "<epilogue>"]
        names[UInt64(UInt(bitPattern: jit.entry.pageFaultReadAddress))] = "<page-fault-read>"
        names[UInt64(UInt(bitPattern: jit.entry.pageFaultWriteAddress))] = "<page-fault-write>"
        names[UInt64(UInt(bitPattern: jit.entry.raisedAddress))] = "<raised>"
        names[UInt64(UInt(bitPattern: jit.entry.pcExitAddress))] = "<pc-exit>"
        for i in 0..<Helpers.registeredCount {
            let helper = Helpers[i]
            names[UInt64(UInt(bitPattern: unsafeBitCast(helper.function, to: UnsafeRawPointer.self)))] = "<helper:\(helper.name)>"
        }
        return names
    }

    /// The CPU-state field at `offset` from the state pointer (r14), by its guest name.
    static func stateFieldName(_ offset: Int) -> String? {
        for g in X86Globals.layout.globals where offset >= g.offset && offset < g.offset + 8 {
            return offset == g.offset ? g.name : "\(g.name)+\(offset - g.offset)"
        }
        let fields: [(String, PartialKeyPath<MimicCPUState>)] = [
            ("exception", \.exception), ("error_code", \.error_code), ("fault_address", \.fault_address),
            ("mem_base", \.mem_base), ("mem_size", \.mem_size),
            ("jump_cache", \.jump_cache), ("jump_cache_mask", \.jump_cache_mask),
        ]
        let last = MemoryLayout<MimicCPUState>.offset(of: \.mem_last)!
        if offset >= last && offset < last + 80 { return "mem_last[\((offset - last) / 8)]" }
        return fields.first { MemoryLayout<MimicCPUState>.offset(of: $0.1) == offset }?.0
    }

    // MARK: Summary

    static func summary(_ measures: [Measure]) -> String {
        var out = "Golden codegen summary: host instructions per guest instruction\n"
        out += "Recorded by Tests/TCGTests/GoldenCodegenTests.swift (MIMIC_RECORD_GOLDEN=1 rewrites this file);\n"
        out += "host instructions include each block's exits and out-of-line fault stubs.\n\n"
        let nameWidth = max(40, (measures.map(\.name.count).max() ?? 0) + 4)
        func row(_ cells: [String], name: String) -> String {
            pad(name, nameWidth) + cells.map { leftPad($0, 8) }.joined() + "\n"
        }
        let header = ["blocks", "guest", "host", "ratio", "bytes"]
        var family = ""
        var totals = (guest: 0, host: 0, bytes: 0)
        var familyTotals = (guest: 0, host: 0, bytes: 0)
        func familyTotal() {
            out += row(["", "\(familyTotals.guest)", "\(familyTotals.host)",
                        ratio(familyTotals.host, familyTotals.guest), "\(familyTotals.bytes)"], name: "  (\(family) total)")
            out += "\n"
        }
        for m in measures {
            if m.family != family {
                if !family.isEmpty { familyTotal() }
                family = m.family
                familyTotals = (0, 0, 0)
                out += row(header, name: family)
            }
            out += row(["\(m.blocks)", "\(m.guestInstructions)", "\(m.hostInstructions)",
                        ratio(m.hostInstructions, m.guestInstructions), "\(m.hostBytes)"], name: "  " + m.name)
            familyTotals.guest += m.guestInstructions
            familyTotals.host += m.hostInstructions
            familyTotals.bytes += m.hostBytes
            totals.guest += m.guestInstructions
            totals.host += m.hostInstructions
            totals.bytes += m.hostBytes
        }
        if !family.isEmpty { familyTotal() }
        out += row(["", "\(totals.guest)", "\(totals.host)", ratio(totals.host, totals.guest), "\(totals.bytes)"], name: "all cases")
        return out
    }

    static func ratio(_ host: Int, _ guest: Int) -> String {
        guest == 0 ? "-" : String(format: "%.2f", Double(host) / Double(guest))
    }

    static func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
    static func leftPad(_ s: String, _ width: Int) -> String { s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s }

    static func hex(_ v: UInt64, width: Int) -> String {
        let s = String(v, radix: 16)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
