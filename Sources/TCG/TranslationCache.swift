import Backend
import CCPU
import IR
#if canImport(Glibc)
import Glibc
#endif

/// What the engines of one guest's threads share: the JIT and its code buffer, the translated
/// blocks, and the index from block key (guest pc) to block.
///
/// One thread translates at a time, under the guest memory's lock (which also guards the
/// code marks of its pages). Blocks are published into storage that never moves, so a thread
/// reads a block it found without the lock. While one engine uses the cache nothing else
/// locks. From the second engine on, lookups take the lock, and a flush stops the world: it
/// raises every other CPU's exit request (generated code tests it on every backward and
/// indirect jump), waits until each has left generated code, and only then drops the code.
final class TranslationCache {
    let memory: GuestMemory
    let jit: JIT?
    /// `--stats` counters: shared because generated code holds their addresses.
    let counters: ExecutionCounters?
    let blocks: UnsafeMutablePointer<TranslationBlock>
    /// Per block: the runs a counted block has left before it is translated with the optimizer.
    /// Generated code counts them down without a lock: two threads may lose a count, which
    /// only delays the translation.
    let runCounters: UnsafeMutablePointer<Int32>
    static let capacity = 1 << 18
    private(set) var count = 0
    private var index = BlockIndex()
    /// The JIT's code buffer as registered with the host fault handler (see host_fault.h).
    private var faultRegion: Int32 = -1
    /// More than one engine runs on this cache: lookups lock and flushes stop the others.
    private(set) var isShared = false
    /// Locked instructions lift as host atomics (see `LifterOptions.atomicLocks`).
    private(set) var atomicLocks: Bool
    /// Word 0: the generation (bumped by every flush; a block index or code pointer from an
    /// older one is stale). Word 1: non-zero while a flush waits for the others to leave.
    private let words: UnsafeMutablePointer<UInt64>
    private var members: [Member] = []

    /// What a flush needs of an engine that shares the cache.
    struct Member {
        let cpu: UnsafeMutablePointer<MimicCPUState>
        /// 1 while the engine runs generated code or interprets a block.
        let inCode: UnsafeMutablePointer<UInt32>
        let jumpCache: UnsafeMutablePointer<MimicJumpCacheEntry>
    }

    init(memory: GuestMemory, accel: Accel, options: EngineOptions) throws {
        self.memory = memory
        jit = accel == .jit ? try JIT(codeBufferBytes: options.codeBufferBytes) : nil
        counters = options.countExecutions ? try ExecutionCounters(measuringHostCode: accel == .jit) : nil
        atomicLocks = options.atomicLocks
        blocks = .allocate(capacity: TranslationCache.capacity)
        runCounters = .allocate(capacity: TranslationCache.capacity)
        words = .allocate(capacity: 2)
        words.initialize(repeating: 0, count: 2)
        if let jit {
            let status = mimic_host_fault_install()
            guard status == 0 else { throw GuestMemory.MapError(description: "cannot install the fault handler: \(String(cString: strerror(status)))") }
            faultRegion = mimic_host_fault_register(jit.buffer.executable, jit.buffer.capacity,
                                                    Int32(MIMIC_FAULT_REGION_BLOCKS), jit.entry.epilogueAddress)
        }
        memory.lock.withLock { memory.translationCaches.append(Unmanaged.passUnretained(self)) }
    }

    deinit {
        memory.lock.withLock { memory.translationCaches.removeAll { $0.toOpaque() == Unmanaged.passUnretained(self).toOpaque() } }
        mimic_host_fault_unregister(faultRegion)
        blocks.deinitialize(count: count)
        blocks.deallocate()
        runCounters.deallocate()
        index.deallocate()
        words.deallocate()
    }

    var generation: UInt64 {
        @inline(__always) get { mimic_atomic_load64(words) }
    }

    private var flushPending: Bool { mimic_atomic_load64(words + 1) != 0 }

    // MARK: Engines

    func join(_ member: Member) {
        memory.lock.withLock {
            if !members.isEmpty { isShared = true }
            members.append(member)
        }
    }

