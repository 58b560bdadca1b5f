import Backend
import HostThunks
import CCPU
import IR
import Interpreter
import Lifter
import Optimizer
import X86
#if canImport(Glibc)
import Glibc
#endif

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
    /// `-dfilter`: the guest addresses whose blocks the per-block log items show.
    public var logFilter: AddressFilter = .everything
    /// `--stats`: count executed blocks, jumps and helper calls (generated code calls a counting
    /// helper; without this option it contains no such call).
    public var countExecutions = false
    /// `mimic explain`: keep every translation's stages.
    public var recorder: TranslationRecorder?
    /// Lift locked instructions as host atomics (see `LifterOptions.atomicLocks`).
    public var atomicLocks = false
    public init() {}
}

/// Runs guest code: finds or translates the block at rip, runs it, chains blocks together,
/// and returns to the caller only for what the guest needs from outside (see `StopReason`).
public final class Engine {
    public let memory: GuestMemory
    public let accel: Accel
    public let options: EngineOptions
    public let cpu: UnsafeMutablePointer<MimicCPUState>
    public internal(set) var statistics = Statistics()

    private let lifter: Lifter
    let jit: JIT?
    let interpreter = Interpreter()
    var blocks: [TranslationBlock] = []
    var blockIndex: [UInt64: Int32] = [:]
    let jumpCache: UnsafeMutablePointer<MimicJumpCacheEntry>
    static let jumpCacheEntries = 4096
    /// `--stats` execution counters; nil without `countExecutions`.
    let counters: ExecutionCounters?
    /// Chaining and the jump cache are on (off with `-d nochain` and while a debugger steps).
    var chaining: Bool
    /// The debugger's state while one is attached (Engine+Debug.swift).
    var debugger: DebugState?
    /// System mode (Engine+System.swift); nil in user mode.
    var system: SystemModeState?
    /// The JIT's code buffer as registered with the host fault handler (see host_fault.h).
    private var faultRegion: Int32 = -1

    public init(memory: GuestMemory, accel: Accel, options: EngineOptions = EngineOptions(), mode: CPUMode = .long64) throws {
        self.memory = memory
        self.accel = accel
        self.options = options
        lifter = Lifter(mode: mode, options: LifterOptions(atomicLocks: options.atomicLocks), hostInstructions: Engine.hostInstructions)
        jit = accel == .jit ? try JIT(codeBufferBytes: options.codeBufferBytes) : nil
        counters = options.countExecutions ? try ExecutionCounters(measuringHostCode: accel == .jit) : nil
        chaining = !options.log.contains(.nochain)
        jumpCache = .allocate(capacity: Engine.jumpCacheEntries)
        jumpCache.initialize(repeating: MimicJumpCacheEntry(tag: ~0, code: 0), count: Engine.jumpCacheEntries)
        cpu = .allocate(capacity: 1)
        cpu.initialize(to: MimicCPUState())
        cpu.pointee.eflags_rest = 0x202  // IF set, as user code sees it
        cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
        cpu.pointee.mxcsr = 0x1F80
        mimic_set_guest_memory(cpu, memory.base, UInt64(memory.size))
        cpu.pointee.jump_cache = UInt64(UInt(bitPattern: chaining ? jumpCache : Engine.emptyJumpCache))
        cpu.pointee.jump_cache_mask = UInt64(Engine.jumpCacheEntries - 1)
        cpu.pointee.page_flags = UInt64(UInt(bitPattern: memory.pageFlags))
        // The x87 state as FNINIT leaves it: control word 0x37F, every register empty.
        withUnsafeMutableBytes(of: &cpu.pointee.x87) { x87 in
            x87.storeBytes(of: UInt16(0x037F), toByteOffset: 0, as: UInt16.self)
            x87.storeBytes(of: UInt32(0x1F80), toByteOffset: 24, as: UInt32.self)
        }
        if let jit {
            let status = mimic_host_fault_install()
            guard status == 0 else { throw GuestMemory.MapError(description: "cannot install the fault handler: \(String(cString: strerror(status)))") }
            faultRegion = mimic_host_fault_register(jit.buffer.executable, jit.buffer.capacity,
                                                    Int32(MIMIC_FAULT_REGION_BLOCKS), jit.entry.epilogueAddress)
        }
        memory.codeWillChange = { [unowned self] _ in self.flush() }
    }

    deinit {
        mimic_host_fault_unregister(faultRegion)
        memory.codeWillChange = nil
        cpu.deallocate()
        jumpCache.deallocate()
    }

    /// SSE, MMX and x87 instructions run as host instructions (nil, and #UD for them, only if
    /// the thunks' code buffer could not be mapped).
    static let hostInstructions: HostInstructions? = HostInstructionThunks.shared.map { thunks in
        HostInstructions(handles: HostInstructionThunks.handles, helper: thunks.helper(for:bytes:))
    }

