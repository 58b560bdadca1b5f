import CCPU
import Interpreter
@testable import Lifter
import X86
import XCTest

/// Shortcuts the lifter takes that the differential tests (64-bit code against the host CPU)
/// do not reach.
final class LifterShortcutTests: XCTestCase {
    /// In 32-bit code POP r32 loads straight into the register and RET's load goes straight to
    /// rip; ESP moves only after the load, zero-extended into RSP, and the bits of RSP above ESP
    /// play no part in the address.
    func testProtectedModePopAndReturnMoveTheStackPointerAfterTheLoad() {
        let machine = TestMachine()
        machine.store64(0x2000, 0x1111_2222_3333_4444)
        machine[gpr: 4] = 0xFFFF_FFFF_0000_2000
        machine[gpr: 0] = 0xAAAA_AAAA_AAAA_AAAA
        let block = Build.lift([Build.insn(.pop, [Build.r(0, 4)], bytes: 4), Build.insn(.ret, [], bytes: 4)],
                               mode: .protected32)
        Interpreter().run(InterpretedBlock(block.ir), cpu: machine.cpu)
        XCTAssertEqual(machine[gpr: 0], 0x3333_4444, "popped, zero-extended")
        XCTAssertEqual(machine[gpr: 4], 0x2008)
        XCTAssertEqual(machine.cpu.pointee.rip, 0x1111_2222)
    }

    /// A POP whose load faults leaves the register and the stack pointer as they were.
    func testAFaultingPopWritesNothing() {
        let machine = TestMachine()
        machine[gpr: 4] = 0x10_0000  // past the 64 KiB of guest memory
        machine[gpr: 3] = 0x1234
        let exit = machine.run([Build.insn(.pop, [Build.r(3, 8)])])
        XCTAssertEqual(exit, Int32(MIMIC_EXIT_EXCEPTION))
        XCTAssertEqual(machine.cpu.pointee.exception, UInt64(MIMIC_EXC_PF))
        XCTAssertEqual(machine[gpr: 3], 0x1234)
        XCTAssertEqual(machine[gpr: 4], 0x10_0000)
    }
}
