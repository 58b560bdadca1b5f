/// `--stats` for a TCG run: the engine's counters, and with `countExecutions` what ran.
extension Engine {
    public var statisticsReport: StatsReport { statisticsReport(threads: [statistics]) }

    /// The report over the engines of a guest's threads, `threads` being what each counted
    /// (this one's included, and those of threads that exited): their counts are summed. What
    /// ran (`countExecutions`) is counted in the translations they share, so it is every
    /// thread's already. With more than one thread the report says how many it sums.
    public func statisticsReport(threads: [Statistics]) -> StatsReport {
        var s = Statistics()
        for counted in threads { s.add(counted) }
        s.flushes = statistics.flushes
        var report = StatsReport(title: accel.rawValue)
        if threads.count > 1 {
            report.add("threads", "threads (counts summed over all that ran, exited ones too)", threads.count)
        }
        report.add("blocks_translated", "blocks translated", s.blocksTranslated)
        if runsBeforeOptimizing > 0 {
            report.add("blocks_optimized_when_hot", "of them: hot blocks translated again, optimized", s.blocksOptimizedWhenHot)
        }
        report.add("guest_instructions_translated", "guest instructions translated", s.instructionsTranslated)
        let translationNanoseconds = s.translationNanoseconds - (counters?.measuringNanoseconds ?? 0)
        report.add("translation_ms", "translation time (ms)", .decimal(Double(translationNanoseconds) / 1e6))
        if accel == .jit {
            let guest = Double(max(1, s.instructionsTranslated))
            report.add("host_bytes", "host code bytes emitted", s.hostBytes)
            report.add("host_instructions", "host instructions emitted", s.hostInstructions)
            report.add("host_bytes_per_guest_instruction", "host bytes per guest instruction", .decimal(Double(s.hostBytes) / guest))
            report.add("host_instructions_per_guest_instruction", "host instructions per guest instruction",
                       .decimal(Double(s.hostInstructions) / guest))
        }
        report.add("loop_entries", "blocks entered from the execution loop", s.entries)
        if let counters {
            let executed = counters.executed
            report.add("blocks_executed", "blocks executed", .count(executed.blocks))
            report.add("guest_instructions_executed", "guest instructions executed", .count(executed.instructions))
            let direct = counters.directJumps
            report.add("direct_jumps", "direct jumps (goto_tb)", .count(direct))
            report.add("chained_jumps", "chained jumps taken (block to block, no loop)",
                       .count(direct > UInt64(s.unchainedExits) ? direct - UInt64(s.unchainedExits) : 0))
            report.add("indirect_jumps", "indirect jumps", .count(counters.indirectJumps))
            if accel == .jit {
                let misses = UInt64(s.jumpCacheMisses)
                report.add("jump_cache_hits", "jump-cache hits", .count(counters.indirectJumps > misses ? counters.indirectJumps - misses : 0))
            }
        }
        report.add("chains_patched", "chains patched", s.chainsPatched)
        if accel == .jit { report.add("jump_cache_misses", "jump-cache misses", s.jumpCacheMisses) }
        if let counters {
            report.add("helper_calls", "helper calls by helper", .breakdown(counters.helperCalls.map { StatsReport.Named($0.name, $0.calls) }))
        }
        report.add("flushes", "code-buffer flushes", s.flushes)
        report.add("smc_invalidations", "self-modifying-code invalidations", s.codeInvalidations)
        return report
    }
}