    /// Runs from `cpu.rip` until the guest stops (see `StopReason`).
    public func run() -> StopReason {
        while true {
            cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
            cpu.pointee.request = UInt64(MIMIC_REQ_NONE)
            serveSystemChange()
            let reason: StopReason
            switch accel {
            case .jit: reason = runJIT(jit!)
            case .interp: reason = runInterpreter()
            }
            // A write to a page whose code was translated: drop the translations, let the
            // writing instruction run once untranslated-page-wise, and go on.
            guard case .exception(vector: Int(MIMIC_EXC_PF), let errorCode, let address) = reason,
                  errorCode & 2 != 0, memory.isCodeWriteFault(address) else { return reason }
            memory.releaseCode(page: Int(address >> UInt64(MIMIC_PAGE_SHIFT)))
            statistics.codeInvalidations += 1
            if let stopped = stepWithoutMarkingCode() { return stopped }
        }
    }

    /// Runs the one instruction at rip from a translation that is neither cached nor marks
    /// its page as code, so an instruction that writes to its own page does not fault forever.
    func stepWithoutMarkingCode() -> StopReason? {
        cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
        let pc = cpu.pointee.rip
        guard let tb = translateBlock(pc, maxInstructions: 1, markCode: false) else { return nil }
        let reason: Int32
        if let compiled = tb.compiled {
            reason = Int32(truncatingIfNeeded: jit!.enter(cpu, compiled.entry) & 0xFF)
        } else {
            reason = interpreter.run(tb.interpreted!, cpu: cpu)
        }
        switch reason {
        case Int32(MIMIC_EXIT_CHAIN0), Int32(MIMIC_EXIT_CHAIN1), Int32(MIMIC_EXIT_LOOKUP): return nil
        default: return stop(reason)
        }
    }

    // MARK: The execution loops

    private func runJIT(_ jit: JIT) -> StopReason {
        var from: (block: Int32, slot: Int) = (-1, 0)
        let traceExec = !options.log.isDisjoint(with: .blockEntry)
        while true {
            let flushes = statistics.flushes
            let index = block(at: cpu.pointee.rip)
            if index < 0 { return stop(Int32(MIMIC_EXIT_EXCEPTION)) }
            if chaining, from.block >= 0, flushes == statistics.flushes, let source = blocks[Int(from.block)].compiled {
                jit.patchGotoTB(source, slot: from.slot, target: blocks[Int(index)].compiled!.entry)
                statistics.chainsPatched += 1
            }
            if traceExec { traceEntry(index) }
            let result = jit.enter(cpu, blocks[Int(index)].compiled!.entry)
            statistics.entries += 1
            let reason = Int32(truncatingIfNeeded: result & 0xFF)
            switch reason {
            case Int32(MIMIC_EXIT_CHAIN0), Int32(MIMIC_EXIT_CHAIN1):
                statistics.unchainedExits += 1
                from = (Int32(truncatingIfNeeded: result >> 8), Int(reason))
            case Int32(MIMIC_EXIT_LOOKUP):
                statistics.jumpCacheMisses += 1
                from = (-1, 0)
            default:
                if servedSystemRequest(reason) { from = (-1, 0); continue }
                return stop(reason)
            }
        }
    }

    private func runInterpreter() -> StopReason {
        var index = block(at: cpu.pointee.rip)
        if index < 0 { return stop(Int32(MIMIC_EXIT_EXCEPTION)) }
        let traceExec = !options.log.isDisjoint(with: .blockEntry)
        while true {
            if traceExec { traceEntry(index) }
            let reason = interpreter.run(blocks[Int(index)].interpreted!, cpu: cpu)
            statistics.entries += 1
            switch reason {
            case Int32(MIMIC_EXIT_CHAIN0), Int32(MIMIC_EXIT_CHAIN1):
                let known = reason == 0 ? blocks[Int(index)].successor.0 : blocks[Int(index)].successor.1
                if chaining, known >= 0, blocks[Int(known)].guestPC == cpu.pointee.rip {
                    index = known
                    continue
                }
                statistics.unchainedExits += 1
                let next = block(at: cpu.pointee.rip)
                if next < 0 { return stop(Int32(MIMIC_EXIT_EXCEPTION)) }
                if reason == 0 { blocks[Int(index)].successor.0 = next } else { blocks[Int(index)].successor.1 = next }
                index = next
            case Int32(MIMIC_EXIT_LOOKUP):
                index = block(at: cpu.pointee.rip)
                if index < 0 { return stop(Int32(MIMIC_EXIT_EXCEPTION)) }
            default:
                guard servedSystemRequest(reason) else { return stop(reason) }
                index = block(at: cpu.pointee.rip)
                if index < 0 { return stop(Int32(MIMIC_EXIT_EXCEPTION)) }
            }
        }
    }

