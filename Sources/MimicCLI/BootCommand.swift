import ArgumentParser
import CCPU
import Foundation
import GDBStub
import KVM
import Machine
import SystemTCG
import TCG

/// `mimic boot`: runs a PVH guest image on the machine model under an accelerator. The exit
/// status is the guest's debug-exit status (0 after a clean HLT); bad input is one line on
/// stderr and status 2; a crashed guest (triple fault, accelerator failure) is reported with a
/// register dump and status 4.
public struct BootCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "boot",
        abstract: "Boot a PVH guest image (see guest-images/README.md) on the machine model.")

    @Option(name: .long, help: "Accelerator: auto, kvm, tcg or interp.")
    var accel: String = "auto"

    @Option(name: [.customShort("m"), .long], help: "Guest RAM size, e.g. 128M or 1G (a bare number is megabytes).")
    var memory: String = "128M"

    @Option(name: .long, help: "Kernel command line passed in the PVH start info.")
    var append: String = ""

    @Argument(help: "The guest image: an ELF with a PVH entry note.")
    var image: String?

    @OptionGroup(title: "Inspection")
    var inspection: InspectionOptions

    public init() {}

    /// Status for bad input and unusable accelerators.
    static let usageStatus: Int32 = 2

    public func run() throws {
        do {
            let status = try boot()
            if status != 0 { throw ExitCode(status) }
        } catch let failure as BootFailure {
            FileHandle.standardError.write(Data(("mimic: " + failure.message + "\n").utf8))
            throw ExitCode(failure.status)
        }
    }

    struct BootFailure: Error {
        var message: String
        var status: Int32 = BootCommand.usageStatus
    }

    private func boot() throws -> Int32 {
        let inspect = try inspection.resolve()
        guard let image else { throw BootFailure(message: "boot: missing IMAGE argument") }
        guard let memorySize = MemorySize.parse(memory) else {
            throw BootFailure(message: "bad memory size '\(memory)' (expected e.g. 128M or 1G, from \(MemorySize.minimum >> 20)M to \(MemorySize.maximum >> 30)G)")
        }
        let machine: Machine
        do {
            machine = try Machine(memorySize: memorySize, serialOutput: StandardOutputSink(), serialInput: StandardInputSource())
            try PVHLoader.load(path: image, commandLine: append, into: machine)
        } catch {
            throw BootFailure(message: error.description)
        }
        var engineOptions = EngineOptions()
        inspect.apply(to: &engineOptions)
        let accelerator = try chooseAccelerator(engineOptions)
        let kvm = accelerator as? KVMAccelerator
        let tcg = accelerator as? TCGAccelerator
        kvm?.collectsStatistics = inspect.stats != nil
        defer {
            if let kvm { inspect.printStatistics([kvm.statistics.report]) }
            if let engine = tcg?.engine { inspect.atExit([engine]) }
        }
        let server = try inspect.debugServer()
        let outcome = DebugOutcome()

        Interruption.install()
        let exit: MachineExit
        do {
            if let server, let kvm {
                exit = try runDebugged(kvm, machine, server, inspect, outcome)
            } else {
                if let server, let tcg { debug(tcg, server, inspect, outcome) }
                exit = try accelerator.run(machine)
            }
        } catch let error as KVMError {
            let dump = error.state.map { "\n" + $0.dump } ?? ""
            throw BootFailure(message: error.description + dump, status: MachineExit.crashStatus)
        } catch {
            throw BootFailure(message: "\(error)", status: MachineExit.crashStatus)
        }
        if outcome.killed { throw BootFailure(message: "killed by gdb", status: 1) }
        switch exit {
        case .shutdown(let state):
            throw BootFailure(message: "guest triple fault: the processor shut down\n" + state.dump, status: exit.status)
        case .interrupted:
            // A guest that spins shows where it was.
            let dump = accelerator.finalState.map { ": the guest was stopped at\n" + $0.dump } ?? ""
            throw BootFailure(message: "interrupted" + dump, status: exit.status)
        case .debugExit, .halted, .reset:
            return exit.status
        }
    }

    /// Whether gdb killed the guest (`kill` in gdb): the run then ends with status 1.
    final class DebugOutcome {
        var killed = false
    }

    /// `-g` under kvm: KVM_SET_GUEST_DEBUG must work here, else one line says which call failed.
    private func runDebugged(_ kvm: KVMAccelerator, _ machine: Machine, _ server: GDBServer, _ inspect: Inspection,
                             _ outcome: DebugOutcome) throws -> MachineExit {
        let guest = try kvm.start(machine)
        defer { guest.finish() }
        let target: KVMDebugTarget
        do {
            target = try KVMDebugTarget(guest)
        } catch {
            throw BootFailure(message: "-g under kvm: \(error.description) (this KVM cannot debug its guests; try --accel tcg)")
        }
        target.notice = { FileHandle.standardError.write(Data("mimic: \($0)\n".utf8)) }
        let end = try inspect.runDebugged(target, server: server)
        if let failure = target.failure { throw failure }
        switch end {
        case .exited: return target.finalExit ?? .halted
        case .killed:
            outcome.killed = true
            return .interrupted
        case .signal: return try guest.run()
        }
    }

    /// `-g` under tcg or interp: the stub drives the accelerator's engine (see `TCGAccelerator.debugger`).
    private func debug(_ tcg: TCGAccelerator, _ server: GDBServer, _ inspect: Inspection, _ outcome: DebugOutcome) {
        tcg.debugger = { engine, settle in
            withoutActuallyEscaping(settle) { settle in
                var final: MachineExit?
                let target = EngineDebugTarget(engine: engine, systemMode: true) { stop in
                    guard let exit = settle(stop) else { return nil }
                    final = exit
                    return .exited(exit.status)
                }
                let end: DebuggedRun.End
                do { end = try inspect.runDebugged(target, server: server) } catch { return .interrupted }
                switch end {
                case .exited: return final ?? .halted
                case .killed:
                    outcome.killed = true
                    return .interrupted
                case .signal:
                    while true { if let exit = settle(engine.run()) { return exit } }
                }
            }
        }
    }

    private func chooseAccelerator(_ options: EngineOptions) throws(BootFailure) -> Accelerator {
        switch accel {
        case "kvm":
            do { return try KVMAccelerator() } catch { throw BootFailure(message: "--accel kvm: \(error.description)") }
        case "auto":
            do {
                let kvm = try KVMAccelerator()
                FileHandle.standardError.write(Data("mimic: accelerator kvm\n".utf8))
                return kvm
            } catch {
                FileHandle.standardError.write(Data("mimic: accelerator tcg (\(error.description))\n".utf8))
                return TCGAccelerator(.jit, options: options)
            }
        case "tcg":
            return TCGAccelerator(.jit, options: options)
        case "interp":
            return TCGAccelerator(.interp, options: options)
        default:
            throw BootFailure(message: "unknown accelerator '\(accel)' (expected auto, kvm, tcg or interp)")
        }
    }
}
