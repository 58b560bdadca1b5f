import CCPU
import CLinuxUser
import IR
import Introspection
import TCG
#if canImport(Glibc)
import Glibc
#endif

/// Runs a process's guest threads for someone else: the gdb stub (`mimic run -g`), which stops
/// and resumes them. Each guest thread's host thread calls `run` instead of running the thread
/// itself.
public protocol GuestThreadRunner: AnyObject {
    /// Runs `thread` (thread id `tid`) on the calling host thread until it exits (`hasExited`):
    /// guest code through its engine, what stops it served with `serve`.
    func run(_ thread: LinuxProcess, tid: Int)
}

/// What the threads of one guest process share besides its memory and signal dispositions.
final class ThreadGroup {
    /// Set before the program starts, when someone else runs the threads.
    var runner: GuestThreadRunner?
    /// Held by calls that change the address space (mmap, munmap, mprotect, brk...) and by
    /// readers of its mappings, so threads see the mappings change one call at a time.
    let addressSpaceLock = Lock(recursive: true)
    private let lock = Lock()
    private var live = 1
    /// For `--stats` over every thread: the engines of the threads that run (from the first
    /// clone on, with the host thread each runs on), and the counts of those that exited.
    private var engines: [(thread: pthread_t, engine: Engine)] = []
    private var exitedCounts: [Statistics] = []

    func threadStarted() { lock.withLock { live += 1 } }

    /// One thread is gone; returns how many remain.
    func threadExited() -> Int { lock.withLock { live -= 1; return live } }

    /// After fork only the calling thread exists in the child.
    func forked() {
        lock.withLock {
            live = 1
            engines.removeAll { pthread_equal($0.thread, pthread_self()) == 0 }
        }
    }

    /// `engine` runs the calling host thread's guest thread (once is enough).
    func register(_ engine: Engine) {
        lock.withLock {
            guard !engines.contains(where: { $0.engine === engine }) else { return }
            engines.append((pthread_self(), engine))
        }
    }

    /// `engine`'s thread exited: what it counted is kept.
    func unregister(_ engine: Engine) {
        lock.withLock {
            guard let i = engines.firstIndex(where: { $0.engine === engine }) else { return }
            exitedCounts.append(engines.remove(at: i).engine.statistics)
        }
    }

    /// What each thread's engine counted, exited threads included; empty while the process
    /// never had a second thread.
    var countsOfAllThreads: [Statistics] {
        lock.withLock { exitedCounts + engines.map(\.engine.statistics) }
    }

    /// Where the main thread waits when it exits before the others (Linux keeps the process,
    /// and its exit status is the last thread's): every signal blocked, so the host delivers
    /// process-wide signals to the threads that run.
    static func parkForever() -> Never {
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, nil)
        while true { pause() }
    }
}

/// Threads: clone with CLONE_THREAD (and clone3), exit of one thread, and the host thread
/// each guest thread runs on.
extension LinuxProcess {
    /// Calls that change the address space (see `ThreadGroup.addressSpaceLock`).
    static let changesAddressSpace: Set<UInt64> = [
        SyscallNumber.brk, .mmap, .munmap, .mprotect, .mremap, .madvise, .msync, .mincore,
    ].reduce(into: Set<UInt64>()) { $0.insert($1.rawValue) }

    static let cloneSighand: UInt64 = 0x800

    /// Signals that arrive on this host thread are this guest thread's, and stop its code.
    func bindSignalsToThisThread() {
        let word = UnsafeMutableRawPointer(cpu) + MemoryLayout<MimicCPUState>.offset(of: \.exit_request)!
        mimic_signal_bind_thread(word.assumingMemoryBound(to: UInt32.self), UInt32(MIMIC_EXIT_REQ_STOP))
    }

