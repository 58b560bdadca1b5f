import Backend
import CCPU
import IR
import Interpreter
import Lifter
import Optimizer
import X86

/// Which backend runs translated blocks.
public enum Accel: String, Sendable, CaseIterable {
    case jit = "tcg"
    case interp
}

/// Why `Engine.run` returned.
public enum StopReason: Equatable, Sendable {
    /// HLT executed (rip is after it).
    case halt
    /// A guest exception: rip is the faulting instruction (for traps like INT3, the next one).
    case exception(vector: Int, errorCode: UInt64, address: UInt64)
    /// SYSCALL executed (rip is after it); the caller services it and may run again.
    case syscall
}

public struct EngineOptions: Sendable {
    public var codeBufferBytes: Int = 64 << 20
    public var maxBlockInstructions: Int = 512
    public var optimize: Bool = true
    /// What `-d` shows, and where.
    public var log: LogItems = []
    public var logSink: LogSink = .standardError
    public init() {}
}

/// Runs guest code: finds or translates the block at rip, runs it, chains blocks together,
/// and returns to the caller only for what the guest needs from outside (see `StopReason`).
public final class Engine {
    public let memory: GuestMemory
    public let accel: Accel
    public let options: EngineOptions
    public let cpu: UnsafeMutablePointer<MimicCPUState>
    public private(set) var statistics = Statistics()

    private let lifter: Lifter
    private let jit: JIT?
    private let interpreter = Interpreter()
    private var blocks: [TranslationBlock] = []
    private var blockIndex: [UInt64: Int32] = [:]
    private let jumpCache: UnsafeMutablePointer<MimicJumpCacheEntry>
    private static let jumpCacheEntries = 4096

    public init(memory: GuestMemory, accel: Accel, options: EngineOptions = EngineOptions(), mode: CPUMode = .long64) throws {
        self.memory = memory
        self.accel = accel
        self.options = options
        lifter = Lifter(mode: mode)
        jit = accel == .jit ? try JIT(codeBufferBytes: options.codeBufferBytes) : nil
        jumpCache = .allocate(capacity: Engine.jumpCacheEntries)
        jumpCache.initialize(repeating: MimicJumpCacheEntry(tag: ~0, code: 0), count: Engine.jumpCacheEntries)
        cpu = .allocate(capacity: 1)
        cpu.initialize(to: MimicCPUState())
        cpu.pointee.eflags_rest = 0x202  // IF set, as user code sees it
        cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
        cpu.pointee.mxcsr = 0x1F80
        mimic_set_guest_memory(cpu, memory.base, UInt64(memory.size))
        cpu.pointee.jump_cache = UInt64(UInt(bitPattern: jumpCache))
        cpu.pointee.jump_cache_mask = UInt64(Engine.jumpCacheEntries - 1)
    }

    deinit {
        cpu.deallocate()
        jumpCache.deallocate()
    }

    /// Runs from `cpu.rip` until the guest stops (see `StopReason`).
    public func run() -> StopReason {
        cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
        cpu.pointee.request = UInt64(MIMIC_REQ_NONE)
        switch accel {
        case .jit: return runJIT(jit!)
        case .interp: return runInterpreter()
        }
    }

    // MARK: The execution loops

    private func runJIT(_ jit: JIT) -> StopReason {
        var from: (block: Int32, slot: Int) = (-1, 0)
        let traceExec = options.log.contains(.exec)
        while true {
            let flushes = statistics.flushes
            let index = block(at: cpu.pointee.rip)
            if from.block >= 0, flushes == statistics.flushes, let source = blocks[Int(from.block)].compiled {
                jit.patchGotoTB(source, slot: from.slot, target: blocks[Int(index)].compiled!.entry)
                statistics.chainsPatched += 1
            }
            if traceExec { traceEntry(index) }
            let result = jit.enter(cpu, blocks[Int(index)].compiled!.entry)
            statistics.entries += 1
            let reason = Int32(truncatingIfNeeded: result & 0xFF)
            switch reason {
            case Int32(MIMIC_EXIT_CHAIN0), Int32(MIMIC_EXIT_CHAIN1):
                from = (Int32(truncatingIfNeeded: result >> 8), Int(reason))
            case Int32(MIMIC_EXIT_LOOKUP):
                statistics.jumpCacheMisses += 1
                from = (-1, 0)
            default:
                return stop(reason)
            }
        }
    }

    private func runInterpreter() -> StopReason {
        var index = block(at: cpu.pointee.rip)
        let traceExec = options.log.contains(.exec)
        while true {
            if traceExec { traceEntry(index) }
            let reason = interpreter.run(blocks[Int(index)].interpreted!, cpu: cpu)
            statistics.entries += 1
            switch reason {
            case Int32(MIMIC_EXIT_CHAIN0), Int32(MIMIC_EXIT_CHAIN1):
                let known = reason == 0 ? blocks[Int(index)].successor.0 : blocks[Int(index)].successor.1
                if known >= 0, blocks[Int(known)].guestPC == cpu.pointee.rip {
                    index = known
                    continue
                }
                let next = block(at: cpu.pointee.rip)
                if reason == 0 { blocks[Int(index)].successor.0 = next } else { blocks[Int(index)].successor.1 = next }
                index = next
            case Int32(MIMIC_EXIT_LOOKUP):
                index = block(at: cpu.pointee.rip)
            default:
                return stop(reason)
            }
        }
    }

