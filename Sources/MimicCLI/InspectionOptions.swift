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

    /// Set for a program `mimic run` execs: its log goes after its parent's in the same file.
    @Flag(name: .customLong("log-append"), help: .hidden)
    var logAppend = false

    @Option(name: .customLong("dfilter", withSingleDash: true),
            help: "Restrict the per-block logs to blocks starting in these ranges: ADDR[+LEN],...")
    var logFilter: String?

    @Flag(name: .customLong("stats"), help: "Print statistics at exit (--stats=json: one JSON object per run).")
    var stats = false

    @Option(name: .customLong("stats-format"), help: .hidden)
    var statsFormat: StatsFormat?

    @Option(name: .customShort("g"), help: "Serve gdb on this TCP port of 127.0.0.1 (gdb: target remote :PORT). The guest runs at once; gdb may connect at any time and stops it where it is.")
    var gdbPort: UInt16?

    @Option(name: .customLong("explain-html"), help: ArgumentHelp("Write the explain page of this run to FILE (see mimic explain).", valueName: "FILE"))
    var explainPath: String?

    @Flag(name: .customShort("S"), help: "With -g, stop before the first instruction and wait for gdb.")
    var stopAtStart = false

    public init() {}

    /// The options a program that the guest execs runs with (`mimic run` starts it as a new
    /// `mimic run`): the same logs, into the same file (appended), and the same statistics.
    /// The gdb stub stays with the first program.
    public var forwardedToExec: [String] {
        var options: [String] = []
        if let log { options += ["-d", log] }
        if let logFile { options += ["-D", logFile, "--log-append"] }
        if let logFilter { options += ["-dfilter", logFilter] }
        if let format = statsFormat { options += ["--stats-format", format.rawValue] } else if stats { options.append("--stats") }
        return options
    }

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
            let sink = try logFile.map { path throws(LogError) in try LogSink(path: path, append: logAppend) } ?? .standardError
            Log.configure(items: items, sink: sink, filter: filter)
            return Inspection(log: items, sink: sink, filter: filter, stats: statsFormat ?? (stats ? .text : nil), gdbPort: gdbPort,
                              stopAtStart: stopAtStart, explainPath: explainPath, recorder: explainPath == nil ? nil : TranslationRecorder())
        } catch {
            var message = "mimic: \(error.description)\n"
            if log != nil, (try? log.map(LogItems.parse)) == nil { message += LogItems.helpText }
            FileHandle.standardError.write(Data(message.utf8))
            throw ExitCode(2)
        }
    }

    /// ArgumentParser has no option with an optional value: `--stats=json` (and `--stats=text`)
    /// become `--stats-format json` before parsing. The guest's own arguments stay as they are:
    /// everything after `--`, and under `run` everything from the program name on.
    public static func expandingStatsFormat(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var passthrough = false
        var inRun = false
        var valueNext = false
        for argument in arguments {
            if !passthrough {
                if argument == "--" {
                    passthrough = true
                } else if valueNext {
                    valueNext = false
                } else if optionsWithValues.contains(argument) {
                    valueNext = true
                } else if !argument.hasPrefix("-") {
                    // A positional argument: a command name, or under `run` the program.
                    if inRun { passthrough = true }
                    if argument == "run" { inRun = true }
                }
            }
            if !passthrough, argument.hasPrefix("--stats="), let format = StatsFormat(rawValue: String(argument.dropFirst(8))) {
                out += ["--stats-format", format.rawValue]
            } else {
                out.append(argument)
            }
        }
        return out
    }

    /// The options of mimic's commands whose value is the next argument (so the value is not
    /// taken for a command or program name).
    static let optionsWithValues: Set<String> = [
        "--accel", "-L", "-E", "-U", "--argv0", "-d", "-D", "-dfilter", "-g", "--explain-html", "--stats-format",
        "-m", "--memory", "--append", "--html", "--runs", "--out", "--only",
    ]
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
    /// `-S`: the guest waits for gdb before its first instruction.
    public var stopAtStart = false
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
        // Not FileHandle: its write traps when the guest has closed descriptor 2 (xz does
        // before exiting); then there is nowhere to print to.
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            bytes = bytes.dropFirst(written)
        }
    }
}

extension Inspection {
    /// With `-g`: the stub, listening now (a port in use is one line on stderr and status 2);
    /// nil without `-g`.
    public func debugServer() throws -> GDBServer? {
        guard let gdbPort else { return nil }
        do {
            return try GDBServer(port: gdbPort)
        } catch {
            FileHandle.standardError.write(Data("mimic: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Runs `target` to its end under `server` (see `DebuggedRun`): with `-S` the guest first
    /// waits for gdb, else it runs and gdb may connect at any time.
    public func runDebugged(_ target: DebugTarget, server: GDBServer) throws -> DebuggedRun.End {
        let how = stopAtStart ? "the guest waits for it" : "the guest runs; gdb may connect at any time"
        FileHandle.standardError.write(Data("mimic: gdb stub on 127.0.0.1:\(server.port) (\(how))\n".utf8))
        do {
            return try DebuggedRun.run(target, server: server, stopAtStart: stopAtStart)
        } catch {
            FileHandle.standardError.write(Data("mimic: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// With `-g`: runs `engine` (user-mode memory) under the stub until the guest ends or gdb
    /// kills it; nil without `-g`. `onStop` says what a stop of the guest means: the stop to
    /// report, or nil to go on. A guest that stops with a fault no gdb saw ends the same way
    /// as one gdb was told about: as the signal.
    public func serveDebugger(_ engine: Engine, onStop: @escaping (StopReason) -> DebugStop?) throws -> GDBServer.Ending? {
        guard let server = try debugServer() else { return nil }
        let target = EngineDebugTarget(engine: engine, onStop: onStop)
        switch try runDebugged(target, server: server) {
        case .exited(let status): return .exited(status)
        case .killed: return .killed
        case .signal(let signal): return .exited(128 + signal)
        }
    }
}
