@testable import Backend
import XCTest

/// The allocator's register lists are packed by hand into constants; here they are spelled out.
final class RegisterOrderTests: XCTestCase {
    func testAllocationOrder() {
        XCTAssertEqual(Array(RegisterAllocator.order), [.rbx, .rbp, .r12, .r13, .r8, .r9, .r10, .r11, .rsi, .rdi, .rdx, .rcx, .rax])
        XCTAssertEqual(Array(RegisterAllocator.calleeSavedOrder), [.rbx, .rbp, .r12, .r13])
    }

    func testRestrictedWalkKeepsTheOrder() {
        var set = RegSet.empty
        for r in [GPR.rax, .r12, .rbx, .rsi] { set.insert(r) }
        XCTAssertEqual(Array(RegisterAllocator.order.restricted(to: set)), [.rbx, .r12, .rsi, .rax])
        XCTAssertEqual(Array(RegisterAllocator.order.restricted(to: .empty)), [])
    }

    func testCallerSavedSet() {
        let callerSaved: [GPR] = [.rax, .rcx, .rdx, .rsi, .rdi, .r8, .r9, .r10, .r11]
        for r in GPR.allCases {
            XCTAssertEqual(RegisterAllocator.callerSaved.contains(r), callerSaved.contains(r), "\(r)")
        }
        XCTAssertEqual(BlockCompiler.argumentRegisters.bits,
                       (0..<4).reduce(UInt16(0)) { $0 | 1 << UInt16(BlockCompiler.argumentRegister($1).rawValue) })
    }
}
