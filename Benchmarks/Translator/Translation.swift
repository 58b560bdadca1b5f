import Backend
import Benchmark
import IR
import Lifter
import Optimizer
import TCG
import X86

/// Translation throughput over busybox's .text: the whole pipeline, then each stage alone.
/// Every iteration translates the whole section (about 400 K guest instructions); the metric is
/// guest instructions per second of the timed work, timed by the thread's CPU time.
enum TranslationBenchmarks {
    /// Blocks handled between two clock reads when a stage is timed apart from the stages that
    /// feed it: large enough that the clock costs nothing, small enough that the IR stays in cache.
    static let chunk = 256

    static func register() {
        let stageConfiguration = Benchmark.Configuration(
            metrics: [Metrics.guestInstructionsPerSecond],
            warmupIterations: 1, maxDuration: .seconds(6), maxIterations: 12)
        var checked = stageConfiguration
        checked.thresholds = [Metrics.guestInstructionsPerSecond: Metrics.throughputTolerance]

        Benchmark("Translate.all-stages", configuration: checked) { benchmark in
            guard let corpus = BlockCorpus.busybox, let jit = makeJIT(benchmark) else { return }
            let (translated, nanoseconds) = translateAll(corpus, jit, optimized: true)
            benchmark.measureRate(translated, nanoseconds)
        }

        // A block's first translation under tier-up (EngineOptions.runsBeforeOptimizing): no optimizer.
        Benchmark("Translate.first-tier", configuration: checked) { benchmark in
            guard let corpus = BlockCorpus.busybox, let jit = makeJIT(benchmark) else { return }
            let (translated, nanoseconds) = translateAll(corpus, jit, optimized: false)
            benchmark.measureRate(translated, nanoseconds)
        }

        Benchmark("Translate.decode", configuration: stageConfiguration) { benchmark in
            guard let corpus = BlockCorpus.busybox else { return }
            let decoder = Decoder(mode: .long64)
            let start = ThreadCPUClock.now()
            var decoded = 0
            var pc = corpus.address
            while pc < corpus.end {
                let bytes = UnsafeRawBufferPointer(rebasing: corpus.code[Int(pc - corpus.address)...])
                guard let insn = decoder.decode(bytes, address: pc), insn.length > 0 else { break }
                decoded += 1
                pc = insn.nextAddress
            }
            let elapsed = ThreadCPUClock.now() - start
            benchmark.measureRate(decoded, elapsed)
        }

        // The lifter decodes as it lifts (and decodes the successors' first instructions to learn
        // which flags they overwrite), so this is decode + lift; lift alone is the difference.
        Benchmark("Translate.decode+lift", configuration: stageConfiguration) { benchmark in
            guard let corpus = BlockCorpus.busybox else { return }
            let lifter = Lifter(mode: .long64)
            let start = ThreadCPUClock.now()
            var lifted = 0
            for pc in corpus.blockStarts {
                let block = lifter.translate(code: corpus.code, codeAddress: corpus.address, pc: pc)
                lifted += block.instructionCount
                blackHole(block.ir.insts.count)
            }
            let elapsed = ThreadCPUClock.now() - start
            benchmark.measureRate(lifted, elapsed)
        }

        Benchmark("Translate.optimize", configuration: stageConfiguration) { benchmark in
            guard let corpus = BlockCorpus.busybox else { return }
            let lifter = Lifter(mode: .long64)
            var blocks: [LiftedBlock] = []
            blocks.reserveCapacity(chunk)
            var elapsed: UInt64 = 0
            var optimized = 0
            for first in stride(from: 0, to: corpus.blockStarts.count, by: chunk) {
                blocks.removeAll(keepingCapacity: true)
                for pc in corpus.blockStarts[first..<min(first + chunk, corpus.blockStarts.count)] {
                    blocks.append(lifter.translate(code: corpus.code, codeAddress: corpus.address, pc: pc))
                }
                let start = ThreadCPUClock.now()
                for i in blocks.indices {
                    Optimizer.optimize(&blocks[i].ir)
                    optimized += blocks[i].instructionCount
                }
                elapsed += ThreadCPUClock.now() - start
            }
            benchmark.measureRate(optimized, elapsed)
        }

        Benchmark("Translate.codegen", configuration: stageConfiguration) { benchmark in
            guard let corpus = BlockCorpus.busybox, let jit = makeJIT(benchmark) else { return }
            let lifter = Lifter(mode: .long64)
            var blocks: [LiftedBlock] = []
            blocks.reserveCapacity(chunk)
            var elapsed: UInt64 = 0
            var compiled = 0
            for first in stride(from: 0, to: corpus.blockStarts.count, by: chunk) {
                blocks.removeAll(keepingCapacity: true)
                for pc in corpus.blockStarts[first..<min(first + chunk, corpus.blockStarts.count)] {
                    var block = lifter.translate(code: corpus.code, codeAddress: corpus.address, pc: pc)
                    Optimizer.optimize(&block.ir)
                    blocks.append(block)
                }
                let start = ThreadCPUClock.now()
                for (i, block) in blocks.enumerated() where compile(block.ir, first + i, jit) {
                    compiled += block.instructionCount
                }
                elapsed += ThreadCPUClock.now() - start
            }
            benchmark.measureRate(compiled, elapsed)
        }
    }

    /// Every block of the corpus through every stage, as the engine translates them (each
    /// block's IR storage handed back to the lifter for the next); guest instructions translated
    /// and the thread CPU time it took.
    static func translateAll(_ corpus: BlockCorpus, _ jit: JIT, optimized: Bool) -> (Int, UInt64) {
        let lifter = Lifter(mode: .long64)
        var spare: IRBlock? = IRBlock(layout: X86Globals.layout)
        let start = ThreadCPUClock.now()
        var translated = 0
        for (index, pc) in corpus.blockStarts.enumerated() {
            var block = lifter.translate(code: corpus.code, codeAddress: corpus.address, pc: pc, reusing: spare.take()!)
            if optimized { Optimizer.optimize(&block.ir) }
            if compile(block.ir, index, jit) { translated += block.instructionCount }
            spare = block.ir
        }
        return (translated, ThreadCPUClock.now() - start)
    }

    static func makeJIT(_ benchmark: Benchmark) -> JIT? {
        do {
            return try JIT(codeBufferBytes: 64 << 20)
        } catch {
            benchmark.error("cannot make a JIT: \(error)")
            return nil
        }
    }

    /// Compiles `ir`, flushing the code buffer when it is full as the engine does; false for a
    /// block the JIT refuses (more live values than spill slots), which the engine would split.
    @inline(__always)
    static func compile(_ ir: IRBlock, _ index: Int, _ jit: JIT) -> Bool {
        if jit.compile(ir, tbIndex: UInt32(truncatingIfNeeded: index)) != nil { return true }
        guard jit.lastFailure == .bufferFull else { return false }
        jit.flush()
        return jit.compile(ir, tbIndex: UInt32(truncatingIfNeeded: index)) != nil
    }
}
