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
// A raised MIMIC_EXIT_REQ_STOP (see `exit_request` in cpu_state.h) ends `run` as the exception
// MIMIC_EXC_STOP, with rip at the next instruction to run; the caller clears the request.

public struct EngineOptions: Sendable {
    public var codeBufferBytes: Int = 64 << 20
    public var maxBlockInstructions: Int = 512
    public var optimize: Bool = true
    /// Tier-up (JIT): a block is first translated without the optimizer and counts its runs;
    /// after this many it is translated again, optimized, and its first translation jumps to
    /// the second. Most blocks of a program's start-up run a few times only: for them the
    /// optimizer cost more than it saved (python3 -c pass: 30% of its blocks run once, 8% run
    /// 300 times or more). 0: every block is optimized at once (also the case with per-block
    /// `-d` logs and `mimic explain`, which show the optimized translation).
    public var runsBeforeOptimizing: Int = 1000
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
///
/// One engine runs one guest CPU on one thread. The engines of a guest's threads share their
/// translations (`init(sharing:)`, see `TranslationCache`); each has its own CPU state, jump
/// cache and counts.
public final class Engine {
    public let memory: GuestMemory
    public let accel: Accel
    public let options: EngineOptions
    public let cpu: UnsafeMutablePointer<MimicCPUState>
    /// What this engine counted; `flushes` counts the shared cache's.
    public var statistics: Statistics {
        var s = counts
        s.flushes = Int(cache.generation)
        return s
    }
    var counts = Statistics()

    private var lifter: Lifter
    /// The last block's IR, handed back to the lifter: its temp and instruction arrays are
    /// emptied and reused instead of allocated and freed per block.
    private var spareIR: IRBlock?
    let cache: TranslationCache
    var jit: JIT? { cache.jit }
    var blocks: UnsafeMutablePointer<TranslationBlock> { cache.blocks }
    let interpreter = Interpreter()
    let jumpCache: UnsafeMutablePointer<MimicJumpCacheEntry>
    static let jumpCacheEntries = 4096
    /// 1 while this engine runs generated code (see `TranslationCache.enterCode`).
    let inCode: UnsafeMutablePointer<UInt32>
    /// The blocks this thread has looked up in the shared cache, valid for the cache's
    /// generation `localGeneration`: found again without the lock.
    private var localIndex = BlockIndex()
    private var localGeneration: UInt64 = 0
    /// `--stats` execution counters; nil without `countExecutions`.
    var counters: ExecutionCounters? { cache.counters }
    /// Chaining and the jump cache are on (off with `-d nochain` and while a debugger steps).
    var chaining: Bool
    /// `options.runsBeforeOptimizing`, or 0 where tier-up is off (see there).
    let runsBeforeOptimizing: Int32
    /// The debugger's state while one is attached (Engine+Debug.swift).
    var debugger: DebugState?
    /// System mode (Engine+System.swift); nil in user mode.
    var system: SystemModeState?

    public convenience init(memory: GuestMemory, accel: Accel, options: EngineOptions = EngineOptions(), mode: CPUMode = .long64) throws {
        try self.init(cache: TranslationCache(memory: memory, accel: accel, options: options), accel: accel, options: options, mode: mode)
    }

    /// An engine for another thread of `other`'s guest: the same memory and translations, a
    /// CPU state copied from `other`'s.
    public convenience init(sharing other: Engine) throws {
        try self.init(cache: other.cache, accel: other.accel, options: other.options, mode: other.lifter.mode)
        cpu.update(from: other.cpu, count: 1)
        cpu.pointee.exit_request = 0
        cpu.pointee.jump_cache = UInt64(UInt(bitPattern: chaining ? jumpCache : Engine.emptyJumpCache))
    }

    private init(cache: TranslationCache, accel: Accel, options: EngineOptions, mode: CPUMode) throws {
        let memory = cache.memory
        self.memory = memory
        self.accel = accel
        self.options = options
        self.cache = cache
        lifter = Lifter(mode: mode, options: LifterOptions(atomicLocks: cache.atomicLocks), hostInstructions: Engine.hostInstructions)
        inCode = .allocate(capacity: 1)
        inCode.initialize(to: 0)
        chaining = !options.log.contains(.nochain)
        let showsTranslations = !options.log.isDisjoint(with: [.inAsm, .op, .opOpt, .outAsm]) || options.recorder != nil
        runsBeforeOptimizing = accel == .jit && options.optimize && !showsTranslations
            ? Int32(clamping: max(0, options.runsBeforeOptimizing)) : 0
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
        cache.join(TranslationCache.Member(cpu: cpu, inCode: inCode, jumpCache: jumpCache))
    }

