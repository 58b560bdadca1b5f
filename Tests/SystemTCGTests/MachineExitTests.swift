import Machine
import SystemTCG
import TCG
import Foundation
import XCTest

/// How runs end under tcg and interp, on tiny PVH images of a few bytes of 32-bit code at 1M:
/// HLT with interrupts off, debug-exit, i8042 reset, and a triple fault (an exception with no
/// IDT: the PVH entry state's IDTR points at zeroed low memory).
final class MachineExitTests: XCTestCase {
    /// An ELF with the PVH note and one PT_LOAD of `code` at 1M, the entry.
    static func image(_ code: [UInt8]) -> [UInt8] {
        PVHImage.elf(entry: 0x10_0000, segments: [PVHImage.Segment(address: 0x10_0000, bytes: code)])
    }

    func run(_ code: [UInt8], _ accel: Accel) throws -> (MachineExit, TCGAccelerator) {
        let machine = try Machine(memorySize: 4 << 20, serialOutput: CapturedOutput(), serialInput: BufferedInput(""))
        try PVHLoader.load(bytes: Self.image(code), name: "tiny", into: machine)
        let accelerator = TCGAccelerator(accel)
        return (try accelerator.run(machine), accelerator)
    }

    func testHaltWithInterruptsOffEndsTheRun() throws {
        for accel in Accel.allCases {
            let (exit, _) = try run([0xFA, 0xF4], accel)   // cli; hlt
            XCTAssertEqual(exit, .halted, "\(accel)")
            XCTAssertEqual(exit.status, 0)
        }
    }

    func testDebugExitFrom32BitCode() throws {
        for accel in Accel.allCases {
            let (exit, _) = try run([0xB8, 0x2A, 0, 0, 0, 0xE7, 0xF4, 0xEB, 0xFE], accel)   // mov $42, %eax; out %eax, $0xf4; jmp .
            XCTAssertEqual(exit, .debugExit(value: 42), "\(accel)")
            XCTAssertEqual(exit.status, 85)
        }
    }

    func testKeyboardControllerReset() throws {
        for accel in Accel.allCases {
            let (exit, _) = try run([0xB0, 0xFE, 0xE6, 0x64, 0xEB, 0xFE], accel)   // mov $0xfe, %al; out %al, $0x64; jmp .
            XCTAssertEqual(exit, .reset, "\(accel)")
        }
    }

    /// #UD finds no gate (#GP), #GP finds none (#DF), #DF finds none: shutdown, with the state.
    func testTripleFaultShutsDownWithTheState() throws {
        for accel in Accel.allCases {
            let (exit, accelerator) = try run([0xBB, 0x78, 0x56, 0x34, 0x12, 0x0F, 0x0B], accel)   // mov $0x12345678, %ebx; ud2
            guard case .shutdown(let state) = exit else { return XCTFail("\(accel): \(exit)") }
            XCTAssertEqual(state.gpr.rbx, 0x1234_5678)
            XCTAssertEqual(state.rip, 0x10_0005, "at the faulting instruction")
            XCTAssertEqual(exit.status, MachineExit.crashStatus)
            XCTAssertTrue(state.dump.contains("RBX=0000000012345678"))
            XCTAssertNotNil(accelerator.finalState)
        }
    }
}

