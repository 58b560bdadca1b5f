import ArgumentParser
import Foundation

/// `mimic bench`: the compute workloads of guest-images/ natively, under `mimic run` (tcg,
/// interp), under qemu-x86_64, and as guest images under `mimic boot` (kvm, tcg, interp) and
/// qemu-system-x86_64 (kvm, tcg); then dynamically linked programs of the distribution (python3,
/// lua, sqlite3, xz) natively, under `mimic run` and qemu-x86_64. Prints a table, and writes
/// bench.csv, bench.svg and bench.md (the summary as a Markdown table) into --out, with the time
/// Mimic spent translating against each run's time. Cells that cannot run are skipped with the reason.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "bench",
        abstract: "Time the compute workloads natively, under Mimic (run, boot) and under QEMU; write a table, CSV and SVG chart.")

    @Flag(name: .long, help: "Six of the workloads, smaller, one run per cell (under a minute).")
    var quick = false

    @Option(name: .long, help: "Runs per cell; the cell shows their median and spread (default 3, or 1 with --quick).")
    var runs: Int?

    @Option(name: .long, help: "Only the workloads matching these comma-separated patterns (e.g. 'fib*,sieve').")
    var only: String?

    @Option(name: .long, help: "Directory for bench.csv, bench.svg and bench.md (created if missing).")
    var out: String = "."

    @Option(name: .long, help: "Size argument n for every selected workload, instead of the suite's.")
    var size: UInt64?

    @Option(name: .long, help: "Seconds a single run may take before it is stopped and its cell skipped.")
    var timeout: Double?

    @Option(name: .long, help: "The mimic executable to measure (default: this one).")
    var mimic: String?

    @Option(name: .long, help: "The guest-images directory (default: found from the current directory or the executable).")
    var images: String?

    public init() {}

    public func run() throws {
        let workloads = BenchSuite.select(only, quick: quick) + BenchSuite.selectPrograms(only, quick: quick)
        guard !workloads.isEmpty else {
            throw ValidationError("no workload matches '\(only ?? "")' (workloads: \((BenchSuite.workloads + BenchSuite.programs).map(\.name).joined(separator: ", ")))")
        }
        let runCount = runs ?? (quick ? 1 : 3)
        guard runCount >= 1 else { throw ValidationError("--runs must be at least 1") }
        // The installed programs need nothing built.
        let needsImages = workloads.contains { !$0.isProgram }
        guard let guestImages = images.map({ URL(fileURLWithPath: $0) }) ?? Self.findGuestImages()
                ?? (needsImages ? nil : URL(fileURLWithPath: "guest-images")) else {
            throw ValidationError("cannot find the guest-images directory; run from the source tree or pass --images DIR")
        }
        let outDirectory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outDirectory, withIntermediateDirectories: true)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mimic-bench-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let process = BenchProcess(scratch: scratch)
        let progress = Progress()
        progress.show("building the guest images and the Linux programs")
        let setup = Self.discover(guestImages: guestImages, mimic: mimic ?? Self.runningMimic(), process: process,
                                  build: needsImages)
        var runner = BenchRunner(setup: setup, runs: runCount, timeout: timeout ?? (quick ? 30 : 120), process: process)
        runner.setup.counting = Self.countingSubcommands(runner)

        let configurations = BenchConfiguration.allCases
        var cells: [BenchCell] = []
        let total = workloads.count * configurations.count
        for w in workloads {
            let n = size ?? w.size(quick: quick)
            var expected = w.checksums[n]
            for c in configurations {
                let (cell, checksum) = runner.measure(w, c, size: n, expected: expected) { run in
                    progress.show("[\(cells.count + 1)/\(total)] \(w.name) n=\(n): \(c.title)"
                                  + (runCount > 1 ? ", run \(run + 1)/\(runCount)" : ""))
                }
                // Native is the reference: without a known checksum, the others must print its.
                if c == .native, expected == nil { expected = checksum }
                cells.append(cell)
            }
        }
        progress.finish()

        let report = BenchReport(workloads: workloads, configurations: configurations, cells: cells, runs: runCount)
        print(BenchTable.render(report, net: !quick), terminator: "")
        var markdown = BenchTable.markdown(report)
        if !quick && workloads.contains(where: { $0.kind == .startup }) && workloads.count > 1 {
            markdown += "\nNet of startup:\n\n" + BenchTable.markdown(report, net: true)
        }
        let translation = BenchTable.translationMarkdown(report)
        if !translation.isEmpty { markdown += "\nTranslation time against the median run time:\n\n" + translation }
        let files: [(String, String)] = [("bench.csv", BenchCSV.render(report)), ("bench.svg", BenchChart.render(report)),
                                         ("bench.md", markdown)]
        for (name, text) in files {
            try text.write(to: outDirectory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        FileHandle.standardError.write(Data("mimic bench: wrote \(files.map { outDirectory.appendingPathComponent($0.0).path }.joined(separator: ", "))\n".utf8))
    }

    /// The running executable when it is mimic, else a mimic next to it (the test runner's case:
    /// .build/debug/ holds both).
    static func runningMimic() -> String? {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let url = URL(fileURLWithPath: exe)
        if url.lastPathComponent == "mimic" { return url.path }
        let sibling = url.deletingLastPathComponent().appendingPathComponent("mimic").path
        return access(sibling, X_OK) == 0 ? sibling : nil
    }

    /// The first guest-images/ with the Linux builds' Makefile, looking up from the current
    /// directory, then up from the executable.
    static func findGuestImages() -> URL? {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        for start in [URL(fileURLWithPath: FileManager.default.currentDirectoryPath), URL(fileURLWithPath: exe).deletingLastPathComponent()] {
            var dir = start.standardizedFileURL
            while true {
                let candidate = dir.appendingPathComponent("guest-images")
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("linux/Makefile").path) { return candidate }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    /// Builds what the suite runs and finds what this machine has.
    static func discover(guestImages: URL, mimic: String?, process: BenchProcess, build: Bool = true) -> BenchRunner.Setup {
        var setup = BenchRunner.Setup(guestImages: guestImages, mimic: mimic)
        if !build {
            setup.buildProblem = "not built: only installed programs were selected"
        } else if let make = BenchProcess.which("make") {
            for dir in [guestImages.path, guestImages.appendingPathComponent("linux").path] where setup.buildProblem == nil {
                do {
                    let result = try process.run([make, "-s", "-C", dir], timeout: 600)
                    if result.status != 0 {
                        setup.buildProblem = "make -C \(dir) failed" + (BenchRunner.message(result).map { ": " + $0 } ?? "")
                    }
                } catch {
                    setup.buildProblem = error.description
                }
            }
        } else {
            setup.buildProblem = "make is not installed: cannot build the workloads"
        }
        if let mimic {
            for subcommand in ["run", "boot"] where !has(mimic, subcommand, process) {
                setup.missing[subcommand] = "this mimic has no '\(subcommand)' command yet"
            }
        }
        setup.qemuUser = BenchProcess.which("qemu-x86_64")
        setup.qemuSystem = BenchProcess.which("qemu-system-x86_64")
        let fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)
        if fd >= 0 { close(fd) } else { setup.kvmProblem = "no usable /dev/kvm (\(String(cString: strerror(errno))))" }
        return setup
    }

    /// Whether mimic has the subcommand: `mimic help SUBCOMMAND` shows its usage (for an unknown
    /// one, mimic's own; `mimic run --help` would pass --help to the guest).
    static func has(_ mimic: String, _ subcommand: String, _ process: BenchProcess) -> Bool {
        guard let result = try? process.run([mimic, "help", subcommand], timeout: 30) else { return false }
        return result.status == 0 && (result.stdout + result.stderr).contains("USAGE: mimic \(subcommand)")
    }

    /// The subcommands whose `--stats=json` counts guest instructions executed, found by running
    /// the startup workload with it under tcg (for `run` without built workloads: /bin/true).
    static func countingSubcommands(_ runner: BenchRunner) -> Set<String> {
        guard let mimic = runner.setup.mimic, let startup = BenchSuite.workloads.first(where: { $0.kind == .startup }) else { return [] }
        var found: Set<String> = []
        for c in [BenchConfiguration.runTCG, .bootTCG] {
            var (arguments, problem) = runner.command(startup, c, size: startup.fullSize, counting: true)
            if problem != nil, c == .runTCG, runner.setup.buildProblem != nil, runner.setup.missing["run"] == nil {
                (arguments, problem) = ([mimic, "run", "--accel", "tcg", "--stats=json", "--", "/bin/true"], nil)
            }
            if problem == nil, runner.count(arguments) != nil, let subcommand = c.subcommand { found.insert(subcommand) }
        }
        return found
    }
}

/// The progress line on standard error: rewritten in place on a terminal, one line per step
/// otherwise (so a log shows where a run stopped).
final class Progress {
    private let terminal = isatty(2) != 0
    private var last = ""

    func show(_ text: String) {
        guard text != last else { return }
        last = text
        let line = terminal ? "\r\u{1B}[K" + text : text + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
