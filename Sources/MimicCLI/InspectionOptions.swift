import ArgumentParser
import Foundation
import GDBStub
import Introspection
import TCG

/// The options every command that runs a guest shares: logs (`-d`, `-D`, `-dfilter`),
/// statistics (`--stats[=json]`) and the gdb stub (`-g`, `-S`). Embed with `@OptionGroup`,
/// then call `resolve()` at the start of `run()`.
public struct InspectionOptions: ParsableArguments {
    @Option(name: .customShort("d"), help: "Log items, comma-separated (-d help lists them).")
    var log: String?

    @Option(name: .customShort("D"), help: "Write the log to this file instead of standard error.")
    var logFile: String?

    @Option(name: .customLong("dfilter", withSingleDash: true),
            help: "Restrict the per-block logs to blocks starting in these ranges: ADDR[+LEN],...")
    var logFilter: String?

    @Flag(name: .customLong("stats"), help: "Print statistics at exit (--stats=json: one JSON object per run).")
    var stats = false

    @Option(name: .customLong("stats-format"), help: .hidden)
    var statsFormat: StatsFormat?

    @Option(name: .customShort("g"), help: "Serve gdb on this TCP port of 127.0.0.1 (gdb: target remote :PORT); the guest waits for it.")
    var gdbPort: UInt16?

    @Option(name: .customLong("explain-html"), help: ArgumentHelp("Write the explain page of this run to FILE (see mimic explain).", valueName: "FILE"))
    var explainPath: String?

    @Flag(name: .customShort("S"), help: "With -g, stop before the first instruction (what -g always does here; accepted as in QEMU).")
    var stopAtStart = false

    public init() {}

    public enum StatsFormat: String, ExpressibleByArgument, Sendable {
        case text, json
    }

    /// The options in effect, with the process-wide log configured. `-d help` prints the items
    /// and exits 0; a bad item, filter or log file prints the valid forms and exits 2.
    public func resolve() throws -> Inspection {
        if stopAtStart, gdbPort == nil {
            FileHandle.standardError.write(Data("mimic: -S needs -g PORT\n".utf8))
            throw ExitCode(2)
        }
        if log == "help" {
            print(LogItems.helpText, terminator: "")
            throw ExitCode.success
        }
        do {
            let items = try log.map(LogItems.parse) ?? []
            let filter = try logFilter.map(AddressFilter.parse) ?? .everything
            let sink = try logFile.map { path throws(LogError) in try LogSink(path: path) } ?? .standardError
            Log.configure(items: items, sink: sink, filter: filter)
            return Inspection(log: items, sink: sink, filter: filter, stats: statsFormat ?? (stats ? .text : nil), gdbPort: gdbPort,
                              explainPath: explainPath, recorder: explainPath == nil ? nil : TranslationRecorder())
        } catch {
            var message = "mimic: \(error.description)\n"
            if log != nil, (try? log.map(LogItems.parse)) == nil { message += LogItems.helpText }
            FileHandle.standardError.write(Data(message.utf8))
            throw ExitCode(2)
        }
    }

    /// ArgumentParser has no option with an optional value: `--stats=json` (and `--stats=text`)
    /// become `--stats-format json` before parsing. Arguments after `--` are the guest's.
    public static func expandingStatsFormat(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var passthrough = false
        for argument in arguments {
            if argument == "--" { passthrough = true }
            if !passthrough, argument.hasPrefix("--stats="), let format = StatsFormat(rawValue: String(argument.dropFirst(8))) {
                out += ["--stats-format", format.rawValue]
            } else {
                out.append(argument)
            }
        }
        return out
    }
}

/// Resolved `InspectionOptions`.
public struct Inspection {
    public var log: LogItems
    public var sink: LogSink
    public var filter: AddressFilter
    /// nil without `--stats`.
    public var stats: InspectionOptions.StatsFormat?
    /// `-g PORT`.
    public var gdbPort: UInt16?
    /// `--explain-html FILE`, and the recorder that keeps the translations for it.
    public var explainPath: String?
    public var recorder: TranslationRecorder?

    /// Sets the engine's logs, filter and (with `--stats`) execution counting.
    public func apply(to options: inout EngineOptions) {
        options.log = log
        options.logSink = sink
        options.logFilter = filter
        options.countExecutions = stats != nil || recorder != nil
        options.recorder = recorder
    }

    /// Whether `atExit` has something to do.
    public var wantsExitReport: Bool { stats != nil || explainPath != nil }

    /// At the guest's exit: prints `--stats` and writes the explain page, for the engines that ran.
    public func atExit(_ engines: [Engine]) {
        printStatistics(engines.map(\.statisticsReport))
        if let explainPath, let recorder {
            do {
                try ExplainPage(recorder: recorder, engines: engines).html.write(toFile: explainPath, atomically: true, encoding: .utf8)
                FileHandle.standardError.write(Data("mimic: wrote \(explainPath)\n".utf8))
            } catch {
                FileHandle.standardError.write(Data("mimic: cannot write \(explainPath): \(error.localizedDescription)\n".utf8))
            }
        }
    }

    /// Prints `reports` on standard error in the chosen format (nothing without `--stats`).
    public func printStatistics(_ reports: [StatsReport]) {
        guard let stats else { return }
        let text = reports.map { stats == .json ? $0.json : $0.text }.joined()
        fflush(stdout)
        FileHandle.standardError.write(Data(text.utf8))
    }
}

extension Inspection {
    /// With `-g`: listens, waits for gdb and lets it drive `engine`, stopped before its first
    /// instruction, until gdb detaches, kills the guest or the guest ends; nil without `-g`.
    /// After a detach or a lost connection the debugger is gone and the caller runs on.
    /// `onStop` says what a stop of the guest means: the stop to report, or nil to go on.
    public func serveDebugger(_ engine: Engine, onStop: @escaping (StopReason) -> DebugStop?) throws -> GDBServer.Ending? {
        guard let gdbPort else { return nil }
        let server: GDBServer
        do {
            server = try GDBServer(port: gdbPort)
            FileHandle.standardError.write(Data("mimic: waiting for gdb on 127.0.0.1:\(server.port)\n".utf8))
            try server.waitForDebugger()
        } catch {
            FileHandle.standardError.write(Data("mimic: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        engine.attachDebugger()
        let ending = server.serve(EngineDebugTarget(engine: engine, onStop: onStop))
        engine.detachDebugger()
        return ending
    }
}
