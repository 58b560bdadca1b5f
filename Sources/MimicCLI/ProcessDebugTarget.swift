import CCPU
import Foundation
import GDBStub
import LinuxUser
import TCG

/// A `mimic run` process under the gdb stub (`-g`): every guest thread, by its thread id, in
/// all-stop mode as gdb expects of a Linux gdbserver.
///
/// Each guest thread runs on its own host thread, here (`GuestThreadRunner`): it waits for gdb
/// to resume it, runs its engine (stepping, or to a breakpoint), serves its system calls and
/// signals, and parks again when it or another thread stops. Stopping the others raises their
/// exit request, so they park at their next block boundary. A thread inside a system call
/// counts as stopped (its registers are those at the call); if the call returns while the
/// process is stopped, the thread parks before it runs guest code again.
///
/// Engines are changed only on their own host threads: a thread applies the breakpoints gdb
/// set before it runs guest code. Without breakpoints the engines run at full speed (chained);
/// with them, every engine runs block by block under its debugger (see `Engine.resume`).
final class ProcessDebugTarget: DebugTarget, GuestThreadRunner {
    private final class GuestThread {
        let process: LinuxProcess
        let tid: Int
        /// What gdb asked of the thread in this resume; nil: it stays stopped.
        var command: Command?
        /// Waiting for a command: its engine and registers are the stub's.
        var parked = false
        /// Serving a system call or a signal (which may block): as good as stopped.
        var outside = false
        /// The breakpoints last applied to its engine (`ProcessDebugTarget.breakpointsVersion`).
        var breakpointsVersion = -1
        /// Faults stop the process for gdb (as signals) before the guest sees them.
        var reportsFaults = false
        /// The fault it stopped with for gdb: delivered if gdb resumes it with a signal.
        var pendingFault: StopReason?
        /// The signal gdb resumes it with (`C sig`), if any.
        var resumeSignal: Int32?

        init(process: LinuxProcess, tid: Int) {
            self.process = process
            self.tid = tid
        }

        var engine: Engine { process.engine }
    }

    private enum Command { case step, resume }

    /// Guards everything below; threads park on it.
    private let condition = NSCondition()
    /// The live threads, the main thread first.
    private var threads: [GuestThread]
    private var breakpoints: Set<UInt64> = []
    private var breakpointsVersion = 0
    /// Set when a thread stopped or gdb interrupted: every thread parks at its next chance,
    /// until gdb resumes the process.
    private var stopping = true
    /// What stopped the process in the current resume.
    private var event: (stop: DebugStop, thread: Int)?
    /// Threads that start during the current resume run (gdb's default action was continue).
    private var newThreadsRun = false
    /// gdb is there to see faults (see `resume(interrupted:)`).
    private var reportingFaults = false

    /// The main thread's engine, for memory (every thread's engine shares it and the
    /// translations, and this one lives as long as the process).
    private let memoryEngine: Engine

    let auxiliaryVector: [UInt8]?
    /// A position-independent program's load bias.
    let loadOffset: UInt64?
    /// The debugged process (a thread that forks goes on in a child, which gdb does not see).
    private let pid = getpid()

    init(mainThread: LinuxProcess) {
        threads = [GuestThread(process: mainThread, tid: Int(getpid()))]
        memoryEngine = mainThread.engine
        var words: [UInt64] = []
        for (type, value) in mainThread.initialStack.auxiliaryVector.entries { words += [type.rawValue, value] }
        words += [AuxType.null.rawValue, 0]
        auxiliaryVector = words.withUnsafeBytes { Array($0) }
        loadOffset = mainThread.image.bias == 0 ? nil : mainThread.image.bias
    }

    // MARK: DebugTarget

    var threadIDs: [Int] {
        condition.lock()
        defer { condition.unlock() }
        return threads.map(\.tid)
    }

    private func thread(_ tid: Int) -> GuestThread? {
        condition.lock()
        defer { condition.unlock() }
        return threads.first { $0.tid == tid }
    }

    func readRegisters(thread tid: Int) -> DebugRegisters? {
        thread(tid).map { EngineDebugTarget.registers(of: $0.engine, systemMode: false) }
    }

    func writeRegisters(_ registers: DebugRegisters, thread tid: Int) -> Bool {
        guard let thread = thread(tid) else { return false }
        EngineDebugTarget.setRegisters(of: thread.engine, to: registers)
        return true
    }

    func readRegisters() -> DebugRegisters {
        threadIDs.first.flatMap { readRegisters(thread: $0) } ?? DebugRegisters()
    }

    func writeRegisters(_ registers: DebugRegisters) {
        if let first = threadIDs.first { _ = writeRegisters(registers, thread: first) }
    }

