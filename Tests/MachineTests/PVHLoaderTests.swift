import XCTest
@testable import Machine

final class PVHLoaderTests: XCTestCase {
    private func machine(_ size: UInt64 = 16 << 20) throws -> Machine {
        try Machine(memorySize: size, serialOutput: CapturedOutput(), serialInput: NoInput())
    }

    private let code: [UInt8] = [0xF4, 0xEB, 0xFD]   // hlt; jmp back

    func testLoadsSegmentsAndZeroFillsBSS() throws {
        let m = try machine()
        try m.ram.fill(0xAA, at: 0x100000, count: 0x2000)
        let elf = TestELF.make(entry: 0x100000, segments: [.init(physicalAddress: 0x100000, bytes: code, memorySize: 0x1000)])
        try PVHLoader.load(bytes: elf, name: "test.elf", into: m)
        XCTAssertEqual(try m.ram.bytes(at: 0x100000, count: 4), code + [0])
        XCTAssertEqual(try m.ram.load(UInt64.self, at: 0x100FF8), 0)
        XCTAssertEqual(try m.ram.load(UInt8.self, at: 0x101000), 0xAA, "nothing past memsz is touched")
    }

    func testStartInfoAndMemoryMap() throws {
        let m = try machine(32 << 20)
        let elf = TestELF.make(entry: 0x100000, segments: [.init(physicalAddress: 0x100000, bytes: code, memorySize: 3)])
        try PVHLoader.load(bytes: elf, name: "test.elf", commandLine: "console=ttyS0 quiet", into: m)
        let si: UInt64 = 0x7000
        XCTAssertEqual(try m.ram.load(UInt32.self, at: si), 0x336E_C578)
        XCTAssertEqual(try m.ram.load(UInt32.self, at: si + 4), 1)
        XCTAssertEqual(try m.ram.load(UInt32.self, at: si + 8), 0, "flags")
        XCTAssertEqual(try m.ram.load(UInt32.self, at: si + 12), 0, "nr_modules")
        let cmdline = try m.ram.load(UInt64.self, at: si + 24)
        XCTAssertEqual(cmdline, 0x8000)
        XCTAssertEqual(String(decoding: try m.ram.bytes(at: cmdline, count: 20), as: UTF8.self), "console=ttyS0 quiet\0")
        XCTAssertEqual(try m.ram.load(UInt64.self, at: si + 32), 0, "no RSDP")
        let map = try m.ram.load(UInt64.self, at: si + 40)
        XCTAssertEqual(try m.ram.load(UInt32.self, at: si + 48), 3)
        let expected: [(UInt64, UInt64, UInt32)] = [(0, 0xA0000, 1), (0xA0000, 0x60000, 2), (0x100000, (32 << 20) - 0x100000, 1)]
        for (i, e) in expected.enumerated() {
            let at = map + UInt64(24 * i)
            XCTAssertEqual(try m.ram.load(UInt64.self, at: at), e.0)
            XCTAssertEqual(try m.ram.load(UInt64.self, at: at + 8), e.1)
            XCTAssertEqual(try m.ram.load(UInt32.self, at: at + 16), e.2)
        }
    }

    func testEmptyCommandLineIsANullPointer() throws {
        let m = try machine()
        try PVHLoader.load(bytes: TestELF.make(entry: 0x100000, segments: [.init(physicalAddress: 0x100000, bytes: code, memorySize: 3)]),
                           name: "t", into: m)
        XCTAssertEqual(try m.ram.load(UInt64.self, at: 0x7000 + 24), 0)
    }

