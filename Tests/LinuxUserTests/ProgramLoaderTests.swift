import ELF
import TCG
import XCTest
@testable import LinuxUser

/// The loader's checks and mappings, on ELF files built here byte by byte.
final class ProgramLoaderTests: XCTestCase {
    /// A minimal ELF64 x86-64 executable: header, `segments` program headers, then `code`.
    func makeELF(type: UInt16 = 2, machine: UInt16 = 62, segments: [(type: UInt32, flags: UInt32, offset: UInt64, vaddr: UInt64, filesz: UInt64, memsz: UInt64)],
                 entry: UInt64 = 0x401000, size: Int = 0x2000) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: size)
        func put(_ v: UInt64, _ at: Int, _ n: Int) { for i in 0..<n { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) } }
        b[0...3] = [0x7F, 0x45, 0x4C, 0x46]
        b[4] = 2; b[5] = 1; b[6] = 1
        put(UInt64(type), 16, 2); put(UInt64(machine), 18, 2); put(1, 20, 4)
        put(entry, 24, 8); put(64, 32, 8)
        put(64, 52, 2); put(56, 54, 2); put(UInt64(segments.count), 56, 2)
        for (i, s) in segments.enumerated() {
            let at = 64 + 56 * i
            put(UInt64(s.type), at, 4); put(UInt64(s.flags), at + 4, 4); put(s.offset, at + 8, 8)
            put(s.vaddr, at + 16, 8); put(s.vaddr, at + 24, 8); put(s.filesz, at + 32, 8); put(s.memsz, at + 40, 8)
            put(0x1000, at + 48, 8)
        }
        b[0x1000] = 0xC3
        return b
    }

    func load(_ bytes: [UInt8]) throws(LoadError) -> (LoadedImage, AddressSpace) {
        let elf: ELFFile
        do { elf = try ELFFile(bytes: bytes) } catch { throw LoadError("\(error)") }
        let space = try! AddressSpace(size: 1 << 36)
        return (try ProgramLoader.load(elf, name: "test", into: space), space)
    }

    func testSegmentsMappedWithTheirAccessAndBSSZeroed() throws {
        let bytes = makeELF(segments: [(1, 5, 0, 0x400000, 0x1001, 0x1001), (1, 6, 0x1000, 0x402000, 0x10, 0x3000)])
        let (image, space) = try load(bytes)
        XCTAssertEqual(image.entry, 0x401000)
        XCTAssertEqual(image.programHeaders, 0x400040, "the program headers are in the first segment")
        XCTAssertEqual(image.end, 0x405000)
        XCTAssertEqual(space.memory.access(at: 0x400000), [.read, .execute])
        XCTAssertEqual(space.memory.access(at: 0x402000), [.read, .write])
        XCTAssertEqual(space.memory.access(at: 0x404FFF), [.read, .write])
        XCTAssertEqual(space.memory.access(at: 0x405000), [])
        XCTAssertEqual(space.memory.read(1, at: 0x401000), [0xC3])
        XCTAssertEqual(space.memory.read(4, at: 0x402010), [0, 0, 0, 0], "bss is zero")
        XCTAssertEqual(space.mappings.map(\.start), [0x400000, 0x402000, 0x403000])
        XCTAssertEqual(space.mappings.map(\.name), ["test", "test", ""], "whole bss pages are anonymous, as Linux maps them")
        XCTAssertFalse(image.executableStack)
    }

    func testStaticPIEIsPlacedAtTheBase() throws {
        let bytes = makeELF(type: 3, segments: [(1, 5, 0, 0, 0x1001, 0x1001)], entry: 0x1000)
        let (image, space) = try load(bytes)
        XCTAssertEqual(image.bias, space.programBase)
        XCTAssertEqual(image.entry, space.programBase + 0x1000)
        XCTAssertEqual(space.memory.read(1, at: image.entry), [0xC3])
    }

    func testGNUStackAndInterpreterAreNoted() throws {
        var bytes = makeELF(segments: [(1, 5, 0, 0x400000, 0x1001, 0x1001), (0x6474_E551, 7, 0, 0, 0, 0), (3, 4, 0x1800, 0, 9, 9)])
        bytes.replaceSubrange(0x1800..<0x1809, with: Array("/lib/ld\0\0".utf8))
        let elf = try ELFFile(bytes: bytes)
        let space = try AddressSpace(size: 1 << 36)
        let image = try ProgramLoader.load(elf, name: "test", into: space)
        XCTAssertTrue(image.executableStack)
        XCTAssertEqual(image.interpreter, "/lib/ld")
    }

    func testBadProgramsAreOneLineErrors() {
        let cases: [(String, [UInt8], String)] = [
            ("32-bit machine", makeELF(machine: 3, segments: [(1, 5, 0, 0x400000, 0x100, 0x100)]), "not an x86-64 program (ELF for i386)"),
            ("relocatable", makeELF(type: 1, segments: [(1, 5, 0, 0x400000, 0x100, 0x100)]), "not an executable ELF file"),
            ("no segment", makeELF(segments: []), "no loadable segment"),
            ("outside the file", makeELF(segments: [(1, 5, 0x1000, 0x401000, 0x5000, 0x5000)]), "segment 0 lies outside the file"),
            ("file larger than memory", makeELF(segments: [(1, 5, 0, 0x400000, 0x200, 0x100)]), "more file bytes than memory bytes"),
            ("overlap", makeELF(segments: [(1, 5, 0, 0x400000, 0x1001, 0x1001), (1, 6, 0, 0x400000, 0x10, 0x10)]), "overlap"),
            ("page zero", makeELF(segments: [(1, 5, 0, 0, 0x100, 0x100)]), "address 0"),
            ("absurd size", makeELF(segments: [(1, 5, 0, 0x400000, 0x100, 1 << 62)]), "does not fit"),
            ("incongruent", makeELF(segments: [(1, 5, 0x10, 0x400000, 0x100, 0x100)]), "differ modulo the page size"),
        ]
        for (what, bytes, expected) in cases {
            do {
                _ = try load(bytes)
                XCTFail("\(what): loaded")
            } catch {
                XCTAssertTrue(error.message.contains(expected), "\(what): \(error.message)")
                XCTAssertFalse(error.message.contains("\n"), "\(what): one line")
                XCTAssertEqual(error.status, 2)
            }
        }
    }

    func testMissingProgramIsStatus127() {
        XCTAssertThrowsError(try ProgramLoader.read(path: "/nonexistent/program")) { error in
            XCTAssertEqual((error as? LoadError)?.status, 127)
        }
        XCTAssertThrowsError(try ProgramLoader.read(path: "/tmp")) { error in
            XCTAssertEqual((error as? LoadError)?.message, "/tmp: is a directory")
        }
    }
}