/// LAR, LSL, VERW and LMSW lifted, run on a GDT the image loads (32-bit code, CPL 0).
final class SegmentCheckInstructionTests: XCTestCase {
    func testLarLslVerwLmsw() throws {
        var code: [UInt8] = [0x0F, 0x01, 0x15, 0x40, 0x00, 0x10, 0x00]   // lgdt 0x100040
        code += [0xB8, 0x08, 0, 0, 0]                                    // mov $0x08, %eax
        code += [0x0F, 0x02, 0xC8]                                       // lar %eax, %ecx
        code += [0x0F, 0x03, 0xD0]                                       // lsl %eax, %edx
        code += [0x0F, 0x94, 0xC3]                                       // setz %bl
        code += [0x0F, 0x00, 0xE8]                                       // verw %ax (code: not writable)
        code += [0x0F, 0x94, 0xC7]                                       // setz %bh
        code += [0xBF, 0x48, 0, 0, 0, 0x0F, 0x02, 0xEF]                  // mov $0x48, %edi; lar %edi, %ebp (past the GDT)
        code += [0xB8, 0x0B, 0, 0, 0, 0x0F, 0x01, 0xF0]                  // mov $0xB, %eax; lmsw %ax
        code += [0x0F, 0x01, 0xE6]                                       // smsw %esi
        code += [0xFA, 0xF4]                                             // cli; hlt
        code += [UInt8](repeating: 0x90, count: 0x40 - code.count)
        code += [0x17, 0x00, 0x48, 0x00, 0x10, 0x00]                     // GDTR: limit 0x17, base 0x100048
        code += [0, 0]
        func le(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        code += le(0) + le(0x00CF_9A00_0000_FFFF) + le(0x00CF_9200_0000_FFFF)
        for accel in Accel.allCases {
            let machine = try Machine(memorySize: 4 << 20, serialOutput: CapturedOutput(), serialInput: BufferedInput(""))
            try PVHLoader.load(bytes: MachineExitTests.image(code), name: "lar", into: machine)
            let accelerator = TCGAccelerator(accel)
            XCTAssertEqual(try accelerator.run(machine), .halted, "\(accel)")
            let g = try XCTUnwrap(accelerator.finalState).gpr
            XCTAssertEqual(g.rcx, 0x00CF_9A00, "\(accel): LAR, the access rights masked with 0x00FFFF00")
            XCTAssertEqual(g.rdx, 0xFFFF_FFFF, "\(accel): LSL, the limit scaled by G")
            XCTAssertEqual(g.rbx & 0xFFFF, 0x0001, "\(accel): ZF after LSL, not after VERW of a code segment")
            XCTAssertEqual(g.rbp, 0, "\(accel): LAR past the GDT's limit loads nothing")
            XCTAssertEqual(g.rsi & 0xF, 0xB, "\(accel): LMSW set MP and TS, PE stays")
        }
    }
}

/// INS and OUTS with REP: bytes from memory to the UART, words from an unclaimed port (all
/// ones) to memory, and OUTS to debug-exit ending the run (32-bit code, CPL 0).
final class StringPortIOTests: XCTestCase {
    func testRepOutsbRepInswAndOutsToDebugExit() throws {
        var code: [UInt8] = [0xFC]                                       // cld
        code += [0xBA, 0xF8, 0x03, 0, 0]                                 // mov $0x3F8, %edx
        code += [0xBE, 0x40, 0x00, 0x10, 0x00]                           // mov $0x100040, %esi
        code += [0xB9, 0x05, 0, 0, 0, 0xF3, 0x6E]                        // mov $5, %ecx; rep outsb
        code += [0xBA, 0x80, 0, 0, 0]                                    // mov $0x80, %edx
        code += [0xBF, 0x80, 0x00, 0x10, 0x00]                           // mov $0x100080, %edi
        code += [0xB9, 0x02, 0, 0, 0, 0xF3, 0x66, 0x6D]                  // mov $2, %ecx; rep insw
        code += [0xBA, 0xF4, 0, 0, 0, 0x6F]                              // mov $0xF4, %edx; outsl (the 0x2A after "hello")
        code += [0xEB, 0xFE]                                             // jmp .
        code += [UInt8](repeating: 0x90, count: 0x40 - code.count)
        code += Array("hello".utf8) + [0x2A, 0, 0, 0]
        for accel in Accel.allCases {
            let output = CapturedOutput()
            let machine = try Machine(memorySize: 4 << 20, serialOutput: output, serialInput: BufferedInput(""))
            try PVHLoader.load(bytes: MachineExitTests.image(code), name: "string I/O", into: machine)
            let accelerator = TCGAccelerator(accel)
            XCTAssertEqual(try accelerator.run(machine), .debugExit(value: 0x2A), "\(accel)")
            XCTAssertEqual(output.text, "hello", "\(accel)")
            XCTAssertEqual(try machine.ram.load(UInt32.self, at: 0x10_0080), 0xFFFF_FFFF, "\(accel): two words of all ones")
            let g = try XCTUnwrap(accelerator.finalState).gpr
            XCTAssertEqual(g.rsi, 0x10_0049, "\(accel): past \"hello\" and the doubleword")
            XCTAssertEqual(g.rdi, 0x10_0084, "\(accel)")
            XCTAssertEqual(g.rcx, 0, "\(accel)")
        }
    }
}

/// Ctrl-C stops a guest spinning inside generated code (chained to itself, touching memory or not).
final class InterruptionTests: XCTestCase {
    /// `jmp .`: no memory access, no port, one block chained to itself. The exit request the
    /// watchdog raises is tested on the backward jump; the report shows where the guest was.
    func testInterruptStopsAJumpToItself() throws {
        for accel in Accel.allCases {
            let machine = try Machine(memorySize: 4 << 20, serialOutput: CapturedOutput(), serialInput: BufferedInput(""))
            // mov $42, %eax; jmp .
            try PVHLoader.load(bytes: MachineExitTests.image([0xB8, 0x2A, 0, 0, 0, 0xEB, 0xFE]), name: "jmp .", into: machine)
            Interruption.install()
            defer { Interruption.clear() }
            let timer = Thread {
                Thread.sleep(forTimeInterval: 0.3)
                kill(getpid(), SIGINT)
            }
            timer.start()
            let start = Date()
            let accelerator = TCGAccelerator(accel)
            let exit = try accelerator.run(machine)
            XCTAssertEqual(exit, .interrupted, "\(accel)")
            XCTAssertEqual(exit.status, 130)
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, "\(accel)")
            let state = try XCTUnwrap(accelerator.finalState)
            XCTAssertEqual(state.rip, 0x10_0005, "\(accel): stopped at the jump")
            XCTAssertTrue(state.dump.contains("RAX=000000000000002a"), state.dump)
        }
    }

    func testInterruptStopsASpinningGuest() throws {
        for accel in Accel.allCases {
            let machine = try Machine(memorySize: 4 << 20, serialOutput: CapturedOutput(), serialInput: BufferedInput(""))
            // 1: incl 0x2000; jmp 1b
            try PVHLoader.load(bytes: MachineExitTests.image([0xFF, 0x05, 0x00, 0x20, 0, 0, 0xEB, 0xF8]), name: "spin", into: machine)
            Interruption.install()
            defer { Interruption.clear() }
            let timer = Thread {
                Thread.sleep(forTimeInterval: 0.3)
                kill(getpid(), SIGINT)
            }
            timer.start()
            let start = Date()
            let exit = try TCGAccelerator(accel).run(machine)
            XCTAssertEqual(exit, .interrupted, "\(accel)")
            XCTAssertLessThan(Date().timeIntervalSince(start), 5)
            XCTAssertGreaterThan(try machine.ram.load(UInt32.self, at: 0x2000), 0, "it ran")
        }
    }
}