    deinit {
        cache.leave(cpu)
        cpu.deallocate()
        jumpCache.deallocate()
        inCode.deallocate()
        localIndex.deallocate()
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
            counts.codeInvalidations += 1
            if let stopped = stepWithoutMarkingCode() { return stopped }
        }
    }

    /// Runs the one instruction at rip from a translation that is neither cached nor marks
    /// its page as code, so an instruction that writes to its own page does not fault forever.
    func stepWithoutMarkingCode() -> StopReason? {
        cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
        let pc = cpu.pointee.rip
        guard let (tb, generation) = withCacheLock({ translateBlock(pc, maxInstructions: 1, markCode: false).map { ($0, cache.generation) } }) else { return nil }
        guard cache.enterCode(inCode, generation: generation) else { return nil }
        let reason: Int32
        if let compiled = tb.compiled {
            reason = Int32(truncatingIfNeeded: jit!.enter(cpu, compiled.entry) & 0xFF)
            if reason == Int32(MIMIC_EXIT_EXCEPTION) { resolveHostFault(in: compiled) }
        } else {
            reason = interpreter.run(tb.interpreted!, cpu: cpu)
        }
        cache.leaveCode(inCode)
        switch reason {
        case Int32(MIMIC_EXIT_CHAIN0), Int32(MIMIC_EXIT_CHAIN1), Int32(MIMIC_EXIT_LOOKUP): return nil
        default: return stop(reason)
        }
    }

    // MARK: The execution loops

    private func runJIT(_ jit: JIT) -> StopReason {
        var from: (block: Int32, slot: Int) = (-1, 0)
        var fromGeneration = cache.generation
        let traceExec = !options.log.isDisjoint(with: .blockEntry)
        while true {
            if mimic_exit_request(cpu) & UInt32(MIMIC_EXIT_REQ_STOP) != 0 { return stopRequested() }
            let (index, generation) = from.block < 0 ? sharedLookup(cpu.pointee.rip) : withCacheLock { () -> (Int32, UInt64) in
                let index = block(at: cpu.pointee.rip)
                let generation = cache.generation
                if index >= 0, chaining, from.block >= 0, fromGeneration == generation, let source = blocks[Int(from.block)].compiled {
                    jit.patchGotoTB(source, slot: from.slot, target: blocks[Int(index)].compiled!.entry)
                    counts.chainsPatched += 1
                }
                return (index, generation)
            }
            if index < 0 { return stop(Int32(MIMIC_EXIT_EXCEPTION)) }
            if traceExec { traceEntry(index) }
            guard cache.enterCode(inCode, generation: generation) else {
                from = (-1, 0)
                continue
            }
            let result = jit.enter(cpu, blocks[Int(index)].compiled!.entry)
            let reason = Int32(truncatingIfNeeded: result & 0xFF)
            // The block that faulted is known only while no flush can drop it.
            if reason == Int32(MIMIC_EXIT_EXCEPTION) { resolveHostFault(in: nil) }
            cache.leaveCode(inCode)
            counts.entries += 1
            fromGeneration = generation
            switch reason {
            case Int32(MIMIC_EXIT_CHAIN0), Int32(MIMIC_EXIT_CHAIN1):
                counts.unchainedExits += 1
                from = (Int32(truncatingIfNeeded: result >> 8), Int(reason))
            case Int32(MIMIC_EXIT_LOOKUP):
                counts.jumpCacheMisses += 1
                from = (-1, 0)
            case Int32(MIMIC_EXIT_HOT):
                optimizeHotBlock(Int32(truncatingIfNeeded: result >> 8), generation: generation)
                from = (-1, 0)
            default:
                if servedSystemRequest(reason) { from = (-1, 0); continue }
                return stop(reason)
            }
        }
    }

    private func runInterpreter() -> StopReason {
        let traceExec = !options.log.isDisjoint(with: .blockEntry)
        var index: Int32 = -1
        var generation = cache.generation
        while true {
            if index < 0 {
                if mimic_exit_request(cpu) & UInt32(MIMIC_EXIT_REQ_STOP) != 0 { return stopRequested() }
                (index, generation) = withCacheLock { (block(at: cpu.pointee.rip), cache.generation) }
                if index < 0 { return stop(Int32(MIMIC_EXIT_EXCEPTION)) }
            }
            if traceExec { traceEntry(index) }
            guard cache.enterCode(inCode, generation: generation) else {
                index = -1
                continue
            }
            let reason = interpreter.run(blocks[Int(index)].interpreted!, cpu: cpu)
            cache.leaveCode(inCode)
            counts.entries += 1
            switch reason {
            case Int32(MIMIC_EXIT_CHAIN0), Int32(MIMIC_EXIT_CHAIN1):
                // The interpreter's chaining: the successor found last time, if rip still matches.
                let known = reason == 0 ? blocks[Int(index)].successor.0 : blocks[Int(index)].successor.1
                if chaining, known >= 0, mimic_exit_request(cpu) == 0, generation == cache.generation,
                   blocks[Int(known)].guestPC == cpu.pointee.rip {
                    index = known
                    continue
                }
                counts.unchainedExits += 1
                if mimic_exit_request(cpu) & UInt32(MIMIC_EXIT_REQ_STOP) != 0 { return stopRequested() }
                let previous = index
                let (next, now) = withCacheLock { (block(at: cpu.pointee.rip), cache.generation) }
                if next < 0 { return stop(Int32(MIMIC_EXIT_EXCEPTION)) }
                if now == generation {
                    if reason == 0 { blocks[Int(previous)].successor.0 = next } else { blocks[Int(previous)].successor.1 = next }
                }
                (index, generation) = (next, now)
            case Int32(MIMIC_EXIT_LOOKUP):
                index = -1
            default:
                guard servedSystemRequest(reason) else { return stop(reason) }
                index = -1
            }
        }
    }

