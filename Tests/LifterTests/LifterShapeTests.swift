import IR
@testable import Lifter
import X86
import XCTest

/// Lifts every general-purpose mnemonic in its operand shapes and widths and checks the IR:
/// well formed, locals confined to their basic block, and the block ends as the conventions say.
final class LifterShapeTests: XCTestCase {
    typealias B = Build

    static func shapes() -> [Instruction] {
        var list: [Instruction] = []
        func add(_ m: Mnemonic, _ ops: [Operand], _ w: Int, condition: UInt8 = 0, prefixes: Prefixes = []) {
            list.append(B.insn(m, ops, bytes: w, condition: condition, prefixes: prefixes))
        }
        for w in [1, 2, 4, 8] {
            for m: Mnemonic in [.add, .or, .adc, .sbb, .and, .sub, .xor, .cmp, .test] {
                add(m, [B.r(0, w), B.r(3, w)], w)
                add(m, [B.r(0, w), B.m(w)], w)
                add(m, [B.m(w), B.r(2, w)], w)
                add(m, [B.r(1, w), B.imm(-5)], w)
                add(m, [B.m(w, segment: .fs), B.imm(7)], w)
            }
            add(.add, [.register(Register(.gpr8High, 4)), B.r(3, 1)], 1)
            for m: Mnemonic in [.inc, .dec, .neg, .not, .mul, .imul, .div, .idiv] {
                add(m, [B.r(3, w)], w)
                add(m, [B.m(w)], w)
            }
            for m: Mnemonic in [.rol, .ror, .rcl, .rcr, .shl, .shr, .sal, .sar] {
                add(m, [B.r(0, w)], w)
                add(m, [B.r(0, w), B.imm(3)], w)
                add(m, [B.r(0, w), B.imm(0)], w)
                add(m, [B.r(0, w), B.cl], w)
                add(m, [B.m(w), B.cl], w)
                add(m, [B.m(w), B.imm(0)], w)
            }
            for m: Mnemonic in [.xadd, .cmpxchg, .xchg, .mov] {
                add(m, [B.r(0, w), B.r(3, w)], w)
                add(m, [B.m(w), B.r(3, w)], w)
            }
            add(.mov, [B.r(0, w), B.imm(-1, 4)], w)
            add(.setcc, [B.r(0, 1)], 1, condition: UInt8(w))
            for m: Mnemonic in [.movs, .cmps, .stos, .lods, .scas] {
                add(m, [], w)
                add(m, [], w, prefixes: .rep)
                if m == .cmps || m == .scas { add(m, [], w, prefixes: .repne) }
            }
        }
        for w in [2, 4, 8] {
            add(.imul, [B.r(0, w), B.r(3, w)], w)
            add(.imul, [B.r(0, w), B.m(w)], w)
            add(.imul, [B.r(0, w), B.r(3, w), B.imm(-3)], w)
            for m: Mnemonic in [.shld, .shrd] {
                add(m, [B.r(0, w), B.r(3, w), B.imm(5)], w)
                add(m, [B.m(w), B.r(3, w), B.cl], w)
            }
            for m: Mnemonic in [.bt, .bts, .btr, .btc] {
                add(m, [B.r(0, w), B.r(3, w)], w)
                add(m, [B.m(w), B.r(3, w)], w)
                add(m, [B.m(w), B.imm(33)], w)
            }
            for m: Mnemonic in [.bsf, .bsr, .tzcnt, .lzcnt, .popcnt, .movbe] {
                add(m, [B.r(0, w), B.r(3, w)], w)
                add(m, [B.r(0, w), B.m(w)], w)
            }
            add(.movbe, [B.m(w), B.r(3, w)], w)
            for cc in 0..<16 { add(.cmovcc, [B.r(0, w), B.r(3, w)], w, condition: UInt8(cc)) }
            add(.movzx, [B.r(0, w), B.r(3, 1)], w)
            add(.movsx, [B.r(0, w), B.m(1)], w)
            add(.lea, [B.r(0, w), B.m(0, index: .rcx, scale: 4, displacement: -8)], w)
            add(.bswap, [B.r(0, w)], w)
            add(.push, [B.r(3, w)], w)
            add(.push, [B.m(w)], w)
            add(.pop, [B.r(3, w)], w)
            add(.pop, [B.m(w, base: .rsp, displacement: 8)], w)
            add(.pushf, [], w)
            add(.popf, [], w)
            add(.enter, [B.imm(32, 2), B.imm(3)], w)
            add(.leave, [], w)
        }
        for w in [4, 8] {
            for m: Mnemonic in [.adcx, .adox] { add(m, [B.r(0, w), B.r(3, w)], w) }
            for m: Mnemonic in [.andn, .bextr, .bzhi, .mulx, .pdep, .pext, .sarx, .shlx, .shrx] {
                add(m, [B.r(0, w), B.r(3, w), B.r(1, w)], w)
                add(m, [B.r(0, w), B.r(3, w), B.m(w)], w)
            }
            for m: Mnemonic in [.blsi, .blsmsk, .blsr] { add(m, [B.r(0, w), B.m(w)], w) }
            add(.rorx, [B.r(0, w), B.r(3, w), B.imm(7)], w)
            add(.crc32, [B.r(0, w), B.r(3, 1)], w)
            add(.crc32, [B.r(0, w), B.m(w)], w)
            add(.rdrand, [B.r(0, w)], w)
            add(.rdfsbase, [B.r(0, w)], w)
            add(.wrgsbase, [B.r(0, w)], w)
        }
        add(.movsxd, [B.r(0, 8), B.r(3, 4)], 8)
        add(.push, [B.imm(-2)], 8)
        add(.ret, [], 8)
        add(.ret, [B.imm(16, 2)], 8)
        for m: Mnemonic in [.cmpxchg8b, .cmpxchg16b] { add(m, [B.m(8)], 8) }
        for m: Mnemonic in [.lahf, .sahf, .cbw, .cwde, .cdqe, .cwd, .cdq, .cqo, .xlat, .clc, .stc, .cmc, .cld, .std,
                            .nop, .pause, .endbr64, .lfence, .cpuid, .rdtsc, .rdtscp, .int3, .hlt, .syscall, .ud2, .undefined] {
            add(m, [], 4)
        }
        return list
    }

