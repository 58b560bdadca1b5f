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
        XCTAssertEqual(engine.statistics.blocksTranslated, 2, "the loop body and the hlt")
        XCTAssertLessThan(engine.statistics.entries, 10, "chained: the loop does not come back to the execution loop")
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
