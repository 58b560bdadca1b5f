import CCPU
import IR
import XCTest
@testable import Backend

/// Whole blocks: register pressure, branches, memory, helpers, faults, chaining, the jump cache.
final class JITBlockTests: XCTestCase {
    nonisolated(unsafe) static var seenState: UInt64 = 0

    /// Reads g1 from the state, writes g2 = a0 + a1, returns g1 * 2.
    static let touchState = Helpers.register(Helper(name: "test_touch_state", function: { cpu, a, b, _, _ in
        let state = cpu!.assumingMemoryBound(to: MimicCPUState.self)
        JITBlockTests.seenState = state.pointee.gpr.1
        state.pointee.gpr.2 = a &+ b
        return state.pointee.gpr.1 &* 2
    }, argumentCount: 2, returnsValue: true, flags: [.readsState, .writesState]))

    /// Raises #GP(a0) when a0 is nonzero.
    static let maybeRaise = Helpers.register(Helper(name: "test_maybe_raise", function: { cpu, a, _, _, _ in
        let state = cpu!.assumingMemoryBound(to: MimicCPUState.self)
        if a != 0 {
            state.pointee.exception = UInt64(MIMIC_EXC_GP)
            state.pointee.error_code = a
        }
        return 0
    }, argumentCount: 1, returnsValue: false, flags: [.mayRaise]))

    /// Pure: a0 - a1 + a2 * a3 (checks argument order).
    static let combine = Helpers.register(Helper(name: "test_combine", function: { _, a, b, c, d in
        a &- b &+ c &* d
    }, argumentCount: 4, returnsValue: true, flags: .pure))

    func testRegisterPressure() throws {
        for features in [nil, HostFeatures.baseline] {
            let h = try JITHarness(features: features)
            var block = h.newBlock()
            // 24 values live at once: v[i] = g1 * (i+1) + g2 ^ i, then summed in reverse with a
            // shift by a variable count in between (which pins rcx).
            var values: [Temp] = []
            for i in 0..<24 {
                let m = block.binaryImm(.mul, .i64, Temp(1), UInt64(i + 1))
                values.append(block.xor(.i64, block.add(.i64, m, Temp(2)), block.const(.i64, UInt64(i))))
            }
            var sum = block.const(.i64, UInt64(0))
            for v in values.reversed() {
                sum = block.add(.i64, block.shl(.i64, sum, Temp(3)), v)
            }
            block.mov(Temp(0), sum)
            block.exitTB(Int32(MIMIC_EXIT_REQUEST))
            h.reset()
            h[gpr: 1] = 0x1234_5678
            h[gpr: 2] = 99
            h[gpr: 3] = 1
            try h.run(block)
            var want: UInt64 = 0
            for i in (0..<24).reversed() { want = (want << 1) &+ ((0x1234_5678 &* UInt64(i + 1) &+ 99) ^ UInt64(i)) }
            XCTAssertEqual(h[gpr: 0], want)
        }
    }

    /// g0 = sum of 1...g1 with a backward branch, a local crossing basic blocks, and a
    /// forward branch around an early exit.
    func testLoopWithLabels() throws {
        let h = try JITHarness()
        var block = h.newBlock()
        let top = block.newLabel(), done = block.newLabel(), skip = block.newLabel()
        let i = block.newLocal(.i64), acc = block.newLocal(.i64)
        block.brcond(.ne, .i64, Temp(1), block.const(.i64, UInt64(0)), skip)
        block.exitTB(Int32(MIMIC_EXIT_REQUEST))
        block.setLabel(skip)
        block.mov(i, Temp(1))
        block.mov(acc, block.const(.i64, UInt64(0)))
        block.setLabel(top)
        block.mov(acc, block.add(.i64, acc, i))
        block.mov(i, block.binaryImm(.sub, .i64, i, 1))
        block.brcond(.gtu, .i64, i, block.const(.i64, UInt64(0)), top)
        block.br(done)
        block.mov(Temp(0), block.const(.i64, UInt64(0xBAD)))
        block.setLabel(done)
        block.mov(Temp(0), acc)
        block.exitTB(Int32(MIMIC_EXIT_REQUEST))
        for n: UInt64 in [0, 1, 10, 1000] {
            h.reset()
            h[gpr: 0] = 0x77
            h[gpr: 1] = n
            XCTAssertEqual(try h.run(block), 7 << 8 | UInt64(MIMIC_EXIT_REQUEST))
            XCTAssertEqual(h[gpr: 0], n == 0 ? 0x77 : n * (n + 1) / 2)
        }
    }