    /// clone with CLONE_THREAD: a new guest thread on a new host thread, sharing everything
    /// but its registers (rax 0, the given stack and TLS) and its signal mask and stack.
    /// Returns the new thread's id (the host thread's: gettid, tgkill and futexes agree).
    func spawnThread(flags: UInt64, stack: UInt64, parentTID: UInt64, childTID: UInt64, tls: UInt64) throws(Errno) -> Int64 {
        guard flags & LinuxProcess.cloneVM != 0, flags & LinuxProcess.cloneSighand != 0 else { throw .invalid }
        // From the first thread on, locked instructions must be atomic on the host.
        engine.enableAtomicLocks()
        group.register(engine)
        let childEngine: Engine
        do {
            childEngine = try Engine(sharing: engine)
        } catch {
            throw Errno(EAGAIN)
        }
        let child = LinuxProcess(thread: self, engine: childEngine)
        child.setRegister(MIMIC_RAX, 0)
        if stack != 0 { child.setRegister(MIMIC_RSP, stack) }
        if flags & LinuxProcess.cloneSetTLS != 0 { child.cpu.pointee.fs_base = tls }
        if flags & LinuxProcess.cloneChildClearTID != 0 { child.clearChildTID = childTID }

        let start = ThreadStart(child: child, flags: flags, parentTID: parentTID, childTID: childTID)
        group.threadStarted()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, 8 << 20)
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { argument in
            let start = Unmanaged<ThreadStart>.fromOpaque(argument!).takeRetainedValue()
            start.run()
            return nil
        }, Unmanaged.passRetained(start).toOpaque())
        pthread_attr_destroy(&attributes)
        guard status == 0 else {
            _ = group.threadExited()
            throw Errno(EAGAIN)
        }
        return Int64(start.waitForTID())
    }

    /// clone3: the same as clone, its arguments in a struct clone_args.
    func sysClone3(_ a: SyscallArguments) throws(Errno) -> Int64 {
        guard a[1] >= 64 else { throw .invalid }
        let p = try reading(a[0], 64)
        let field = { (i: Int) in p.load(fromByteOffset: 8 * i, as: UInt64.self) }
        let flags = field(0), childTID = field(2), parentTID = field(3), exitSignal = field(4)
        let stack = field(5), stackSize = field(6), tls = field(7)
        guard exitSignal <= 64, flags & 0xFF == 0 else { throw .invalid }
        let top = stack == 0 ? 0 : stack &+ stackSize
        if flags & LinuxProcess.cloneThread != 0 {
            return try spawnThread(flags: flags, stack: top, parentTID: parentTID, childTID: childTID, tls: tls)
        }
        return try sysClone(flags: flags | exitSignal, stack: top, parentTID: parentTID, childTID: childTID, tls: tls)
    }

    /// exit: this thread ends (CLONE_CHILD_CLEARTID's word cleared and its waiters woken); the
    /// process ends with the last thread, with that thread's status.
    func exitThread(_ status: Int32) -> Int64? {
        if group.threadExited() == 0 { exitProcess(status) }
        group.unregister(engine)
        if clearChildTID != 0, (try? store(UInt32(0), at: clearChildTID)) != nil {
            let word = space.memory.base + Int(clearChildTID)
            _ = hostSyscall(.futex, Int(bitPattern: word), 1, Int(Int32.max))  // FUTEX_WAKE
        }
        threadExited = true
        return nil
    }
}

extension LinuxProcess {
    /// This thread called exit: its engine runs no more.
    public var hasExited: Bool { threadExited }

    /// Runs the program as `run()` does, with `runner` running every thread (this one, the
    /// main thread, on the calling host thread).
    public func run(by runner: GuestThreadRunner) -> Never {
        group.runner = runner
        runner.run(self, tid: Int(getpid()))
        ThreadGroup.parkForever()
    }

    /// `--stats` at exit: every thread's counts summed (see `Engine.statisticsReport(threads:)`).
    public var statisticsReport: StatsReport {
        let counts = group.countsOfAllThreads
        return engine.statisticsReport(threads: counts.isEmpty ? [engine.statistics] : counts)
    }
}

/// Hands a new guest thread to its host thread, and its thread id back to the creator.
private final class ThreadStart {
    let child: LinuxProcess
    let flags: UInt64, parentTID: UInt64, childTID: UInt64
    private var tid: Int32 = 0
    private var ready = sem_t()

    init(child: LinuxProcess, flags: UInt64, parentTID: UInt64, childTID: UInt64) {
        self.child = child
        self.flags = flags
        self.parentTID = parentTID
        self.childTID = childTID
        sem_init(&ready, 0, 0)
    }

    deinit { sem_destroy(&ready) }

    /// On the new host thread: publish the thread id where clone was asked to, wake the
    /// creator, run the guest thread to its exit.
    func run() {
        let me = Int32(truncatingIfNeeded: hostSyscall(.gettid))
        if flags & LinuxProcess.cloneParentSetTID != 0 { try? child.store(me, at: parentTID) }
        if flags & LinuxProcess.cloneChildSetTID != 0 { try? child.store(me, at: childTID) }
        child.group.register(child.engine)
        child.bindSignalsToThisThread()
        tid = me
        sem_post(&ready)
        if let runner = child.group.runner {
            runner.run(child, tid: Int(me))
        } else {
            child.runThread()
        }
    }

    func waitForTID() -> Int32 {
        while sem_wait(&ready) != 0 {}
        return tid
    }
}
