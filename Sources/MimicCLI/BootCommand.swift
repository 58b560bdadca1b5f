import ArgumentParser
import Foundation
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
        let accelerator = try chooseAccelerator()
        let kvm = accelerator as? KVMAccelerator
        kvm?.collectsStatistics = inspect.stats != nil
        defer { if let kvm { inspect.printStatistics([kvm.statistics.report]) } }

        Interruption.install()
        let exit: MachineExit
        do {
            exit = try accelerator.run(machine)
        } catch let error as KVMError {
            let dump = error.state.map { "\n" + $0.dump } ?? ""
            throw BootFailure(message: error.description + dump, status: MachineExit.crashStatus)
        } catch {
            throw BootFailure(message: "\(error)", status: MachineExit.crashStatus)
        }
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

    private func chooseAccelerator() throws(BootFailure) -> Accelerator {
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
                return TCGAccelerator(.jit)
            }
        case "tcg":
            return TCGAccelerator(.jit)
        case "interp":
            return TCGAccelerator(.interp)
        default:
            throw BootFailure(message: "unknown accelerator '\(accel)' (expected auto, kvm, tcg or interp)")
        }
    }
}
