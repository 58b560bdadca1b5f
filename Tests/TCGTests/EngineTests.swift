import CCPU
import TCG
import XCTest

/// The execution loop itself: flushing a full code buffer, chaining, and guest-pc lookup.
final class EngineTests: XCTestCase {
    /// 3000 blocks of `add rax, 1; jmp next`, then `hlt`: more code than a 64 KiB buffer holds.
    func chain(blocks: Int) -> [UInt8] {
        var code: [UInt8] = []
        for _ in 0..<blocks { code += [0x48, 0x83, 0xC0, 0x01, 0xEB, 0x00] }
        return code + [0xF4]
    }

    func run(_ code: [UInt8], accel: Accel, bufferBytes: Int) throws -> (Engine, StopReason) {
        let memory = try GuestMemory(size: 1 << 20)
        memory.write(code, at: 0x1000)
        var options = EngineOptions()
        options.codeBufferBytes = bufferBytes
        let engine = try Engine(memory: memory, accel: accel, options: options)
        engine.cpu.pointee.rip = 0x1000
        return (engine, engine.run())
    }

    func testFullCodeBufferFlushesAndGoesOn() throws {
        let (engine, stop) = try run(chain(blocks: 3000), accel: .jit, bufferBytes: 64 << 10)
        XCTAssertEqual(stop, .halt)
        XCTAssertEqual(engine.cpu.pointee.gpr.0, 3000)
        XCTAssertGreaterThan(engine.statistics.flushes, 0, "the buffer should have filled")
        XCTAssertEqual(engine.cpu.pointee.rip, 0x1000 + 6 * 3000 + 1)
    }

    func testRunningAgainReusesChainedBlocks() throws {
        // A loop: rcx times { add rax, rcx; dec rcx; jnz }, run twice on one engine.
        let code: [UInt8] = [0x48, 0x01, 0xC8, 0x48, 0xFF, 0xC9, 0x75, 0xF8, 0xF4]
        let memory = try GuestMemory(size: 1 << 20)
        memory.write(code, at: 0x1000)
        let engine = try Engine(memory: memory, accel: .jit)
        for round in 1...2 {
            engine.cpu.pointee.rip = 0x1000
            engine.cpu.pointee.gpr.0 = 0
            engine.cpu.pointee.gpr.1 = 100_000
            XCTAssertEqual(engine.run(), .halt)
            XCTAssertEqual(engine.cpu.pointee.gpr.0, 5_000_050_000, "round \(round)")
        }
        XCTAssertEqual(engine.statistics.blocksTranslated, 3, "the loop body (counted, then optimized when hot) and the hlt")
        XCTAssertEqual(engine.statistics.blocksOptimizedWhenHot, 1)
        XCTAssertLessThan(engine.statistics.entries, 10, "chained: the loop does not come back to the execution loop")
    }

    /// Tier-up: 200 chained blocks looped 50 times, each block translated without the
    /// optimizer and counting its runs; at the 10th run each is translated again, optimized,
    /// while the blocks chained to it still jump to its first translation (which now jumps on).
    /// The sums are exact, every block is optimized once, and a second run translates nothing.
    func testHotBlocksAreOptimizedOnceAndTheirCallersFollow() throws {
        let (_, engine) = try ChainedLoop.tierUpEngine(runsBeforeOptimizing: 10, storingSum: false)
        for round in 1...2 {
            engine.cpu.pointee.rip = 0x1000
            engine.cpu.pointee.gpr.0 = 0
            engine.cpu.pointee.gpr.1 = 3
            engine.cpu.pointee.gpr.8 = 50
            XCTAssertEqual(engine.run(), .halt, "round \(round)")
            XCTAssertEqual(engine.cpu.pointee.gpr.0, 200 * 50 * 3, "round \(round)")
            XCTAssertEqual(engine.statistics.blocksOptimizedWhenHot, 201, "round \(round): the 200 adds and the dec/jnz, once each")
            XCTAssertEqual(engine.statistics.blocksTranslated, 2 * 201 + 1, "round \(round): and the hlt, which ran once")
        }
        // Each block comes back to the loop on its first run, at its hot exit, and on its
        // optimized translation's first run: not on the rest of its 100 runs.
        XCTAssertLessThan(engine.statistics.entries, 4 * 201, "chained")
    }

    func testInterpreterAgreesOnTheLongChain() throws {
        let (engine, stop) = try run(chain(blocks: 3000), accel: .interp, bufferBytes: 64 << 10)
        XCTAssertEqual(stop, .halt)
        XCTAssertEqual(engine.cpu.pointee.gpr.0, 3000)
    }

    func testFetchOutsideGuestMemoryIsAPageFault() throws {
        let memory = try GuestMemory(size: 1 << 16)
        // jmp to an address past the end of guest memory
        memory.write([0x48, 0xB8] + withUnsafeBytes(of: UInt64(0x20000).littleEndian, Array.init) + [0xFF, 0xE0], at: 0x1000)
        for accel in Accel.allCases {
            let engine = try Engine(memory: memory, accel: accel)
            engine.cpu.pointee.rip = 0x1000
            XCTAssertEqual(engine.run(), .exception(vector: 14, errorCode: 0x10, address: 0x20000), "\(accel)")
            XCTAssertEqual(engine.cpu.pointee.rip, 0x20000)
        }
    }
}

final class EngineLogTests: XCTestCase {
    func testLogsShowEachStageOfABlock() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mimic-log-\(getpid()).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let memory = try GuestMemory(size: 1 << 16)
        memory.write([0x48, 0x83, 0xC0, 0x01, 0xF4], at: 0x1000)  // add rax, 1; hlt
        var options = EngineOptions()
        options.log = try LogItems.parse("in_asm,op,op_opt,out_asm,exec")
        options.logSink = try LogSink(path: path)
        do {
            let engine = try Engine(memory: memory, accel: .jit, options: options)
            engine.cpu.pointee.rip = 0x1000
            XCTAssertEqual(engine.run(), .halt)
        }
        options.logSink = .standardError  // closes the file
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("0x00001000:  add    rax,0x1"), text)
        XCTAssertTrue(text.contains(" ---- 0x1000"), text)
        XCTAssertTrue(text.contains("OP after optimization:"), text)
        XCTAssertTrue(text.contains("OUT: [size="), text)
        XCTAssertTrue(text.contains("Trace: [block 0] 0x1000"), text)
        XCTAssertThrowsError(try LogItems.parse("in_asm,bogus"))
    }
}
