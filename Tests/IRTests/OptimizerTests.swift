import CCPU
import IR
import Optimizer
import TestSupport
import XCTest

final class OptimizerTests: XCTestCase {
    func testConstantsFoldAndCopiesPropagate() {
        var block = IRBlock(layout: testLayout)
        let a = block.add(.i64, block.const(.i64, 2 as UInt64), block.const(.i64, 3 as UInt64))
        let b = block.newLocal(.i64)
        block.mov(b, a)
        block.mov(Temp(0), block.binary(.shl, .i64, b, block.const(.i64, 4 as UInt64)))
        block.exitTB(0)
        Optimizer.optimize(&block)
        XCTAssertEqual(block.insts.count, 2, block.text)
        XCTAssertEqual(block.insts[0].op, .mov)
        XCTAssertEqual(block.constValue(block.insts[0].a0), 80)
    }

    func testFlagOverwrittenBeforeReadIsNotComputed() {
        // Two "instructions" each set g1 (a flag) from g0; only the second one's survives.
        var block = IRBlock(layout: testLayout)
        block.insnStart(0)
        block.mov(Temp(0), block.add(.i64, Temp(0), Temp(2)))
        block.mov(Temp(1), block.setcond(.eq, .i64, Temp(0), block.const(.i64, 0 as UInt64)))
        block.insnStart(1)
        block.mov(Temp(0), block.sub(.i64, Temp(0), Temp(3)))
        block.mov(Temp(1), block.setcond(.eq, .i64, Temp(0), block.const(.i64, 0 as UInt64)))
        block.exitTB(0)
        Optimizer.optimize(&block)
        XCTAssertEqual(block.insts.filter { $0.op == .setcond }.count, 1, block.text)
    }

    func testFlagsStayExactBeforeAMemoryAccess() {
        var block = IRBlock(layout: testLayout)
        block.mov(Temp(1), block.setcond(.eq, .i64, Temp(0), block.const(.i64, 0 as UInt64)))
        block.mov(Temp(2), block.load(.i64, .u64, address: Temp(3)))
        block.mov(Temp(1), block.setcond(.ne, .i64, Temp(0), block.const(.i64, 0 as UInt64)))
        block.exitTB(0)
        Optimizer.optimize(&block)
        XCTAssertEqual(block.insts.filter { $0.op == .setcond }.count, 2, block.text)
    }

    func testConstantBranchFolds() {
        var block = IRBlock(layout: testLayout)
        let l = block.newLabel()
        block.brcond(.ltu, .i64, block.const(.i64, 1 as UInt64), block.const(.i64, 2 as UInt64), l)
        block.mov(Temp(0), block.const(.i64, 1 as UInt64))
        block.setLabel(l)
        block.exitTB(0)
        Optimizer.optimize(&block)
        XCTAssertEqual(block.insts.first?.op, .br, block.text)
    }

    /// Random blocks of pure ops, labels and branches give the same globals optimized or not.
    func testOptimizedBlocksComputeTheSameAsUnoptimized() throws {
        var rng = SplitMix64(seed: 0x5EED)
        let ops: [Op] = [.add, .sub, .mul, .and, .or, .xor, .andc, .shl, .shr, .sar, .rotl, .rotr, .clz, .ctz,
                         .neg, .not, .ctpop, .bswap16, .bswap32, .ext8s, .ext16u, .setcond, .movcond, .mulu2,
                         .deposit, .extract, .sextract, .flagsAdd, .flagsSub, .flagsAdc, .flagsSbb, .flagsLogic]
        let edges: [UInt64] = [0, 1, 2, 0x7F, 0x80, 0xFFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 63, ~0]
        for round in 0..<2000 {
            var block = IRBlock(layout: testLayout)
            var values: [Temp] = (0..<4).map { Temp($0) }
            func pick() -> Temp {
                if rng.next() % 4 == 0 { return block.const(.i64, edges[Int(rng.next() % UInt64(edges.count))]) }
                return values[Int(rng.next() % UInt64(values.count))]
            }
            var pendingLabel: Int? = nil
            for _ in 0..<(4 + Int(rng.next() % 24)) {
                let op = ops[Int(rng.next() % UInt64(ops.count))]
                var inst = Inst(op, .i64, d0: block.newLocal(.i64))
                for i in 0..<op.info.ins { inst.setInput(i, pick()) }
                if op.info.usesCond { inst.aux = UInt8(rng.next() % 12) }
                if op == .mulu2 { inst.d1 = block.newLocal(.i64) }
                if op.info.usesWidth { inst.aux = UInt8(rng.next() % 4) }
                if op.info.imm == .bitField {
                    let pos = Int(rng.next() % 63), len = 1 + Int(rng.next() % UInt64(64 - pos))
                    inst.imm = Int64(pos | len << 8)
                }
                block.emit(inst)
                values.append(inst.d0)
                if op == .flagsSub || op == .flagsLogic, rng.next() % 2 == 0 {
                    // A condition on the flags word, as the lifter writes it (plain or signed).
                    let masks: [UInt64] = [0x1, 0x40, 0x41, 0x80, 0xC0, 0x800, 0x4]
                    var tested = inst.d0
                    if rng.next() % 2 == 0 {
                        tested = block.xor(.i64, inst.d0, block.binaryImm(.shr, .i64, inst.d0, 4))
                    }
                    let mask = block.const(.i64, masks[Int(rng.next() % UInt64(masks.count))])
                    let cond: Cond = rng.next() % 2 == 0 ? .tstne : .tsteq
                    let r = block.setcond(cond, .i64, tested, mask)
                    values.append(r)
                    block.mov(Temp(Int(rng.next() % 4)), r)
                }
                if rng.next() % 3 == 0 { block.mov(Temp(Int(rng.next() % 4)), inst.d0) }
                if pendingLabel == nil, rng.next() % 6 == 0 {
                    let l = block.newLabel()
                    block.brcond(Cond(rawValue: UInt8(rng.next() % 12))!, .i64, pick(), pick(), l)
                    pendingLabel = l
                    values = Array(values.prefix(4))
                } else if let l = pendingLabel, rng.next() % 4 == 0 {
                    block.setLabel(l)
                    pendingLabel = nil
                    values = Array(values.prefix(4))
                }
            }
            if let l = pendingLabel { block.setLabel(l) }
            block.exitTB(0)
            try block.verify()

            var optimized = block
            Optimizer.optimize(&optimized)
            try optimized.verify()
            let inputs = (0..<4).map { _ in rng.next() % 3 == 0 ? edges[Int(rng.next() % UInt64(edges.count))] : rng.next() }
            let plain = TestMachine(), better = TestMachine()
            for g in 0..<4 {
                plain[global: g] = inputs[g]
                better[global: g] = inputs[g]
            }
            _ = plain.run(block)
            _ = better.run(optimized)
            for g in 0..<4 where plain[global: g] != better[global: g] {
                XCTFail("round \(round): g\(g) \(plain[global: g]) != \(better[global: g])\n--- before\n\(block.text)--- after\n\(optimized.text)")
                return
            }
        }
    }
}
