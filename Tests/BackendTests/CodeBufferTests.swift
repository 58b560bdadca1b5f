import Foundation
import XCTest
@testable import Backend

final class CodeBufferTests: XCTestCase {
    /// Parses /proc/self/maps for the permissions of the mapping that holds `address`.
    func permissions(of address: UnsafeRawPointer) throws -> String {
        // /proc files report size 0: read until end of file rather than by size.
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/self/maps"))
        defer { try? handle.close() }
        let maps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        let a = UInt(bitPattern: address)
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            let range = fields[0].split(separator: "-").map { UInt($0, radix: 16)! }
            if a >= range[0] && a < range[1] { return String(fields[1]) }
        }
        return "unmapped"
    }

    func testViewsAreNeverWritableAndExecutable() throws {
        let buffer = try CodeBuffer(capacity: 1 << 20)
        XCTAssertEqual(try permissions(of: buffer.writable), "rw-s")
        XCTAssertEqual(try permissions(of: buffer.executable), "r-xs")
    }

    func testAppendedCodeRuns() throws {
        let buffer = try CodeBuffer(capacity: 1 << 20)
        var e = X86Encoder(origin: UInt(bitPattern: buffer.nextAddress))
        e.lea(.b64, .rax, Mem(.rdi, index: .rsi, scale: 2, 7))
        e.ret()
        let code = try XCTUnwrap(buffer.append(e.bytes))
        let f = unsafeBitCast(code, to: (@convention(c) (UInt64, UInt64) -> UInt64).self)
        XCTAssertEqual(f(100, 20), 147)
        // A write through the other view changes what runs: lea rax, [rdi + rsi*2 + 9].
        buffer.writableAddress(of: code).storeBytes(of: 9, toByteOffset: 4, as: UInt8.self)
        XCTAssertEqual(f(100, 20), 149)
    }

    func testBumpAllocationFillsAndResets() throws {
        let buffer = try CodeBuffer(capacity: 4096)
        XCTAssertNotNil(buffer.append([0xC3]))
        buffer.reserveAppended()
        let second = try XCTUnwrap(buffer.append([UInt8](repeating: 0xCC, count: 100)))
        XCTAssertEqual(second - buffer.executable, CodeBuffer.blockAlignment)
        XCTAssertNil(buffer.append([UInt8](repeating: 0xCC, count: 4096)))
        while buffer.append([UInt8](repeating: 0xCC, count: 1000)) != nil {}
        XCTAssertLessThan(buffer.remaining, 1000)
        buffer.reset()
        XCTAssertEqual(buffer.nextAddress - buffer.executable, CodeBuffer.blockAlignment)
        XCTAssertFalse(buffer.isFull)
    }
}
