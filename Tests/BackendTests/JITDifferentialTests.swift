import CCPU
import IR
import TestSupport
import XCTest
@testable import Backend

/// Random blocks run by the JIT and by `ReferenceRunner` from the same state must end in the
/// same registers, memory and exit. This is what exercises the allocator: spills under
/// pressure, evictions for fixed registers and calls, locals crossing labels.
final class JITDifferentialTests: XCTestCase {
    static let combine = Helpers.register(Helper(name: "diff_combine", function: { _, a, b, c, d in
        (a &* 31) ^ (b &+ c) &- d
    }, argumentCount: 4, returnsValue: true, flags: .pure))

    static let interesting: [UInt64] = [0, 1, 2, 7, 8, 31, 32, 63, 64, 0x7F, 0x80, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000,
                                        0xFFFF_FFFF, ~0, 0x8000_0000_0000_0000, 0xFFF8]

    struct Generator {
        var rng: SplitMix64
        var block: IRBlock
        var pool: [IRType: [Temp]] = [.i64: [Temp(0), Temp(1), Temp(2), Temp(3)], .i32: [Temp(4), Temp(5), Temp(6), Temp(7)]]

        mutating func value(_ t: IRType) -> Temp {
            if rng.chance(5) {
                let v = rng.chance(2) ? Self.pick(&rng, JITDifferentialTests.interesting) : rng.next()
                return block.const(t, v)
            }
            let p = pool[t]!
            // Prefer recent values so chains form, but reach back far enough to keep many live.
            return p[max(0, p.count - 1 - rng.below(min(p.count, 30)))]
        }

        static func pick<T>(_ rng: inout SplitMix64, _ a: [T]) -> T { a[rng.below(a.count)] }

        mutating func push(_ t: Temp, _ type: IRType) { pool[type]!.append(t) }

        mutating func address() -> Temp {
            let base = block.and(.i64, value(.i64), block.const(.i64, UInt64(0xFFF0)))
            return block.binaryImm(.add, .i64, base, UInt64(rng.below(9)))
        }

        mutating func step() {
            let t: IRType = rng.chance(3) ? .i32 : .i64
            switch rng.below(16) {
            case 0...4:
                let op = Self.pick(&rng, JITOpTests.binaryOps)
                push(block.binary(op, t, value(t), value(t)), t)
            case 5:
                let op = Self.pick(&rng, JITOpTests.unaryOps)
                push(block.unary(op, t, value(t)), t)
            case 6:
                let c = Self.pick(&rng, Cond.allCases)
                if rng.chance(2) {
                    push(block.setcond(c, t, value(t), value(t)), t)
                } else {
                    push(block.movcond(c, t, value(t), value(t), value(t), value(t)), t)
                }
            case 7:
                let len = 1 + rng.below(t.bits), pos = rng.below(t.bits - len + 1)
                switch rng.below(3) {
                case 0: push(block.deposit(t, value(t), value(t), position: pos, length: len), t)
                case 1: push(block.extract(t, value(t), position: pos, length: len), t)
                default: push(block.extract(t, value(t), position: pos, length: len, signed: true), t)
                }
            case 8:
                let (lo, hi) = block.mul2(signed: rng.chance(2), t, value(t), value(t))
                push(lo, t)
                push(hi, t)
            case 9:
                let bytes = [1, 2, 4, 8][rng.below(t == .i32 ? 3 : 4)]
                let op = MemOp(bytes: bytes, signed: rng.chance(2))
                let a = rng.chance(150) ? block.const(.i64, UInt64(1 << 16) - UInt64(rng.below(4))) : address()
                push(block.load(t, op, address: a), t)
            case 10:
                let bytes = [1, 2, 4, 8][rng.below(t == .i32 ? 3 : 4)]
                block.store(t, MemOp(bytes: bytes), address: address(), value(t))
            case 11:
                push(block.call(JITDifferentialTests.combine, [value(.i64), value(.i64), value(.i64), value(.i64)]), .i64)
            case 12:
                let d = block.newLocal(.i64)
                block.emit(Inst(rng.chance(2) ? .extuI32I64 : .extsI32I64, .i64, d0: d, a0: value(.i32)))
                push(d, .i64)
                let e = block.newLocal(.i32)
                block.emit(Inst(.truncI64I32, .i32, d0: e, a0: value(.i64)))
                push(e, .i32)
            default:
                let g = t == .i64 ? Temp(rng.below(4)) : Temp(4 + rng.below(4))
                block.mov(g, value(t))
            }
        }

