import Benchmark
import CCPU
import TCG

/// A guest program loaded into an engine, translated and chained by one run before any is timed.
final class EngineRun {
    let program: GuestProgram
    let memory: GuestMemory
    let engine: Engine

    init(_ program: GuestProgram, accel: Accel) throws {
        self.program = program
        memory = try GuestMemory(size: program.memoryBytes)
        memory.write(program.code, at: GuestProgram.loadAddress)
        engine = try Engine(memory: memory, accel: accel)
        guard run() else { throw GuestProgram.ProgramError(description: "\(program.name) under \(accel): \(lastOutcome)") }
    }

    private var lastStop: StopReason = .halt

    /// Runs the program once from the start; false when it did not halt with the expected RAX.
    @inline(__always)
    func run() -> Bool {
        let cpu = engine.cpu
        withUnsafeMutableBytes(of: &cpu.pointee.gpr) { gpr in
            for i in 0..<16 { gpr.storeBytes(of: 0, toByteOffset: 8 * i, as: UInt64.self) }
            gpr.storeBytes(of: program.rcx, toByteOffset: 8 * Int(MIMIC_RCX), as: UInt64.self)
            gpr.storeBytes(of: GuestProgram.stackTop, toByteOffset: 8 * Int(MIMIC_RSP), as: UInt64.self)
            for (register, value) in program.otherRegisters {
                gpr.storeBytes(of: value, toByteOffset: 8 * Int(register), as: UInt64.self)
            }
        }
        cpu.pointee.rip = GuestProgram.loadAddress
        lastStop = engine.run()
        return lastStop == .halt && cpu.pointee.gpr.0 == program.expectedRAX
    }

    var lastOutcome: String { "stopped with \(lastStop), rax = \(engine.cpu.pointee.gpr.0), expected \(program.expectedRAX)" }
}

/// The program run natively, as the C function the wrapper makes of it.
final class NativeRun {
    let program: GuestProgram
    let code: NativeCode
    let data: FixedMapping?

    init(_ program: GuestProgram) throws {
        self.program = program
        code = try NativeCode(program.nativeCode)
        data = try program.nativeData.map { try FixedMapping(address: $0.address, bytes: $0.bytes) }
    }

    @inline(__always)
    func run() -> Bool { code.function(program.rcx) == program.expectedRAX }
}

/// Execution throughput of hot loops: guest instructions per second under the JIT, the
/// interpreter, and natively (the same bytes, RET for HLT).
enum ExecutionBenchmarks {
    static let programs: [(name: String, make: () throws -> GuestProgram)] = [
        ("add-dec-jnz", { .countingLoop(iterations: 4_000_000) }),
        ("call-ret", { .callLoop(iterations: 2_000_000) }),
        ("sieve", { try .sieve() }),
    ]

    static func register() {
        let checked = Benchmark.Configuration(
            metrics: [Metrics.guestInstructionsPerSecond],
            warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 40,
            thresholds: [Metrics.guestInstructionsPerSecond: Metrics.throughputTolerance])
        var native = checked
        native.thresholds = nil

        for (name, make) in programs {
            for accel in [Accel.jit, .interp] {
                // An interpreted run lasts long enough (0.1 to 1 s) that preemption averages out.
                Benchmark("Run.\(name).\(accel == .jit ? "jit" : "interp")", configuration: checked) { benchmark, run in
                    timeRuns(benchmark, instructions: run.program.instructions, bestOf: accel == .jit ? 3 : 1) { run.run() }
                } setup: {
                    try EngineRun(make(), accel: accel)
                }
            }
            Benchmark("Run.\(name).native", configuration: native) { benchmark, run in
                timeRuns(benchmark, instructions: run.program.instructions, bestOf: 3) { run.run() }
            } setup: {
                try NativeRun(make())
            }
        }
    }

    /// Records one sample of guest instructions per second per scaled iteration: the fastest of
    /// `bestOf` runs of `body`. Runs this short (milliseconds) on a 2-core machine shared with
    /// builds are often preempted; the fastest run is the one that measured the code alone.
    @inline(__always)
    static func timeRuns(_ benchmark: Benchmark, instructions: Int, bestOf: Int, _ body: () -> Bool) {
        for _ in benchmark.scaledIterations {
            var fastest = UInt64.max
            for _ in 0..<bestOf {
                let start = MonotonicClock.now()
                let correct = body()
                let elapsed = MonotonicClock.now() - start
                guard correct else {
                    benchmark.error("the guest computed a wrong result")
                    return
                }
                fastest = min(fastest, elapsed)
            }
            benchmark.measureRate(instructions, fastest)
        }
    }
}
