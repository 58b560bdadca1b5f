import Backend
import Benchmark
import CCPU
import IR
import Lifter
import Optimizer
import TCG

/// A JIT, a CPU state and a little guest memory, for calling generated code outside the engine.
final class CodeFixture {
    typealias DirectEntry = @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?) -> UInt64

    let jit: JIT
    let memory: GuestMemory
    let cpu: UnsafeMutablePointer<MimicCPUState>
    /// The entry trampoline as a plain C function: what `JIT.enter` does without libffi.
    let directEntry: DirectEntry

    init() throws {
        jit = try JIT(codeBufferBytes: 1 << 20)
        memory = try GuestMemory(size: 1 << 20)
        cpu = .allocate(capacity: 1)
        cpu.initialize(to: MimicCPUState())
        cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
        mimic_set_guest_memory(cpu, memory.base, UInt64(memory.size))
        directEntry = unsafeBitCast(jit.entry.enterAddress, to: DirectEntry.self)
    }

    deinit { cpu.deallocate() }

    func compile(_ ir: IRBlock) throws -> CompiledBlock {
        guard let block = jit.compile(ir, tbIndex: 0) else {
            throw GuestProgram.ProgramError(description: "the JIT refused the block: \(String(describing: jit.lastFailure))")
        }
        return block
    }

    /// The block of one HLT: the least generated code that leaves through the epilogue.
    func haltBlock() throws -> CompiledBlock {
        let hlt: [UInt8] = [0xF4]
        var lifted = hlt.withUnsafeBytes { Lifter(mode: .long64).translate(code: $0, pc: 0x1000) }
        Optimizer.optimize(&lifted.ir)
        return try compile(lifted.ir)
    }

    var rax: UInt64 {
        get { cpu.pointee.gpr.0 }
        set { cpu.pointee.gpr.0 = newValue }
    }

    var rcx: UInt64 {
        get { cpu.pointee.gpr.1 }
        set { cpu.pointee.gpr.1 = newValue }
    }
}

/// A fixture with one compiled block in it.
struct FixtureBlock {
    let fixture: CodeFixture
    let block: CompiledBlock

    init(_ make: (CodeFixture) throws -> CompiledBlock) throws {
        fixture = try CodeFixture()
        block = try make(fixture)
    }
}

/// Helpers for the helper-call benchmarks: the same identity function reached three ways.
enum BenchmarkHelpers {
    static let identity: HelperFunction = { _, value, _, _, _ in value }

    /// A plain C-ABI function that touches nothing.
    static let pure = Helpers.register(Helper(name: "bench_identity", function: identity,
                                              argumentCount: 1, returnsValue: true, flags: .pure))
    /// The same, declared to read and write guest state: generated code stores every global
    /// before the call and reloads them after it.
    static let stateful = Helpers.register(Helper(name: "bench_identity_state", function: identity, argumentCount: 1,
                                                  returnsValue: true, flags: [.readsState, .writesState]))
    /// A Swift closure bound through a libffi closure, as helpers that reach a Swift object are.
    nonisolated(unsafe) static let closure = try! FFIClosure { _, value, _, _, _ in value }
    static let throughClosure = Helpers.register(Helper(name: "bench_identity_closure", function: closure.function,
                                                        argumentCount: 1, returnsValue: true, flags: .pure))

    /// `loop: rax += f(rcx); rcx -= 1; if rcx != 0 goto loop; exit` with `f` the helper, or
    /// `rax += rcx` with none: one block, entered once, looping inside generated code.
    static func loopBlock(callingHelper helper: Int?) -> IRBlock {
        let rax = X86Globals.gpr(Int(MIMIC_RAX)), rcx = X86Globals.gpr(Int(MIMIC_RCX))
        var ir = IRBlock(layout: X86Globals.layout, guestPC: 0x1000)
        ir.insnStart(0x1000)
        let loop = ir.newLabel()
        ir.setLabel(loop)
        let term = helper.map { ir.call($0, [rcx]) } ?? rcx
        let sum = ir.add(.i64, rax, term)
        ir.mov(rax, sum)
        let one = ir.const(.i64, 1 as UInt64)
        let count = ir.sub(.i64, rcx, one)
        ir.mov(rcx, count)
        let zero = ir.const(.i64, 0 as UInt64)
        ir.brcond(.ne, .i64, rcx, zero, loop)
        ir.exitTB(Int32(MIMIC_EXIT_REQUEST))
        return ir
    }
}

