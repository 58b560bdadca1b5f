import XCTest
@testable import LinuxUser

/// The initial stack's layout, word by word, as the kernel's ELF loader builds it.
final class InitialStackTests: XCTestCase {
    let image = LoadedImage(entry: 0x401000, bias: 0, programHeaders: 0x400040, programHeaderCount: 9,
                            interpreter: nil, end: 0x4C0000, executableStack: false)
    let top: UInt64 = 0x7FFF_F000

    func makeStack(arguments: [String] = ["/bin/prog", "one", ""], environment: [String] = ["A=1", "LONGER=value"]) -> InitialStack {
        let aux = AuxiliaryVector(image: image, interpreterBase: 0, hwcap: 0x178BFBFF, minimumSignalStack: 2048)
        return InitialStack(top: top, arguments: arguments, environment: environment, executableName: "/bin/prog",
                            auxiliaryVector: aux, random: Array(1...16))
    }

    func word(_ s: InitialStack, _ address: UInt64) -> UInt64 {
        let at = Int(address - s.stackPointer)
        return s.bytes[at..<(at + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    func string(_ s: InitialStack, _ address: UInt64) -> String {
        let at = Int(address - s.stackPointer)
        return String(decoding: s.bytes[at...].prefix { $0 != 0 }, as: UTF8.self)
    }

    func testArgcArgvEnvpAndAlignment() {
        let s = makeStack()
        XCTAssertEqual(s.stackPointer % 16, 0, "rsp is 16-byte aligned at the entry")
        XCTAssertEqual(UInt64(s.bytes.count), top - s.stackPointer)
        var at = s.stackPointer
        XCTAssertEqual(word(s, at), 3, "argc")
        at += 8
        XCTAssertEqual((0..<3).map { string(s, word(s, at + 8 * UInt64($0))) }, ["/bin/prog", "one", ""])
        XCTAssertEqual(word(s, at + 24), 0, "argv ends with NULL")
        at += 32
        XCTAssertEqual((0..<2).map { string(s, word(s, at + 8 * UInt64($0))) }, ["A=1", "LONGER=value"])
        XCTAssertEqual(word(s, at + 16), 0, "envp ends with NULL")
    }

    func testStringsAreAtTheTopInTheKernelsOrder() {
        let s = makeStack()
        let argv0 = word(s, s.stackPointer + 8)
        let env0 = word(s, s.stackPointer + 8 * 5)
        let execfn = s.auxiliaryVector.value(.execfn)!
        XCTAssertLessThan(argv0, env0, "argument strings lie below the environment strings")
        XCTAssertLessThan(env0, execfn, "the program's path lies above both")
        XCTAssertEqual(execfn + UInt64("/bin/prog".utf8.count) + 1, top - 8, "an 8-byte end marker at the very top")
        XCTAssertEqual(string(s, execfn), "/bin/prog")
    }

    func testAuxiliaryVector() {
        let s = makeStack()
        // After argc, 3 argv + NULL, 2 envp + NULL: the auxiliary vector.
        var at = s.stackPointer + 8 * 8
        var entries: [(UInt64, UInt64)] = []
        while true {
            let pair = (word(s, at), word(s, at + 8))
            at += 16
            if pair.0 == 0 { break }
            entries.append(pair)
        }
        let types = entries.map(\.0)
        XCTAssertEqual(types, [16, 51, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 26, 31, 15],
                       "AT_HWCAP, AT_MINSIGSTKSZ, AT_PAGESZ, AT_CLKTCK, AT_PHDR ... AT_EXECFN, AT_PLATFORM, in Linux's order")
        let value = Dictionary(entries, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(value[6], 4096)
        XCTAssertEqual(value[17], 100)
        XCTAssertEqual(value[3], 0x400040)
        XCTAssertEqual(value[4], 56)
        XCTAssertEqual(value[5], 9)
        XCTAssertEqual(value[7], 0, "no interpreter: AT_BASE 0")
        XCTAssertEqual(value[9], 0x401000)
        XCTAssertEqual(value[16], 0x178BFBFF)
        XCTAssertEqual(string(s, value[15]!), "x86_64")
        let random = Int(value[25]! - s.stackPointer)
        XCTAssertEqual(Array(s.bytes[random..<(random + 16)]), Array(1...16))
        XCTAssertEqual(value[25]! + 16, value[15]!, "AT_RANDOM's bytes lie just below the platform string")
        XCTAssertEqual((value[15]! + 7) % 16, 0, "which ends at a 16-byte boundary below the strings")
    }

    func testAlignmentHoldsForEveryParity() {
        for extra in 0..<4 {
            let s = makeStack(arguments: ["p"] + Array(repeating: "x", count: extra), environment: Array(repeating: "E=", count: extra % 3))
            XCTAssertEqual(s.stackPointer % 16, 0)
            XCTAssertEqual(word(s, s.stackPointer), UInt64(1 + extra))
        }
    }
}