    func readMemory(at address: UInt64, count: Int) -> [UInt8]? {
        EngineDebugTarget.readLinearMemory(of: memoryEngine, at: address, count: count)
    }

    func writeMemory(at address: UInt64, _ bytes: [UInt8]) -> Bool {
        EngineDebugTarget.writeLinearMemory(of: memoryEngine, at: address, bytes)
    }

    func insertBreakpoint(at address: UInt64, hardware: Bool) -> Bool {
        changeBreakpoints { $0.insert(address) }
        return true
    }

    func removeBreakpoint(at address: UInt64, hardware: Bool) -> Bool {
        changeBreakpoints { $0.remove(address) }
        return true
    }

    func detach() {
        changeBreakpoints { $0.removeAll() }
    }

    private func changeBreakpoints(_ change: (inout Set<UInt64>) -> Void) {
        condition.lock()
        change(&breakpoints)
        breakpointsVersion += 1
        condition.unlock()
    }

    func step() -> DebugStop {
        guard let first = threadIDs.first else { return .interrupted }
        return run(ResumeActions(step: first), interrupted: { false }).stop
    }

    /// How `DebuggedRun` runs the guest while no gdb is connected: faults go to the guest as
    /// signals, as without the stub.
    func resume(interrupted: () -> Bool) -> DebugStop {
        run(ResumeActions(othersContinue: true), interrupted: interrupted, reportingFaults: false).stop
    }

    func run(_ actions: ResumeActions, interrupted: () -> Bool) -> (stop: DebugStop, thread: Int) {
        run(actions, interrupted: interrupted, reportingFaults: true)
    }

    /// Resumes the threads `actions` names, waits until one stops or `interrupted()` (asked
    /// every 20 ms), then stops every thread.
    private func run(_ actions: ResumeActions, interrupted: () -> Bool, reportingFaults: Bool) -> (stop: DebugStop, thread: Int) {
        condition.lock()
        self.reportingFaults = reportingFaults
        for thread in threads {
            thread.command = thread.tid == actions.step ? .step : actions.runs(thread.tid) ? .resume : nil
            thread.reportsFaults = reportingFaults
            thread.resumeSignal = actions.signals[thread.tid]
        }
        newThreadsRun = actions.othersContinue
        event = nil
        stopping = false
        condition.broadcast()
        while event == nil {
            // Nothing runs (the threads gdb named have exited): report where the process is.
            if !threads.contains(where: { $0.command != nil }) {
                event = (.stepped, threads.first?.tid ?? 1)
                break
            }
            condition.unlock()
            let stop = interrupted()
            condition.lock()
            if stop, event == nil { event = (.interrupted, threads.first?.tid ?? 1) }
            if event == nil { _ = condition.wait(until: Date(timeIntervalSinceNow: 0.02)) }
        }
        stopEveryThread()
        while threads.contains(where: { !$0.parked && !$0.outside }) { condition.wait() }
        let result = event!
        condition.unlock()
        return result
    }

    /// Every thread parks at its next block boundary (under the lock).
    private func stopEveryThread() {
        stopping = true
        newThreadsRun = false
        for thread in threads {
            thread.command = nil
            if !thread.parked { mimic_request_exit(thread.engine.cpu, UInt32(MIMIC_EXIT_REQ_STOP)) }
        }
        condition.broadcast()
    }

    // MARK: GuestThreadRunner

    func run(_ process: LinuxProcess, tid: Int) {
        condition.lock()
        let thread: GuestThread
        if let main = threads.first(where: { $0.process === process }) {
            thread = main
        } else {
            thread = GuestThread(process: process, tid: tid)
            if !stopping, newThreadsRun { thread.command = .resume }
            thread.reportsFaults = reportingFaults
            threads.append(thread)
        }
        condition.unlock()
        while let command = nextCommand(thread) {
            if let fault = thread.pendingFault {
                // gdb passes the signal on (the guest's handler runs, or the process dies of
                // it), or suppresses it (the instruction runs again).
                thread.pendingFault = nil
                if (thread.resumeSignal ?? 0) != 0 { serve(fault, thread) }
                if process.hasExited { break }
            }
            switch command {
            case .step: step(thread)
            case .resume: resume(thread)
            }
            if process.hasExited { break }
        }
        condition.lock()
        threads.removeAll { $0 === thread }
        condition.broadcast()
        condition.unlock()
    }

    /// Parks `thread` until gdb resumes it; nil when it has exited. Applies the breakpoints
    /// gdb set to its engine before it runs.
    private func nextCommand(_ thread: GuestThread) -> Command? {
        condition.lock()
        while !thread.process.hasExited, thread.command == nil || stopping {
            if !thread.parked {
                thread.parked = true
                condition.broadcast()
            }
            condition.wait()
        }
        thread.parked = false
        let command = thread.command
        let wanted = breakpointsVersion == thread.breakpointsVersion ? nil : breakpoints
        thread.breakpointsVersion = breakpointsVersion
        condition.unlock()
        if let wanted { apply(wanted, to: thread.engine) }
        return thread.process.hasExited ? nil : command
    }