    func testGuestMemoryAccesses() throws {
        let h = try JITHarness()
        var block = h.newBlock()
        // Store g1 at g2 in four sizes, then read it back with every memop.
        for (k, op) in [MemOp.u8, .u16, .u32, .u64].enumerated() {
            block.store(.i64, op, address: block.binaryImm(.add, .i64, Temp(2), UInt64(16 * k)), Temp(1))
        }
        block.store(.i32, .u32, address: block.const(.i64, UInt64(0x200)), Temp(5))
        block.store(.i64, .u16, address: block.const(.i64, UInt64(0x204)), block.const(.i64, UInt64(0xABCD)))
        var results: [Temp] = []
        for (k, op) in [MemOp.u8, .s8, .u16, .s16, .u32, .s32, .u64].enumerated() {
            results.append(block.load(.i64, op, address: block.binaryImm(.add, .i64, Temp(2), UInt64(16 * min(3, k / 2)))))
        }
        let ldI32 = block.load(.i32, .s8, address: Temp(2))
        var acc = block.const(.i64, UInt64(0))
        for (k, r) in results.enumerated() {
            block.stEnv(.i64, .u64, offset: MemoryLayout<MimicCPUState>.offset(of: \.xmm)! + 8 * k, r)
            acc = block.add(.i64, acc, r)
        }
        block.mov(Temp(0), acc)
        block.mov(Temp(4), ldI32)
        block.exitTB(Int32(MIMIC_EXIT_REQUEST))
        h.reset()
        let v: UInt64 = 0x8899_AABB_CCDD_EEFF
        h[gpr: 1] = v
        h[gpr: 2] = 0x100
        h[gpr: 5] = 0x1122_3344
        try h.run(block)
        let want: [UInt64] = [0xFF, ~0, 0xEEFF, 0xFFFF_FFFF_FFFF_EEFF, 0xCCDD_EEFF, 0xFFFF_FFFF_CCDD_EEFF, v]
        let got = withUnsafeBytes(of: h.cpu.pointee.xmm) { raw in (0..<7).map { raw.load(fromByteOffset: 8 * $0, as: UInt64.self) } }
        XCTAssertEqual(got, want)
        XCTAssertEqual(h[gpr: 0], want.reduce(0, &+))
        XCTAssertEqual(h[gpr: 4] & 0xFFFF_FFFF, 0xFFFF_FFFF)
        XCTAssertEqual(h.memory.load(fromByteOffset: 0x200, as: UInt32.self), 0x1122_3344)
        XCTAssertEqual(h.memory.load(fromByteOffset: 0x204, as: UInt16.self), 0xABCD)
        XCTAssertEqual(h.memory.load(fromByteOffset: 0x110, as: UInt16.self), 0xEEFF)
        XCTAssertEqual(h.memory.load(fromByteOffset: 0x112, as: UInt16.self), 0)
    }

