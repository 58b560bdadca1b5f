import CCPU
import CNativeRunner
import Foundation
import IR
import Lifter
@testable import TCG
import TestSupport
import XCTest

/// Locked read-modify-writes and XCHG with memory run as host atomics when other threads share
/// guest memory (`EngineOptions.atomicLocks`; the HostThunks target runs them): every locked
/// form against the real CPU, and real host threads racing on one guest memory.
final class AtomicInstructionTests: XCTestCase, AssembledGuestTests {

    // MARK: Against the real CPU

    /// Every lockable form at every operand size, from boundary values and random flags, with
    /// atomicLocks on: registers, all six status flags (the host's own, undefined ones too),
    /// memory, and where it stopped must be the CPU's.
    func testLockedFormsMatchTheCPU() throws {
        var random = SplitMix64(seed: 0xA70)
        try compareWithCPU("forms", AtomicCases.forms(&random))
    }

    /// AH..BH operands (no REX may appear in the host instruction), SPL..DIL and R8B..R15B
    /// (a REX must), RSP as the register operand (it runs in a stand-in register), BTS/BTR/BTC
    /// bit strings reaching outside the operand, CMPXCHG8B/16B, and unusual addressing.
    func testLockedFormsWithAwkwardOperandsMatchTheCPU() throws {
        var random = SplitMix64(seed: 0xA71)
        try compareWithCPU("operands", AtomicCases.awkwardOperands(&random))
    }

    /// Locked accesses outside memory fault at the instruction, with earlier effects done and
    /// nothing of the faulting one; a misaligned CMPXCHG16B is #GP; locked instructions mixed with
    /// plain ones in one block keep the flags and registers flowing through the helper calls.
    func testFaultsAndSequencesMatchTheCPU() throws {
        var random = SplitMix64(seed: 0xA72)
        try compareWithCPU("faults and sequences", AtomicCases.faultsAndSequences(&random))
    }

    private func compareWithCPU(_ family: String, _ cases: [TestCase], file: StaticString = #filePath, line: UInt = #line) throws {
        if let reason = Assembler.unavailableReason { throw XCTSkip(reason) }
        try NativeCPU.setUp()
        var random = SplitMix64(seed: 0xDA7A)
        let image = (0..<Layout.dataSize).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let assembled = try Assembler.assemble(cases.map(\.assembly))
        var failures: [String] = []
        var runs = 0
        for (testCase, result) in zip(cases, assembled) {
            let text = testCase.assembly.joined(separator: "; ")
            guard case .success(let code) = result else {
                failures.append("\(text): the assembler rejected it")
                continue
            }
            let data = testCase.initialData(from: image)
            native_watchdog_arm(Differential.watchdogSeconds, "[atomics \(family)] \(text)")
            defer { native_watchdog_disarm() }
            let native = NativeCPU.run(code: code, input: testCase.input, data: data)
            if case .other(let what) = native.stop {
                failures.append("\(text): native run: \(what)")
                continue
            }
            for backend in Differential.backends {
                let mimic = MimicCPU.run(code: code, input: testCase.input, data: data, backend: backend, atomicLocks: true)
                runs += 1
                let differences = Self.differences(native, mimic)
                if !differences.isEmpty {
                    let input = GPR.allCases.map { "\($0.name)=\(hex(testCase.input[$0]))" }.joined(separator: " ")
                    failures.append("[\(backend)] \(text)\n    input \(input) flags \(testCase.input.flags)\n    "
                                    + differences.joined(separator: "\n    "))
                }
            }
        }
        print("[atomics \(family)] \(cases.count) cases, \(runs) Mimic runs compared with the CPU, \(failures.count) differ")
        for failure in failures.prefix(Differential.shown) { print(failure) }
        XCTAssertTrue(failures.isEmpty, "\(failures.count) differ; first: \(failures.first ?? "")", file: file, line: line)
    }

