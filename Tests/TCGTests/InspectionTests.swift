import CCPU
import TCG
import XCTest

/// What `-d` and `--stats` show of a run: the run-time log items and the execution counters.
final class InspectionTests: XCTestCase {
    func logPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mimic-inspect-\(getpid())-\(UUID().uuidString).txt").path
    }

    /// Runs `code` at 0x1000 with `configure` applied; returns the stop, the engine and the log.
    func run(_ code: [UInt8], accel: Accel = .jit, _ configure: (inout EngineOptions) throws -> Void) throws -> (StopReason, Engine, String) {
        let path = logPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let memory = try GuestMemory(size: 1 << 20)
        memory.write(code, at: 0x1000)
        var options = EngineOptions()
        try configure(&options)
        options.logSink = try LogSink(path: path)
        let engine = try Engine(memory: memory, accel: accel, options: options)
        engine.cpu.pointee.rip = 0x1000
        let stop = engine.run()
        options.logSink.flush()
        return (stop, engine, try String(contentsOfFile: path, encoding: .utf8))
    }

    /// mov eax, 0x1234; jmp +0; hlt
    let twoBlocks: [UInt8] = [0xB8, 0x34, 0x12, 0x00, 0x00, 0xEB, 0x00, 0xF4]

    func testCPULogShowsTheRegistersAtEachBlockEntry() throws {
        for accel in Accel.allCases {
            let (stop, _, log) = try run(twoBlocks, accel: accel) { $0.log = try LogItems.parse("cpu,nochain") }
            XCTAssertEqual(stop, .halt)
            XCTAssertTrue(log.contains("RAX=0000000000000000 RBX="), log)
            XCTAssertTrue(log.contains("RIP=0000000000001000 RFL=00000202 [-------]"), log)
            // The second block (the hlt) starts after the jmp, with the value moved into RAX.
            XCTAssertTrue(log.contains("RAX=0000000000001234"), log)
            XCTAssertTrue(log.contains("RIP=0000000000001007"), log)
        }
    }

    func testIntLogShowsAPageFaultWithItsAddress() throws {
        // mov rax, [0x200000]: past the end of the 1 MiB guest memory.
        let code: [UInt8] = [0x48, 0x8B, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00]
        for accel in Accel.allCases {
            let (stop, _, log) = try run(code, accel: accel) { $0.log = .int }
            XCTAssertEqual(stop, .exception(vector: 14, errorCode: 0, address: 0x200000), "\(accel)")
            XCTAssertTrue(log.contains("Exception: vector 14 (#PF) at pc 0x1000 error code 0x0 address 0x200000"), log)
        }
    }

    func testUnimpLogNamesAnInstructionThatIsDecodedButNotTranslated() throws {
        // ud2 is a real #UD: not logged as unimplemented.
        let (stop, _, log) = try run([0x0F, 0x0B]) { $0.log = [.unimp, .int] }
        XCTAssertEqual(stop, .exception(vector: 6, errorCode: 0, address: 0))
        XCTAssertTrue(log.contains("vector 6 (#UD) at pc 0x1000"), log)
        XCTAssertFalse(log.contains("unimplemented"), log)
    }

    func testDFilterRestrictsBlockLogsToItsRanges() throws {
        let (_, _, log) = try run(twoBlocks) {
            $0.log = try LogItems.parse("in_asm,exec")
            $0.logFilter = try AddressFilter.parse("0x1007+1")
        }
        XCTAssertTrue(log.contains("0x00001007:  hlt"), log)
        XCTAssertTrue(log.contains("Trace: [block 1] 0x1007"), log)
        XCTAssertFalse(log.contains("0x00001000:"), log)
        XCTAssertFalse(log.contains("0x1000\n"), log)
        XCTAssertThrowsError(try AddressFilter.parse("0x1000+"))
        XCTAssertThrowsError(try AddressFilter.parse("zzz"))
        XCTAssertEqual(try AddressFilter.parse("0x10+0x10,32").ranges, [0x10..<0x20, 32..<33])
    }

    func testOutAsmMarksEachGuestInstructionsHostCode() throws {
        let (_, _, log) = try run(twoBlocks) { $0.log = .outAsm }
        XCTAssertTrue(log.contains("  -- guest 0x00001000\n0x"), log)
        XCTAssertTrue(log.contains("  -- guest 0x00001005\n0x"), log)
    }

    /// mov r8d, 10; L: xor eax, eax; cpuid; dec r8; jnz L; hlt
    let cpuidLoop: [UInt8] = [0x41, 0xB8, 0x0A, 0x00, 0x00, 0x00, 0x31, 0xC0, 0x0F, 0xA2, 0x49, 0xFF, 0xC8, 0x75, 0xF7, 0xF4]

    func testStatisticsCountWhatRan() throws {
        for accel in Accel.allCases {
            let (stop, engine, _) = try run(cpuidLoop, accel: accel) { $0.countExecutions = true }
            XCTAssertEqual(stop, .halt)
            let report = engine.statisticsReport
            func value(_ key: String) -> StatsReport.Value? { report.entries.first { $0.key == key }?.value }
            // Blocks: the first (mov; xor; cpuid; dec; jnz), the loop (xor...jnz) 9 times, the hlt.
            XCTAssertEqual(value("blocks_executed"), .count(11), "\(accel)")
            XCTAssertEqual(value("guest_instructions_executed"), .count(1 + 4 * 10 + 1), "\(accel)")
            XCTAssertEqual(value("direct_jumps"), .count(10), "\(accel)")
            XCTAssertEqual(value("helper_calls"), .breakdown([StatsReport.Named("cpuid", 10)]), "\(accel)")
            XCTAssertEqual(value("blocks_translated"), .count(3), "\(accel)")
            XCTAssertEqual(value("guest_instructions_translated"), .count(10), "\(accel)")
            guard case .count(let chained)? = value("chained_jumps") else { return XCTFail("no chained_jumps") }
            XCTAssertGreaterThan(chained, 5, "\(accel): the loop's back edge is chained after its first exit")
            if accel == .jit {
                guard case .decimal(let bytes)? = value("host_bytes_per_guest_instruction") else { return XCTFail("no host bytes") }
                XCTAssertGreaterThan(bytes, 2)
                XCTAssertLessThan(bytes, 200)
            }
            let json = report.json
            XCTAssertTrue(json.hasPrefix("{\"title\":\"\(accel.rawValue)\",\"blocks_translated\":3,"), json)
            XCTAssertTrue(json.contains("\"helper_calls\":{\"cpuid\":10}"), json)
        }
    }

    func testHostCodeStatisticsDoNotIncludeTheCountingCalls() throws {
        let (_, plain, _) = try run(cpuidLoop) { _ in }
        let (_, counted, _) = try run(cpuidLoop) { $0.countExecutions = true }
        XCTAssertEqual(plain.statistics.hostBytes, counted.statistics.hostBytes)
        XCTAssertGreaterThan(plain.statistics.hostBytes, 0)
    }

    func testLogItemsParseAndList() throws {
        XCTAssertEqual(try LogItems.parse("cpu,int,unimp,strace,kvm"), [.cpu, .int, .unimp, .strace, .kvm])
        XCTAssertThrowsError(try LogItems.parse("cpu,bogus")) { error in
            XCTAssertTrue("\(error)".contains("valid: in_asm, op, op_opt, out_asm, exec, cpu"), "\(error)")
        }
        for name in ["in_asm", "out_asm", "strace", "kvm", "dfilter"] { XCTAssertTrue(LogItems.helpText.contains(name), name) }
    }
}