/// What it costs to get into generated code, out to a helper, and from block to block.
enum DispatchBenchmarks {
    static func register() {
        let perCall = Benchmark.Configuration(
            metrics: [.wallClock, .throughput], timeUnits: .nanoseconds, warmupIterations: 3,
            scalingFactor: .mega, maxDuration: .seconds(2), maxIterations: 30)

        // Entry: the trampoline saves the callee-saved registers, jumps into the block, which
        // leaves through the epilogue at once; ffi_call adds the libffi argument marshalling.
        Benchmark("Entry.libffi", configuration: perCall) { benchmark, loaded in
            let (fixture, block) = (loaded.fixture, loaded.block)
            for _ in benchmark.scaledIterations { blackHole(fixture.jit.enter(fixture.cpu, block.entry)) }
        } setup: {
            try FixtureBlock { try $0.haltBlock() }
        }
        Benchmark("Entry.direct-call", configuration: perCall) { benchmark, loaded in
            let (fixture, block) = (loaded.fixture, loaded.block)
            let enter = fixture.directEntry
            for _ in benchmark.scaledIterations { blackHole(enter(fixture.cpu, block.entry)) }
        } setup: {
            try FixtureBlock { try $0.haltBlock() }
        }

        // Helpers: a loop inside one block, one call an iteration; the cost of a call is the
        // difference from the loop without one.
        let helperLoops: [(String, Int?)] = [
            ("none", nil),
            ("c", BenchmarkHelpers.pure),
            ("c-state", BenchmarkHelpers.stateful),
            ("libffi-closure", BenchmarkHelpers.throughClosure),
        ]
        for (name, helper) in helperLoops {
            Benchmark("Helper.\(name)", configuration: perCall) { benchmark, loaded in
                let (fixture, block) = (loaded.fixture, loaded.block)
                let n = UInt64(benchmark.scaledIterations.count)
                fixture.rax = 0
                fixture.rcx = n
                _ = fixture.jit.enter(fixture.cpu, block.entry)
                if fixture.rax != n * (n + 1) / 2 { benchmark.error("the loop computed \(fixture.rax)") }
            } setup: {
                try FixtureBlock { try $0.compile(BenchmarkHelpers.loopBlock(callingHelper: helper)) }
            }
        }
        Benchmark("Helper.direct-from-swift", configuration: perCall) { benchmark, fixture in
            let function = Helpers[BenchmarkHelpers.pure].function
            var sum: UInt64 = 0
            for i in benchmark.scaledIterations { sum &+= function(fixture.cpu, UInt64(i), 0, 0, 0) }
            blackHole(sum)
        } setup: {
            try CodeFixture()
        }

        // Block to block: a chained direct jump, an indirect jump that hits the jump cache, and
        // one that misses it every time (the two blocks share a jump-cache slot), so that each
        // transition returns to the execution loop, looks the block up and enters again.
        let blockToBlock = Benchmark.Configuration(
            metrics: [Metrics.guestInstructionsPerSecond],
            warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 40)
        let transitions: UInt64 = 1_000_000
        let pingPongs: [(name: String, distance: Int, indirect: Bool, misses: Bool)] = [
            ("chained", 0x100, false, false),
            ("jump-cache-hit", 0x100, true, false),
            // The cache index is (pc ^ pc >> 10) mod 4096: pcs 4 MiB apart share a slot.
            ("jump-cache-miss", 4 << 20, true, true),
        ]
        for (name, distance, indirect, misses) in pingPongs {
            Benchmark("Dispatch.\(name)", configuration: blockToBlock) { benchmark, run in
                ExecutionBenchmarks.timeRuns(benchmark, instructions: run.program.instructions, bestOf: 3) { run.run() }
            } setup: {
                try pingPongRun(.pingPong(transitions: transitions, distance: distance, indirect: indirect),
                                transitions: transitions, missing: misses)
            }
        }
    }

    /// The program in a JIT engine, checked to hit or miss the jump cache as its name says.
    static func pingPongRun(_ program: GuestProgram, transitions: UInt64, missing: Bool) throws -> EngineRun {
        let run = try EngineRun(program, accel: .jit)
        let before = run.engine.statistics.jumpCacheMisses
        _ = run.run()
        let missed = run.engine.statistics.jumpCacheMisses - before
        guard missing ? missed >= Int(transitions) - 2 : missed <= 2 else {
            throw GuestProgram.ProgramError(description:
                "\(missed) jump-cache misses in \(transitions) transitions, expected \(missing ? "all" : "none"): the cache's index changed")
        }
        return run
    }
}
