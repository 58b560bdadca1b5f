import Foundation

/// Measures the cells of the suite: builds each configuration's command line, runs it --runs
/// times as a child process, checks that every run passes (exit status and the checksum the real
/// CPU computes), and keeps the times. A configuration that cannot run here, or that fails, gives
/// a skipped cell with the reason.
struct BenchRunner {
    /// Where things are and what this machine has.
    struct Setup {
        var guestImages: URL
        /// Nil with the reason when the images or the Linux programs could not be built.
        var buildProblem: String?
        var mimic: String?
        /// The subcommands ("run", "boot") whose `--stats=json` reports guest instructions
        /// executed. Counting slows a run, so the timed runs go without it and one more run of the
        /// cell counts.
        var counting: Set<String> = []
        /// Subcommands this mimic does not have ("run", "boot"), with the reason.
        var missing: [String: String] = [:]
        var qemuUser: String?
        var qemuSystem: String?
        /// Nil when /dev/kvm can be opened for reading and writing, else why not.
        var kvmProblem: String?

        func program(_ w: BenchWorkload) -> String {
            guestImages.appendingPathComponent("build/linux/" + w.program).path
        }

        func image(_ w: BenchWorkload) -> String {
            guestImages.appendingPathComponent("build/" + w.image + ".elf").path
        }
    }

    var setup: Setup
    var runs: Int
    var timeout: Double
    var process: BenchProcess

