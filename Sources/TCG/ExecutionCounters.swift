import Backend
import CCPU
import IR

/// `--stats` counting of what runs: generated code and the interpreter count executed blocks,
/// direct and indirect jumps and helper calls by calling one tiny helper that increments a
/// counter. Only engines made with `EngineOptions.countExecutions` add these calls, so a run
/// without `--stats` executes none of them.
final class ExecutionCounters {
    /// Fixed counters, then one per helper.
    private let fixed: UnsafeMutablePointer<UInt64>
    private static let directJumpsSlot = 0, indirectJumpsSlot = 1, helperBase = 2

    /// One counter per translated block, in chunks that never move (generated code holds their
    /// addresses), and beside each the block's guest instruction count.
    private var blockChunks: [UnsafeMutablePointer<UInt64>] = []
    private var instructionChunks: [UnsafeMutablePointer<UInt32>] = []
    private var usedInLastChunk = ExecutionCounters.chunkSize
    private static let chunkSize = 4096

    /// Compiles blocks a second time without the counting calls, so `--stats` reports the host
    /// code a run without it would get.
    private let measuringJIT: JIT?
    /// Time spent in that second compilation, which is not translation time.
    private(set) var measuringNanoseconds: UInt64 = 0

    /// The helper generated code calls to count: it adds one to the counter at its argument,
    /// atomically, as the guest's threads run the same blocks.
    static let countHelper: Int = Helpers.register(Helper(
        name: "count",
        function: { _, counter, _, _, _ in
            mimic_atomic_add64(UnsafeMutablePointer<UInt64>(bitPattern: UInt(counter))!, 1)
            return 0
        },
        argumentCount: 1, returnsValue: false, flags: .pure))

    init(measuringHostCode: Bool) throws {
        let count = ExecutionCounters.helperBase + Helpers.capacity
        fixed = .allocate(capacity: count)
        fixed.initialize(repeating: 0, count: count)
        measuringJIT = measuringHostCode ? try JIT(codeBufferBytes: 4 << 20) : nil
    }

    deinit {
        fixed.deallocate()
        for chunk in blockChunks { chunk.deallocate() }
        for chunk in instructionChunks { chunk.deallocate() }
    }

    var directJumps: UInt64 { fixed[ExecutionCounters.directJumpsSlot] }
    var indirectJumps: UInt64 { fixed[ExecutionCounters.indirectJumpsSlot] }

    /// Blocks and guest instructions executed, over every translation made so far (flushed
    /// ones included). A block left early by an exception counts whole.
    var executed: (blocks: UInt64, instructions: UInt64) {
        var blocks: UInt64 = 0, instructions: UInt64 = 0
        for (i, chunk) in blockChunks.enumerated() {
            let used = i == blockChunks.count - 1 ? usedInLastChunk : ExecutionCounters.chunkSize
            for j in 0..<used {
                blocks &+= chunk[j]
                instructions &+= chunk[j] &* UInt64(instructionChunks[i][j])
            }
        }
        return (blocks, instructions)
    }

    /// Calls of each helper that was called at least once, by helper name, most called first.
    var helperCalls: [(name: String, calls: UInt64)] {
        var result: [(name: String, calls: UInt64)] = []
        for index in 0..<Helpers.registeredCount where index != ExecutionCounters.countHelper {
            let calls = fixed[ExecutionCounters.helperBase + index]
            if calls > 0 { result.append((Helpers[index].name, calls)) }
        }
        return result.sorted { $0.calls > $1.calls || ($0.calls == $1.calls && $0.name < $1.name) }
    }

    private func newBlockCounter(instructions: Int) -> UnsafeMutablePointer<UInt64> {
        if usedInLastChunk == ExecutionCounters.chunkSize {
            let chunk = UnsafeMutablePointer<UInt64>.allocate(capacity: ExecutionCounters.chunkSize)
            chunk.initialize(repeating: 0, count: ExecutionCounters.chunkSize)
            blockChunks.append(chunk)
            instructionChunks.append(.allocate(capacity: ExecutionCounters.chunkSize))
            usedInLastChunk = 0
        }
        instructionChunks[instructionChunks.count - 1][usedInLastChunk] = UInt32(clamping: instructions)
        usedInLastChunk += 1
        return blockChunks[blockChunks.count - 1] + (usedInLastChunk - 1)
    }

    /// Adds the counting calls to `ir`: one at the block's start, one before each helper call,
    /// each goto_tb and each indirect jump. Returns the block's own counter and the IR as it
    /// was (for measuring).
    func instrument(_ ir: inout IRBlock, instructions: Int) -> (executions: UnsafePointer<UInt64>, uncounted: IRBlock) {
        let uncounted = ir
        let executions = newBlockCounter(instructions: instructions)
        var insts: [Inst] = []
        insts.reserveCapacity(ir.insts.count + 8)
        func count(_ counter: UnsafeMutablePointer<UInt64>) {
            var call = Inst(.call, imm: Int64(ExecutionCounters.countHelper))
            call.setInput(0, ir.const(.i64, UInt64(UInt(bitPattern: counter))))
            insts.append(call)
        }
        count(executions)
        for inst in uncounted.insts {
            switch inst.op {
            case .call: count(fixed + ExecutionCounters.helperBase + Int(inst.imm))
            case .gotoTB: count(fixed + ExecutionCounters.directJumpsSlot)
            case .lookupAndGoto: count(fixed + ExecutionCounters.indirectJumpsSlot)
            default: break
            }
            insts.append(inst)
        }
        ir.insts = insts
        return (UnsafePointer(executions), uncounted)
    }

    /// Host bytes and instructions of `ir` compiled without counting calls (and with a run
    /// counter when the block has one: see `EngineOptions.runsBeforeOptimizing`).
    func measure(_ ir: IRBlock, runCounter: UnsafeMutablePointer<Int32>?) -> (bytes: Int, instructions: Int)? {
        guard let measuringJIT else { return nil }
        let start = MonotonicClock.now()
        defer { measuringNanoseconds += MonotonicClock.now() - start }
        measuringJIT.flush()
        guard let compiled = measuringJIT.compile(ir, tbIndex: 0, runCounter: runCounter) else { return nil }
        return (compiled.size, compiled.hostInstructionCount)
    }
}
