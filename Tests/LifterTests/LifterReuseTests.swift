import IR
@testable import Lifter
import X86
import XCTest

/// The translation entry points that keep state between blocks give the same IR as a fresh
/// translation: IR storage handed back (`reusing:`) and the per-thread memo of look-ahead decodes.
final class LifterReuseTests: XCTestCase {
    /// add eax, ebx; jz 0x100B; mov ecx, 1; jmp 0x100B; then at 0x100B:
    /// cmp eax, ecx; ret. Two blocks whose successors the look-ahead decodes.
    static let code: [UInt8] = [0x01, 0xD8, 0x74, 0x07, 0xB9, 0x01, 0x00, 0x00, 0x00, 0xEB, 0x00,
                                0x39, 0xC8, 0xC3, 0x90, 0x90, 0x90, 0x90]

    func translate(_ pc: UInt64, reusing storage: IRBlock? = nil) -> LiftedBlock {
        Self.code.withUnsafeBytes { bytes in
            if let storage {
                return Lifter().translate(code: bytes, codeAddress: 0x1000, pc: pc, reusing: storage)
            }
            return Lifter().translate(code: bytes, codeAddress: 0x1000, pc: pc)
        }
    }

    func testReusedStorageGivesTheSameIR() {
        let first = translate(0x1000)
        for pc: UInt64 in [0x1004, 0x100B, 0x1000] {
            let fresh = translate(pc)
            let reused = translate(pc, reusing: first.ir)
            XCTAssertEqual(reused.ir.text, fresh.ir.text, "pc \(pc)")
            XCTAssertEqual(reused.ir.temps.count, fresh.ir.temps.count)
            XCTAssertEqual(reused.ir.labelCount, fresh.ir.labelCount)
            XCTAssertEqual(reused.ir.guestPC, pc)
            XCTAssertTrue(reused.ir.deadAtChainedExit == fresh.ir.deadAtChainedExit)
        }
        // The storage handed over was a copy: the first block is untouched.
        XCTAssertEqual(first.ir.text, translate(0x1000).ir.text)
    }

    func testTheLookAheadMemoFollowsTheBytes() {
        // 0x100B is decoded by the first block's look-ahead and kept; a different instruction
        // at that address afterwards must be decoded anew.
        _ = translate(0x1000)
        var changed = Self.code
        changed[0x0B] = 0x31  // xor eax, ecx
        let block = changed.withUnsafeBytes { Lifter().translate(code: $0, codeAddress: 0x1000, pc: 0x100B, keepInstructions: true) }
        XCTAssertEqual(block.instructions?.first?.mnemonic, .xor)
        let original = Self.code.withUnsafeBytes { Lifter().translate(code: $0, codeAddress: 0x1000, pc: 0x100B, keepInstructions: true) }
        XCTAssertEqual(original.instructions?.first?.mnemonic, .cmp)
    }
}
