/// What one cell of the benchmark measured: the times of its runs, or why it could not run.
struct BenchCell: Equatable {
    var workload: String
    var size: UInt64
    var configuration: BenchConfiguration
    /// The command line that was (or would have been) run.
    var command: [String]
    var outcome: Outcome
    /// Guest instructions executed, when Mimic reported them (`--stats=json`).
    var guestInstructions: UInt64?
    /// Seconds Mimic spent translating in the `--stats=json` run, when it reported them.
    var translationSeconds: Double?

    enum Outcome: Equatable {
        /// Wall-clock seconds of each passing run.
        case measured([Double])
        /// The configuration cannot run here, or did not give the expected result.
        case skipped(String)
    }

    var times: [Double] {
        if case .measured(let t) = outcome { return t }
        return []
    }

    var skipReason: String? {
        if case .skipped(let reason) = outcome { return reason }
        return nil
    }

    var median: Double? { BenchStatistics.median(times) }
    var spread: (min: Double, max: Double)? { BenchStatistics.spread(times) }
    var mips: Double? { BenchStatistics.mips(instructions: guestInstructions, seconds: median) }
}

/// Every cell of a run, with the native medians the ratios are taken against.
struct BenchReport: Equatable {
    var workloads: [BenchWorkload]
    var configurations: [BenchConfiguration]
    var cells: [BenchCell]
    /// How many runs each cell was asked for.
    var runs: Int

    func cell(_ workload: String, _ configuration: BenchConfiguration) -> BenchCell? {
        cells.first { $0.workload == workload && $0.configuration == configuration }
    }

    /// The cell's median over the native median of its workload.
    func ratio(of cell: BenchCell) -> Double? {
        BenchStatistics.ratio(cell.median, toNative: self.cell(cell.workload, .native)?.median)
    }

    /// The ratio with each side's fixed cost taken away: (median − the configuration's startup
    /// median) over (native median − native startup median). Nil without a startup row, for the
    /// startup row itself, for a dynamically linked program (fib's startup is not its), or when a difference is not positive (the work is lost in the noise).
    func netRatio(of cell: BenchCell) -> Double? {
        guard let startup = workloads.first(where: { $0.kind == .startup }), cell.workload != startup.name,
              workloads.first(where: { $0.name == cell.workload }).map({ !$0.isProgram }) ?? true,
              let median = cell.median, let base = self.cell(startup.name, cell.configuration)?.median,
              let native = self.cell(cell.workload, .native)?.median,
              let nativeBase = self.cell(startup.name, .native)?.median else { return nil }
        return BenchStatistics.ratio(median - base, toNative: native - nativeBase)
    }

    /// The geometric mean of a configuration's ratios (`net`: of its net ratios) over the ring-3
    /// workloads (`programs`: over the dynamically linked programs), when every one of them was measured (a mean over a subset would compare
    /// different things).
    func geometricMeanRatio(_ configuration: BenchConfiguration, net: Bool = false, programs: Bool = false) -> Double? {
        var ratios: [Double] = []
        for w in workloads where programs ? w.isProgram : w.kind == .compute {
            guard let c = cell(w.name, configuration), let r = net ? netRatio(of: c) : ratio(of: c) else { return nil }
            ratios.append(r)
        }
        return BenchStatistics.geometricMean(ratios)
    }
}