    /// In a forked child only the thread that forked exists: the others' CPUs are gone.
    func keepOnly(_ cpu: UnsafeMutablePointer<MimicCPUState>) {
        memory.lock.withLock {
            members.removeAll { $0.cpu != cpu }
            isShared = false
        }
    }

    func leave(_ cpu: UnsafeMutablePointer<MimicCPUState>) {
        memory.lock.withLock { members.removeAll { $0.cpu == cpu } }
    }

    /// Marks the engine with `inCode` as running code from generation `generation`; false
    /// (and not marked) when a flush is waiting or happened since: look the block up again.
    @inline(__always)
    func enterCode(_ inCode: UnsafeMutablePointer<UInt32>, generation: UInt64) -> Bool {
        guard isShared else { return true }
        // Store, then load (both sequentially consistent): a flusher that raised its flag
        // after this store sees inCode set and waits; one that raised it before is seen here.
        mimic_atomic_store32(inCode, 1)
        if flushPending || self.generation != generation {
            mimic_atomic_store32(inCode, 0)
            return false
        }
        return true
    }

    @inline(__always)
    func leaveCode(_ inCode: UnsafeMutablePointer<UInt32>) {
        if isShared { mimic_atomic_store32(inCode, 0) }
    }

    // MARK: Blocks (callers hold `memory.lock` when the cache is shared)

    @inline(__always)
    func lookup(_ key: UInt64) -> Int32? { index[key] }

    var isFull: Bool { count == TranslationCache.capacity }

    /// Publishes `tb` under `key`; returns its index.
    func add(_ tb: TranslationBlock, key: UInt64) -> Int32 {
        let i = Int32(count)
        (blocks + count).initialize(to: tb)
        count += 1
        index.set(key, i)
        return i
    }

    /// Turns on atomic lifting of locked instructions (the guest's first thread); translations
    /// made without it go.
    func enableAtomicLocks() {
        memory.lock.withLock {
            guard !atomicLocks else { return }
            atomicLocks = true
            flush()
        }
    }

    /// Drops every translation, once no other engine runs generated code.
    func flush() {
        memory.lock.withLock {
            if isShared {
                mimic_atomic_store64(words + 1, 1)
                for m in members { mimic_request_exit(m.cpu, UInt32(MIMIC_EXIT_REQ_FLUSH)) }
                // The flushing thread is not in code (it translates or serves a syscall), so
                // waiting for every inCode to clear includes nobody twice.
                for m in members {
                    while mimic_atomic_load32(m.inCode) != 0 { sched_yield() }
                }
            }
            jit?.flush()
            // Another cache on the same memory (tests run several) still needs the marks.
            if memory.translationCaches.count == 1 { memory.forgetCode() }
            blocks.deinitialize(count: count)
            count = 0
            index.removeAll()
            for m in members {
                m.jumpCache.update(repeating: MimicJumpCacheEntry(tag: ~0, code: 0), count: Engine.jumpCacheEntries)
            }
            mimic_atomic_store64(words, generation &+ 1)
            if isShared {
                mimic_atomic_store64(words + 1, 0)
                for m in members { mimic_clear_exit_request(m.cpu, UInt32(MIMIC_EXIT_REQ_FLUSH)) }
            }
        }
    }

    /// Points every block's goto_tb jumps back at the block's own exits, keeping the
    /// translations (a debugger attaching must see every block end). One aligned store per
    /// jump, so a thread running code meanwhile takes either way.
    func unchainAll() {
        guard let jit else { return }
        memory.lock.withLock {
            for i in 0..<count {
                guard let compiled = blocks[i].compiled else { continue }
                jit.patchGotoTB(compiled, slot: 0, target: nil)
                jit.patchGotoTB(compiled, slot: 1, target: nil)
            }
        }
    }

    /// The guest instruction that generated code at `host` belongs to (see `Engine.guestPC`).
    /// Safe without the lock while the caller's engine is marked in code.
    func guestPC(forHost host: UnsafeRawPointer) -> UInt64? {
        // Blocks are allocated upward in the code buffer in index order, so they are sorted by entry.
        var low = 0, high = count - 1
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