    func testBootStateIsThePVHEntryState() throws {
        let m = try machine()
        try PVHLoader.load(bytes: TestELF.make(entry: 0x100001, segments: [.init(physicalAddress: 0x100000, bytes: code, memorySize: 3)]),
                           name: "t", into: m)
        let s = m.bootState
        XCTAssertEqual(s.rip, 0x100001)
        XCTAssertEqual(s.gpr.rbx, 0x7000)
        XCTAssertEqual(s.cr0 & SystemCPUState.CR0.pe, 1)
        XCTAssertEqual(s.cr0 & SystemCPUState.CR0.pg, 0)
        XCTAssertEqual(s.cr4, 0)
        XCTAssertEqual(s.efer, 0)
        XCTAssertEqual(s.rflags, 0x2)
        for seg in [s.cs, s.ds, s.es, s.ss, s.fs, s.gs] {
            XCTAssertEqual(seg.base, 0)
            XCTAssertEqual(seg.limit, 0xFFFF_FFFF)
            XCTAssertTrue(seg.defaultBig && seg.present && seg.codeOrData && !seg.long)
        }
        XCTAssertEqual(s.cs.type, 0xB)
        XCTAssertEqual(s.ds.type, 0x3)
        XCTAssertEqual(s.tr.type, 0xB)
        XCTAssertEqual(s.tr.limit, 0x67)
    }

    func testNoteAmongOtherNotesIsFound() throws {
        let other = TestELF.le(UInt32(4)) + TestELF.le(UInt32(8)) + TestELF.le(UInt32(1)) + Array("GNU\0".utf8) + [UInt8](repeating: 7, count: 8)
        let image = try PVHLoader.inspect(bytes: TestELF.make(entry: 0x200000, segments: [.init(physicalAddress: 0x200000, bytes: code, memorySize: 3)], extraNotes: other), name: "t")
        XCTAssertEqual(image.entry, 0x200000)
    }

    private func assertBad(_ bytes: [UInt8], _ fragment: String, size: UInt64 = 16 << 20, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try PVHLoader.load(bytes: bytes, name: "bad.elf", into: try machine(size))
            XCTFail("loaded a bad image", file: file, line: line)
        } catch {
            let text = (error as? MachineError)?.description ?? "\(error)"
            XCTAssertTrue(text.hasPrefix("bad.elf: "), text, file: file, line: line)
            XCTAssertTrue(text.contains(fragment), "'\(text)' lacks '\(fragment)'", file: file, line: line)
            XCTAssertFalse(text.contains("\n"), file: file, line: line)
        }
    }

    func testBadImages() {
        let good = TestELF.make(entry: 0x100000, segments: [.init(physicalAddress: 0x100000, bytes: code, memorySize: 3)])
        assertBad([], "too short")
        assertBad(Array("#!/bin/sh\necho not an elf\n".utf8), "not an ELF")
        assertBad(Array(good.prefix(good.count - 2)), "truncated")
        assertBad(TestELF.make(entry: nil, segments: [.init(physicalAddress: 0x100000, bytes: code, memorySize: 3)]), "no PVH entry note")
        assertBad(TestELF.make(entry: 0x100000, segments: [.init(physicalAddress: 0x100000, bytes: code, memorySize: 32 << 20)]), "does not fit")
        assertBad(TestELF.make(entry: 0x100000, segments: [.init(physicalAddress: 0x7800, bytes: code, memorySize: 3)]), "overlaps the boot data")
        assertBad(TestELF.make(entry: 0x4000_0000, segments: [.init(physicalAddress: 0x100000, bytes: code, memorySize: 3)]), "outside")
    }

    func testMissingFile() {
        XCTAssertThrowsError(try PVHLoader.load(path: "/nonexistent/image.elf", into: try machine())) { e in
            XCTAssertEqual((e as? MachineError)?.description, "/nonexistent/image.elf: No such file or directory")
        }
    }

    func testMemorySizes() {
        XCTAssertEqual(MemorySize.parse("128M"), 128 << 20)
        XCTAssertEqual(MemorySize.parse("128"), 128 << 20)
        XCTAssertEqual(MemorySize.parse("1g"), 1 << 30)
        XCTAssertEqual(MemorySize.parse("65536K"), 64 << 20)
        for bad in ["", "M", "12X", "-5M", "1M", "4G", "0x10M", "1.5G", "99999999999999999999G"] {
            XCTAssertNil(MemorySize.parse(bad), bad)
        }
    }
}