    /// An access past the end of guest memory: #PF with exact state, from the faulting instruction.
    func testOutOfRangeAccessFaultsPrecisely() throws {
        let h = try JITHarness()
        let size = UInt64(h.memorySize)
        for (address, bytes, write, faults) in [
            (size - 8, 8, false, false), (size - 7, 8, false, true), (size - 1, 1, true, false), (size, 1, true, true),
            (~UInt64(0), 2, false, true), (~UInt64(0) - 2, 8, true, true), (0x8000_0000_0000_0000, 4, false, true),
        ] {
            var block = h.newBlock(pc: 0x4000)
            block.insnStart(0x4000)
            block.mov(Temp(0), block.binaryImm(.add, .i64, Temp(0), 1))
            block.insnStart(0x4003)
            block.mov(Temp(3), block.binaryImm(.add, .i64, Temp(3), 5))
            let op = MemOp(bytes: bytes)
            if write {
                block.store(.i64, op, address: Temp(1), Temp(3))
            } else {
                block.mov(Temp(2), block.load(.i64, op, address: Temp(1)))
            }
            block.insnStart(0x4007)
            block.mov(Temp(0), block.binaryImm(.add, .i64, Temp(0), 100))
            block.exitTB(Int32(MIMIC_EXIT_REQUEST))
            h.reset()
            h[gpr: 1] = address
            h[gpr: 2] = 0x22
            let compiled = try h.compile(block, tbIndex: 3)
            XCTAssertEqual(compiled.hostToGuest.map(\.guestPC), [0x4000, 0x4003, 0x4007])
            XCTAssertEqual(compiled.hostToGuest.map(\.hostOffset), compiled.hostToGuest.map(\.hostOffset).sorted())
            let exit = h.jit.enter(h.cpu, compiled.entry)
            let what = "\(write ? "store" : "load") \(bytes) at \(hex: address)"
            XCTAssertEqual(h[gpr: 3], 5, what)
            if faults {
                XCTAssertEqual(exit, UInt64(MIMIC_EXIT_EXCEPTION), what)
                XCTAssertEqual(h.cpu.pointee.exception, UInt64(MIMIC_EXC_PF), what)
                XCTAssertEqual(h.cpu.pointee.error_code, write ? 2 : 0, what)
                XCTAssertEqual(h.cpu.pointee.fault_address, address, what)
                XCTAssertEqual(h.cpu.pointee.rip, 0x4003, what)
                XCTAssertEqual(h[gpr: 0], 1, what)
                XCTAssertEqual(h[gpr: 2], 0x22, what)
            } else {
                XCTAssertEqual(exit, 3 << 8 | UInt64(MIMIC_EXIT_REQUEST), what)
                XCTAssertEqual(h.cpu.pointee.exception, UInt64(MIMIC_EXC_NONE), what)
                XCTAssertEqual(h[gpr: 0], 101, what)
            }
        }
    }

    func testHelpers() throws {
        let h = try JITHarness()
        var block = h.newBlock(pc: 0x5000)
        block.insnStart(0x5000)
        // g1 is dirty in a register when the helper runs: it must see the new value, and the
        // value it writes into g2 must be what later ops read.
        block.mov(Temp(1), block.binaryImm(.add, .i64, Temp(1), 1))
        let keep = block.binaryImm(.mul, .i64, Temp(3), 3)
        let r = block.call(Self.touchState, [Temp(3), block.const(.i64, UInt64(10))])
        block.mov(Temp(0), block.add(.i64, r, Temp(2)))
        let c = block.call(Self.combine, [block.const(.i64, UInt64(100)), Temp(0), keep, block.const(.i64, UInt64(2))])
        block.mov(Temp(3), c)
        block.insnStart(0x5004)
        block.call(Self.maybeRaise, [Temp(5)])
        block.mov(Temp(2), block.const(.i64, UInt64(0xD00D)))
        block.exitTB(Int32(MIMIC_EXIT_REQUEST))
        let compiled = try h.compile(block)
        for raise: UInt64 in [0, 5] {
            h.reset()
            h[gpr: 1] = 41
            h[gpr: 3] = 7
            h[gpr: 5] = raise
            let exit = h.jit.enter(h.cpu, compiled.entry)
            XCTAssertEqual(Self.seenState, 42)
            XCTAssertEqual(h[gpr: 1], 42)
            XCTAssertEqual(h[gpr: 0], 84 + 17)
            XCTAssertEqual(h[gpr: 3], 41)   // 100 - 101 + 21 * 2
            if raise != 0 {
                XCTAssertEqual(exit, UInt64(MIMIC_EXIT_EXCEPTION))
                XCTAssertEqual(h.cpu.pointee.exception, UInt64(MIMIC_EXC_GP))
                XCTAssertEqual(h.cpu.pointee.error_code, 5)
                XCTAssertEqual(h.cpu.pointee.rip, 0x5004)
                XCTAssertEqual(h[gpr: 2], 17)
            } else {
                XCTAssertEqual(exit, 7 << 8 | UInt64(MIMIC_EXIT_REQUEST))
                XCTAssertEqual(h[gpr: 2], 0xD00D)
            }
        }
    }