    /// Where Mimic and the CPU disagree: the stop, rip, every GPR, all six status flags and DF,
    /// and the data region.
    private static func differences(_ native: Outcome, _ mimic: Outcome) -> [String] {
        var out: [String] = []
        if native.stop != mimic.stop { out.append("stop: native \(native.stop), mimic \(mimic.stop)") }
        if native.state.rip != mimic.state.rip { out.append("rip: native \(hex(native.state.rip)), mimic \(hex(mimic.state.rip))") }
        for r in GPR.allCases where native.state[r] != mimic.state[r] {
            out.append("\(r.name): native \(hex(native.state[r])), mimic \(hex(mimic.state[r]))")
        }
        if native.state.flags != mimic.state.flags {
            out.append("flags: native \(native.state.flags), mimic \(mimic.state.flags)")
        }
        if let at = native.data.indices.first(where: { native.data[$0] != mimic.data[$0] }) {
            let end = min(at + 16, native.data.count)
            out.append("memory at \(hex(Layout.data + UInt64(at))): native \(hex(Array(native.data[at..<end]))), mimic \(hex(Array(mimic.data[at..<end])))")
        }
        return out
    }

    // MARK: Routing

    /// With atomicLocks the locked forms (and XCHG with memory) become helper calls; without
    /// it, or in system mode, or without LOCK, they lift as plain loads and stores.
    func testOnlyLockedMemoryFormsRunOnTheHostAndOnlyWhenAsked() throws {
        let cases: [(lines: [String], atomic: Bool)] = [
            (["lock inc qword ptr [rbx]"], true),
            (["lock xadd dword ptr [rbx + rcx*4 + 8], eax"], true),
            (["xchg byte ptr [rbx], ah"], true),
            (["lock cmpxchg16b xmmword ptr [rbx]"], true),
            (["lock bts qword ptr [rbx], rsp"], true),
            (["inc qword ptr [rbx]"], false),
            (["xchg rax, rbx"], false),
            (["add dword ptr [rbx], 1"], false),
        ]
        guard let host = Engine.hostInstructions else { throw XCTSkip("no host-instruction thunks") }
        for (lines, atomic) in cases {
            let code = try assemble(lines)
            func calls(_ options: LifterOptions) -> Bool {
                let lifter = Lifter(options: options, hostInstructions: host)
                let block = code.withUnsafeBytes { lifter.translate(code: $0, pc: 0x1000, maxInstructions: 1) }
                return block.ir.insts.contains { $0.op == .call }
            }
            XCTAssertEqual(calls(LifterOptions(atomicLocks: true)), atomic, "\(lines) with atomicLocks")
            XCTAssertFalse(calls(LifterOptions(atomicLocks: false)), "\(lines) without atomicLocks")
            XCTAssertFalse(calls(LifterOptions(system: true, privilegeLevel: 3, atomicLocks: true)), "\(lines) in system mode")
        }
    }

    // MARK: Faults in a mapped address space

