import CCPU
import TCG
import XCTest

/// SSE, MMX and x87 instructions run as host instructions (the HostThunks target), mapped guest
/// address spaces (host faults become guest #PF at the exact instruction), and self-modifying
/// code. The expected values come from the host CPU itself: Swift's Double and Float80 run the
/// same SSE and x87 instructions natively.
final class HostInstructionTests: XCTestCase, AssembledGuestTests {
    var engineOptions: EngineOptions { EngineOptions() }

    func run(_ program: [UInt8], accel: Accel, data bytes: [UInt8] = [], setUp: (Engine) -> Void = { _ in }) throws -> (Engine, StopReason) {
        let memory = try GuestMemory(size: 1 << 20)
        memory.write(program, at: Self.code)
        memory.write(bytes, at: Self.data)
        let engine = try Engine(memory: memory, accel: accel)
        engine.cpu.pointee.rip = Self.code
        setUp(engine)
        return (engine, engine.run())
    }

    func testSSEAndX87ResultsAreTheHostsOwn() throws {
        let program = try assemble([
            "mov rax, 0x4000000000000000", "movq xmm0, rax", "sqrtsd xmm1, xmm0", "movq rbx, xmm1",
            "mov ecx, 7", "cvtsi2sd xmm2, rcx", "ucomisd xmm2, xmm0", "seta dl",
            "mov esi, 0x2000", "movdqu xmm3, [rsi]", "pxor xmm4, xmm4", "pcmpeqb xmm3, xmm4",
            "pmovmskb edi, xmm3", "bsf edi, edi",
            "fld1", "fldpi", "faddp st(1), st", "fstp qword ptr [rsi + 32]", "mov r8, [rsi + 32]",
            "mov r9d, 3", "cvtsi2ss xmm5, r9d", "divss xmm5, xmm5", "cvttss2si r10, xmm5",
            "hlt",
        ])
        let text = Array("hello".utf8) + [UInt8](repeating: 0, count: 11) + [UInt8](repeating: 0xAA, count: 32)
        for accel in Accel.allCases {
            let (engine, stop) = try run(program, accel: accel, data: text)
            XCTAssertEqual(stop, .halt, "\(accel)")
            let gpr = engine.cpu.pointee.gpr
            XCTAssertEqual(gpr.3, (2.0 as Double).squareRoot().bitPattern, "sqrtsd under \(accel)")
            XCTAssertEqual(gpr.2 & 0xFF, 1, "ucomisd + seta under \(accel)")
            XCTAssertEqual(gpr.7, 5, "the SSE2 strlen idiom under \(accel)")
            XCTAssertEqual(gpr.8, Double(Float80.pi + 1).bitPattern, "x87 in 80 bits, stored as double, under \(accel)")
            XCTAssertEqual(gpr.10, 1, "divss + cvttss2si under \(accel)")
        }
    }

