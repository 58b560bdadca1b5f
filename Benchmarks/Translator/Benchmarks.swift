import Benchmark

/// Micro benchmarks of Mimic's translator (see README.md beside Package.swift for what each
/// measures, the commands, and the figures).
///
/// Names have no spaces or slashes: the benchmark tool writes a threshold file under the name
/// with those replaced but looks it up under the name as it is, so only such names round-trip.
let benchmarks: @Sendable () -> Void = {
    TranslationBenchmarks.register()
    ExecutionBenchmarks.register()
    DispatchBenchmarks.register()
    SoftMMUBenchmarks.register()
}

enum Metrics {
    /// Guest instructions per second of the timed work, one sample per iteration.
    static let guestInstructionsPerSecond = BenchmarkMetric.custom(
        "guest instructions/s", polarity: .prefersLarger, useScalingFactor: false)

    /// How far the p90 may move from the checked-in threshold before the check fails. Wide,
    /// because the project's machines are 2-vCPU VMs shared with builds and tests, which slow a
    /// hot loop by up to 2x while they run: the check is there to catch a real regression (a lost
    /// fast path, a stage made quadratic), not noise. Run it on an otherwise idle machine.
    static let throughputTolerance = BenchmarkThresholds(relative: [.p90: 50.0])
}

extension Benchmark {
    /// Records `instructions` done in `nanoseconds` as one sample of guest instructions per second.
    func measureRate(_ instructions: Int, _ nanoseconds: UInt64) {
        measurement(Metrics.guestInstructionsPerSecond, Int(Double(instructions) * 1e9 / Double(max(nanoseconds, 1))))
    }
}
