import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Files `mimic run` must refuse with one line on stderr and status 2 (127 for a missing
/// program), and a fuzz test over mutated ELF headers that must never crash or hang Mimic.
final class CorpusBadInputTests: XCTestCase {
    override class func tearDown() {
        try? FileManager.default.removeItem(at: CorpusFiles.root)
        super.tearDown()
    }

    /// Programs/tiny.c without libc: a small real ET_EXEC (or ET_DYN with `pie`) to break.
    private func tiny(pie: Bool = false) throws -> [UInt8] {
        guard let gcc = CorpusToolchain.gcc else {
            print("[corpus] bad-input tests skipped: gcc not found")
            throw XCTSkip("gcc not found: the seed program cannot be built")
        }
        let path = try CorpusBuilder.program("tiny", gcc, variant: pie ? "pie" : "exec",
            flags: [pie ? "-static-pie" : "-static", "-nostdlib", "-O2", "-fno-stack-protector", "-Wl,--build-id=none", "-s"],
            libraries: [])
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func write(_ bytes: [UInt8], name: String) throws -> String {
        let path = try CorpusFiles.makeDirectory("bad").appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
        return path
    }

    /// Status `status`, nothing on stdout, exactly one line on stderr.
    private func expectRefusal(_ path: String, _ what: String, status: Int32 = 2,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let outcome = try CorpusMimic.run(path, accel: "tcg", CorpusInvocation(arguments: [], timeout: 30))
        let lines = outcome.stderrText.split(separator: "\n", omittingEmptySubsequences: false)
        let oneLine = lines.count == 2 && lines[1].isEmpty && !lines[0].isEmpty
        print("[corpus] bad input \(what): \(outcome.termination), stderr \(outcome.stderrText.debugDescription)")
        XCTAssertEqual(outcome.termination, .exited(status), "\(what): \(outcome.stderrText)", file: file, line: line)
        XCTAssertTrue(oneLine, "\(what): stderr must be one line naming the problem, got \(outcome.stderrText.debugDescription)", file: file, line: line)
        XCTAssertTrue(outcome.stdout.isEmpty, "\(what): stdout must be empty, got \(outcome.stdoutText.debugDescription)", file: file, line: line)
    }

    func testTheSeedRunsUnderMimic() throws {
        for pie in [false, true] {
            let path = try write(try tiny(pie: pie), name: "tiny")
            let outcome = try CorpusMimic.run(path, accel: "tcg", CorpusInvocation(arguments: [], timeout: 30))
            XCTAssertEqual(outcome.termination, .exited(0), "tiny (pie: \(pie)): \(outcome.stderrText)")
            XCTAssertEqual(outcome.stdoutText, "tiny\n", "tiny (pie: \(pie))")
        }
    }

    func testNotAnELF() throws {
        try expectRefusal(try write(Array("hello, I am not a program\n".utf8), name: "text"), "a text file")
        try expectRefusal(try write([], name: "empty"), "an empty file")
        try expectRefusal(try write([0x7F, 0x45, 0x4C], name: "magic"), "three bytes of magic")
    }

    func testTruncatedELF() throws {
        let seed = try tiny()
        for length in [4, 40, 63, 64, 100, 200] {
            try expectRefusal(try write(Array(seed.prefix(length)), name: "cut\(length)"), "the first \(length) bytes")
        }
        // Program headers intact, the segments' bytes cut off.
        let phoff = Int(CorpusELF.u64(seed, 32)), phnum = Int(CorpusELF.u16(seed, 56))
        let lastSegmentByte = (0..<phnum).map { i -> Int in
            let at = phoff + i * 56
            return CorpusELF.u32(seed, at) == 1 ? Int(CorpusELF.u64(seed, at + 8) + CorpusELF.u64(seed, at + 32)) : 0
        }.max() ?? seed.count
        try expectRefusal(try write(Array(seed.prefix(lastSegmentByte - 1)), name: "short"), "segments past the end of the file")
    }

    func testCorruptHeaders() throws {
        let seed = try tiny()
        let phoff = Int(CorpusELF.u64(seed, 32))
        let loads = (0..<Int(CorpusELF.u16(seed, 56))).map { phoff + $0 * 56 }.filter { CorpusELF.u32(seed, $0) == 1 }
        XCTAssertGreaterThanOrEqual(loads.count, 2, "the seed should have two PT_LOAD segments")
        let cases: [(String, [(Int, Int, UInt64)])] = [
            ("a 32-bit ELF", [(4, 1, 1)]),
            ("a big-endian ELF", [(5, 1, 2)]),
            ("a non-x86 ELF (AArch64)", [(18, 2, 183)]),
            ("an i386 ELF", [(18, 2, 3)]),
            ("a relocatable object", [(16, 2, 1)]),
            ("a core file", [(16, 2, 4)]),
            ("program headers beyond the file", [(32, 8, 0xFFFF_FFFF_FF00)]),
            ("program header table overflowing", [(32, 8, UInt64.max - 8)]),
            ("65535 program headers", [(56, 2, 0xFFFF)]),
            ("a wrong program header size", [(54, 2, 20)]),
            ("a segment's file bytes past the end", [(loads[0] + 32, 8, 0x10_0000), (loads[0] + 40, 8, 0x10_0000)]),
            ("a segment's offset past the end", [(loads[1] + 8, 8, 0x7000_0000)]),
            ("file size above memory size", [(loads[1] + 32, 8, CorpusELF.u64(seed, loads[1] + 40) + 0x1000)]),
            ("an absurd memory size", [(loads[1] + 40, 8, 1 << 62)]),
            ("overlapping segments", [(loads[1] + 16, 8, CorpusELF.u64(seed, loads[0] + 16))]),
            ("a segment in the kernel's half", [(loads[1] + 16, 8, 0xFFFF_8000_0000_0000)]),
            ("a misaligned segment", [(loads[1] + 16, 8, CorpusELF.u64(seed, loads[1] + 16) + 1)]),
        ]
        for (what, patches) in cases {
            var bytes = seed
            for (offset, size, value) in patches {
                for i in 0..<size { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            }
            try expectRefusal(try write(bytes, name: "corrupt"), what)
        }
    }

    func testDirectoryAndMissingProgram() throws {
        try expectRefusal(try CorpusFiles.makeDirectory("a-directory").path, "a directory")
        try expectRefusal(CorpusFiles.root.appendingPathComponent("no/such/program").path, "a missing program", status: 127)
    }

    /// Thousands of seeded mutations of the seed programs' ELF and program headers. Each run
    /// must end in a refusal (status 2) or a guest-level outcome: any exit status, or a death by
    /// a signal a guest can die of without the Swift runtime's crash report. A hang the native
    /// run does not share, a Swift runtime error or crash report, or a signal no guest causes
    /// is Mimic's bug.
    /// MIMIC_CORPUS_FUZZ_COUNT (default 2000) and MIMIC_CORPUS_FUZZ_SEED choose the cases.
    func testMutatedHeadersNeverCrashMimic() throws {
        let environment = ProcessInfo.processInfo.environment
        let count = Int(environment["MIMIC_CORPUS_FUZZ_COUNT"] ?? "") ?? 2000
        let firstSeed = UInt64(environment["MIMIC_CORPUS_FUZZ_SEED"] ?? "") ?? 0x5EED_E1F
        let seeds = [try tiny(pie: false), try tiny(pie: true)]
        let directory = try CorpusFiles.makeDirectory("fuzz")
        var tally: [String: Int] = [:]
        var failures: [String] = []
        let started = Date()
        for index in 0..<count {
            var random = SplitMix64(seed: firstSeed &+ UInt64(index))
            let seed = seeds[index % 2]
            var bytes = seed
            let mutations = CorpusMutator.mutate(&bytes, &random)
            let path = directory.appendingPathComponent("case").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            chmod(path, 0o755)

            let invocation = CorpusInvocation(arguments: [], directory: directory, timeout: 10)
            let native: CorpusTermination?
            do {
                native = try CorpusProcess.run(path, invocation).termination
            } catch {
                native = nil   // the kernel refused to exec it
            }
            let mimic = try CorpusMimic.run(path, accel: "tcg", invocation)
            let verdict = CorpusMutator.judge(native: native, mimic: mimic)
            tally[verdict.category, default: 0] += 1
            if let problem = verdict.problem {
                failures.append("case \(index) (seed \(firstSeed &+ UInt64(index)), \(index % 2 == 0 ? "exec" : "pie")): \(problem)\n    mutations: \(mutations.joined(separator: "; "))\n    native: \(native.map(\.description) ?? "exec refused")\n    mimic stderr: \(mimic.stderrText.prefix(400).debugDescription)")
            }
        }
        let seconds = Int(Date().timeIntervalSince(started))
        print("[corpus] fuzz: \(count) mutated ELF files in \(seconds) s: " + tally.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        for failure in failures.prefix(15) { print("[corpus] fuzz failure: \(failure)") }
        if !failures.isEmpty {
            XCTFail("\(failures.count) of \(count) mutated ELF files crashed or hung Mimic; the first:\n" + failures.prefix(5).joined(separator: "\n"))
        }
    }
}

/// ELF header and program header mutations, and the verdict on one run.
enum CorpusMutator {
    /// (offset, size, name) of the ELF header fields.
    static let headerFields: [(Int, Int, String)] = [
        (4, 1, "EI_CLASS"), (5, 1, "EI_DATA"), (6, 1, "EI_VERSION"), (7, 1, "EI_OSABI"), (16, 2, "e_type"),
        (18, 2, "e_machine"), (20, 4, "e_version"), (24, 8, "e_entry"), (32, 8, "e_phoff"), (40, 8, "e_shoff"),
        (48, 4, "e_flags"), (52, 2, "e_ehsize"), (54, 2, "e_phentsize"), (56, 2, "e_phnum"), (58, 2, "e_shentsize"),
        (60, 2, "e_shnum"), (62, 2, "e_shstrndx"),
    ]
    /// (offset within an entry, size, name) of the program header fields.
    static let programHeaderFields: [(Int, Int, String)] = [
        (0, 4, "p_type"), (4, 4, "p_flags"), (8, 8, "p_offset"), (16, 8, "p_vaddr"), (24, 8, "p_paddr"),
        (32, 8, "p_filesz"), (40, 8, "p_memsz"), (48, 8, "p_align"),
    ]

    /// Applies one to three mutations; returns what each did.
    static func mutate(_ bytes: inout [UInt8], _ random: inout SplitMix64) -> [String] {
        let phoff = Int(CorpusELF.u64(bytes, 32)), phnum = Int(CorpusELF.u16(bytes, 56))
        var done: [String] = []
        for _ in 0..<(1 + random.below(3)) {
            let (offset, size, name): (Int, Int, String)
            switch random.below(10) {
            case 0...2:
                (offset, size, name) = random.pick(headerFields)
            case 3...8:
                let entry = random.below(phnum)
                let field = random.pick(programHeaderFields)
                (offset, size, name) = (phoff + entry * 56 + field.0, field.1, "phdr[\(entry)].\(field.2)")
            default:
                let at = random.below(phoff + phnum * 56)
                let bit = random.below(8)
                bytes[at] ^= 1 << bit
                done.append("flip bit \(bit) of byte \(at)")
                continue
            }
            let old = read(bytes, offset, size)
            let value = interesting(old: old, size: size, fileSize: bytes.count, &random)
            for i in 0..<size { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            done.append("\(name) 0x\(String(old, radix: 16)) -> 0x\(String(value, radix: 16))")
        }
        return done
    }

    private static func read(_ bytes: [UInt8], _ offset: Int, _ size: Int) -> UInt64 {
        (0..<size).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }

    private static func interesting(old: UInt64, size: Int, fileSize: Int, _ random: inout SplitMix64) -> UInt64 {
        let mask: UInt64 = size == 8 ? ~0 : (1 << UInt64(8 * size)) - 1
        let choices: [UInt64] = [
            0, 1, mask, mask >> 1, mask >> 1 &+ 1, old &+ 1, old &- 1, old &+ 0x1000, old &- 0x1000, old << 1, old >> 1,
            UInt64(fileSize), UInt64(fileSize) &+ 1, 0x1000, 0xFFF, 0x7FFF_FFFF_F000, 0x8000_0000_0000,
            0xFFFF_8000_0000_0000, 1 << 32, 3, 7, 0x6474_E551, 0x6474_E552, random.next(),
        ]
        return random.pick(choices) & mask
    }

    /// Signals a guest program can die of from its own doing.
    static let guestSignals: Set<Int32> = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGSYS, SIGKILL]

    /// `category` for the tally; `problem` when the run shows a Mimic bug.
    static func judge(native: CorpusTermination?, mimic: CorpusOutcome) -> (category: String, problem: String?) {
        // Mimic's own crashes come with the Swift runtime's report; a guest's death does not.
        if ["Fatal error", "Swift runtime failure", "*** Program crashed"].contains(where: mimic.stderrText.contains) {
            return ("mimic-crash", "Mimic crashed")
        }
        switch mimic.termination {
        case .exited(2) where mimic.stderrText.split(separator: "\n").count == 1 && mimic.stdout.isEmpty:
            return ("refused", nil)
        case .exited(let status):
            if case .exited(let nativeStatus)? = native, nativeStatus == status { return ("ran-same-status", nil) }
            return ("ran-status-\(status)", nil)
        case .signaled(let signal):
            guard guestSignals.contains(signal) else { return ("signal-\(signal)", "died of signal \(signal), which a guest cannot cause by itself") }
            if case .signaled? = native { return ("guest-crash", nil) }
            // The guest died where the native program did not: Mimic loaded the file
            // differently from the kernel (stricter zeroing past p_filesz, say), not a crash.
            return ("guest-crash-\(signal)-native-\(native.map(\.description) ?? "refused")", nil)
        case .timedOut:
            if case .timedOut? = native { return ("both-hang", nil) }
            return ("hang", "still running after the time limit; natively: \(native.map(\.description) ?? "refused")")
        }
    }
}

private extension SplitMix64 {
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
