import CCPU
import IR
import XCTest
@testable import Backend

/// Every op × type × edge values, against `Reference`, with the host's optional instructions
/// on and off.
final class JITOpTests: XCTestCase {
    static let edges: [UInt64] = [
        0, 1, 2, ~0, 0x7F, 0x80, 0xFFFF, 0x8000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
        0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 31, 32, 63, 64, 0x1234_5678_9ABC_DEF0,
    ]
    static let binaryOps: [Op] = [.add, .sub, .mul, .and, .or, .xor, .andc, .shl, .shr, .sar, .rotl, .rotr, .clz, .ctz]
    static let unaryOps: [Op] = [.mov, .neg, .not, .ext8s, .ext8u, .ext16s, .ext16u, .ext32s, .ext32u,
                                 .bswap16, .bswap32, .bswap64, .ctpop]
    /// Garbage above an i32 global's 32 bits, which loads must ignore and stores must keep.
    static let upperGarbage: UInt64 = 0xDEAD_BEEF_0000_0000

    /// An i64 helper that returns its argument: passing an i32 result through it shows whether
    /// the register's upper half is zero.
    static let identity = Helpers.register(Helper(name: "test_identity", function: { _, a, _, _, _ in a },
                                                  argumentCount: 1, returnsValue: true, flags: .pure))

    static let featureSets: [HostFeatures?] = [nil, .baseline]

    enum Shape: CaseIterable { case registers, constantRight, constantLeft, sameTemp }

    /// Globals for a type: (result, left, right).
    func globals(_ t: IRType) -> (Temp, Temp, Temp) { t == .i64 ? (Temp(0), Temp(1), Temp(2)) : (Temp(4), Temp(5), Temp(6)) }

    /// Sets up inputs, runs, and returns the result and (for i32) what the identity helper saw.
    func run(_ h: JITHarness, _ block: IRBlock, _ t: IRType, a: UInt64, b: UInt64) throws -> (UInt64, UInt64) {
        h.reset()
        if t == .i64 {
            h[gpr: 1] = a
            h[gpr: 2] = b
        } else {
            h[gpr: 5] = Self.upperGarbage | (a & 0xFFFF_FFFF)
            h[gpr: 6] = Self.upperGarbage | (b & 0xFFFF_FFFF)
            h[gpr: 4] = Self.upperGarbage
        }
        let exit = try h.run(block)
        XCTAssertEqual(exit, 7 << 8 | UInt64(MIMIC_EXIT_REQUEST))
        if t == .i64 { return (h[gpr: 0], h[gpr: 0]) }
        XCTAssertEqual(h[gpr: 4] & ~0xFFFF_FFFF, Self.upperGarbage, "i32 store touched the upper half")
        return (h[gpr: 4] & 0xFFFF_FFFF, h[gpr: 3])
    }

    /// Finishes a block computing `d` of type `t`: store to the result global, and for i32 also
    /// pass it through the identity helper into g3.
    func finishBlock(_ block: inout IRBlock, _ d: Temp, _ t: IRType) {
        block.mov(globals(t).0, d)
        if t == .i32 { block.mov(Temp(3), block.call(Self.identity, [d])) }
        block.exitTB(Int32(MIMIC_EXIT_REQUEST))
    }

    /// What the interpreter's evaluator computes for the block's one value op, masked to its
    /// type (IR.Evaluate leaves the upper half of a few i32 results set; the JIT keeps it zero).
    static func interpreter(_ block: IRBlock, _ a: UInt64, _ b: UInt64) -> UInt64 {
        let inst = block.insts.first { Evaluate.isPure($0.op) }!
        func value(_ t: Temp) -> UInt64 { block.isConst(t) ? block.constValue(t)! : (t == inst.a0 ? a : b) }
        return Evaluate.pure(inst, value(inst.a0), inst.a1.isNone ? 0 : value(inst.a1), 0, 0).0 & inst.type.mask
    }

