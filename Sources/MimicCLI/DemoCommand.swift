import ArgumentParser
import CCPU
import Foundation
import TCG

/// `mimic demo`: runs the built-in guest under each backend and shows what the translator did.
public struct DemoCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "demo",
        abstract: "Run the built-in demo guest (a prime sieve) under the JIT and the interpreter.")

    @Option(name: .long, help: "Backend to run: tcg, interp or all.")
    var accel: String = "all"

    @OptionGroup(title: "Inspection")
    var inspection: InspectionOptions

    public init() {}

    public func run() throws {
        let inspect = try inspection.resolve()
        let accels: [Accel]
        if accel == "all" {
            // Under gdb, or explained, one run is enough.
            accels = inspect.gdbPort == nil && inspect.explainPath == nil ? [.jit, .interp] : [.jit]
        } else if let a = Accel(rawValue: accel) {
            accels = [a]
        } else {
            throw ValidationError("unknown accelerator '\(accel)' (expected tcg, interp or all)")
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