    func testEveryShapeLiftsToWellFormedIR() throws {
        for insn in Self.shapes() {
            let block = B.lift([insn])
            let what = "\(insn.mnemonic) \(insn.operandBytes)-byte, \(insn.operandCount) operands"
            XCTAssertNoThrow(try block.ir.verify(), what)
            XCTAssertNil(localsStayInTheirBasicBlock(block.ir), what)
            XCTAssertTrue(block.ir.insts.last.map { $0.op.info.flags.contains(.leavesBlock) } ?? false, what)
            XCTAssertEqual(block.instructionCount, 1, what)
        }
    }

    func testControlTransfersEndTheBlock() throws {
        let target = Operand.relative(0x2000)
        let cases: [(Instruction, [Op])] = [
            (B.insn(.jmp, [target]), [.gotoTB]),
            (B.insn(.jmp, [B.r(0, 8)]), [.lookupAndGoto]),
            (B.insn(.jcc, [target], condition: 4), [.brcond, .gotoTB, .setLabel, .gotoTB]),
            (B.insn(.call, [target]), [.store, .gotoTB]),
            (B.insn(.call, [B.m(8)]), [.load, .store, .lookupAndGoto]),
            (B.insn(.loop, [target]), [.brcond, .gotoTB, .setLabel, .gotoTB]),
            (B.insn(.jrcxz, [target]), [.brcond, .gotoTB, .setLabel, .gotoTB]),
            (B.insn(.hlt, []), [.stEnv, .exitTB]),
        ]
        for (insn, expected) in cases {
            let block = B.lift([insn, B.insn(.nop, [])])
            XCTAssertEqual(block.instructionCount, 1, "\(insn.mnemonic)")
            let control = block.ir.insts.map(\.op).filter { expected.contains($0) }
            XCTAssertEqual(control, expected, "\(insn.mnemonic)")
            XCTAssertNoThrow(try block.ir.verify())
        }
    }

    func testFetchFaultOnTheFirstInstruction() {
        let block = Lifter().translate(pc: 0x1000, fetchLimit: 0x1003, maxInstructions: 8, keepInstructions: false) { _ in nil }
        XCTAssertEqual(block.instructionCount, 0)
        XCTAssertEqual(block.ir.insts.last?.op, .exitTB)
        XCTAssertNoThrow(try block.ir.verify())
    }

    func testBlockEndsAtTheInstructionLimit() {
        let list = Array(repeating: B.insn(.nop, [], length: 1), count: 10)
        var byAddress: [UInt64: Instruction] = [:]
        for (i, var insn) in list.enumerated() { insn.address = 0x1000 + UInt64(i); byAddress[insn.address] = insn }
        let block = Lifter().translate(pc: 0x1000, fetchLimit: 0x100A, maxInstructions: 4, keepInstructions: true) { byAddress[$0] }
        XCTAssertEqual(block.instructionCount, 4)
        XCTAssertEqual(block.endAddress, 0x1004)
        XCTAssertEqual(block.instructions?.count, 4)
        XCTAssertEqual(block.ir.insts.last?.op, .gotoTB)
    }
}
