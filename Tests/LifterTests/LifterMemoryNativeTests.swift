import CCPU
import CNativeRunner
import IR
@testable import Lifter
import X86
import XCTest

/// Memory, stack and string instructions, natively and lifted, from random states whose
/// pointers (RSI, RDI, RBP, RSP) lie in the native runner's data region; compares registers,
/// all six status flags, DF and the data region.
final class LifterMemoryNativeTests: XCTestCase {
    typealias NativeCase = LifterNativeTests.NativeCase

    static func r(_ n: UInt8, _ bytes: Int) -> Operand { Build.r(n, bytes) }
    static let cl = Build.cl
    static func imm(_ v: Int64, _ bytes: UInt8 = 1) -> Operand { Build.imm(v, bytes) }
    static func mem(_ bytes: Int, _ base: Register, _ displacement: Int64, index: Register? = nil, scale: UInt8 = 1) -> Operand {
        Build.m(bytes, base: base, index: index, scale: scale, displacement: displacement)
    }

    static func N(_ text: String, _ bytes: [UInt8], _ m: Mnemonic, _ operands: [Operand], _ w: Int, _ condition: UInt8,
                  _ prefixes: Prefixes) -> NativeCase {
        NativeCase(text: text, bytes: bytes,
                   insn: Build.insn(m, operands, bytes: w, condition: condition, prefixes: prefixes, length: UInt8(bytes.count)))
    }

