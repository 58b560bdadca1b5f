import CCPU
import Foundation
import Lifter
import Machine
import TCG

/// Runs a machine on Mimic's own translator: `tcg` (generated host code) or `interp` (the IR
/// interpreter). Guest memory is the machine's RAM, reached through the guest's page tables;
/// port I/O and accesses outside RAM go to the machine's buses; exceptions are delivered
/// through the guest's IDT here, between runs of generated code.
public final class TCGAccelerator: Accelerator {
    public let name: String
    private let accel: Accel
    private let options: EngineOptions

    /// The state the last run ended in, for tests and reports.
    public private(set) var finalState: SystemCPUState?
    /// The engine's counters after the last run.
    public private(set) var statistics: Statistics?
    /// The last run's engine (`--stats` reports what it counted).
    public private(set) var engine: Engine?

    /// A debugger in charge of the run (the gdb stub): called with the engine at the boot state
    /// and `settle`, which serves a stop of the guest as `run` does (nil: the guest goes on;
    /// else the exit the machine stops with); returns the exit the run ended with.
    public var debugger: ((Engine, _ settle: (StopReason) -> MachineExit?) -> MachineExit)?
    /// Guest instructions the last run executed, when its options count executions.
    public private(set) var guestInstructionsExecuted: UInt64?

    public init(_ accel: Accel, options: EngineOptions = EngineOptions()) {
        self.accel = accel
        self.options = options
        name = accel.rawValue
    }

    public func run(_ machine: Machine) throws -> MachineExit {
        let engine = try Engine(systemRAM: machine.ram.base, size: machine.ram.size, accel: accel, options: options)
        self.engine = engine
        let bus = MachineBus(machine, cpu: engine.cpu)
        let context = Unmanaged.passUnretained(bus).toOpaque()
        engine.cpu.pointee.sys.bus = MimicBus(context: context, read: MachineBus.read, write: MachineBus.write)
        machine.bootState.store(into: engine.cpu)
        let watchdog = InterruptionWatchdog(engine.cpu)
        defer {
            watchdog.finish()
            finalState = SystemCPUState(engine.cpu)
            statistics = engine.statistics
            guestInstructionsExecuted = engine.guestInstructionsExecuted
            machine.serialOutput.flush()
            withExtendedLifetime(bus) {}
        }
        let cpu = SystemCPU(engine.cpu)
        func settle(_ stop: StopReason) -> MachineExit? {
            switch stop {
            case .halt:
                // A request to stop (a device's, or Ctrl-C seen at a port) comes back below.
                // HLT: this machine has no interrupt source, so nothing could wake the
                // processor, with IF set or not.
                if engine.cpu.pointee.request == UInt64(MIMIC_REQ_HLT) { return .halted }
            case .exception(vector: Int(MIMIC_EXC_STOP), _, _):
                // The watchdog stopped generated code: the checks below say why.
                engine.cpu.pointee.sys.stop_request = 0
                mimic_clear_exit_request(engine.cpu, UInt32(MIMIC_EXIT_REQ_STOP))
            case .exception(vector: Int(MIMIC_EXC_CODE_WRITE), _, _):
                // A store to bytes translated code came from: the guest goes on with its new code.
                if let stopped = engine.serveCodeWrite() { return settle(stopped) }
            case .exception(let vector, let errorCode, let address):
                let software = engine.cpu.pointee.sys.software_interrupt != 0
                engine.cpu.pointee.sys.software_interrupt = 0
                let delivered = cpu.deliver(vector: vector, errorCode: Fault.pushesErrorCode(vector) ? errorCode : 0,
                                            address: address, source: software ? .software : .exception)
                if !delivered { return .shutdown(SystemCPUState(engine.cpu)) }
            case .syscall:
                // Lifted as the ring transition in system mode; never a request.
                preconditionFailure("SYSCALL request in system mode")
            }
            if let exit = machine.control.pendingExit { return exit }
            if Interruption.isRequested { return .interrupted }
            return nil
        }
        if let exit = machine.control.pendingExit { return exit }
        if Interruption.isRequested { return .interrupted }
        if let debugger { return debugger(engine, settle) }
        while true {
            if let exit = settle(engine.run()) { return exit }
        }
    }
}

/// The machine's buses as the C callbacks of `MimicBus`.
final class MachineBus {
    unowned let machine: Machine
    let cpu: UnsafeMutablePointer<MimicCPUState>

    init(_ machine: Machine, cpu: UnsafeMutablePointer<MimicCPUState>) {
        self.machine = machine
        self.cpu = cpu
    }

    /// A read leaves a stop request for generated code when the run must end (a guest polling
    /// a port is where Ctrl-C is noticed).
    static let read: @convention(c) (UnsafeMutableRawPointer?, UInt32, UInt64, UInt32) -> UInt64 = { context, space, address, size in
        let bus = Unmanaged<MachineBus>.fromOpaque(context!).takeUnretainedValue()
        let value: UInt64
        if space == UInt32(MIMIC_BUS_PORT) {
            value = UInt64(bus.machine.ports.read(port: UInt16(truncatingIfNeeded: address), size: Int(size)))
        } else {
            value = bus.machine.readPhysical(address, size: Int(size))
        }
        if Interruption.isRequested { bus.machine.control.requestExit(.interrupted) }
        if bus.machine.control.pendingExit != nil { bus.cpu.pointee.request = UInt64(MIMIC_REQ_STOP) }
        return value
    }

    static let write: @convention(c) (UnsafeMutableRawPointer?, UInt32, UInt64, UInt32, UInt64) -> UInt32 = { context, space, address, size, value in
        let bus = Unmanaged<MachineBus>.fromOpaque(context!).takeUnretainedValue()
        if space == UInt32(MIMIC_BUS_PORT) {
            bus.machine.ports.write(port: UInt16(truncatingIfNeeded: address), size: Int(size), value: UInt32(truncatingIfNeeded: value))
        } else {
            bus.machine.writePhysical(address, size: Int(size), value: value)
        }
        if Interruption.isRequested { bus.machine.control.requestExit(.interrupted) }
        return bus.machine.control.pendingExit != nil ? 1 : 0
    }
}

/// Ctrl-C while the guest runs inside generated code without a port access or an exit to the
/// loop (a spinning loop, even `jmp .`): a thread that, once the user interrupts, raises the
/// CPU's exit request, which blocks test on every backward chained jump and indirect jump. For
/// a long string instruction, which loops inside one block, it also raises `stop_request` and
/// flushes the software TLB, so the instruction's next memory access takes the slow path and
/// stops.
final class InterruptionWatchdog: @unchecked Sendable {
    private let cpu: UnsafeMutablePointer<MimicCPUState>
    private let done = NSCondition()
    private var finished = false

    init(_ cpu: UnsafeMutablePointer<MimicCPUState>) {
        self.cpu = cpu
        let thread = Thread { [self] in watch() }
        thread.start()
    }

    private func watch() {
        Interruption.blockInCurrentThread()
        done.lock()
        defer { done.unlock() }
        while !finished {
            _ = done.wait(until: Date(timeIntervalSinceNow: 0.05))
            if !finished && Interruption.isRequested {
                mimic_request_exit(cpu, UInt32(MIMIC_EXIT_REQ_STOP))
                cpu.pointee.sys.stop_request = 1
                SystemCPU(cpu).flushTLB()
            }
        }
    }

    /// Ends the thread before the CPU state goes away.
    func finish() {
        done.lock()
        finished = true
        done.signal()
        done.unlock()
    }
}