    func testBinaryOps() throws {
        for features in Self.featureSets {
            let h = try JITHarness(features: features)
            var failures = 0
            for op in Self.binaryOps {
                for t in [IRType.i64, .i32] {
                    for shape in Shape.allCases {
                        for a in Self.edges {
                            for b in shape == .sameTemp ? [a] : Self.edges {
                                var block = h.newBlock()
                                let (_, ga, gb) = globals(t)
                                let x: Temp, y: Temp
                                switch shape {
                                case .registers: (x, y) = (ga, gb)
                                case .constantRight: (x, y) = (ga, block.const(t, b))
                                case .constantLeft: (x, y) = (block.const(t, a), gb)
                                case .sameTemp: (x, y) = (ga, ga)
                                }
                                finishBlock(&block, block.binary(op, t, x, y), t)
                                let (got, seen) = try run(h, block, t, a: a, b: b)
                                let want = Reference.binary(op, t, a, b)
                                XCTAssertEqual(Self.interpreter(block, a & t.mask, b & t.mask), want, "IR.Evaluate disagrees: \(op.name) \(t.name)")
                                if got != want || seen != want {
                                    failures += 1
                                    if failures < 20 {
                                        XCTFail("\(op.name) \(t.name) \(shape) \(hex: a), \(hex: b): got \(hex: got) (helper saw \(hex: seen)), want \(hex: want) features \(String(describing: features))")
                                    }
                                }
                            }
                        }
                    }
                }
            }
            XCTAssertEqual(failures, 0)
        }
    }

    func testUnaryOps() throws {
        for features in Self.featureSets {
            let h = try JITHarness(features: features)
            for op in Self.unaryOps {
                for t in [IRType.i64, .i32] {
                    for a in Self.edges {
                        for constant in [false, true] {
                            var block = h.newBlock()
                            let x = constant ? block.const(t, a) : globals(t).1
                            finishBlock(&block, block.unary(op, t, x), t)
                            let (got, seen) = try run(h, block, t, a: a, b: 0)
                            let want = Reference.unary(op, t, a)
                            XCTAssertEqual(Self.interpreter(block, a & t.mask, 0), want, "IR.Evaluate disagrees: \(op.name) \(t.name)")
                            XCTAssertEqual(got, want, "\(op.name) \(t.name) \(hex: a) const \(constant)")
                            XCTAssertEqual(seen, want, "\(op.name) \(t.name) \(hex: a) upper half")
                        }
                    }
                }
            }
        }
    }

    func testConversions() throws {
        let h = try JITHarness()
        for a in Self.edges {
            for (op, from, to) in [(Op.extuI32I64, IRType.i32, IRType.i64), (.extsI32I64, .i32, .i64), (.truncI64I32, .i64, .i32)] {
                var block = h.newBlock()
                let src = from == .i32 ? Temp(5) : Temp(1)
                let d = block.newLocal(to)
                block.emit(Inst(op, to, d0: d, a0: src))
                finishBlock(&block, d, to)
                h.reset()
                h[gpr: 1] = a
                h[gpr: 5] = Self.upperGarbage | (a & 0xFFFF_FFFF)
                h[gpr: 4] = Self.upperGarbage
                try h.run(block)
                let got = to == .i64 ? h[gpr: 0] : h[gpr: 4] & 0xFFFF_FFFF
                XCTAssertEqual(got, Reference.unary(op, to, a & from.mask), "\(op.name) \(hex: a)")
                if to == .i32 { XCTAssertEqual(h[gpr: 3], got, "upper half") }
            }
        }
    }