    /// The block at `pc` and the cache generation it belongs to: from this thread's own index
    /// when other threads share the cache (no lock), else as `block(at:)` finds it.
    @inline(__always)
    private func sharedLookup(_ pc: UInt64) -> (Int32, UInt64) {
        guard cache.isShared else { return (block(at: pc), cache.generation) }
        let generation = cache.generation
        if generation != localGeneration {
            localIndex.removeAll()
            localGeneration = generation
        }
        let key = blockKey(pc)
        // (Not refilling the jump cache here: only under the lock can no flush clear it at
        // the same time, leaving a stale entry behind.)
        if let index = localIndex[key] { return (index, generation) }
        let (index, now) = withCacheLock { (block(at: pc), cache.generation) }
        if index >= 0, now == localGeneration { localIndex.set(key, index) }
        return (index, now)
    }

    /// The stop the caller asked for with MIMIC_EXIT_REQ_STOP (it clears the request).
    private func stopRequested() -> StopReason {
        .exception(vector: Int(MIMIC_EXC_STOP), errorCode: 0, address: 0)
    }

    /// After generated code left with an exception: when the host caught the access (see
    /// host_fault.h), the guest instruction it belongs to becomes rip. `block` is the block
    /// that ran when it is not in the cache.
    private func resolveHostFault(in block: CompiledBlock?) {
        guard cpu.pointee.fault_host_pc != 0 else { return }
        let host = UnsafeRawPointer(bitPattern: UInt(cpu.pointee.fault_host_pc))!
        cpu.pointee.fault_host_pc = 0
        if let pc = block?.guestPC(atHost: host) ?? cache.guestPC(forHost: host) { cpu.pointee.rip = pc }
    }