        /// A block of `count` guest instructions, with forward branches over some of them.
        static func make(seed: UInt64, count: Int) -> IRBlock {
            var g = Generator(rng: SplitMix64(seed: seed), block: IRBlock(layout: JITHarness.layout, guestPC: 0x1000))
            var open: [(label: Int, closeAt: Int, saved: [IRType: [Temp]])] = []
            for i in 0..<count {
                while let top = open.last, top.closeAt <= i {
                    g.block.setLabel(top.label)
                    g.pool = top.saved
                    open.removeLast()
                }
                g.block.insnStart(0x1000 + UInt64(i))
                if g.rng.chance(8) {
                    let label = g.block.newLabel()
                    let t: IRType = g.rng.chance(3) ? .i32 : .i64
                    g.block.brcond(Self.pick(&g.rng, Cond.allCases), t, g.value(t), g.value(t), label)
                    let limit = open.last?.closeAt ?? count
                    open.append((label, min(limit, i + 1 + g.rng.below(8)), g.pool))
                } else {
                    for _ in 0..<(1 + g.rng.below(3)) { g.step() }
                }
            }
            while let top = open.popLast() { g.block.setLabel(top.label) }
            g.block.exitTB(Int32(MIMIC_EXIT_REQUEST))
            return g.block
        }
    }

    func testRandomBlocksMatchReference() throws {
        for features in [nil, HostFeatures.baseline] {
            let h = try JITHarness(features: features)
            let expectedMemory = UnsafeMutableRawPointer.allocate(byteCount: h.memorySize, alignment: 16)
            defer { expectedMemory.deallocate() }
            let expectedCPU = UnsafeMutablePointer<MimicCPUState>.allocate(capacity: 1)
            defer { expectedCPU.deallocate() }
            var failures = 0
            for seed in 0..<400 as Range<UInt64> {
                let block = Generator.make(seed: seed, count: 12 + Int(seed % 120))
                // Same random start for both.
                h.reset()
                var rng = SplitMix64(seed: seed ^ 0xABCDEF)
                for i in 0..<16 { h[gpr: i] = rng.chance(3) ? Generator.pick(&rng, Self.interesting) : rng.next() }
                for k in stride(from: 0, to: h.memorySize, by: 8) { h.memory.storeBytes(of: rng.next(), toByteOffset: k, as: UInt64.self) }
                expectedCPU.initialize(to: h.cpu.pointee)
                expectedMemory.copyMemory(from: h.memory, byteCount: h.memorySize)

                let want = ReferenceRunner.run(block, cpu: expectedCPU, memory: expectedMemory, memorySize: h.memorySize)
                let exit = try h.run(block)
                var problems: [String] = []
                if let address = want.faultAddress {
                    if exit != UInt64(MIMIC_EXIT_EXCEPTION) { problems.append("exit \(exit), want a fault") }
                    if h.cpu.pointee.fault_address != address { problems.append("fault address") }
                    if h.cpu.pointee.rip != want.faultPC { problems.append("fault rip \(h.cpu.pointee.rip), want \(want.faultPC!)") }
                } else if exit != 7 << 8 | UInt64(want.exit) {
                    problems.append("exit \(exit), want \(want.exit)")
                }
                for i in 0..<8 where h[gpr: i] != withUnsafeBytes(of: expectedCPU.pointee.gpr, { $0.load(fromByteOffset: 8 * i, as: UInt64.self) }) {
                    problems.append("g\(i) = \(hex: h[gpr: i])")
                }
                if memcmp(h.memory, expectedMemory, h.memorySize) != 0 { problems.append("memory differs") }
                if !problems.isEmpty {
                    failures += 1
                    if failures <= 3 {
                        XCTFail("seed \(seed) features \(String(describing: features)): \(problems.joined(separator: ", "))\n\(block.text)")
                    }
                }
            }
            XCTAssertEqual(failures, 0)
        }
    }
}