    /// May `thread` go on running guest code? (Its command stands and nothing stopped.)
    private func mayContinue(_ thread: GuestThread) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return thread.command != nil && !stopping && thread.breakpointsVersion == breakpointsVersion
    }

    private func apply(_ wanted: Set<UInt64>, to engine: Engine) {
        for address in engine.breakpoints.subtracting(wanted) { engine.removeBreakpoint(at: address) }
        for address in wanted.subtracting(engine.breakpoints) { engine.insertBreakpoint(at: address) }
        // No breakpoints: full speed, chained (the others do the same before they run).
        if wanted.isEmpty { engine.detachDebugger() }
    }

    /// `thread` stopped for gdb: the process stops, unless something else stopped it first.
    private func report(_ stop: DebugStop, _ thread: GuestThread) {
        condition.lock()
        if thread.command != nil, !stopping {
            event = (stop, thread.tid)
            stopEveryThread()
        }
        thread.command = nil
        condition.unlock()
    }

    /// Serves what stopped the engine (a system call, a fault, a signal), which may block.
    private func serve(_ reason: StopReason, _ thread: GuestThread) {
        condition.lock()
        thread.outside = true
        // A stop may be waiting for this thread to leave guest code.
        condition.broadcast()
        condition.unlock()
        thread.process.serve(reason)
        if getpid() != pid { runForkedChild(thread) }
        condition.lock()
        thread.outside = false
        condition.broadcast()
        condition.unlock()
    }

    /// A fault stops the process for gdb first (it sees the signal, all-stop); anything else
    /// is served. True when the thread stopped for gdb.
    private func stopOrServe(_ reason: StopReason, _ thread: GuestThread) -> Bool {
        if thread.reportsFaults, case .exception(let vector, _, _) = reason, vector != Int(MIMIC_EXC_STOP) {
            thread.pendingFault = reason
            report(.signal(EngineDebugTarget.signal(forVector: vector)), thread)
            return true
        }
        serve(reason, thread)
        return false
    }

    private func step(_ thread: GuestThread) {
        if let outside = fetchOutsideMemory(thread) {
            if stopOrServe(outside, thread) { return }
        } else if case .stopped(let reason) = thread.engine.step() {
            if stopOrServe(reason, thread) { return }
        }
        if !thread.process.hasExited { report(.stepped, thread) }
    }

    private func resume(_ thread: GuestThread) {
        let engine = thread.engine
        let cpu = engine.cpu
        while !thread.process.hasExited, mayContinue(thread) {
            if let outside = fetchOutsideMemory(thread) {
                if stopOrServe(outside, thread) { return }
                continue
            }
            guard engine.isDebuggerAttached, !engine.breakpoints.isEmpty else {
                if stopOrServe(engine.run(), thread) { return }
                continue
            }
            // Reached before gdb resumed it (another thread's stop came first) or stepped onto.
            if engine.breakpoints.contains(cpu.pointee.rip) {
                report(.breakpoint, thread)
                return
            }
            switch engine.resume(interrupted: { mimic_exit_request(cpu) & UInt32(MIMIC_EXIT_REQ_STOP) != 0 }) {
            case .breakpoint:
                report(.breakpoint, thread)
                return
            case .interrupted, .stepped:
                // A stop request (gdb's, or a host signal's): served as Engine.run's.
                serve(.exception(vector: Int(MIMIC_EXC_STOP), errorCode: 0, address: 0), thread)
            case .stopped(let reason):
                if stopOrServe(reason, thread) { return }
            }
        }
    }

    /// The thread forked and this is the child, its only thread: it runs on without gdb (and
    /// without the stub's lock, which another thread of the parent may have held at the fork).
    private func runForkedChild(_ thread: GuestThread) -> Never {
        let engine = thread.engine
        for address in engine.breakpoints { engine.removeBreakpoint(at: address) }
        engine.detachDebugger()
        while true {
            // The thread's exit is the process's (exit_group).
            thread.process.serve(fetchOutsideMemory(thread) ?? engine.run())
        }
    }

    /// A jump out of the address space: the fetch faults there, as `LinuxProcess.runThread` has it.
    private func fetchOutsideMemory(_ thread: GuestThread) -> StopReason? {
        let rip = thread.engine.cpu.pointee.rip
        guard rip >= UInt64(thread.engine.memory.size) else { return nil }
        return .exception(vector: Int(MIMIC_EXC_PF), errorCode: 0x10, address: rip)
    }
}