    /// A locked access to an unmapped page, or a write to a read-only one, is #PF at exactly
    /// that instruction (a locked read-modify-write faults as a write), under both backends.
    func testALockedAccessToAnUnmappedOrReadOnlyPageIsAPageFaultAtThatInstruction() throws {
        let program = try assemble(["mov eax, 1", "lock xadd qword ptr [rbx], rax", "mov eax, 2", "hlt"])
        for accel in Accel.allCases {
            let (memory, engine) = try mapped(program, accel: accel)
            engine.cpu.pointee.gpr.3 = 0x5008  // unmapped
            XCTAssertEqual(engine.run(), .exception(vector: 14, errorCode: 2, address: 0x5008), "\(accel)")
            XCTAssertEqual(engine.cpu.pointee.rip, Self.code + 5, "the faulting instruction, under \(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.0, 1, "earlier effects done, the faulting one's not, under \(accel)")

            memory.write([7, 0, 0, 0, 0, 0, 0, 0], at: Self.data + 16)
            memory.protect(Self.data, 0x1000, [.read])
            engine.cpu.pointee.gpr.3 = Self.data + 16
            XCTAssertEqual(engine.run(), .exception(vector: 14, errorCode: 2, address: Self.data + 16), "\(accel)")
            XCTAssertEqual(engine.cpu.pointee.rip, Self.code + 5)
            XCTAssertEqual(engine.cpu.pointee.gpr.0, 1)
            XCTAssertEqual(memory.read(8, at: Self.data + 16), [7, 0, 0, 0, 0, 0, 0, 0], "\(accel)")

            memory.protect(Self.data, 0x1000, [.read, .write])
            XCTAssertEqual(engine.run(), .halt, "\(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.0, 2)
            XCTAssertEqual(memory.read(8, at: Self.data + 16), [8, 0, 0, 0, 0, 0, 0, 0], "\(accel)")
        }
    }

    /// A locked write to a page holding translated code (write-protected on the host) is
    /// self-modifying code: the translation is dropped and the new instruction runs.
    func testALockedWriteToTranslatedCodeIsSeen() throws {
        let program = try assemble([
            "lea rbx, [rip + patch]",
            "call patch", "mov r8, rax",
            "lock add dword ptr [rbx + 1], 100", "call patch", "mov r9, rax",
            "mov ecx, 7", "lock xadd dword ptr [rbx + 1], ecx", "call patch", "mov r10, rax",
            "hlt",
            "patch: mov eax, 11", "ret",
        ])
        for accel in Accel.allCases {
            let engine = try runSelfModifying(program, accel: accel)
            XCTAssertEqual(engine.cpu.pointee.gpr.8, 11, "\(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.9, 111, "after a locked add, under \(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.10, 118, "after a locked xadd, under \(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.1, 111, "xadd's old value, under \(accel)")
        }
    }

    /// An FS or GS override adds the segment base before the thunk sees the address (the
    /// native runner cannot compare this: the host's FS is its own thread pointer).
    func testASegmentOverrideAddsTheBase() throws {
        let program = try assemble(["mov eax, 5", "lock xadd qword ptr fs:[8], rax", "lock inc dword ptr gs:[rcx + 4]", "hlt"])
        for accel in Accel.allCases {
            let (memory, engine) = try mapped(program, accel: accel)
            memory.write([40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0], at: Self.data + 0x100)
            engine.cpu.pointee.fs_base = Self.data + 0xF8
            engine.cpu.pointee.gs_base = Self.data + 0x100
            engine.cpu.pointee.gpr.1 = 8
            XCTAssertEqual(engine.run(), .halt, "\(accel)")
            XCTAssertEqual(engine.cpu.pointee.gpr.0, 40, "\(accel)")
            XCTAssertEqual(memory.read(16, at: Self.data + 0x100), [45, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0], "\(accel)")
        }
    }

    // MARK: Threads

    /// Four host threads, each with its own engine and CPU, share one guest memory and run the
    /// same loop 100,000 times: LOCK INC, LOCK XADD and LOCK ADD on shared counters, a LOCK
    /// CMPXCHG spin lock and an XCHG spin lock each guarding a plain increment. With atomicLocks
    /// every total is exact, whether each engine translates for itself or all share one
    /// translation cache (`Engine(sharing:)`, as a guest's threads do). Without it (printed,
    /// not asserted: a race need not show) the counters lose updates.
    func testLockedInstructionsAreAtomicAcrossThreads() throws {
        let threads = 4, iterations = 100_000
        let n = UInt64(threads * iterations)
        for accel in Accel.allCases {
            for sharing in [false, true] {
                let totals = try race(threads: threads, iterations: iterations, accel: accel, atomicLocks: true, spinLocks: true, sharing: sharing)
                XCTAssertEqual(totals, [n, 3 * n, n & 0xFFFF, n, 2 * n], "\(accel), sharing translations: \(sharing)")
                print("[atomics] \(threads) threads × \(iterations) under \(accel)\(sharing ? ", one translation cache" : ""), with atomicLocks: \(totals)")
            }
        }
        // Without atomicLocks the spin locks could also deadlock (a plain CMPXCHG or XCHG may
        // write a stale 1 back over a release), so only the counters race here.
        let plain = try race(threads: threads, iterations: iterations, accel: .jit, atomicLocks: false, spinLocks: false, sharing: false)
        print("[atomics] the counters without atomicLocks under tcg: \(plain), exact would be \([n, 3 * n, n & 0xFFFF])")
    }

    /// Runs the loop on `threads` host threads sharing one guest memory, started together;
    /// returns the shared words: LOCK INC (+1), LOCK XADD (+3), LOCK ADD on a word (+1, modulo
    /// 2^16), and with `spinLocks` what a LOCK CMPXCHG spin lock guards (+1) and what an XCHG
    /// spin lock guards (+2).
    private func race(threads: Int, iterations: Int, accel: Accel, atomicLocks: Bool, spinLocks: Bool, sharing: Bool) throws -> [UInt64] {
        let locked = spinLocks ? [
            "11:", "xor eax, eax", "mov ecx, 1", "lock cmpxchg dword ptr [rbx + 64], ecx", "jz 12f", "pause", "jmp 11b",
            "12:", "inc qword ptr [rbx + 72]", "mov dword ptr [rbx + 64], 0",
            "13:", "mov ecx, 1", "xchg dword ptr [rbx + 128], ecx", "test ecx, ecx", "jz 14f", "pause", "jmp 13b",
            "14:", "add qword ptr [rbx + 136], 2", "mov dword ptr [rbx + 128], 0",
        ] : []
        let program = try assemble(["mov r8d, \(iterations)", "10:",
                                    "lock inc qword ptr [rbx]",
                                    "mov eax, 3", "lock xadd qword ptr [rbx + 8], rax",
                                    "lock add word ptr [rbx + 192], 1"]
                                   + locked + ["dec r8d", "jnz 10b", "hlt"])
        let memory = try GuestMemory(size: 1 << 20)
        memory.write(program, at: Self.code)
        var options = EngineOptions()
        options.codeBufferBytes = 1 << 20
        options.atomicLocks = atomicLocks
        var engines: [Engine] = []
        for _ in 0..<threads {
            let engine = try sharing && !engines.isEmpty ? Engine(sharing: engines[0]) : Engine(memory: memory, accel: accel, options: options)
            engine.cpu.pointee.rip = Self.code
            engine.cpu.pointee.gpr.3 = Self.data
            engines.append(engine)
        }
        let shared = EngineList(engines)
        let stops = StopList(count: threads)
        let go = DispatchSemaphore(value: 0), done = DispatchGroup()
        for index in 0..<threads {
            done.enter()
            let thread = Thread {
                go.wait()
                stops.set(index, shared.engines[index].run())
                done.leave()
            }
            thread.stackSize = 1 << 22
            thread.start()
        }
        for _ in 0..<threads { go.signal() }
        done.wait()
        XCTAssertEqual(stops.all, Array(repeating: .halt, count: threads), "every thread halts, under \(accel)")
        let words = memory.read(200, at: Self.data)
        func word(_ offset: Int, _ bytes: Int) -> UInt64 {
            (0..<bytes).reduce(0) { $0 | UInt64(words[offset + $1]) << (8 * UInt64($1)) }
        }
        return [word(0, 8), word(8, 8), word(192, 2)] + (spinLocks ? [word(72, 8), word(136, 8)] : [])
    }

    // MARK: Helpers

    /// Locked instructions as host atomics, in a 1 MiB code buffer.
    var engineOptions: EngineOptions {
        var options = EngineOptions()
        options.codeBufferBytes = 1 << 20
        options.atomicLocks = true
        return options
    }
}

/// The racing threads' engines, one each: an engine runs on one thread at a time.
private final class EngineList: @unchecked Sendable {
    let engines: [Engine]
    init(_ engines: [Engine]) { self.engines = engines }
}

/// Each thread's stop reason.
private final class StopList: @unchecked Sendable {
    private var stops: [StopReason?]
    private let lock = NSLock()
    init(count: Int) { stops = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ stop: StopReason?) { lock.withLock { stops[index] = stop } }
    var all: [StopReason?] { lock.withLock { stops } }
}

/// The locked forms the differential tests run, from the SDM's LOCK list: ADD ADC AND BTC BTR
/// BTS CMPXCHG CMPXCHG8B CMPXCHG16B DEC INC NEG NOT OR SBB SUB XOR XADD XCHG.
enum AtomicCases {
    static let arithmetic = ["add", "or", "adc", "sbb", "and", "sub", "xor"]
    /// Registers for the register operand: legacy and REX ones, caller- and callee-saved (not
    /// RAX, CMPXCHG's comparand; not RSI, the memory base; not RSP, tested on its own).
    static let sources: [GPR] = [.rcx, .rdx, .rbx, .rbp, .rdi, .r8, .r9, .r11, .r12, .r15]

    static func line(_ text: String) -> Piece { .insn(Insn(.nop).withText(text)) }

    /// A state with random registers and flags and RSI at `offset` into the data region.
    static func state(_ random: inout SplitMix64, memoryAt offset: Int) -> MachineState {
        var s = Operands.randomState(&random, flags: Operands.randomFlags(&random))
        s[.rsi] = Layout.dataPointer(offset: offset)
        return s
    }

    /// An offset for a `bytes`-wide operand that does not cross a cache line (a split lock is
    /// slow on the host and may be refused), aligned or not.
    static func offset(_ bytes: Int, _ random: inout SplitMix64) -> Int {
        0x4000 + 64 * random.below(0x80) + (random.chance(50) ? 0 : random.below(64 - bytes + 1))
    }

    static func forms(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        for width in Operands.widths {
            let bytes = width / 8
            let values = Operands.boundaries(width, &random)
            let ptr = Operands.ptr(width)
            // Register sources: every memory value against four of the register values.
            for op in arithmetic + ["xadd", "xchg", "lock xchg", "cmpxchg"] {
                for m in values {
                    for _ in 0..<4 {
                        let v = random.pick(values)
                        let at = offset(bytes, &random)
                        var s = state(&random, memoryAt: at)
                        let r = random.pick(sources)
                        Operands.set(&s, r, width: width, v)
                        if op == "cmpxchg" {
                            Operands.set(&s, .rax, width: width, random.chance(50) ? m : random.pick(values))
                        }
                        let prefix = op.hasPrefix("xchg") || op.hasPrefix("lock") ? "" : "lock "
                        cases.append(TestCase("\(op) m\(width), r\(width)", [line("\(prefix)\(op) \(ptr) [rsi], \(Operands.name(r, width))")],
                                              input: s, patches: [(at, Operands.bytes(m, width))]))
                    }
                }
            }
            // Immediates: imm8 (sign-extended for wider operands) and full-size.
            let immediates: [Int64] = switch width {
            case 8: [0, 1, 0x7F, -0x80, -1, 0x5A]
            case 16: [1, -1, 0x7F, -0x80, 0x1234, -0x8000, 0x7FFF]
            default: [1, -1, 0x7F, -0x80, 0x1234_5678, -0x8000_0000, 0x7FFF_FFFF]
            }
            for op in arithmetic {
                for imm in immediates {
                    for _ in 0..<2 {
                        let at = offset(bytes, &random)
                        let s = state(&random, memoryAt: at)
                        cases.append(TestCase("\(op) m\(width), imm", [line("lock \(op) \(ptr) [rsi], \(Operands.immediate(imm))")],
                                              input: s, patches: [(at, Operands.bytes(random.pick(values), width))]))
                    }
                }
            }
            for op in ["inc", "dec", "not", "neg"] {
                for m in values {
                    let at = offset(bytes, &random)
                    cases.append(TestCase("\(op) m\(width)", [line("lock \(op) \(ptr) [rsi]")],
                                          input: state(&random, memoryAt: at), patches: [(at, Operands.bytes(m, width))]))
                }
            }
            if width > 8 { cases += bitStrings(width, &random) }
        }
        return cases
    }

    /// BTS/BTR/BTC: register bit offsets reach units before and after the operand (signed,
    /// floor division by the width); immediates are taken modulo the width.
    static func bitStrings(_ width: Int, _ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let ptr = Operands.ptr(width)
        let offsets: [Int64] = [0, 5, Int64(width - 1), Int64(width), Int64(3 * width + 7), -1, Int64(-width - 3), 1000, -1000]
        for op in ["bts", "btr", "btc"] {
            for bit in offsets {
                let at = 0x8000 + 64 * random.below(0x40)
                var s = state(&random, memoryAt: at)
                let r = random.pick(sources)
                Operands.set(&s, r, width: width, UInt64(bitPattern: bit))
                cases.append(TestCase("\(op) m\(width), r\(width)", [line("lock \(op) \(ptr) [rsi], \(Operands.name(r, width))")], input: s))
            }
            for bit in [0, 3, width - 1, width + 2, 255] {
                let at = offset(width / 8, &random)
                cases.append(TestCase("\(op) m\(width), imm8", [line("lock \(op) \(ptr) [rsi], \(bit)")], input: state(&random, memoryAt: at)))
            }
        }
        return cases
    }

    static func awkwardOperands(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        let high: [(String, GPR)] = [("ah", .rax), ("ch", .rcx), ("dh", .rdx), ("bh", .rbx)]
        let values = Operands.boundaries(8, &random)
        // AH..BH: CMPXCHG with AH compares AL with memory and may load AL, in the same RAX.
        for op in arithmetic + ["xadd", "xchg", "cmpxchg"] {
            for (name, owner) in high {
                for _ in 0..<3 {
                    let at = offset(1, &random)
                    var s = state(&random, memoryAt: at)
                    let m = random.pick(values)
                    if op == "cmpxchg" && random.chance(50) { Operands.set(&s, .rax, width: 8, m) }
                    Operands.set(&s, owner, width: 8, random.pick(values), high: true)
                    let prefix = op == "xchg" ? "" : "lock "
                    cases.append(TestCase("\(op) m8, r8h", [line("\(prefix)\(op) BYTE PTR [rsi], \(name)")], input: s, patches: [(at, [UInt8(m)])]))
                }
            }
        }
        // SPL, SIL, DIL, BPL and R8B..R15B need a REX prefix; a REX with no bits set must stay.
        for op in ["add", "xadd", "xchg", "cmpxchg", "sub"] {
            for name in ["spl", "sil", "dil", "bpl", "r8b", "r12b", "r15b"] {
                let at = offset(1, &random)
                let prefix = op == "xchg" ? "" : "lock "
                cases.append(TestCase("\(op) m8, \(name)", [line("\(prefix)\(op) BYTE PTR [rsi], \(name)")],
                                      input: state(&random, memoryAt: at), patches: [(at, [UInt8(random.pick(values))])]))
            }
        }
        // RSP as the register operand, at every size.
        for op in ["add", "or", "adc", "sub", "xadd", "xchg", "cmpxchg"] {
            for (width, name) in [(8, "spl"), (16, "sp"), (32, "esp"), (64, "rsp")] {
                let at = offset(width / 8, &random)
                var s = state(&random, memoryAt: at)
                if op == "cmpxchg" && random.chance(50) { Operands.set(&s, .rax, width: width, s[.rsp]) }
                let prefix = op == "xchg" ? "" : "lock "
                cases.append(TestCase("\(op) m\(width), \(name)", [line("\(prefix)\(op) \(Operands.ptr(width)) [rsi], \(name)")], input: s,
                                      patches: [(at, Operands.bytes(random.next(), width))]))
            }
        }
        // RSP as a bit offset: SP of the test stack is negative as 16 bits (a unit 2 KiB below);
        // ESP and RSP reach far above the data region (a page fault, at the same address).
        for (width, name) in [(16, "sp"), (32, "esp"), (64, "rsp")] {
            cases.append(TestCase("bts m\(width), \(name)", [line("lock bts \(Operands.ptr(width)) [rsi], \(name)")],
                                  input: state(&random, memoryAt: 0x8000)))
        }
        // CMPXCHG8B and CMPXCHG16B, equal and not.
        let has16B = !NativeCPU.unsupportedMnemonics.contains(.cmpxchg16b)
        for (name, bytes) in [("cmpxchg8b", 8), ("cmpxchg16b", 16)] where bytes == 8 || has16B {
            let ptr = bytes == 8 ? "QWORD PTR" : "XMMWORD PTR"
            for equal in [false, true, false, true] {
                let at = 0x6000 + 64 * random.below(0x80) + (bytes == 8 ? 8 * random.below(8) : 16 * random.below(4))
                var s = state(&random, memoryAt: at)
                let low = random.next(), highHalf = random.next()
                let memory = bytes == 8 ? Operands.bytes(low, 64) : Operands.bytes(low, 64) + Operands.bytes(highHalf, 64)
                if equal {
                    if bytes == 8 {
                        Operands.set(&s, .rax, width: 32, low & 0xFFFF_FFFF)
                        Operands.set(&s, .rdx, width: 32, low >> 32)
                    } else {
                        s[.rax] = low
                        s[.rdx] = highHalf
                    }
                }
                cases.append(TestCase("\(name) \(equal ? "equal" : "unequal")", [line("lock \(name) \(ptr) [rsi]")], input: s, patches: [(at, memory)]))
            }
        }
        // Other addressing: base and index in REX registers, RSP-based (the fence idiom),
        // 32-bit addresses (the upper half of ESI ignored), displacements.
        for _ in 0..<4 {
            var s = state(&random, memoryAt: 0x7000)
            s[.r13] = Layout.dataPointer(offset: 0x7000)
            s[.r14] = UInt64(random.below(16))
            s[.rsi] = (random.next() << 32) | Layout.dataPointer(offset: 0x7100 + 8 * random.below(8))
            cases.append(TestCase("addressing", [
                line("lock inc QWORD PTR [r13 + r14*8 + 16]"),
                line("lock xadd DWORD PTR [rsp + 8], r9d"),
                line("lock or DWORD PTR [rsp], 0"),
                line("lock add DWORD PTR [esi], 0x12345"),
                line("xchg WORD PTR [r13 - 6], r10w"),
                line("lock cmpxchg QWORD PTR [r13 + 0x40], r12"),
            ], input: s))
        }
        return cases
    }

    static func faultsAndSequences(_ random: inout SplitMix64) -> [TestCase] {
        var cases: [TestCase] = []
        // Unmapped on both sides: the fault at the locked instruction, the MOV before it done.
        for form in ["lock inc QWORD PTR [rax]", "lock xadd QWORD PTR [rax], rcx", "xchg DWORD PTR [rax], ecx",
                     "lock cmpxchg WORD PTR [rax], cx", "lock bts QWORD PTR [rax], rcx", "lock neg BYTE PTR [rax + 5]",
                     "lock cmpxchg8b QWORD PTR [rax]", "lock sbb DWORD PTR [rax], 7"] {
            var s = state(&random, memoryAt: 0x4000)
            s[.rax] = Layout.unmapped
            s[.rcx] = UInt64(random.below(64))
            cases.append(TestCase("fault", [line("mov r8d, 5"), line(form), line("mov r8d, 6")], input: s))
        }
        if !NativeCPU.unsupportedMnemonics.contains(.cmpxchg16b) {
            // Misaligned CMPXCHG16B: #GP on both sides.
            cases.append(TestCase("cmpxchg16b misaligned", [line("lock cmpxchg16b XMMWORD PTR [rsi + 8]")], input: state(&random, memoryAt: 0x4000)))
        }
        // Plain and locked instructions in one block: flags and registers flow through the
        // helper calls both ways (ADC and SBB read CF the plain ADD and SUB set; INC keeps CF).
        for _ in 0..<24 {
            let s = state(&random, memoryAt: 0x5000 + 64 * random.below(0x40))
            cases.append(TestCase("sequence", [
                line("add rcx, rdx"),
                line("lock adc QWORD PTR [rsi], rcx"),
                line("sbb rbx, rcx"),
                line("lock inc DWORD PTR [rsi + 8]"),
                line("adc rbx, 1"),
                line("lock xadd WORD PTR [rsi + 16], r9w"),
                line("cmovo rdx, rbx"),
                line("sub r10, r11"),
                line("lock sbb BYTE PTR [rsi + 24], r10b"),
                line("movzx eax, r10b"),
                line("lock btc DWORD PTR [rsi + 28], eax"),
                line("setc al"),
                line("xchg QWORD PTR [rsi + 32], r9"),
                line("lock cmpxchg DWORD PTR [rsi + 40], edx"),
                line("setz ah"),
            ], input: s))
        }
        return cases
    }
}
