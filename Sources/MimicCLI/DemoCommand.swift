import ArgumentParser
import CCPU
import Foundation
import KVM
import Machine
import SystemTCG
import TCG

/// `mimic demo`: boots the built-in machine guest (the prime sieve as a ring-3 task under a tiny
/// kernel) on every available accelerator and compares them side by side. With an inspection
/// option (`-d`, `--stats`, `-g`, `--explain-html`) it runs the sieve alone in the translator
/// instead, so the logs, counters and debugger show the sieve's own blocks.
public struct DemoCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "demo",
        abstract: "Run the built-in demo guest (a prime sieve) on every accelerator (kvm, tcg, interp) side by side.")

    @Option(name: .long, help: "Accelerator to run: kvm, tcg, interp or all (every available one).")
    var accel: String = "all"

    @OptionGroup(title: "Inspection")
    var inspection: InspectionOptions

    public init() {}

    static let accelerators = ["kvm", "tcg", "interp"]

    public func run() throws {
        let inspect = try inspection.resolve()
        guard accel == "all" || DemoCommand.accelerators.contains(accel) else {
            throw ValidationError("unknown accelerator '\(accel)' (expected kvm, tcg, interp or all)")
        }
        if inspect.wantsTranslatorRun {
            try runInTranslator(inspect)
        } else {
            try runOnMachines()
        }
    }

    // MARK: The machine guest on every accelerator

    /// One accelerator's run of the machine guest.
    struct MachineRow {
        var accelerator: String
        var seconds: Double
        var exit: MachineExit
        var output: String
        /// Blocks translated and translation time (tcg, interp).
        var translation: (blocks: Int, milliseconds: Double)?
    }

    /// The accelerators `accel` names that can run here, and why the others cannot.
    static func available(_ accel: String) -> (names: [String], unavailable: [String: String]) {
        var names: [String] = [], unavailable: [String: String] = [:]
        for name in accelerators where accel == "all" || accel == name {
            if name == "kvm" {
                do { _ = try KVMAccelerator() } catch {
                    unavailable[name] = error.description
                    continue
                }
            }
            names.append(name)
        }
        return (names, unavailable)
    }

    static func makeAccelerator(_ name: String, options: EngineOptions = EngineOptions()) throws -> Accelerator {
        switch name {
        case "kvm": return try KVMAccelerator()
        case "interp": return TCGAccelerator(.interp, options: options)
        default: return TCGAccelerator(.jit, options: options)
        }
    }

    /// Boots the machine guest once on `name`.
    static func runMachine(_ name: String) throws -> MachineRow {
        let output = CapturedOutput()
        let machine = try Machine(memorySize: DemoGuest.machineMemoryBytes, serialOutput: output, serialInput: NoInput())
        try PVHLoader.load(bytes: DemoGuest.image, name: "the demo guest", into: machine)
        let accelerator = try makeAccelerator(name)
        let start = MonotonicClock.seconds()
        let exit = try accelerator.run(machine)
        let seconds = MonotonicClock.seconds() - start
        let translation = (accelerator as? TCGAccelerator)?.statistics.map {
            (blocks: $0.blocksTranslated, milliseconds: Double($0.translationNanoseconds) / 1e6)
        }
        return MachineRow(accelerator: name, seconds: seconds, exit: exit, output: output.text, translation: translation)
    }

    /// The machine guest's instruction count, from one run under tcg with execution counting
    /// (kept out of the timed runs: counting adds a call to every block).
    static func countGuestInstructions() throws -> UInt64? {
        let machine = try Machine(memorySize: DemoGuest.machineMemoryBytes, serialOutput: CapturedOutput(), serialInput: NoInput())
        try PVHLoader.load(bytes: DemoGuest.image, name: "the demo guest", into: machine)
        var options = EngineOptions()
        options.countExecutions = true
        let accelerator = TCGAccelerator(.jit, options: options)
        guard try accelerator.run(machine) == .debugExit(value: 0) else { return nil }
        return accelerator.guestInstructionsExecuted
    }

    private func runOnMachines() throws {
        let (names, unavailable) = DemoCommand.available(accel)
        if names.isEmpty, let reason = unavailable[accel] {
            FileHandle.standardError.write(Data("mimic: demo --accel \(accel): \(reason)\n".utf8))
            throw ExitCode(2)
        }
        print("Mimic demo: one machine guest on every accelerator. A small kernel (guest-images/demo/kernel.S) boots")
        print("through PVH, enters long mode and runs the sieve (guest-images/demo/sieve.S: the primes below 2,000,000)")
        print("as a ring-3 task, then prints its count on the serial port.")
        for (name, reason) in unavailable.sorted(by: { $0.key < $1.key }) { print("(\(name) is not available: \(reason))") }
        print("")
        Interruption.install()
        var rows: [MachineRow] = []
        for name in names {
            let row = try DemoCommand.runMachine(name)
            rows.append(row)
            if row.exit == .interrupted { break }
        }
        if rows.last?.exit == .interrupted {
            FileHandle.standardError.write(Data("mimic: interrupted\n".utf8))
            throw ExitCode(MachineExit.interrupted.status)
        }
        let instructions = names.contains(where: { $0 != "kvm" }) ? try DemoCommand.countGuestInstructions() : nil
        print(DemoCommand.table(rows, instructions: instructions))
        let outputs = Set(rows.map(\.output))
        if let output = outputs.first, outputs.count == 1 {
            print("\nGuest output (identical on \(rows.map(\.accelerator).joined(separator: ", "))): \(output)", terminator: "")
        } else {
            print("\nThe guest output DIFFERS between accelerators:")
            for row in rows { print("  \(row.accelerator): \(row.output.debugDescription)") }
        }
        let failed = outputs.count != 1 || rows.contains { $0.exit != .debugExit(value: 0) || $0.output != DemoGuest.expectedOutput }
        if failed { throw ExitCode(1) }
    }

    /// The side-by-side table: one row per accelerator.
    static func table(_ rows: [MachineRow], instructions: UInt64?) -> String {
        let fastest = rows.map(\.seconds).min() ?? 1
        func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0) }
        var lines = [cell("accelerator", 13) + cell("time", 11) + cell("guest instructions", 20) + cell("guest MIPS", 12)
                     + cell("vs fastest", 12) + cell("translated", 22) + "verdict"]
        for row in rows {
            // KVM cannot count what the hardware runs; the guest is deterministic, so the count
            // made under tcg is every accelerator's, and the MIPS figure holds for kvm too.
            let counted = row.accelerator != "kvm" ? instructions.map { "\($0)" } ?? "-" : "(not counted)"
            let mips = instructions.map { String(format: "%.0f", Double($0) / row.seconds / 1e6) } ?? "-"
            let translated = row.translation.map { "\($0.blocks) blocks, " + String(format: "%.1f ms", $0.milliseconds) } ?? "-"
            let verdict = row.exit == .debugExit(value: 0) ? "pass" : "FAIL (\(row.exit))"
            lines.append(cell(row.accelerator, 13) + cell(String(format: "%.3f s", row.seconds), 11) + cell(counted, 20)
                         + cell(mips, 12) + cell(String(format: "%.1fx", row.seconds / fastest), 12) + cell(translated, 22) + verdict)
        }
        return lines.joined(separator: "\n")
    }

    // MARK: The sieve alone in the translator (inspection)

    /// Runs the bare sieve under tcg and/or interp with the inspection options in effect.
    private func runInTranslator(_ inspect: Inspection) throws {
        let accels: [Accel]
        switch accel {
        case "all":
            // Under gdb, or explained, one run is enough.
            accels = inspect.gdbPort == nil && inspect.explainPath == nil ? [.jit, .interp] : [.jit]
        case "kvm":
            throw ValidationError("the inspection options (-d, --stats, -g, --explain-html) need --accel tcg or interp")
        default:
            accels = Accel(rawValue: accel).map { [$0] } ?? [.jit]
        }
        var options = EngineOptions()
        inspect.apply(to: &options)
        print("Mimic demo: the guest counts the primes below 2,000,000 with a sieve (guest-images/demo/sieve.S, \(DemoGuest.code.count) bytes).")
        print("The sieve executes \(DemoGuest.guestInstructions) guest instructions.\n")
        struct Row {
            var accel: Accel
            var seconds: Double
            var verdict: String
            var engine: Engine
        }
        var rows: [Row] = []
        for a in accels {
            let memory = try GuestMemory(size: DemoGuest.memoryBytes)
            memory.write(DemoGuest.code, at: DemoGuest.loadAddress)
            let engine = try Engine(memory: memory, accel: a, options: options)
            engine.cpu.pointee.rip = DemoGuest.loadAddress
            withUnsafeMutableBytes(of: &engine.cpu.pointee.gpr) { $0.storeBytes(of: DemoGuest.stackTop, toByteOffset: 8 * Int(MIMIC_RSP), as: UInt64.self) }
            let start = MonotonicClock.seconds()
            let stop = try run(engine, inspect)
            let elapsed = MonotonicClock.seconds() - start
            let rax = engine.cpu.pointee.gpr.0
            let verdict = stop == .halt && rax == DemoGuest.expectedRAX ? "\(rax), correct" : "\(rax), WRONG (\(stop))"
            rows.append(Row(accel: a, seconds: elapsed, verdict: verdict, engine: engine))
        }
        let fastest = rows.map(\.seconds).min() ?? 1
        func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        print(cell("backend", 8) + cell("result (rax)", 18) + cell("time", 10) + cell("guest MIPS", 12) + cell("vs fastest", 12)
              + "translated (blocks / instructions / ms), entries from the loop, chained jumps")
        for row in rows {
            let s = row.engine.statistics
            let mips = Double(DemoGuest.guestInstructions) / row.seconds / 1e6
            print(cell(row.accel.rawValue, 8) + cell(row.verdict, 18) + cell(String(format: "%.3f s", row.seconds), 10)
                  + cell(String(format: "%.0f", mips), 12) + cell(String(format: "%.1fx", row.seconds / fastest), 12)
                  + "\(s.blocksTranslated) / \(s.instructionsTranslated) / " + String(format: "%.2f", Double(s.translationNanoseconds) / 1e6)
                  + ", \(s.entries), \(s.chainsPatched)")
        }
        inspect.atExit(rows.map(\.engine))
        let failed = rows.contains { !$0.verdict.hasSuffix("correct") }
        if failed { throw ExitCode(1) }
    }

    /// Runs the guest, under gdb with `-g` (a halt ends the session as an exit with status 0).
    private func run(_ engine: Engine, _ inspect: Inspection) throws -> StopReason {
        let ending = try inspect.serveDebugger(engine) { stop in
            switch stop {
            case .halt: .exited(0)
            case .exception(let vector, _, _): .signal(EngineDebugTarget.signal(forVector: vector))
            case .syscall: .signal(EngineDebugTarget.signal(forVector: Int(MIMIC_EXC_UD)))
            }
        }
        switch ending {
        case nil, .detached?, .disconnected?: return engine.run()
        case .exited?: return .halt
        case .killed?:
            FileHandle.standardError.write(Data("mimic: killed by gdb\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension Inspection {
    /// Whether an option asks to look inside the translator (logs, counters, the debugger, the
    /// explain page): the demo then runs the sieve alone under tcg or interp.
    var wantsTranslatorRun: Bool { gdbPort != nil || explainPath != nil || stats != nil || !log.isEmpty }
}