    func testBitFields() throws {
        for features in Self.featureSets {
            let h = try JITHarness(features: features)
            for t in [IRType.i64, .i32] {
                var fields: [(Int, Int)] = []
                for pos in [0, 1, 7, 8, 15, 16, 31, 32, 33, 48, 63] where pos < t.bits {
                    for len in [1, 4, 8, 16, 31, 32, 33, 56, 63, 64] where pos + len <= t.bits { fields.append((pos, len)) }
                }
                for (pos, len) in fields {
                    for (a, b) in [(~UInt64(0), 0), (0, ~UInt64(0)), (0x1234_5678_9ABC_DEF0, 0xFEDC_BA98_7654_3210), (0x8000_0000_8000_0000, 0x5555)] {
                        for op in [Op.deposit, .extract, .sextract] {
                            for constant in [false, true] {
                                var block = h.newBlock()
                                let (_, ga, gb) = globals(t)
                                let d: Temp
                                if op == .deposit {
                                    d = block.deposit(t, ga, constant ? block.const(t, b) : gb, position: pos, length: len)
                                } else {
                                    d = block.extract(t, constant ? block.const(t, a) : ga, position: pos, length: len, signed: op == .sextract)
                                }
                                finishBlock(&block, d, t)
                                let (got, seen) = try run(h, block, t, a: a, b: b)
                                let want = Reference.bitField(op, t, a & t.mask, b & t.mask, pos: pos, len: len)
                                XCTAssertEqual(Self.interpreter(block, a & t.mask, b & t.mask), want, "IR.Evaluate disagrees: \(op.name) \(t.name)")
                                XCTAssertEqual(got, want, "\(op.name) \(t.name) pos \(pos) len \(len) \(hex: a) \(hex: b) const \(constant)")
                                XCTAssertEqual(seen, want, "\(op.name) upper half")
                            }
                        }
                    }
                }
            }
        }
    }

    func testDoubleWidthMultiply() throws {
        let h = try JITHarness()
        for t in [IRType.i64, .i32] {
            for a in Self.edges {
                for b in Self.edges {
                    for signed in [false, true] {
                        var block = h.newBlock()
                        let (_, ga, gb) = globals(t)
                        let (lo, hi) = block.mul2(signed: signed, t, ga, gb)
                        block.mov(globals(t).0, lo)
                        // The high half goes to g3 (i64) or g7 (i32).
                        block.mov(t == .i64 ? Temp(3) : Temp(7), hi)
                        block.exitTB(Int32(MIMIC_EXIT_REQUEST))
                        h.reset()
                        h[gpr: 1] = a; h[gpr: 2] = b
                        h[gpr: 5] = a & 0xFFFF_FFFF; h[gpr: 6] = b & 0xFFFF_FFFF
                        try h.run(block)
                        let want = Reference.mul2(signed: signed, t, a & t.mask, b & t.mask)
                        let got = t == .i64 ? (h[gpr: 0], h[gpr: 3]) : (h[gpr: 4], h[gpr: 7])
                        XCTAssertTrue(got == want, "\(signed ? "muls2" : "mulu2") \(t.name) \(hex: a) \(hex: b): got \(got), want \(want)")
                    }
                }
            }
        }
    }

    func testSetcondAndMovcond() throws {
        let h = try JITHarness()
        for t in [IRType.i64, .i32] {
            for c in Cond.allCases {
                for a in Self.edges {
                    for b in Self.edges {
                        for constant in [false, true] {
                            var block = h.newBlock()
                            let (_, ga, gb) = globals(t)
                            let y = constant ? block.const(t, b) : gb
                            let s = block.setcond(c, t, ga, y)
                            let m = block.movcond(c, t, ga, y, block.const(t, UInt64(0x1111)), s)
                            finishBlock(&block, block.add(t, block.binaryImm(.shl, t, m, 8), s), t)
                            let (got, _) = try run(h, block, t, a: a, b: b)
                            let holds = c.holds(a & t.mask, b & t.mask, t)
                            let want: UInt64 = holds ? (0x1111 << 8) + 1 : 0
                            XCTAssertEqual(got, want, "\(c.name) \(t.name) \(hex: a) \(hex: b) const \(constant)")
                        }
                    }
                }
            }
        }
    }
}

extension String.StringInterpolation {
    mutating func appendInterpolation(hex v: UInt64) { appendLiteral("0x" + String(v, radix: 16)) }
}