    /// A Swift object reached from generated code through an FFIClosure registered as a helper.
    func testFFIClosureAsHelper() throws {
        final class Log { var values: [UInt64] = [] }
        let log = Log()
        let closure = try FFIClosure { _, a, b, _, _ in
            log.values.append(a)
            return a &* b
        }
        let index = Helpers.register(Helper(name: "test_closure", function: closure.function, argumentCount: 2, returnsValue: true, flags: .pure))
        let h = try JITHarness()
        var block = h.newBlock()
        block.mov(Temp(0), block.call(index, [Temp(1), Temp(2)]))
        block.exitTB(Int32(MIMIC_EXIT_REQUEST))
        h.reset()
        h[gpr: 1] = 6
        h[gpr: 2] = 7
        try h.run(block)
        XCTAssertEqual(h[gpr: 0], 42)
        XCTAssertEqual(log.values, [6])
    }

    func testStateAccessOverlappingGlobals() throws {
        let h = try JITHarness()
        let g1 = JITHarness.gprOffset + 8
        var block = h.newBlock()
        block.mov(Temp(1), block.binaryImm(.add, .i64, Temp(1), 1))
        // Reads the global's field directly (must see the new value), then overwrites its low byte.
        block.mov(Temp(0), block.ldEnv(.i64, .u64, offset: g1))
        block.stEnv(.i64, .u8, offset: g1, block.const(.i64, UInt64(0xEE)))
        block.mov(Temp(2), block.binaryImm(.add, .i64, Temp(1), 0))
        block.mov(Temp(3), block.ldEnv(.i64, .s8, offset: g1))
        block.exitTB(Int32(MIMIC_EXIT_REQUEST))
        h.reset()
        h[gpr: 1] = 0x1000
        try h.run(block)
        XCTAssertEqual(h[gpr: 0], 0x1001)
        XCTAssertEqual(h[gpr: 1], 0x10EE)
        XCTAssertEqual(h[gpr: 2], 0x10EE)
        XCTAssertEqual(h[gpr: 3], UInt64(bitPattern: -0x12))
    }

    func testGotoTBChainingAndUnchaining() throws {
        let h = try JITHarness()
        var a = h.newBlock(pc: 0x100)
        a.mov(Temp(0), a.binaryImm(.add, .i64, Temp(0), 1))
        let other = a.newLabel()
        a.brcond(.eq, .i64, Temp(1), a.const(.i64, UInt64(0)), other)
        a.gotoTB(0, pc: 0x200)
        a.setLabel(other)
        a.gotoTB(1, pc: 0x300)
        var b = h.newBlock(pc: 0x200)
        b.mov(Temp(0), b.binaryImm(.mul, .i64, Temp(0), 10))
        b.exitTB(Int32(MIMIC_EXIT_REQUEST))
        let ca = try h.compile(a, tbIndex: 1), cb = try h.compile(b, tbIndex: 2)
        XCTAssertGreaterThanOrEqual(ca.gotoTBJumpOffset(slot: 0), 0)
        XCTAssertGreaterThanOrEqual(ca.gotoTBJumpOffset(slot: 1), 0)
        XCTAssertEqual((ca.gotoTBJumpOffset(slot: 0) + 1) % 4, 0)
        XCTAssertEqual(cb.gotoTBJumpOffset(slot: 0), -1)

        func run(g0: UInt64, g1: UInt64) -> UInt64 {
            h.reset()
            h[gpr: 0] = g0
            h[gpr: 1] = g1
            return h.jit.enter(h.cpu, ca.entry)
        }
        XCTAssertEqual(run(g0: 4, g1: 1), 1 << 8 | UInt64(MIMIC_EXIT_CHAIN0))
        XCTAssertEqual(h[gpr: 0], 5)
        XCTAssertEqual(h.cpu.pointee.rip, 0x200, "the exit stores the target pc")
        XCTAssertEqual(run(g0: 4, g1: 0), 1 << 8 | UInt64(MIMIC_EXIT_CHAIN1))
        h.jit.patchGotoTB(ca, slot: 0, target: cb.entry)
        XCTAssertEqual(run(g0: 4, g1: 1), 2 << 8 | UInt64(MIMIC_EXIT_REQUEST))
        XCTAssertEqual(h[gpr: 0], 50)
        XCTAssertEqual(run(g0: 4, g1: 0), 1 << 8 | UInt64(MIMIC_EXIT_CHAIN1))
        h.jit.patchGotoTB(ca, slot: 1, target: cb.entry)
        XCTAssertEqual(run(g0: 4, g1: 0), 2 << 8 | UInt64(MIMIC_EXIT_REQUEST))
        h.jit.patchGotoTB(ca, slot: 0, target: nil)
        XCTAssertEqual(run(g0: 4, g1: 1), 1 << 8 | UInt64(MIMIC_EXIT_CHAIN0))
        XCTAssertEqual(h[gpr: 0], 5)
    }