    static let cases: [NativeCase] = [
        N("add byte ptr [rsi+8],bl", [0x00, 0x5e, 0x08], .add, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("adc byte ptr [rsi+8],bl", [0x10, 0x5e, 0x08], .adc, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("sub byte ptr [rsi+8],bl", [0x28, 0x5e, 0x08], .sub, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("sbb byte ptr [rsi+8],bl", [0x18, 0x5e, 0x08], .sbb, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("and byte ptr [rsi+8],bl", [0x20, 0x5e, 0x08], .and, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("or byte ptr [rsi+8],bl", [0x08, 0x5e, 0x08], .or, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("xor byte ptr [rsi+8],bl", [0x30, 0x5e, 0x08], .xor, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("cmp byte ptr [rsi+8],bl", [0x38, 0x5e, 0x08], .cmp, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("test byte ptr [rsi+8],bl", [0x84, 0x5e, 0x08], .test, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("xadd byte ptr [rsi+8],bl", [0x0f, 0xc0, 0x5e, 0x08], .xadd, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("cmpxchg byte ptr [rsi+8],bl", [0x0f, 0xb0, 0x5e, 0x08], .cmpxchg, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("xchg byte ptr [rsi+8],bl", [0x86, 0x5e, 0x08], .xchg, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("mov byte ptr [rsi+8],bl", [0x88, 0x5e, 0x08], .mov, [mem(1, .rsi, 8), r(3, 1)], 1, 0, []),
        N("add al,byte ptr [rsi+8]", [0x02, 0x46, 0x08], .add, [r(0, 1), mem(1, .rsi, 8)], 1, 0, []),
        N("add byte ptr [rsi+8],0x5a", [0x80, 0x46, 0x08, 0x5a], .add, [mem(1, .rsi, 8), imm(0x5a)], 1, 0, []),
        N("sub al,byte ptr [rsi+8]", [0x2a, 0x46, 0x08], .sub, [r(0, 1), mem(1, .rsi, 8)], 1, 0, []),
        N("sub byte ptr [rsi+8],0x5a", [0x80, 0x6e, 0x08, 0x5a], .sub, [mem(1, .rsi, 8), imm(0x5a)], 1, 0, []),
        N("cmp al,byte ptr [rsi+8]", [0x3a, 0x46, 0x08], .cmp, [r(0, 1), mem(1, .rsi, 8)], 1, 0, []),
        N("cmp byte ptr [rsi+8],0x5a", [0x80, 0x7e, 0x08, 0x5a], .cmp, [mem(1, .rsi, 8), imm(0x5a)], 1, 0, []),
        N("mov al,byte ptr [rsi+8]", [0x8a, 0x46, 0x08], .mov, [r(0, 1), mem(1, .rsi, 8)], 1, 0, []),
        N("mov byte ptr [rsi+8],0x5a", [0xc6, 0x46, 0x08, 0x5a], .mov, [mem(1, .rsi, 8), imm(0x5a)], 1, 0, []),
        N("inc byte ptr [rsi+8]", [0xfe, 0x46, 0x08], .inc, [mem(1, .rsi, 8)], 1, 0, []),
        N("neg byte ptr [rsi+8]", [0xf6, 0x5e, 0x08], .neg, [mem(1, .rsi, 8)], 1, 0, []),
        N("not byte ptr [rsi+8]", [0xf6, 0x56, 0x08], .not, [mem(1, .rsi, 8)], 1, 0, []),
        N("mul byte ptr [rsi+8]", [0xf6, 0x66, 0x08], .mul, [mem(1, .rsi, 8)], 1, 0, []),
        N("div byte ptr [rsi+8]", [0xf6, 0x76, 0x08], .div, [mem(1, .rsi, 8)], 1, 0, []),
        N("shl byte ptr [rsi+8]", [0xd0, 0x66, 0x08], .shl, [mem(1, .rsi, 8)], 1, 0, []),
        N("rcr byte ptr [rsi+8]", [0xd0, 0x5e, 0x08], .rcr, [mem(1, .rsi, 8)], 1, 0, []),
        N("sar byte ptr [rsi+8],cl", [0xd2, 0x7e, 0x08], .sar, [mem(1, .rsi, 8), cl], 1, 0, []),
        N("movsb", [0xa4], .movs, [], 1, 0, []),
        N("rep movsb", [0xf3, 0xa4], .movs, [], 1, 0, .rep),
        N("cmpsb", [0xa6], .cmps, [], 1, 0, []),
        N("rep cmpsb", [0xf3, 0xa6], .cmps, [], 1, 0, .rep),
        N("repne cmpsb", [0xf2, 0xa6], .cmps, [], 1, 0, .repne),
        N("stosb", [0xaa], .stos, [], 1, 0, []),
        N("rep stosb", [0xf3, 0xaa], .stos, [], 1, 0, .rep),
        N("lodsb", [0xac], .lods, [], 1, 0, []),
        N("rep lodsb", [0xf3, 0xac], .lods, [], 1, 0, .rep),
        N("scasb", [0xae], .scas, [], 1, 0, []),
        N("rep scasb", [0xf3, 0xae], .scas, [], 1, 0, .rep),
        N("repne scasb", [0xf2, 0xae], .scas, [], 1, 0, .repne),
        N("add word ptr [rsi+8],bx", [0x66, 0x01, 0x5e, 0x08], .add, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("adc word ptr [rsi+8],bx", [0x66, 0x11, 0x5e, 0x08], .adc, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("sub word ptr [rsi+8],bx", [0x66, 0x29, 0x5e, 0x08], .sub, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("sbb word ptr [rsi+8],bx", [0x66, 0x19, 0x5e, 0x08], .sbb, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("and word ptr [rsi+8],bx", [0x66, 0x21, 0x5e, 0x08], .and, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("or word ptr [rsi+8],bx", [0x66, 0x09, 0x5e, 0x08], .or, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("xor word ptr [rsi+8],bx", [0x66, 0x31, 0x5e, 0x08], .xor, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("cmp word ptr [rsi+8],bx", [0x66, 0x39, 0x5e, 0x08], .cmp, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("test word ptr [rsi+8],bx", [0x66, 0x85, 0x5e, 0x08], .test, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("xadd word ptr [rsi+8],bx", [0x66, 0x0f, 0xc1, 0x5e, 0x08], .xadd, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("cmpxchg word ptr [rsi+8],bx", [0x66, 0x0f, 0xb1, 0x5e, 0x08], .cmpxchg, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("xchg word ptr [rsi+8],bx", [0x66, 0x87, 0x5e, 0x08], .xchg, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("mov word ptr [rsi+8],bx", [0x66, 0x89, 0x5e, 0x08], .mov, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("add ax,word ptr [rsi+8]", [0x66, 0x03, 0x46, 0x08], .add, [r(0, 2), mem(2, .rsi, 8)], 2, 0, []),
        N("add word ptr [rsi+8],0x5a", [0x66, 0x83, 0x46, 0x08, 0x5a], .add, [mem(2, .rsi, 8), imm(0x5a)], 2, 0, []),
        N("sub ax,word ptr [rsi+8]", [0x66, 0x2b, 0x46, 0x08], .sub, [r(0, 2), mem(2, .rsi, 8)], 2, 0, []),
        N("sub word ptr [rsi+8],0x5a", [0x66, 0x83, 0x6e, 0x08, 0x5a], .sub, [mem(2, .rsi, 8), imm(0x5a)], 2, 0, []),
        N("cmp ax,word ptr [rsi+8]", [0x66, 0x3b, 0x46, 0x08], .cmp, [r(0, 2), mem(2, .rsi, 8)], 2, 0, []),
        N("cmp word ptr [rsi+8],0x5a", [0x66, 0x83, 0x7e, 0x08, 0x5a], .cmp, [mem(2, .rsi, 8), imm(0x5a)], 2, 0, []),
        N("mov ax,word ptr [rsi+8]", [0x66, 0x8b, 0x46, 0x08], .mov, [r(0, 2), mem(2, .rsi, 8)], 2, 0, []),
        N("mov word ptr [rsi+8],0x5a", [0x66, 0xc7, 0x46, 0x08, 0x5a, 0x00], .mov, [mem(2, .rsi, 8), imm(0x5a)], 2, 0, []),
        N("inc word ptr [rsi+8]", [0x66, 0xff, 0x46, 0x08], .inc, [mem(2, .rsi, 8)], 2, 0, []),
        N("neg word ptr [rsi+8]", [0x66, 0xf7, 0x5e, 0x08], .neg, [mem(2, .rsi, 8)], 2, 0, []),
        N("not word ptr [rsi+8]", [0x66, 0xf7, 0x56, 0x08], .not, [mem(2, .rsi, 8)], 2, 0, []),
        N("mul word ptr [rsi+8]", [0x66, 0xf7, 0x66, 0x08], .mul, [mem(2, .rsi, 8)], 2, 0, []),
        N("div word ptr [rsi+8]", [0x66, 0xf7, 0x76, 0x08], .div, [mem(2, .rsi, 8)], 2, 0, []),
        N("shl word ptr [rsi+8]", [0x66, 0xd1, 0x66, 0x08], .shl, [mem(2, .rsi, 8)], 2, 0, []),
        N("rcr word ptr [rsi+8]", [0x66, 0xd1, 0x5e, 0x08], .rcr, [mem(2, .rsi, 8)], 2, 0, []),
        N("sar word ptr [rsi+8],cl", [0x66, 0xd3, 0x7e, 0x08], .sar, [mem(2, .rsi, 8), cl], 2, 0, []),
        N("movsw", [0x66, 0xa5], .movs, [], 2, 0, []),
        N("rep movsw", [0x66, 0xf3, 0xa5], .movs, [], 2, 0, .rep),
        N("cmpsw", [0x66, 0xa7], .cmps, [], 2, 0, []),
        N("rep cmpsw", [0x66, 0xf3, 0xa7], .cmps, [], 2, 0, .rep),
        N("repne cmpsw", [0x66, 0xf2, 0xa7], .cmps, [], 2, 0, .repne),
        N("stosw", [0x66, 0xab], .stos, [], 2, 0, []),
        N("rep stosw", [0x66, 0xf3, 0xab], .stos, [], 2, 0, .rep),
        N("lodsw", [0x66, 0xad], .lods, [], 2, 0, []),
        N("rep lodsw", [0x66, 0xf3, 0xad], .lods, [], 2, 0, .rep),
        N("scasw", [0x66, 0xaf], .scas, [], 2, 0, []),
        N("rep scasw", [0x66, 0xf3, 0xaf], .scas, [], 2, 0, .rep),
        N("repne scasw", [0x66, 0xf2, 0xaf], .scas, [], 2, 0, .repne),
        N("add dword ptr [rsi+8],ebx", [0x01, 0x5e, 0x08], .add, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("adc dword ptr [rsi+8],ebx", [0x11, 0x5e, 0x08], .adc, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("sub dword ptr [rsi+8],ebx", [0x29, 0x5e, 0x08], .sub, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("sbb dword ptr [rsi+8],ebx", [0x19, 0x5e, 0x08], .sbb, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("and dword ptr [rsi+8],ebx", [0x21, 0x5e, 0x08], .and, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("or dword ptr [rsi+8],ebx", [0x09, 0x5e, 0x08], .or, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("xor dword ptr [rsi+8],ebx", [0x31, 0x5e, 0x08], .xor, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("cmp dword ptr [rsi+8],ebx", [0x39, 0x5e, 0x08], .cmp, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("test dword ptr [rsi+8],ebx", [0x85, 0x5e, 0x08], .test, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("xadd dword ptr [rsi+8],ebx", [0x0f, 0xc1, 0x5e, 0x08], .xadd, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("cmpxchg dword ptr [rsi+8],ebx", [0x0f, 0xb1, 0x5e, 0x08], .cmpxchg, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("xchg dword ptr [rsi+8],ebx", [0x87, 0x5e, 0x08], .xchg, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("mov dword ptr [rsi+8],ebx", [0x89, 0x5e, 0x08], .mov, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("add eax,dword ptr [rsi+8]", [0x03, 0x46, 0x08], .add, [r(0, 4), mem(4, .rsi, 8)], 4, 0, []),
        N("add dword ptr [rsi+8],0x5a", [0x83, 0x46, 0x08, 0x5a], .add, [mem(4, .rsi, 8), imm(0x5a)], 4, 0, []),
        N("sub eax,dword ptr [rsi+8]", [0x2b, 0x46, 0x08], .sub, [r(0, 4), mem(4, .rsi, 8)], 4, 0, []),
        N("sub dword ptr [rsi+8],0x5a", [0x83, 0x6e, 0x08, 0x5a], .sub, [mem(4, .rsi, 8), imm(0x5a)], 4, 0, []),
        N("cmp eax,dword ptr [rsi+8]", [0x3b, 0x46, 0x08], .cmp, [r(0, 4), mem(4, .rsi, 8)], 4, 0, []),
        N("cmp dword ptr [rsi+8],0x5a", [0x83, 0x7e, 0x08, 0x5a], .cmp, [mem(4, .rsi, 8), imm(0x5a)], 4, 0, []),
        N("mov eax,dword ptr [rsi+8]", [0x8b, 0x46, 0x08], .mov, [r(0, 4), mem(4, .rsi, 8)], 4, 0, []),
        N("mov dword ptr [rsi+8],0x5a", [0xc7, 0x46, 0x08, 0x5a, 0x00, 0x00, 0x00], .mov, [mem(4, .rsi, 8), imm(0x5a)], 4, 0, []),
        N("inc dword ptr [rsi+8]", [0xff, 0x46, 0x08], .inc, [mem(4, .rsi, 8)], 4, 0, []),
        N("neg dword ptr [rsi+8]", [0xf7, 0x5e, 0x08], .neg, [mem(4, .rsi, 8)], 4, 0, []),
        N("not dword ptr [rsi+8]", [0xf7, 0x56, 0x08], .not, [mem(4, .rsi, 8)], 4, 0, []),
        N("mul dword ptr [rsi+8]", [0xf7, 0x66, 0x08], .mul, [mem(4, .rsi, 8)], 4, 0, []),
        N("div dword ptr [rsi+8]", [0xf7, 0x76, 0x08], .div, [mem(4, .rsi, 8)], 4, 0, []),
        N("shl dword ptr [rsi+8]", [0xd1, 0x66, 0x08], .shl, [mem(4, .rsi, 8)], 4, 0, []),
        N("rcr dword ptr [rsi+8]", [0xd1, 0x5e, 0x08], .rcr, [mem(4, .rsi, 8)], 4, 0, []),
        N("sar dword ptr [rsi+8],cl", [0xd3, 0x7e, 0x08], .sar, [mem(4, .rsi, 8), cl], 4, 0, []),
        N("movsd", [0xa5], .movs, [], 4, 0, []),
        N("rep movsd", [0xf3, 0xa5], .movs, [], 4, 0, .rep),
        N("cmpsd", [0xa7], .cmps, [], 4, 0, []),
        N("rep cmpsd", [0xf3, 0xa7], .cmps, [], 4, 0, .rep),
        N("repne cmpsd", [0xf2, 0xa7], .cmps, [], 4, 0, .repne),
        N("stosd", [0xab], .stos, [], 4, 0, []),
        N("rep stosd", [0xf3, 0xab], .stos, [], 4, 0, .rep),
        N("lodsd", [0xad], .lods, [], 4, 0, []),
        N("rep lodsd", [0xf3, 0xad], .lods, [], 4, 0, .rep),
        N("scasd", [0xaf], .scas, [], 4, 0, []),
        N("rep scasd", [0xf3, 0xaf], .scas, [], 4, 0, .rep),
        N("repne scasd", [0xf2, 0xaf], .scas, [], 4, 0, .repne),
        N("add qword ptr [rsi+8],rbx", [0x48, 0x01, 0x5e, 0x08], .add, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("adc qword ptr [rsi+8],rbx", [0x48, 0x11, 0x5e, 0x08], .adc, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("sub qword ptr [rsi+8],rbx", [0x48, 0x29, 0x5e, 0x08], .sub, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("sbb qword ptr [rsi+8],rbx", [0x48, 0x19, 0x5e, 0x08], .sbb, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("and qword ptr [rsi+8],rbx", [0x48, 0x21, 0x5e, 0x08], .and, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("or qword ptr [rsi+8],rbx", [0x48, 0x09, 0x5e, 0x08], .or, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("xor qword ptr [rsi+8],rbx", [0x48, 0x31, 0x5e, 0x08], .xor, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("cmp qword ptr [rsi+8],rbx", [0x48, 0x39, 0x5e, 0x08], .cmp, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("test qword ptr [rsi+8],rbx", [0x48, 0x85, 0x5e, 0x08], .test, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("xadd qword ptr [rsi+8],rbx", [0x48, 0x0f, 0xc1, 0x5e, 0x08], .xadd, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("cmpxchg qword ptr [rsi+8],rbx", [0x48, 0x0f, 0xb1, 0x5e, 0x08], .cmpxchg, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("xchg qword ptr [rsi+8],rbx", [0x48, 0x87, 0x5e, 0x08], .xchg, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("mov qword ptr [rsi+8],rbx", [0x48, 0x89, 0x5e, 0x08], .mov, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("add rax,qword ptr [rsi+8]", [0x48, 0x03, 0x46, 0x08], .add, [r(0, 8), mem(8, .rsi, 8)], 8, 0, []),
        N("add qword ptr [rsi+8],0x5a", [0x48, 0x83, 0x46, 0x08, 0x5a], .add, [mem(8, .rsi, 8), imm(0x5a)], 8, 0, []),
        N("sub rax,qword ptr [rsi+8]", [0x48, 0x2b, 0x46, 0x08], .sub, [r(0, 8), mem(8, .rsi, 8)], 8, 0, []),
        N("sub qword ptr [rsi+8],0x5a", [0x48, 0x83, 0x6e, 0x08, 0x5a], .sub, [mem(8, .rsi, 8), imm(0x5a)], 8, 0, []),
        N("cmp rax,qword ptr [rsi+8]", [0x48, 0x3b, 0x46, 0x08], .cmp, [r(0, 8), mem(8, .rsi, 8)], 8, 0, []),
        N("cmp qword ptr [rsi+8],0x5a", [0x48, 0x83, 0x7e, 0x08, 0x5a], .cmp, [mem(8, .rsi, 8), imm(0x5a)], 8, 0, []),
        N("mov rax,qword ptr [rsi+8]", [0x48, 0x8b, 0x46, 0x08], .mov, [r(0, 8), mem(8, .rsi, 8)], 8, 0, []),
        N("mov qword ptr [rsi+8],0x5a", [0x48, 0xc7, 0x46, 0x08, 0x5a, 0x00, 0x00, 0x00], .mov, [mem(8, .rsi, 8), imm(0x5a)], 8, 0, []),
        N("inc qword ptr [rsi+8]", [0x48, 0xff, 0x46, 0x08], .inc, [mem(8, .rsi, 8)], 8, 0, []),
        N("neg qword ptr [rsi+8]", [0x48, 0xf7, 0x5e, 0x08], .neg, [mem(8, .rsi, 8)], 8, 0, []),
        N("not qword ptr [rsi+8]", [0x48, 0xf7, 0x56, 0x08], .not, [mem(8, .rsi, 8)], 8, 0, []),
        N("mul qword ptr [rsi+8]", [0x48, 0xf7, 0x66, 0x08], .mul, [mem(8, .rsi, 8)], 8, 0, []),
        N("div qword ptr [rsi+8]", [0x48, 0xf7, 0x76, 0x08], .div, [mem(8, .rsi, 8)], 8, 0, []),
        N("shl qword ptr [rsi+8]", [0x48, 0xd1, 0x66, 0x08], .shl, [mem(8, .rsi, 8)], 8, 0, []),
        N("rcr qword ptr [rsi+8]", [0x48, 0xd1, 0x5e, 0x08], .rcr, [mem(8, .rsi, 8)], 8, 0, []),
        N("sar qword ptr [rsi+8],cl", [0x48, 0xd3, 0x7e, 0x08], .sar, [mem(8, .rsi, 8), cl], 8, 0, []),
        N("movsq", [0x48, 0xa5], .movs, [], 8, 0, []),
        N("rep movsq", [0xf3, 0x48, 0xa5], .movs, [], 8, 0, .rep),
        N("cmpsq", [0x48, 0xa7], .cmps, [], 8, 0, []),
        N("rep cmpsq", [0xf3, 0x48, 0xa7], .cmps, [], 8, 0, .rep),
        N("repne cmpsq", [0xf2, 0x48, 0xa7], .cmps, [], 8, 0, .repne),
        N("stosq", [0x48, 0xab], .stos, [], 8, 0, []),
        N("rep stosq", [0xf3, 0x48, 0xab], .stos, [], 8, 0, .rep),
        N("lodsq", [0x48, 0xad], .lods, [], 8, 0, []),
        N("rep lodsq", [0xf3, 0x48, 0xad], .lods, [], 8, 0, .rep),
        N("scasq", [0x48, 0xaf], .scas, [], 8, 0, []),
        N("rep scasq", [0xf3, 0x48, 0xaf], .scas, [], 8, 0, .rep),
        N("repne scasq", [0xf2, 0x48, 0xaf], .scas, [], 8, 0, .repne),
        N("bt word ptr [rsi+8],bx", [0x66, 0x0f, 0xa3, 0x5e, 0x08], .bt, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("bt word ptr [rsi+8],13", [0x66, 0x0f, 0xba, 0x66, 0x08, 0x0d], .bt, [mem(2, .rsi, 8), imm(13)], 2, 0, []),
        N("bts word ptr [rsi+8],bx", [0x66, 0x0f, 0xab, 0x5e, 0x08], .bts, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("bts word ptr [rsi+8],13", [0x66, 0x0f, 0xba, 0x6e, 0x08, 0x0d], .bts, [mem(2, .rsi, 8), imm(13)], 2, 0, []),
        N("btr word ptr [rsi+8],bx", [0x66, 0x0f, 0xb3, 0x5e, 0x08], .btr, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("btr word ptr [rsi+8],13", [0x66, 0x0f, 0xba, 0x76, 0x08, 0x0d], .btr, [mem(2, .rsi, 8), imm(13)], 2, 0, []),
        N("btc word ptr [rsi+8],bx", [0x66, 0x0f, 0xbb, 0x5e, 0x08], .btc, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("btc word ptr [rsi+8],13", [0x66, 0x0f, 0xba, 0x7e, 0x08, 0x0d], .btc, [mem(2, .rsi, 8), imm(13)], 2, 0, []),
        N("movbe ax,word ptr [rsi+8]", [0x66, 0x0f, 0x38, 0xf0, 0x46, 0x08], .movbe, [r(0, 2), mem(2, .rsi, 8)], 2, 0, []),
        N("movbe word ptr [rsi+8],bx", [0x66, 0x0f, 0x38, 0xf1, 0x5e, 0x08], .movbe, [mem(2, .rsi, 8), r(3, 2)], 2, 0, []),
        N("shld word ptr [rsi+8],bx,cl", [0x66, 0x0f, 0xa5, 0x5e, 0x08], .shld, [mem(2, .rsi, 8), r(3, 2), cl], 2, 0, []),
        N("push word ptr [rsi+8]", [0x66, 0xff, 0x76, 0x08], .push, [mem(2, .rsi, 8)], 2, 0, []),
        N("bt dword ptr [rsi+8],ebx", [0x0f, 0xa3, 0x5e, 0x08], .bt, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("bt dword ptr [rsi+8],13", [0x0f, 0xba, 0x66, 0x08, 0x0d], .bt, [mem(4, .rsi, 8), imm(13)], 4, 0, []),
        N("bts dword ptr [rsi+8],ebx", [0x0f, 0xab, 0x5e, 0x08], .bts, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("bts dword ptr [rsi+8],13", [0x0f, 0xba, 0x6e, 0x08, 0x0d], .bts, [mem(4, .rsi, 8), imm(13)], 4, 0, []),
        N("btr dword ptr [rsi+8],ebx", [0x0f, 0xb3, 0x5e, 0x08], .btr, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("btr dword ptr [rsi+8],13", [0x0f, 0xba, 0x76, 0x08, 0x0d], .btr, [mem(4, .rsi, 8), imm(13)], 4, 0, []),
        N("btc dword ptr [rsi+8],ebx", [0x0f, 0xbb, 0x5e, 0x08], .btc, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("btc dword ptr [rsi+8],13", [0x0f, 0xba, 0x7e, 0x08, 0x0d], .btc, [mem(4, .rsi, 8), imm(13)], 4, 0, []),
        N("movbe eax,dword ptr [rsi+8]", [0x0f, 0x38, 0xf0, 0x46, 0x08], .movbe, [r(0, 4), mem(4, .rsi, 8)], 4, 0, []),
        N("movbe dword ptr [rsi+8],ebx", [0x0f, 0x38, 0xf1, 0x5e, 0x08], .movbe, [mem(4, .rsi, 8), r(3, 4)], 4, 0, []),
        N("shld dword ptr [rsi+8],ebx,cl", [0x0f, 0xa5, 0x5e, 0x08], .shld, [mem(4, .rsi, 8), r(3, 4), cl], 4, 0, []),
        N("push qword ptr [rsi+8]", [0xff, 0x76, 0x08], .push, [mem(8, .rsi, 8)], 8, 0, []),
        N("bt qword ptr [rsi+8],rbx", [0x48, 0x0f, 0xa3, 0x5e, 0x08], .bt, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("bt qword ptr [rsi+8],13", [0x48, 0x0f, 0xba, 0x66, 0x08, 0x0d], .bt, [mem(8, .rsi, 8), imm(13)], 8, 0, []),
        N("bts qword ptr [rsi+8],rbx", [0x48, 0x0f, 0xab, 0x5e, 0x08], .bts, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("bts qword ptr [rsi+8],13", [0x48, 0x0f, 0xba, 0x6e, 0x08, 0x0d], .bts, [mem(8, .rsi, 8), imm(13)], 8, 0, []),
        N("btr qword ptr [rsi+8],rbx", [0x48, 0x0f, 0xb3, 0x5e, 0x08], .btr, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("btr qword ptr [rsi+8],13", [0x48, 0x0f, 0xba, 0x76, 0x08, 0x0d], .btr, [mem(8, .rsi, 8), imm(13)], 8, 0, []),
        N("btc qword ptr [rsi+8],rbx", [0x48, 0x0f, 0xbb, 0x5e, 0x08], .btc, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("btc qword ptr [rsi+8],13", [0x48, 0x0f, 0xba, 0x7e, 0x08, 0x0d], .btc, [mem(8, .rsi, 8), imm(13)], 8, 0, []),
        N("movbe rax,qword ptr [rsi+8]", [0x48, 0x0f, 0x38, 0xf0, 0x46, 0x08], .movbe, [r(0, 8), mem(8, .rsi, 8)], 8, 0, []),
        N("movbe qword ptr [rsi+8],rbx", [0x48, 0x0f, 0x38, 0xf1, 0x5e, 0x08], .movbe, [mem(8, .rsi, 8), r(3, 8)], 8, 0, []),
        N("shld qword ptr [rsi+8],rbx,cl", [0x48, 0x0f, 0xa5, 0x5e, 0x08], .shld, [mem(8, .rsi, 8), r(3, 8), cl], 8, 0, []),
        N("push qword ptr [rsi+8]", [0xff, 0x76, 0x08], .push, [mem(8, .rsi, 8)], 8, 0, []),
        N("push bx", [0x66, 0x53], .push, [r(3, 2)], 2, 0, []),
        N("pop bx", [0x66, 0x5b], .pop, [r(3, 2)], 2, 0, []),
        N("pop word ptr [rsi+8]", [0x66, 0x8f, 0x46, 0x08], .pop, [mem(2, .rsi, 8)], 2, 0, []),
        N("pushfw", [0x66, 0x9c], .pushf, [], 2, 0, []),
        N("data16 leave", [0x66, 0xc9], .leave, [], 2, 0, []),
        N("push rbx", [0x53], .push, [r(3, 8)], 8, 0, []),
        N("pop rbx", [0x5b], .pop, [r(3, 8)], 8, 0, []),
        N("pop qword ptr [rsi+8]", [0x8f, 0x46, 0x08], .pop, [mem(8, .rsi, 8)], 8, 0, []),
        N("pushfq", [0x9c], .pushf, [], 8, 0, []),
        N("leave", [0xc9], .leave, [], 8, 0, []),
        N("pop qword ptr [rsp+8]", [0x8f, 0x44, 0x24, 0x08], .pop, [mem(8, .rsp, 8)], 8, 0, []),
        N("push rsp", [0x54], .push, [r(4, 8)], 8, 0, []),
        N("pop rsp", [0x5c], .pop, [r(4, 8)], 8, 0, []),
        N("push -5", [0x6a, 0xfb], .push, [imm(-5)], 8, 0, []),
        N("enter 0x20,0", [0xc8, 0x20, 0x00, 0x00], .enter, [imm(0x20, 2), imm(0)], 8, 0, []),
        N("enter 0x20,1", [0xc8, 0x20, 0x00, 0x01], .enter, [imm(0x20, 2), imm(1)], 8, 0, []),
        N("enter 0x20,2", [0xc8, 0x20, 0x00, 0x02], .enter, [imm(0x20, 2), imm(2)], 8, 0, []),
        N("enter 0x20,5", [0xc8, 0x20, 0x00, 0x05], .enter, [imm(0x20, 2), imm(5)], 8, 0, []),
        N("cmpxchg8b qword ptr [rsi+8]", [0x0f, 0xc7, 0x4e, 0x08], .cmpxchg8b, [mem(8, .rsi, 8)], 4, 0, []),
        N("cmpxchg16b xmmword ptr [rsi+16]", [0x48, 0x0f, 0xc7, 0x4e, 0x10], .cmpxchg16b, [mem(16, .rsi, 16)], 8, 0, []),
        N("cmpxchg16b xmmword ptr [rsi+8]", [0x48, 0x0f, 0xc7, 0x4e, 0x08], .cmpxchg16b, [mem(16, .rsi, 8)], 8, 0, []),
        N("xlatb", [0xd7], .xlat, [], 1, 0, []),
        N("movzx eax, byte ptr [rsi+rcx*2+3]", [0x0f, 0xb6, 0x44, 0x4e, 0x03], .movzx, [r(0, 4), mem(1, .rsi, 3, index: .rcx, scale: 2)], 4, 0, []),
        N("movsxd rax, dword ptr [rsi+8]", [0x48, 0x63, 0x46, 0x08], .movsxd, [r(0, 8), mem(4, .rsi, 8)], 8, 0, []),
        N("crc32 eax, word ptr [rsi+8]", [0x66, 0xf2, 0x0f, 0x38, 0xf1, 0x46, 0x08], .crc32, [r(0, 4), mem(2, .rsi, 8)], 4, 0, []),
        N("imul eax, dword ptr [rsi+8], -7", [0x6b, 0x46, 0x08, 0xf9], .imul, [r(0, 4), mem(4, .rsi, 8), imm(-7)], 4, 0, []),
        N("cmovne rax, qword ptr [rsi+8]", [0x48, 0x0f, 0x45, 0x46, 0x08], .cmovcc, [r(0, 8), mem(8, .rsi, 8)], 8, 5, []),
    ]

    func testMemoryInstructionsMatchTheHost() throws {
        guard LifterNativeTests.hostIsAMD else { throw XCTSkip("undefined flags follow an AMD host") }
        XCTAssertEqual(native_runner_setup(), 0)
        let data = Int(NATIVE_DATA_ADDRESS)
        let dataSize = Int(NATIVE_DATA_SIZE)
        let machine = TestMachine(memorySize: data + dataSize)
        var rng = SystemRandomNumberGenerator()
        let flagMask: UInt64 = 0x8D5 | 0x400
        var failures = 0
        let region = native_data_region()!
        for c in Self.cases {
            for i in stride(from: 0, to: dataSize, by: 8) {
                // Runs of zeros let REPE CMPS/SCAS go on for a while.
                let v = rng.next() % 4 == 0 ? 0 : rng.next()
                (region + i).withMemoryRebound(to: UInt64.self, capacity: 1) { $0.pointee = v }
            }
            for _ in 0..<60 {
                var input = NativeState()
                var gpr = (0..<16).map { _ in LifterNativeTests.value(&rng) }
                gpr[1] = rng.next() % 24                                         // RCX: REP counts
                gpr[3] = c.insn.mnemonic == .xlat ? UInt64(data + 0x2000) : UInt64(bitPattern: Int64(rng.next() % 1024) - 512)
                gpr[4] = UInt64(data + 0x8000)
                gpr[5] = UInt64(data + 0x5000) + (rng.next() % 32) * 8
                gpr[6] = UInt64(data + 0x1000) + (rng.next() % 16) * 16
                gpr[7] = UInt64(data + 0x3000) + rng.next() % 64
                withUnsafeMutableBytes(of: &input.gpr) { raw in
                    for i in 0..<16 { raw.storeBytes(of: gpr[i], toByteOffset: i * 8, as: UInt64.self) }
                }
                input.rflags = 0x202 | (rng.next() & flagMask)
                (machine.memory + data).copyMemory(from: region, byteCount: dataSize)
                // The runner loads RFLAGS with POPFQ, which leaves the image below the stack pointer.
                machine.store64(data + 0x8000 - 8, input.rflags)

                var native = NativeResult()
                let status = c.bytes.withUnsafeBufferPointer { native_run($0.baseAddress, $0.count, &input, &native) }
                XCTAssertEqual(status, 0)

                for i in 0..<16 { machine[gpr: i] = gpr[i] }
                machine.flags = input.rflags & 0x8D5
                machine.cpu.pointee.df = input.rflags >> 10 & 1
                machine.cpu.pointee.eflags_rest = 0x202  // IF, as the host runs the snippet
                machine.cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
                let exit = machine.run([c.insn])

                var problem: String?
                if native.signal != 0 {
                    if exit != Int32(MIMIC_EXIT_EXCEPTION) || machine.cpu.pointee.exception != UInt64(native.trapno) {
                        problem = "host raised vector \(native.trapno), lifted exit \(exit) exception \(machine.cpu.pointee.exception)"
                    }
                } else {
                    withUnsafeBytes(of: native.state.gpr) { raw in
                        for i in 0..<16 where problem == nil {
                            let expected = raw.load(fromByteOffset: i * 8, as: UInt64.self)
                            if machine[gpr: i] != expected {
                                problem = "gpr \(i): lifted 0x\(String(machine[gpr: i], radix: 16)), host 0x\(String(expected, radix: 16))"
                            }
                        }
                    }
                    let lifted = machine.flags | machine.cpu.pointee.df << 10
                    if problem == nil, lifted != native.state.rflags & flagMask {
                        problem = "flags: lifted 0x\(String(lifted, radix: 16)), host 0x\(String(native.state.rflags & flagMask, radix: 16))"
                    }
                    if problem == nil, memcmp(machine.memory + data, region, dataSize) != 0 {
                        problem = "data region differs"
                    }
                }
                if let problem {
                    failures += 1
                    XCTFail("\(c.text): \(problem); rax rcx rdx rbx = \(gpr[0..<4].map { "0x" + String($0, radix: 16) })")
                    break
                }
            }
            if failures > 40 { break }
        }
    }
}