    func stop(_ reason: Int32) -> StopReason {
        if reason == Int32(MIMIC_EXIT_EXCEPTION) {
            resolveHostFault(in: nil)
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

    /// Runs `body` holding the translation lock when other threads share the cache.
    @inline(__always)
    func withCacheLock<T>(_ body: () -> T) -> T {
        guard cache.isShared else { return body() }
        memory.lock.lock()
        defer { memory.lock.unlock() }
        return body()
    }

    /// The block for guest `pc`, translated now if it is not cached; -1 when its code cannot
    /// be fetched (system mode: the fault is raised in the CPU state). Under `withCacheLock`.
    @inline(__always)
    func block(at pc: UInt64) -> Int32 {
        if let index = cache.lookup(blockKey(pc)) {
            fillJumpCache(pc, index)
            return index
        }
        return translate(pc)
    }

    /// The cached block for `pc`, if any (the debugger's single steps).
    func cachedBlock(at pc: UInt64) -> Int32? {
        withCacheLock { cache.lookup(blockKey(pc)) }
    }

    private func fillJumpCache(_ pc: UInt64, _ index: Int32) {
        guard let compiled = blocks[Int(index)].compiled else { return }
        let slot = Int((pc ^ (pc >> 10)) & UInt64(Engine.jumpCacheEntries - 1))
        jumpCache[slot] = MimicJumpCacheEntry(tag: pc, code: UInt64(UInt(bitPattern: compiled.entry)))
    }

    @inline(never)
    func translate(_ pc: UInt64, maxInstructions: Int? = nil, optimized: Bool = false) -> Int32 {
        var limit = maxInstructions ?? options.maxBlockInstructions
        if system != nil, !systemCodeIsFetchable(pc) { return -1 }
        if cache.isFull { flush() }
        while true {
            let generation = cache.generation
            if let tb = translateBlock(pc, maxInstructions: limit, markCode: true, counted: !optimized && runsBeforeOptimizing > 0) {
                let index = cache.add(tb, key: blockKey(pc))
                fillJumpCache(pc, index)
                return index
            }
            // The code buffer filled (flushed now: go again), or the block kept too many values
            // alive for the spill area (a shorter one has fewer).
            if generation == cache.generation { limit = max(1, limit / 2) }
        }
    }

    /// Tier-up of the counted block `index` (from cache generation `generation`), which ran
    /// `runsBeforeOptimizing` times: the same guest code translated again with the optimizer
    /// takes its place in the index, and its old code's entry jumps to the new code, so that
    /// the blocks chained to it and the jump caches reach it too. rip is the block's start.
    func optimizeHotBlock(_ index: Int32, generation: UInt64) {
        withCacheLock {
            // Another thread may have done it, or a flush dropped the block.
            guard generation == cache.generation, blocks[Int(index)].counted, let old = blocks[Int(index)].compiled else { return }
            blocks[Int(index)].counted = false
            let optimized = translate(blocks[Int(index)].guestPC, maxInstructions: blocks[Int(index)].instructionCount, optimized: true)
            guard optimized >= 0, generation == cache.generation, let new = blocks[Int(optimized)].compiled else { return }
            jit!.patchEntry(old, target: new.entry)
            counts.blocksOptimizedWhenHot += 1
        }
    }

    /// Translates the block at `pc` (at most `maxInstructions` long); nil when the code buffer
    /// was full (it has been flushed) or the block needs a shorter translation. A `counted`
    /// block is not optimized and counts its runs (see `runsBeforeOptimizing`).
    func translateBlock(_ pc: UInt64, maxInstructions limit: Int, markCode: Bool, counted: Bool = false) -> TranslationBlock? {
        let start = MonotonicClock.now()
        let (code, codeAddress) = system.map { systemCode($0, at: pc) } ?? fetchableCode(at: pc)
        var observer = TranslationObserver(options, pc: pc)
        if lifter.options.atomicLocks != cache.atomicLocks {
            lifter = Lifter(mode: lifter.mode, options: LifterOptions(atomicLocks: cache.atomicLocks), hostInstructions: Engine.hostInstructions)
        }
        let storage = spareIR.take() ?? IRBlock(layout: X86Globals.layout)
        // Not `system.map { ... } ?? lifter`: that copies the Lifter (and retains its closures).
        var lifted = if let system {
            systemLifter(system).translate(code: code, codeAddress: codeAddress, pc: pc, maxInstructions: limit,
                                           keepInstructions: observer.wantsInstructions, reusing: storage)
        } else {
            lifter.translate(code: code, codeAddress: codeAddress, pc: pc, maxInstructions: limit,
                             keepInstructions: observer.wantsInstructions, reusing: storage)
        }
        observer.lifted(lifted)
        prepareSystemBlock(&lifted.ir)
        // A block that faults before its first instruction is not worth counting.
        let counted = counted && lifted.instructionCount > 0
        if options.optimize, !counted { Optimizer.optimize(&lifted.ir) }
        observer.optimized(lifted.ir)
        let instrumented = counters?.instrument(&lifted.ir, instructions: lifted.instructionCount)
        var tb = TranslationBlock(guestPC: pc, guestEnd: lifted.endAddress, instructionCount: lifted.instructionCount)
        tb.counted = counted
        if let jit {
            let runCounter = counted ? cache.runCounters + cache.count : nil
            runCounter?.pointee = runsBeforeOptimizing
            guard let compiled = jit.compile(lifted.ir, tbIndex: UInt32(cache.count), runCounter: runCounter) else {
                if jit.lastFailure == .bufferFull { flush() }
                return nil
            }
            tb.compiled = compiled
            observer.compiled(compiled)
            let host = instrumented.flatMap { counters?.measure($0.uncounted, runCounter: runCounter) }
                ?? (compiled.size, compiled.hostInstructionCount)
            counts.hostBytes += host.bytes
            counts.hostInstructions += host.instructions
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
        counts.blocksTranslated += 1
        counts.instructionsTranslated += lifted.instructionCount
        counts.translationNanoseconds += MonotonicClock.now() - start
        observer.publish(to: options.logSink, end: lifted.endAddress, executions: instrumented?.executions)
        spareIR = lifted.ir
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
        cache.flush()
    }

    /// After fork: this engine's thread is the only one left in the child.
    public func becomeOnlyThread() {
        cache.keepOnly(cpu)
    }

    /// Lifts locked instructions as host atomics from now on (the guest's first thread).
    public func enableAtomicLocks() {
        cache.enableAtomicLocks()
    }

    /// The guest instruction that generated code at `host` belongs to, from the block's
    /// host-pc → guest-pc map; nil when `host` is not in a translated block.
    public func guestPC(forHost host: UnsafeRawPointer) -> UInt64? {
        cache.guestPC(forHost: host)
    }
}