    /// The command line of a cell (with `--stats=json` when `counting`, for Mimic's), or the
    /// reason it cannot run on this machine.
    func command(_ w: BenchWorkload, _ c: BenchConfiguration, size: UInt64,
                 counting: Bool = false) -> (arguments: [String], problem: String?) {
        let mimic = setup.mimic ?? "mimic"
        if case .program(let p) = w.kind { return command(p, w, c, size: size, counting: counting) }
        let program = setup.program(w), image = setup.image(w)
        let arguments: [String]
        var problem = setup.buildProblem
        switch c {
        case .native:
            arguments = [program, String(size)]
        case .runTCG, .runInterp:
            arguments = [mimic, "run", "--accel", c == .runTCG ? "tcg" : "interp"]
                + (counting ? ["--stats=json"] : []) + ["--", program, String(size)]
            problem = problem ?? setup.missing["run"]
        case .qemuUser:
            arguments = [setup.qemuUser ?? "qemu-x86_64", program, String(size)]
            if setup.qemuUser == nil { problem = "qemu-x86_64 is not installed (Debian package qemu-user)" }
        case .bootKVM, .bootTCG, .bootInterp:
            let accel = c == .bootKVM ? "kvm" : c == .bootTCG ? "tcg" : "interp"
            arguments = [mimic, "boot", "--accel", accel] + (counting ? ["--stats=json"] : [])
                + ["--append", "n=\(size)", image]
            problem = problem ?? setup.missing["boot"]
        case .qemuSystemKVM, .qemuSystemTCG:
            arguments = [setup.qemuSystem ?? "qemu-system-x86_64", "-accel", c == .qemuSystemKVM ? "kvm" : "tcg",
                         "-kernel", image, "-append", "n=\(size)",
                         "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                         "-serial", "stdio", "-display", "none", "-no-reboot"]
            if setup.qemuSystem == nil {
                problem = "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
            } else if c == .qemuSystemKVM, let kvm = setup.kvmProblem {
                problem = kvm
            }
        }
        if c.subcommand != nil, setup.mimic == nil { problem = "the mimic executable was not found (use --mimic PATH)" }
        return (arguments, problem)
    }

    /// The command line of a dynamically linked program's cell: user mode only, with the
    /// program's own arguments; nothing to build, but the program must be installed.
    private func command(_ p: BenchProgram, _ w: BenchWorkload, _ c: BenchConfiguration, size: UInt64,
                         counting: Bool) -> (arguments: [String], problem: String?) {
        let path = p.path ?? "/usr/bin/" + p.executable
        let program = [path] + p.arguments(size: size, input: inputPath(w, size: size))
        var problem = p.path == nil ? "\(p.executable) is not installed (Debian package \(p.package))" : nil
        let arguments: [String]
        switch c {
        case .native:
            arguments = program
        case .runTCG, .runInterp:
            arguments = [setup.mimic ?? "mimic", "run", "--accel", c == .runTCG ? "tcg" : "interp"]
                + (counting ? ["--stats=json"] : []) + ["--"] + program
            problem = problem ?? setup.missing["run"]
            if setup.mimic == nil { problem = "the mimic executable was not found (use --mimic PATH)" }
            if c == .runInterp, !p.underInterp { problem = problem ?? "not measured under interp: a run takes minutes" }
        case .qemuUser:
            arguments = [setup.qemuUser ?? "qemu-x86_64"] + program
            if setup.qemuUser == nil { problem = "qemu-x86_64 is not installed (Debian package qemu-user)" }
        case .bootKVM, .bootTCG, .bootInterp, .qemuSystemKVM, .qemuSystemTCG:
            arguments = []
            problem = "a dynamically linked Linux program: user mode only, no guest image"
        }
        return (arguments, problem)
    }

    /// Where a program's generated input of `size` bytes lives (made by `measure` when missing).
    func inputPath(_ w: BenchWorkload, size: UInt64) -> String {
        process.scratch.appendingPathComponent("\(w.name)-\(size).input").path
    }

    /// Runs one cell. `expected` is the checksum every run must print (nil: any checksum line);
    /// `progress` is told before each run.
    func measure(_ w: BenchWorkload, _ c: BenchConfiguration, size: UInt64, expected: UInt64?,
                 progress: (Int) -> Void) -> (cell: BenchCell, checksum: UInt64?) {
        let (arguments, problem) = command(w, c, size: size)
        var cell = BenchCell(workload: w.name, size: size, configuration: c, command: arguments, outcome: .skipped(""))
        if let problem {
            cell.outcome = .skipped(problem)
            return (cell, nil)
        }
        if case .program(let p) = w.kind, p.readsInput, access(inputPath(w, size: size), R_OK) != 0 {
            do {
                try BenchProgram.input(bytes: size).write(to: URL(fileURLWithPath: inputPath(w, size: size)))
            } catch {
                cell.outcome = .skipped("cannot write the input file: \(error)")
                return (cell, nil)
            }
        }
        var times: [Double] = []
        var checksum: UInt64?
        for run in 0..<runs {
            progress(run)
            let result: BenchProcess.Result
            do {
                result = try process.run(arguments, timeout: timeout)
            } catch {
                cell.outcome = .skipped(error.description)
                return (cell, nil)
            }
            if let failure = Self.failure(of: result, configuration: c, workload: w, expected: expected) {
                cell.outcome = .skipped(failure)
                return (cell, nil)
            }
            times.append(result.seconds)
            checksum = Self.checksum(in: result.stdout, workload: w)
        }
        cell.outcome = .measured(times)
        if let subcommand = c.subcommand, setup.counting.contains(subcommand) {
            let statistics = self.statistics(command(w, c, size: size, counting: true).arguments)
            cell.guestInstructions = statistics.instructions
            cell.translationSeconds = statistics.translationSeconds
        }
        return (cell, checksum)
    }

    /// Guest instructions executed by a run with `--stats=json`, when it passes and says.
    func count(_ arguments: [String]) -> UInt64? {
        statistics(arguments).instructions
    }

    /// Guest instructions executed and seconds spent translating, from one run with
    /// `--stats=json`, when it passes and says.
    func statistics(_ arguments: [String]) -> (instructions: UInt64?, translationSeconds: Double?) {
        guard let result = try? process.run(arguments, timeout: timeout), !result.timedOut else { return (nil, nil) }
        let output = result.stderr + "\n" + result.stdout
        return (BenchGuestCount.parse(output), BenchGuestCount.translationSeconds(output))
    }

    /// Why a run does not count as a pass, or nil when it does.
    static func failure(of result: BenchProcess.Result, configuration c: BenchConfiguration, workload w: BenchWorkload,
                        expected: UInt64?) -> String? {
        if result.timedOut { return String(format: "timed out after %.0f s", result.seconds) }
        guard result.status == c.passStatus else {
            return "exit status \(result.status) (a pass is \(c.passStatus))" + (message(result).map { ": " + $0 } ?? "")
        }
        if case .program = w.kind {
            let found = BenchProgram.outputHash(result.stdout)
            if let expected, found != expected {
                return "output differs from the native run's (" + w.checksumLine(found) + ")"
                    + (message(result).map { ": " + $0 } ?? "")
            }
            return nil
        }
        guard let found = checksum(in: result.stdout, workload: w) else {
            return "no checksum line in the output" + (message(result).map { ": " + $0 } ?? "")
        }
        if let expected, found != expected {
            return "wrong result: " + w.checksumLine(found) + ", the real CPU gives " + String(format: "0x%016llx", expected)
        }
        return nil
    }

    /// The checksum the workload printed ("NAME: checksum 0x..."), or nil.
    static func checksum(in output: String, workload w: BenchWorkload) -> UInt64? {
        if case .program = w.kind { return BenchProgram.outputHash(output) }
        let prefix = w.program + ": checksum 0x"
        for line in output.split(separator: "\n") where line.hasPrefix(prefix) {
            return UInt64(line.dropFirst(prefix.count).prefix(16), radix: 16)
        }
        return nil
    }

    /// The line that best says what went wrong: the first line of standard error that is not a
    /// warning, else the last line of standard output; at most 160 characters.
    static func message(_ result: BenchProcess.Result) -> String? {
        let errors = result.stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let line = errors.first { !$0.isEmpty && !$0.contains("warning:") }
            ?? result.stdout.split(separator: "\n").last.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let line, !line.isEmpty else { return nil }
        return line.count > 160 ? String(line.prefix(157)) + "..." : line
    }
}
