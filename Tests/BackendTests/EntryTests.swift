import CCPU
import IR
import XCTest
@testable import Backend

final class EntryTests: XCTestCase {
    func testEnterPinsStateAndReturnsThroughEpilogue() throws {
        let buffer = try CodeBuffer(capacity: 1 << 16)
        let entry = try EntryTrampoline(buffer: buffer)
        // Generated code: rax = cpu->gpr[1] + r15 (the pinned memory base), stored back into
        // gpr[0] through r14; rsp must be 16-byte aligned.
        var e = X86Encoder(origin: UInt(bitPattern: buffer.nextAddress))
        e.mov(.b64, .rax, Mem(.r14, 8))
        e.alu(.add, .b64, .rax, .r15)
        e.mov(.b64, Mem(.r14, 0), .rax)
        e.mov(.b64, .rax, .rsp)
        e.alu(.and, .b64, .rax, imm: 15)
        e.jmp(absolute: UInt(bitPattern: entry.epilogueAddress))
        let code = try XCTUnwrap(buffer.append(e.bytes))
        var cpu = MimicCPUState()
        cpu.gpr.1 = 5
        cpu.mem_base = 0x1000
        let misalignment = entry.enter(&cpu, code)
        XCTAssertEqual(misalignment, 0)
        XCTAssertEqual(cpu.gpr.0, 0x1005)
    }

    func testFFIClosureCarriesSwiftContext() throws {
        final class Counter { var calls = 0; var total: UInt64 = 0 }
        let counter = Counter()
        let closure = try FFIClosure { cpu, a, b, c, d in
            counter.calls += 1
            counter.total += a + b + c + d
            return UInt64(UInt(bitPattern: cpu)) &+ a * 1000
        }
        let p = UnsafeMutableRawPointer(bitPattern: 0x4000)
        XCTAssertEqual(closure.function(p, 7, 1, 2, 3), 0x4000 + 7000)
        XCTAssertEqual(closure.function(nil, 1, 1, 1, 1), 1000)
        XCTAssertEqual(counter.calls, 2)
        XCTAssertEqual(counter.total, 17)
    }

    func testDetectedFeaturesMatchProcCPUInfo() throws {
        let buffer = try CodeBuffer(capacity: 1 << 16)
        let features = HostFeatures.detect(using: buffer)
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }!.split(separator: " ").map(String.init))
        XCTAssertEqual(features.bmi2, flags.contains("bmi2"))
        XCTAssertEqual(features.bmi1, flags.contains("bmi1"))
        XCTAssertEqual(features.lzcnt, flags.contains("abm"))
        XCTAssertEqual(features.popcnt, flags.contains("popcnt"))
    }
}
