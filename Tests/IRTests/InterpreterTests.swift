import CCPU
import IR
import XCTest

final class InterpreterTests: XCTestCase {
    /// g0 = g1 ∘ g2 for a binary op, run by the interpreter.
    func binary(_ op: Op, _ type: IRType, _ a: UInt64, _ b: UInt64) -> UInt64 {
        var block = IRBlock(layout: testLayout)
        let x = type == .i64 ? Temp(1) : block.unary(.truncI64I32, .i32, Temp(1))
        let y = type == .i64 ? Temp(2) : block.unary(.truncI64I32, .i32, Temp(2))
        var r = block.binary(op, type, x, y)
        if type == .i32 { r = block.unary(.extuI32I64, .i64, r) }
        block.mov(Temp(0), r)
        block.exitTB(Int32(MIMIC_EXIT_REQUEST))
        XCTAssertNoThrow(try block.verify())
        let m = TestMachine()
        m[global: 1] = a
        m[global: 2] = b
        XCTAssertEqual(m.run(block), Int32(MIMIC_EXIT_REQUEST))
        return m[global: 0]
    }

    func testArithmetic() {
        XCTAssertEqual(binary(.add, .i64, ~0, 1), 0)
        XCTAssertEqual(binary(.add, .i32, 0xFFFF_FFFF, 2), 1)
        XCTAssertEqual(binary(.sub, .i32, 0, 1), 0xFFFF_FFFF)
        XCTAssertEqual(binary(.mul, .i64, 1 << 32, 1 << 32), 0)
        XCTAssertEqual(binary(.andc, .i64, 0xFF, 0x0F), 0xF0)
    }

    func testShiftsTakeTheCountModuloTheWidth() {
        XCTAssertEqual(binary(.shl, .i32, 1, 33), 2)
        XCTAssertEqual(binary(.shl, .i64, 1, 65), 2)
        XCTAssertEqual(binary(.sar, .i32, 0x8000_0000, 31), 0xFFFF_FFFF)
        XCTAssertEqual(binary(.sar, .i64, 1 << 63, 63), ~0)
        XCTAssertEqual(binary(.shr, .i32, 0x8000_0000, 31), 1)
        XCTAssertEqual(binary(.rotl, .i32, 0x8000_0001, 1), 3)
        XCTAssertEqual(binary(.rotr, .i64, 1, 1), 1 << 63)
        XCTAssertEqual(binary(.rotr, .i32, 1, 0), 1)
    }

    func testCountsWithZeroInputGiveTheSecondOperand() {
        XCTAssertEqual(binary(.clz, .i32, 0, 32), 32)
        XCTAssertEqual(binary(.clz, .i32, 1, 32), 31)
        XCTAssertEqual(binary(.clz, .i64, 1, 64), 63)
        XCTAssertEqual(binary(.ctz, .i64, 0, 77), 77)
        XCTAssertEqual(binary(.ctz, .i64, 8, 64), 3)
    }

    func testWideningMultiply() {
        var block = IRBlock(layout: testLayout)
        let (lo, hi) = block.mul2(signed: true, .i64, Temp(2), Temp(3))
        block.mov(Temp(0), lo)
        block.mov(Temp(1), hi)
        block.exitTB(0)
        let m = TestMachine()
        m[global: 2] = UInt64(bitPattern: -3)
        m[global: 3] = 5
        _ = m.run(block)
        XCTAssertEqual(m[global: 0], UInt64(bitPattern: -15))
        XCTAssertEqual(m[global: 1], ~0)
    }

    func testBitFields() {
        var block = IRBlock(layout: testLayout)
        block.mov(Temp(0), block.deposit(.i64, Temp(0), Temp(1), position: 8, length: 8))
        block.mov(Temp(2), block.extract(.i64, Temp(3), position: 4, length: 8, signed: true))
        block.exitTB(0)
        let m = TestMachine()
        m[global: 0] = 0x1111_1111
        m[global: 1] = 0xAB
        m[global: 3] = 0xF80
        _ = m.run(block)
        XCTAssertEqual(m[global: 0], 0x1111_AB11)
        XCTAssertEqual(m[global: 2], UInt64(bitPattern: -8))
    }

    func testLoopWithLabels() {
        // g0 = sum of 1...g1
        var block = IRBlock(layout: testLayout)
        let top = block.newLabel(), done = block.newLabel()
        let zero = block.const(.i64, 0 as UInt64), one = block.const(.i64, 1 as UInt64)
        block.mov(Temp(0), zero)
        block.setLabel(top)
        block.brcond(.eq, .i64, Temp(1), zero, done)
        block.mov(Temp(0), block.add(.i64, Temp(0), Temp(1)))
        block.mov(Temp(1), block.sub(.i64, Temp(1), one))
        block.br(top)
        block.setLabel(done)
        block.exitTB(0)
        XCTAssertNoThrow(try block.verify())
        let m = TestMachine()
        m[global: 1] = 100
        _ = m.run(block)
        XCTAssertEqual(m[global: 0], 5050)
    }

    func testOutOfRangeLoadFaultsAtItsInstruction() {
        var block = IRBlock(layout: testLayout)
        block.insnStart(0x1000)
        block.mov(Temp(0), block.const(.i64, 7 as UInt64))
        block.insnStart(0x1004)
        block.mov(Temp(1), block.load(.i64, .u64, address: Temp(2)))
        block.exitTB(0)
        let m = TestMachine()
        m[global: 2] = 4090  // 8 bytes from 4090 pass the end of the 4 KiB
        XCTAssertEqual(m.run(block), Int32(MIMIC_EXIT_EXCEPTION))
        XCTAssertEqual(m.cpu.pointee.exception, UInt64(MIMIC_EXC_PF))
        XCTAssertEqual(m.cpu.pointee.fault_address, 4090)
        XCTAssertEqual(m.cpu.pointee.rip, 0x1004)
        XCTAssertEqual(m[global: 0], 7, "earlier effects are done")
    }
}