    func testJumpCache() throws {
        let h = try JITHarness()
        var dispatch = h.newBlock()
        dispatch.mov(Temp(0), dispatch.binaryImm(.add, .i64, Temp(0), 1))
        dispatch.lookupAndGoto(dispatch.binaryImm(.add, .i64, Temp(1), 0))
        var target = h.newBlock(pc: 0x7777_0000_1234)
        target.mov(Temp(2), target.binaryImm(.add, .i64, Temp(0), 1000))
        target.exitTB(Int32(MIMIC_EXIT_REQUEST))
        let cd = try h.compile(dispatch, tbIndex: 4), ct = try h.compile(target, tbIndex: 5)
        let pc: UInt64 = 0x7777_0000_1234
        h.reset()
        h[gpr: 1] = pc
        XCTAssertEqual(h.jit.enter(h.cpu, cd.entry), 4 << 8 | UInt64(MIMIC_EXIT_LOOKUP))
        XCTAssertEqual(h[gpr: 0], 1)
        let index = Int((pc ^ (pc >> 10)) & UInt64(h.jumpCacheEntries - 1))
        h.jumpCache[index] = MimicJumpCacheEntry(tag: pc, code: UInt64(UInt(bitPattern: ct.entry)))
        h.reset()
        h[gpr: 1] = pc
        XCTAssertEqual(h.jit.enter(h.cpu, cd.entry), 5 << 8 | UInt64(MIMIC_EXIT_REQUEST))
        XCTAssertEqual(h[gpr: 2], 1001)
        // Same slot, other pc: a miss.
        h.reset()
        h[gpr: 1] = pc ^ UInt64(h.jumpCacheEntries << 10) ^ UInt64(h.jumpCacheEntries)
        XCTAssertEqual(h.jit.enter(h.cpu, cd.entry), 4 << 8 | UInt64(MIMIC_EXIT_LOOKUP))
    }

    /// More values live at once than there are spill slots: compilation fails cleanly.
    func testTooManyLiveValues() throws {
        let h = try JITHarness()
        var block = h.newBlock()
        var values: [Temp] = []
        for i in 0..<(EntryTrampoline.spillSlots + 20) { values.append(block.binaryImm(.add, .i64, Temp(1), UInt64(i))) }
        var sum = block.const(.i64, UInt64(0))
        for v in values { sum = block.xor(.i64, sum, v) }
        block.mov(Temp(0), sum)
        block.exitTB(0)
        XCTAssertNil(h.jit.compile(block, tbIndex: 0))
        XCTAssertEqual(h.jit.lastFailure, .tooManySpillSlots)
        // Just under the limit compiles and runs.
        var small = h.newBlock()
        values = []
        for i in 0..<(EntryTrampoline.spillSlots) { values.append(small.binaryImm(.add, .i64, Temp(1), UInt64(i))) }
        sum = small.const(.i64, UInt64(0))
        for v in values { sum = small.xor(.i64, sum, v) }
        small.mov(Temp(0), sum)
        small.exitTB(0)
        h.reset()
        h[gpr: 1] = 1000
        try h.run(small)
        XCTAssertEqual(h[gpr: 0], (0..<UInt64(EntryTrampoline.spillSlots)).reduce(0) { $0 ^ (1000 + $1) })
    }

    func testFlushAndBufferFull() throws {
        let jit = try JIT(codeBufferBytes: 4096)
        var block = IRBlock(layout: JITHarness.layout)
        block.exitTB(0)
        var compiled = 0
        while jit.compile(block, tbIndex: 0) != nil { compiled += 1 }
        XCTAssertGreaterThan(compiled, 10)
        XCTAssertNil(jit.compile(block, tbIndex: 0))
        XCTAssertEqual(jit.lastFailure, .bufferFull)
        jit.flush()
        XCTAssertNotNil(jit.compile(block, tbIndex: 0))
    }
}