    /// `-d exec`: the block about to be entered from the loop (chained jumps between blocks do
    /// not come back here, so they are not listed).
    @inline(never)
    private func traceEntry(_ index: Int32) {
        options.logSink.write("Trace: [block \(index)] 0x" + String(blocks[Int(index)].guestPC, radix: 16) + "\n")
    }

    private func stop(_ reason: Int32) -> StopReason {
        if reason == Int32(MIMIC_EXIT_EXCEPTION) {
            return .exception(vector: Int(cpu.pointee.exception), errorCode: cpu.pointee.error_code,
                              address: cpu.pointee.fault_address)
        }
        switch Int(cpu.pointee.request) {
        case MIMIC_REQ_SYSCALL: return .syscall
        default: return .halt
        }
    }

    // MARK: The block cache

    /// The block for guest `pc`, translated now if it is not cached.
    @inline(__always)
    private func block(at pc: UInt64) -> Int32 {
        if let index = blockIndex[pc] {
            fillJumpCache(pc, index)
            return index
        }
        return translate(pc)
    }

    private func fillJumpCache(_ pc: UInt64, _ index: Int32) {
        guard let compiled = blocks[Int(index)].compiled else { return }
        let slot = Int((pc ^ (pc >> 10)) & UInt64(Engine.jumpCacheEntries - 1))
        jumpCache[slot] = MimicJumpCacheEntry(tag: pc, code: UInt64(UInt(bitPattern: compiled.entry)))
    }

    @inline(never)
    private func translate(_ pc: UInt64, maxInstructions: Int? = nil) -> Int32 {
        let start = MonotonicClock.now()
        let code = UnsafeRawBufferPointer(start: memory.base, count: memory.size)
        let limit = maxInstructions ?? options.maxBlockInstructions
        let log = options.log
        var lifted = lifter.translate(code: code, codeAddress: 0, pc: pc, maxInstructions: limit, keepInstructions: log.contains(.inAsm))
        if let instructions = lifted.instructions { options.logSink.write(BlockLog.guestInstructions(instructions)) }
        if log.contains(.op) { options.logSink.write(BlockLog.ir("OP", lifted.ir)) }
        if options.optimize { Optimizer.optimize(&lifted.ir) }
        if log.contains(.opOpt) { options.logSink.write(BlockLog.ir("OP after optimization", lifted.ir)) }
        var tb = TranslationBlock(guestPC: pc, guestEnd: lifted.endAddress, instructionCount: lifted.instructionCount)
        let index = Int32(blocks.count)
        if let jit {
            if let compiled = jit.compile(lifted.ir, tbIndex: UInt32(index)) {
                tb.compiled = compiled
                if log.contains(.outAsm) { options.logSink.write(BlockLog.hostCode(compiled)) }
            } else if jit.lastFailure == .bufferFull {
                flush()
                return translate(pc, maxInstructions: limit)
            } else {
                // Too many values live at once for the spill area: a shorter block has fewer.
                return translate(pc, maxInstructions: max(1, lifted.instructionCount / 2))
            }
        } else {
            tb.interpreted = InterpretedBlock(lifted.ir)
        }
        blocks.append(tb)
        blockIndex[pc] = index
        fillJumpCache(pc, index)
        statistics.blocksTranslated += 1
        statistics.instructionsTranslated += lifted.instructionCount
        statistics.translationNanoseconds += MonotonicClock.now() - start
        return index
    }

    /// Drops every translation: the code buffer is full (or the guest changed its code).
    public func flush() {
        jit?.flush()
        blocks.removeAll(keepingCapacity: true)
        blockIndex.removeAll(keepingCapacity: true)
        jumpCache.update(repeating: MimicJumpCacheEntry(tag: ~0, code: 0), count: Engine.jumpCacheEntries)
        statistics.flushes += 1
    }

    /// The guest instruction that generated code at `host` belongs to, from the block's
    /// host-pc → guest-pc map; nil when `host` is not in a translated block.
    public func guestPC(forHost host: UnsafeRawPointer) -> UInt64? {
        // Blocks are allocated upward in the code buffer in index order, so they are sorted by entry.
        var low = 0, high = blocks.count - 1
        while low <= high {
            let mid = (low + high) / 2
            guard let c = blocks[mid].compiled else { return nil }
            if host < c.entry { high = mid - 1 } else if host >= c.entry + c.size { low = mid + 1 } else {
                return c.guestPC(atHost: host)
            }
        }
        return nil
    }
}
