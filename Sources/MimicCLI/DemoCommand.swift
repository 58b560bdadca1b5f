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

    @Option(name: .customShort("d"), help: "Log items, comma-separated (in_asm, op, op_opt, out_asm, exec).")
    var log: String?

    @Option(name: .customShort("D"), help: "Write the log to this file instead of standard error.")
    var logFile: String?

    public init() {}

    public func run() throws {
        let accels: [Accel]
        if accel == "all" {
            accels = [.jit, .interp]
        } else if let a = Accel(rawValue: accel) {
            accels = [a]
        } else {
            throw ValidationError("unknown accelerator '\(accel)' (expected tcg, interp or all)")
        }
        var options = EngineOptions()
        if let log { options.log = try LogItems.parse(log) }
        if let logFile { options.logSink = try LogSink(path: logFile) }
        print("Mimic demo: the guest counts the primes below 2,000,000 with a sieve (guest-images/demo/sieve.S, \(DemoGuest.code.count) bytes).")
        var failed = false
        for a in accels {
            let memory = try GuestMemory(size: DemoGuest.memoryBytes)
            memory.write(DemoGuest.code, at: DemoGuest.loadAddress)
            let engine = try Engine(memory: memory, accel: a, options: options)
            engine.cpu.pointee.rip = DemoGuest.loadAddress
            withUnsafeMutableBytes(of: &engine.cpu.pointee.gpr) { $0.storeBytes(of: DemoGuest.stackTop, toByteOffset: 8 * Int(MIMIC_RSP), as: UInt64.self) }
            let start = MonotonicClock.seconds()
            let stop = engine.run()
            let elapsed = MonotonicClock.seconds() - start
            let rax = engine.cpu.pointee.gpr.0
            let s = engine.statistics
            let verdict = stop == .halt && rax == DemoGuest.expectedRAX ? "correct" : "WRONG (\(stop))"
            if verdict != "correct" { failed = true }
            print("""
              \(a.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) rax = \(rax) (\(verdict)) in \(String(format: "%.3f", elapsed)) s: \
            \(s.blocksTranslated) blocks / \(s.instructionsTranslated) guest instructions translated in \
            \(String(format: "%.2f", Double(s.translationNanoseconds) / 1e6)) ms, \(s.entries) entries from the loop, \
            \(s.chainsPatched) chained jumps patched
            """)
        }
        if failed { throw ExitCode(1) }
    }
}
