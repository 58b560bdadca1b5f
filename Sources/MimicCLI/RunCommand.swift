import ArgumentParser
import Foundation
import GDBStub
import Introspection
import LinuxUser
import TCG

/// `mimic run`: runs an x86-64 Linux program as `qemu-x86_64` does. Exits with the program's
/// status, or dies of the signal that killed it. A program that cannot be started is one line
/// on stderr and status 2 (127 when it does not exist).
public struct RunCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "run",
        abstract: "Run an x86-64 Linux program (static or static-PIE ELF).",
        usage: "mimic run [--accel tcg|interp] [-L SYSROOT] [-E VAR=VALUE]... [-U VAR]... [--] PROGRAM [ARGS...]")

    @Option(name: .long, help: "Backend: tcg (the JIT) or interp.")
    var accel: String = "tcg"

    @Option(name: .customShort("L"), help: "Look up absolute guest paths (the dynamic loader, libraries) in this directory first.")
    var sysroot: String?

    @Option(name: .customShort("E"), help: "Set VAR=VALUE in the program's environment (the host's, by default).")
    var set: [String] = []

    @Option(name: .customShort("U"), help: "Remove VAR from the program's environment.")
    var unset: [String] = []

    @Option(name: .long, help: .hidden)
    var argv0: String?

    @OptionGroup
    var inspection: InspectionOptions

    @Argument(parsing: .captureForPassthrough, help: "The program and its arguments.")
    var command: [String] = []

    public init() {}

    public func run() throws {
        let inspected = try inspection.resolve()
        var command = self.command
        if command.first == "--" { command.removeFirst() }
        guard let program = command.first else { fail("run: missing PROGRAM") }
        guard let backend = Accel(rawValue: accel) else { fail("unknown accelerator '\(accel)' (expected tcg or interp)") }
        if let sysroot {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: sysroot, isDirectory: &isDirectory), isDirectory.boolValue else {
                fail("-L \(sysroot): not a directory")
            }
        }
        var options = RunOptions()
        options.accel = backend
        inspected.apply(to: &options.engine)
        options.sysroot = sysroot
        options.forwardedOptions = ["--accel", accel] + (sysroot.map { ["-L", $0] } ?? []) + inspection.forwardedToExec

        let process: LinuxProcess
        do {
            process = try LinuxProcess(program: program, arguments: [argv0 ?? program] + command.dropFirst(),
                                       environment: environment(), options: options)
        } catch {
            fail(error.message, status: error.status)
        }
        let server = try inspected.debugServer()
        // The process ends with _exit: the -D file's buffered lines are written here.
        // --stats counts every thread's engine, the exited threads' too.
        let pid = getpid()
        process.beforeExit = { [unowned process] status in
            inspected.printStatistics([process.statisticsReport])
            Log.sink.flush()
            // gdb debugs this process, not a child it forked (which has the connection too).
            if getpid() == pid { server?.reportExit(status) }
        }
        if let server {
            // -g: gdb sees every guest thread (ProcessDebugTarget). The stub answers on a host
            // thread of its own, with every signal blocked so the host's go to the guest threads;
            // the main guest thread runs here. A guest that exits or dies of a signal ends
            // Mimic there (gdb is told of an exit, or sees the connection close).
            let target = ProcessDebugTarget(mainThread: process)
            let stub = Thread {
                var all = sigset_t()
                sigfillset(&all)
                pthread_sigmask(SIG_BLOCK, &all, nil)
                let end: DebuggedRun.End
                do {
                    end = try inspected.runDebugged(target, server: server)
                } catch {
                    Foundation.exit(2)
                }
                switch end {
                case .exited(let status): Foundation.exit(status)
                case .killed:
                    FileHandle.standardError.write(Data("mimic: killed by gdb\n".utf8))
                    Foundation.exit(137)
                case .signal(let signal): Foundation.exit(128 + signal)
                }
            }
            stub.stackSize = 8 << 20
            stub.start()
            process.run(by: target)
        }
        process.run()
    }

    /// The host's environment, in its order, with -E applied and -U removed (as qemu-user).
    func environment() -> [String] {
        var entries: [String] = []
        var p = environ
        while let entry = p.pointee {
            entries.append(String(cString: entry))
            p += 1
        }
        for assignment in set {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                fail("-E \(assignment): expected VAR=VALUE")
            }
            let name = assignment[..<equals] + "="
            if let i = entries.firstIndex(where: { $0.hasPrefix(name) }) {
                entries[i] = assignment
            } else {
                entries.append(assignment)
            }
        }
        for name in unset {
            entries.removeAll { $0.hasPrefix(name + "=") }
        }
        return entries
    }

    private func fail(_ message: String, status: Int32 = 2) -> Never {
        FileHandle.standardError.write(Data(("mimic: " + message + "\n").utf8))
        Foundation.exit(status)
    }
}