    func stop(_ reason: Int32) -> StopReason {
        if reason == Int32(MIMIC_EXIT_EXCEPTION) {
            if cpu.pointee.fault_host_pc != 0 {
                // The host caught the access (see host_fault.h): find the guest instruction.
                let host = UnsafeRawPointer(bitPattern: UInt(cpu.pointee.fault_host_pc))!
                cpu.pointee.fault_host_pc = 0
                if let pc = guestPC(forHost: host) { cpu.pointee.rip = pc }
            }
            let vector = Int(cpu.pointee.exception), errorCode = cpu.pointee.error_code, address = cpu.pointee.fault_address
            if !options.log.isDisjoint(with: [.int, .unimp]) { logException(vector: vector, errorCode: errorCode, address: address) }
            return .exception(vector: vector, errorCode: errorCode, address: address)
        }
        switch Int(cpu.pointee.request) {
        case MIMIC_REQ_SYSCALL: return .syscall
        default: return .halt
        }
    }

    // MARK: The block cache

    /// The block for guest `pc`, translated now if it is not cached; -1 when its code cannot
    /// be fetched (system mode: the fault is raised in the CPU state).
    @inline(__always)
    func block(at pc: UInt64) -> Int32 {
        if let index = blockIndex[blockKey(pc)] {
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
    func translate(_ pc: UInt64, maxInstructions: Int? = nil) -> Int32 {
        var limit = maxInstructions ?? options.maxBlockInstructions
        if system != nil, !systemCodeIsFetchable(pc) { return -1 }
        while true {
            let flushes = statistics.flushes
            if let tb = translateBlock(pc, maxInstructions: limit, markCode: true) {
                let index = Int32(blocks.count)
                blocks.append(tb)
                blockIndex[blockKey(pc)] = index
                fillJumpCache(pc, index)
                return index
            }
            // The code buffer filled (flushed now: go again), or the block kept too many values
            // alive for the spill area (a shorter one has fewer).
            if flushes == statistics.flushes { limit = max(1, limit / 2) }
        }
    }

    /// Translates the block at `pc` (at most `maxInstructions` long); nil when the code buffer
    /// was full (it has been flushed) or the block needs a shorter translation.
    func translateBlock(_ pc: UInt64, maxInstructions limit: Int, markCode: Bool) -> TranslationBlock? {
        let start = MonotonicClock.now()
        let (code, codeAddress) = system.map { systemCode($0, at: pc) } ?? fetchableCode(at: pc)
        var observer = TranslationObserver(options, pc: pc)
        var lifted = (system.map { systemLifter($0) } ?? lifter).translate(code: code, codeAddress: codeAddress, pc: pc, maxInstructions: limit, keepInstructions: observer.wantsInstructions)
        observer.lifted(lifted)
        prepareSystemBlock(&lifted.ir)
        if options.optimize { Optimizer.optimize(&lifted.ir) }
        observer.optimized(lifted.ir)
        let counted = counters?.instrument(&lifted.ir, instructions: lifted.instructionCount)
        var tb = TranslationBlock(guestPC: pc, guestEnd: lifted.endAddress, instructionCount: lifted.instructionCount)
        if let jit {
            guard let compiled = jit.compile(lifted.ir, tbIndex: UInt32(blocks.count)) else {
                if jit.lastFailure == .bufferFull { flush() }
                return nil
            }
            tb.compiled = compiled
            observer.compiled(compiled)
            let host = counted.flatMap { counters?.measure($0.uncounted) } ?? (compiled.size, compiled.hostInstructionCount)
            statistics.hostBytes += host.bytes
            statistics.hostInstructions += host.instructions
        } else {
            tb.interpreted = InterpretedBlock(lifted.ir)
        }
        if markCode, memory.pageFlags != nil, lifted.instructionCount > 0 {
            var page = pc & ~UInt64(GuestMemory.pageSize - 1)
            while page < lifted.endAddress {
                memory.markCode(page)
                page += UInt64(GuestMemory.pageSize)
            }
        }
        statistics.blocksTranslated += 1
        statistics.instructionsTranslated += lifted.instructionCount
        statistics.translationNanoseconds += MonotonicClock.now() - start
        observer.publish(to: options.logSink, end: lifted.endAddress, executions: counted?.executions)
        return tb
    }

    /// The guest bytes the translator may read for a block at `pc`, and their guest address:
    /// all of plain RAM, or in a mapped address space the run of executable pages from pc's
    /// page on (empty when pc's page is not executable: the block raises #PF).
    private func fetchableCode(at pc: UInt64) -> (UnsafeRawBufferPointer, UInt64) {
        guard memory.pageFlags != nil else {
            return (UnsafeRawBufferPointer(start: memory.base, count: memory.size), 0)
        }
        let pageSize = UInt64(GuestMemory.pageSize)
        let first = pc & ~(pageSize - 1)
        // Outside the address space nothing may be fetched: the block raises #PF at pc.
        guard first < UInt64(memory.size) else { return (UnsafeRawBufferPointer(start: nil, count: 0), pc) }
        var end = first
        // A block is at most a few KiB of code; 16 pages bound the look-ahead for successors.
        while end < first + 16 * pageSize, let access = memory.access(at: end), access.contains(.execute) {
            end += pageSize
        }
        return (UnsafeRawBufferPointer(start: memory.base + Int(first), count: Int(end - first)), first)
    }

    /// Drops every translation: the code buffer is full (or the guest changed its code).
    public func flush() {
        jit?.flush()
        memory.forgetCode()
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