    func testRoundingModeAndExceptionFlagsLiveInTheGuestsMXCSR() throws {
        // Round toward zero (RC = 11): 1/10 is then 0x3FB9999999999999 (to nearest it is ...9A),
        // and its inexact result sets the precision flag.
        let program = try assemble([
            "mov dword ptr [rsi], 0x7F80", "ldmxcsr [rsi]",
            "mov eax, 1", "cvtsi2sd xmm0, eax", "mov eax, 10", "cvtsi2sd xmm1, eax", "divsd xmm0, xmm1",
            "movq rbx, xmm0", "stmxcsr [rsi + 4]", "mov ecx, [rsi + 4]", "hlt",
        ])
        for accel in Accel.allCases {
            let (engine, stop) = try run(program, accel: accel) { $0.cpu.pointee.gpr.6 = Self.data }
            XCTAssertEqual(stop, .halt)
            XCTAssertEqual(engine.cpu.pointee.gpr.3, 0x3FB9_9999_9999_9999, "1/10 rounded toward zero under \(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.1, 0x7F80 | 0x20, "PE set in the guest's MXCSR under \(accel)")
            XCTAssertEqual(engine.cpu.pointee.mxcsr, 0x7FA0)
        }
    }

    func testAnSSELoadOutsideGuestMemoryIsAPageFaultAtThatInstruction() throws {
        let program = try assemble(["mov eax, 1", "movdqu xmm0, [rbx]", "mov eax, 2", "hlt"])
        for accel in Accel.allCases {
            let (engine, stop) = try run(program, accel: accel) { $0.cpu.pointee.gpr.3 = (1 << 20) - 8 }
            XCTAssertEqual(stop, .exception(vector: 14, errorCode: 0, address: (1 << 20) - 8), "\(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.0, 1, "earlier effects done, later ones not, under \(accel)")
            XCTAssertEqual(engine.cpu.pointee.rip, Self.code + 5)
        }
    }

    func testAMisalignedMOVAPSIsAGeneralProtectionFault() throws {
        let program = try assemble(["movaps xmm0, [rbx]", "hlt"])
        for accel in Accel.allCases {
            let (_, stop) = try run(program, accel: accel) { $0.cpu.pointee.gpr.3 = Self.data + 8 }
            XCTAssertEqual(stop, .exception(vector: 13, errorCode: 0, address: 0), "\(accel)")
        }
    }

    // MARK: Mapped address spaces

    func testAnUnmappedPageFaultsInGeneratedCodeAndInThunks() throws {
        let program = try assemble(["mov eax, 1", "mov rcx, [rbx]", "mov eax, 2", "movq xmm0, [rdx]", "hlt"])
        for accel in Accel.allCases {
            let (_, engine) = try mapped(program, accel: accel)
            engine.cpu.pointee.gpr.3 = 0x5008   // unmapped
            XCTAssertEqual(engine.run(), .exception(vector: 14, errorCode: 0, address: 0x5008), "\(accel)")
            XCTAssertEqual(engine.cpu.pointee.rip, Self.code + 5, "the faulting instruction, under \(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.0, 1)
            // Resume after mapping nothing: the same fault; point rbx at data and the SSE load faults next.
            engine.cpu.pointee.gpr.3 = Self.data
            engine.cpu.pointee.gpr.2 = 0x7000
            XCTAssertEqual(engine.run(), .exception(vector: 14, errorCode: 0, address: 0x7000), "\(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.0, 2)
        }
    }

    func testAWriteToAReadOnlyPageIsAWriteFault() throws {
        let program = try assemble(["mov qword ptr [rbx], 1", "hlt"])
        for accel in Accel.allCases {
            let (memory, engine) = try mapped(program, accel: accel)
            memory.protect(Self.data, 0x1000, [.read])
            engine.cpu.pointee.gpr.3 = Self.data + 16
            XCTAssertEqual(engine.run(), .exception(vector: 14, errorCode: 2, address: Self.data + 16), "\(accel)")
        }
    }

    func testSelfModifyingCodeSeesTheNewInstruction() throws {
        // Runs `mov eax, imm32` at `patch` twice, rewriting its immediate in between from inside
        // the same block, then once more after rewriting it with an SSE store.
        let program = try assemble([
            "lea rbx, [rip + patch]",
            "call patch", "mov r8, rax",
            "mov dword ptr [rbx + 1], 222", "call patch", "mov r9, rax",
            "mov rdx, 333", "movq xmm0, rdx", "movd dword ptr [rbx + 1], xmm0", "call patch", "mov r10, rax",
            "hlt",
            "patch: mov eax, 111", "ret",
        ])
        for accel in Accel.allCases {
            let engine = try runSelfModifying(program, accel: accel)
            XCTAssertEqual(engine.cpu.pointee.gpr.8, 111, "\(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.9, 222, "after a store, under \(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.10, 333, "after an SSE store, under \(accel)")
            XCTAssertGreaterThanOrEqual(engine.statistics.codeInvalidations, 2, "\(accel)")
        }
    }
}
