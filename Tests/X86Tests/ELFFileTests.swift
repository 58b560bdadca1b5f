import ELF
import Foundation
import XCTest

final class ELFFileTests: XCTestCase {
    /// A minimal valid ELF64 header: executable, x86-64, no program or section headers.
    func header(class elfClass: UInt8 = 2) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 64)
        h[0...3] = [0x7F, 0x45, 0x4C, 0x46]
        h[4] = elfClass
        h[5] = 1
        h[6] = 1
        h[16] = 2          // ET_EXEC
        h[18] = 62         // EM_X86_64
        h[20] = 1          // version
        h[24] = 0x00; h[25] = 0x10; h[26] = 0x40   // entry 0x401000
        h[52] = 64
        return h
    }

    func testMinimalHeader() throws {
        let elf = try ELFFile(bytes: header())
        XCTAssertEqual(elf.type, .executable)
        XCTAssertEqual(elf.machine, .x86_64)
        XCTAssertEqual(elf.entry, 0x401000)
        XCTAssertTrue(elf.programHeaders.isEmpty)
        XCTAssertTrue(elf.sections.isEmpty)
    }

    func testMalformedInputsThrow() {
        XCTAssertThrowsError(try ELFFile(bytes: [])) { XCTAssertEqual($0 as? ELFError, .tooShort(needed: 16, available: 0)) }
        XCTAssertThrowsError(try ELFFile(bytes: [UInt8](repeating: 0, count: 64))) {
            XCTAssertEqual($0 as? ELFError, .badMagic)
        }
        XCTAssertThrowsError(try ELFFile(bytes: header(class: 1))) {
            XCTAssertEqual($0 as? ELFError, .unsupportedClass(1))
        }
        XCTAssertThrowsError(try ELFFile(bytes: Array(header()[0..<40]))) {
            XCTAssertEqual($0 as? ELFError, .tooShort(needed: 64, available: 40))
        }
        var phdrs = header()
        phdrs[32] = 0xF0; phdrs[33] = 0xFF   // e_phoff far beyond the file
        phdrs[54] = 56
        phdrs[56] = 3
        XCTAssertThrowsError(try ELFFile(bytes: phdrs)) {
            guard case .headerOutOfBounds = $0 as? ELFError else { return XCTFail("\($0)") }
        }
        var overflow = header()
        for i in 40..<48 { overflow[i] = 0xFF }   // e_shoff = UInt64.max: must not overflow
        overflow[58] = 64
        overflow[60] = 1
        XCTAssertThrowsError(try ELFFile(bytes: overflow))
        var badSize = header()
        badSize[54] = 12
        badSize[56] = 1
        XCTAssertThrowsError(try ELFFile(bytes: badSize)) {
            XCTAssertEqual($0 as? ELFError, .badEntrySize(what: "program header", size: 12, expected: 56))
        }
    }

    func testEveryTruncationOfARealFileFailsCleanly() throws {
        let path = "/bin/ls"
        guard let data = FileManager.default.contents(atPath: path) else { throw XCTSkip("\(path) absent") }
        let bytes = [UInt8](data)
        for cut in stride(from: 0, to: min(bytes.count, 4096), by: 7) {
            _ = try? ELFFile(bytes: Array(bytes[0..<cut]))
        }
        // Truncated after the headers: the section table lies outside the file.
        XCTAssertThrowsError(try ELFFile(bytes: Array(bytes[0..<(bytes.count / 2)])))
    }

    func testBusyboxStructure() throws {
        guard let data = FileManager.default.contents(atPath: "/bin/busybox") else {
            throw XCTSkip("/bin/busybox is absent (install the busybox-static package)")
        }
        let elf = try ELFFile(bytes: [UInt8](data))
        XCTAssertEqual(elf.machine, .x86_64)
        XCTAssertEqual(elf.type, .executable)
        let text = try XCTUnwrap(elf.section(named: ".text"))
        XCTAssertTrue(text.isExecutable)
        XCTAssertTrue(text.address <= elf.entry && elf.entry < text.address + text.size)
        XCTAssertTrue(elf.programHeaders.contains { $0.isLoad && $0.isExecutable })
        XCTAssertEqual(elf.contents(of: text).count, Int(text.size))
    }

    func testSymbolsOfADynamicLibrary() throws {
        let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6"
        guard let data = FileManager.default.contents(atPath: libc) else { throw XCTSkip("\(libc) absent") }
        let elf = try ELFFile(bytes: [UInt8](data))
        XCTAssertEqual(elf.type, .sharedObject)
        XCTAssertTrue(elf.dynamicSymbols.contains { $0.name == "memcpy" && $0.isFunction })
    }
}
