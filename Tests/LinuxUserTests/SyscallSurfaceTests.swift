import Foundation
import XCTest

/// The system calls real programs use beyond files and processes, one C program per area
/// (Programs/sock_unix.c, sock_inet.c, events.c, signalfd.c, procself.c, filecopy.c,
/// sigmask_wait.c, prctl.c, sysv_ipc.c, procstat.c), built by gcc dynamically linked (the
/// host's glibc, no vDSO under Mimic) and static, each run natively and under `mimic run` and
/// compared byte for byte; and how `mimic run` starts dynamic programs: the interpreter run
/// directly, a sysroot, and the ways loading fails.
final class SyscallSurfaceTests: XCTestCase {
    override class func tearDown() {
        try? FileManager.default.removeItem(at: CorpusFiles.root)
        super.tearDown()
    }

    func testProgramsAreDeterministicNatively() throws {
        for program in SurfaceCheck.programs {
            for linkage in SurfaceCheck.Linkage.allCases {
                let binary = try SurfaceCheck.build(program, linkage)
                let invocation = SurfaceCheck.invocation()
                let first = try CorpusProcess.run(binary, invocation)
                let second = try CorpusProcess.run(binary, invocation)
                XCTAssertEqual(first.termination, .exited(0), "\(program) [\(linkage)] natively:\n\(first.stdoutText)")
                if let differences = CorpusComparison.differences(native: first, mimic: second) {
                    XCTFail("\(program) [\(linkage)] is not deterministic natively:\n\(differences)")
                }
            }
        }
    }

    func testUnixSocketsWithRightsAndCredentials() throws { try SurfaceCheck.compare("sock_unix") }
    func testLoopbackTCPAndUDP() throws { try SurfaceCheck.compare("sock_inet") }
    func testEpollEventfdTimerfdInotify() throws { try SurfaceCheck.compare("events") }
    func testSignalfdAndSigtimedwait() throws { try SurfaceCheck.compare("signalfd") }
    func testProcSelfMapsAuxvExe() throws { try SurfaceCheck.compare("procself", arguments: ["one", "two words", ""]) }
    func testCopiesMemfdLocksClocks() throws { try SurfaceCheck.compare("filecopy") }
    func testWaitsWithTemporarySignalMasks() throws { try SurfaceCheck.compare("sigmask_wait") }
    func testPrctlAndMembarrier() throws { try SurfaceCheck.compare("prctl") }
    func testSysVSharedMemorySemaphoresQueues() throws { try SurfaceCheck.compare("sysv_ipc") }
    func testProcSelfStatStatusSmaps() throws { try SurfaceCheck.compare("procstat", arguments: ["one", "two words", ""]) }
    func testProcCPUInfoIsTheGuestCPUIDs() throws { try SurfaceCheck.compare("cpuinfo") }

    /// The flags the guest reads are not the host's: a feature the host's CPU has and Mimic's
    /// CPUID does not report (AVX: Mimic does not translate VEX code) is absent under Mimic.
    func testProcCPUInfoLacksHostOnlyFeatures() throws {
        guard let cat = CorpusFiles.tool("cat") else { throw XCTSkip("cat missing") }
        let hostFlags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("flags") }.map { $0.split(separator: " ").map(String.init) } ?? []
        guard hostFlags.contains("avx") else { throw XCTSkip("the host CPU has no AVX") }
        var invocation = SurfaceCheck.invocation()
        invocation.arguments = ["/proc/cpuinfo"]
        for accel in SurfaceCheck.accels {
            let outcome = try CorpusMimic.run(cat, accel: accel, invocation)
            let guestFlags = outcome.stdoutText.split(separator: "\n").first { $0.hasPrefix("flags") }.map { $0.split(separator: " ").map(String.init) } ?? []
            XCTAssertTrue(guestFlags.contains("sse2") && guestFlags.contains("cx16") && guestFlags.contains("lm"), "\(accel): \(guestFlags)")
            XCTAssertFalse(guestFlags.contains("avx") || guestFlags.contains("avx2") || guestFlags.contains("vmx"), "\(accel): \(guestFlags)")
            XCTAssertFalse(outcome.stdoutText.contains("vmx flags"), accel)
            XCTAssertTrue(outcome.stdoutText.contains("model name\t: Mimic"), "\(accel): \(outcome.stdoutText.prefix(400))")
        }
    }

    /// A script runs through its #! interpreter (with its one optional argument) named after
    /// the script, as execve names it: /proc/self/comm, PR_GET_NAME and status's Name show the
    /// script's name (its first 15 bytes), /proc/self/exe the interpreter, AT_EXECFN the
    /// script. Run by `mimic run` itself, by a guest's execve, and as a script whose
    /// interpreter is a script.
    func testScriptIsNamedAfterItself() throws {
        for linkage in SurfaceCheck.Linkage.allCases {
            let interpreter = try SurfaceCheck.build("script_comm", linkage)
            let directory = try CorpusFiles.makeDirectory("scripts")
            let script = directory.appendingPathComponent("my-long-script-name.sh").path
            let outer = directory.appendingPathComponent("outer-script").path
            try Data("#!\(interpreter)  one arg  \nignored\n".utf8).write(to: URL(fileURLWithPath: script))
            try Data("#!\(script)\n".utf8).write(to: URL(fileURLWithPath: outer))
            for file in [script, outer] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file) }
            for (program, arguments) in [(script, ["x", "two words"]), (interpreter, ["exec", script, "z"]), (outer, ["y"])] {
                try SurfaceCheck.compareCommand(program, arguments: arguments)
            }
            let outcome = try CorpusMimic.run(script, accel: "tcg", SurfaceCheck.invocation())
            XCTAssertTrue(outcome.stdoutText.hasPrefix("comm my-long-script-\nPR_GET_NAME my-long-script-\n"), "\(linkage): \(outcome.stdoutText)")
        }
    }

    /// What Linux allows and Mimic refuses, as a kernel built without the feature would:
    /// seccomp (no filter can be put on the guest's calls), PR_SET_MM and PR_SET_VMA (the
    /// memory map is Mimic's), a faulting RDTSC and syscall user dispatch (Mimic executes the
    /// guest's instructions and makes its own calls), /proc/self/mem and pagemap (the host's
    /// would read Mimic's memory at the guest's addresses), io_uring (its submissions would
    /// bypass Mimic), membarrier's rseq commands (no rseq).
    func testRefusedSeccompMemoryMapAndRings() throws {
        let expected = """
            PR_SET_NO_NEW_PRIVS: 0
            PR_SET_SECCOMP filter: -1 EINVAL
            PR_SET_SECCOMP strict: -1 EINVAL
            seccomp(SET_MODE_FILTER): -1 ENOSYS
            seccomp(GET_ACTION_AVAIL): -1 ENOSYS
            PR_SET_MM start_brk: -1 EPERM
            PR_SET_VMA anon name: -1 EINVAL
            PR_SET_TSC SIGSEGV: -1 EINVAL
            PR_SET_SYSCALL_USER_DISPATCH: -1 EINVAL
            open /proc/self/mem: -1 EACCES
            open /proc/self/pagemap: -1 EACCES
            io_uring_setup: -1 ENOSYS
            membarrier query: rseq commands absent
            membarrier register rseq: -1 EINVAL

            """
        for linkage in SurfaceCheck.Linkage.allCases {
            let binary = try SurfaceCheck.build("prctl", linkage)
            var invocation = SurfaceCheck.invocation()
            invocation.arguments = ["refusals"]
            for accel in SurfaceCheck.accels {
                let outcome = try CorpusMimic.run(binary, accel: accel, invocation)
                XCTAssertEqual(outcome.stdoutText, expected, "\(linkage), \(accel)")
                XCTAssertEqual(outcome.termination, .exited(0), "\(linkage), \(accel)")
            }
        }
    }

    /// No vDSO under Mimic (its code would be the host kernel's): AT_SYSINFO_EHDR is absent,
    /// and glibc's clock functions fall back to the system calls, which work.
    func testNoVDSOAndClocksBySystemCall() throws {
        for linkage in SurfaceCheck.Linkage.allCases {
            let binary = try SurfaceCheck.build("vdso", linkage)
            for accel in SurfaceCheck.accels {
                let outcome = try CorpusMimic.run(binary, accel: accel, SurfaceCheck.invocation())
                XCTAssertEqual(outcome.stdoutText, "AT_SYSINFO_EHDR: absent\nclocks work: 1, agree: 1\ngetcpu works: 1\n", "\(linkage), \(accel)")
                XCTAssertEqual(outcome.termination, .exited(0))
            }
        }
    }

    // MARK: Starting dynamic programs

    /// `mimic run /lib64/ld-linux-x86-64.so.2 PROGRAM`: the loader run as the program loads
    /// the real one, as it does natively; without a program it says so as natively.
    func testInterpreterRunDirectly() throws {
        let loader = try SurfaceCheck.hostLoader()
        for arguments in [["/bin/true"], ["/bin/echo", "through", "the loader"], [], ["/nonexistent/program"]] {
            try SurfaceCheck.compareCommand(loader, arguments: arguments)
        }
    }

    /// `-L DIR`: the interpreter a program names is looked up under the sysroot first. The
    /// program's PT_INTERP names a loader that exists only there, as an absolute link (as in a
    /// Debian sysroot) to the copy of the host's loader, also only there.
    func testInterpreterFoundUnderSysroot() throws {
        let loader = try SurfaceCheck.hostLoader()
        let sysroot = try CorpusFiles.makeDirectory("sysroot")
        try FileManager.default.createDirectory(at: sysroot.appendingPathComponent("opt/mimic/real"), withIntermediateDirectories: true)
        // The file itself: the host's path is a link whose absolute target the sysroot lacks.
        let loaderFile = URL(fileURLWithPath: loader).resolvingSymlinksInPath().path
        try FileManager.default.copyItem(atPath: loaderFile, toPath: sysroot.appendingPathComponent("opt/mimic/real/ld.so").path)
        try FileManager.default.createSymbolicLink(atPath: sysroot.appendingPathComponent("opt/mimic/ld-test.so").path,
                                                   withDestinationPath: "/opt/mimic/real/ld.so")
        let binary = try SurfaceCheck.build("filecopy", .dynamic, variant: "sysroot-interp",
                                            extraFlags: ["-Wl,--dynamic-linker=/opt/mimic/ld-test.so"])
        let plain = try SurfaceCheck.build("filecopy", .dynamic)
        let native = try CorpusProcess.run(plain, SurfaceCheck.invocation())
        for accel in SurfaceCheck.accels {
            var invocation = SurfaceCheck.invocation()
            invocation.arguments = ["run", "--accel", accel, "-L", sysroot.path, "--", binary]
            let outcome = try CorpusProcess.run(try CorpusMimic.located(), invocation)
            if let differences = CorpusComparison.differences(native: native, mimic: outcome) {
                XCTFail("filecopy with its loader under -L [\(accel)]:\n\(differences)")
            }
            // Without the sysroot that loader does not exist.
            invocation.arguments = ["run", "--accel", accel, "--", binary]
            let missing = try CorpusProcess.run(try CorpusMimic.located(), invocation)
            XCTAssertEqual(missing.termination, .exited(127))
            SurfaceCheck.assertOneLine(missing, mentioning: "/opt/mimic/ld-test.so")
        }
    }

    /// Under `-L DIR` a link in the sysroot to an absolute path points into the sysroot (as
    /// the links of a Debian sysroot must), links along the way too; lstat and readlink still
    /// see the link itself; a path the sysroot lacks is the host's.
    func testSysrootLinksResolveInsideIt() throws {
        guard let cat = CorpusFiles.tool("cat"), let readlink = CorpusFiles.tool("readlink"), let stat = CorpusFiles.tool("stat") else {
            throw XCTSkip("cat, readlink or stat missing")
        }
        let root = try CorpusFiles.makeDirectory("linkroot")
        let files = FileManager.default
        for directory in ["etc", "inside", "deep/dir"] {
            try files.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        try Data("inside the sysroot\n".utf8).write(to: root.appendingPathComponent("inside/file"))
        try files.createSymbolicLink(atPath: root.appendingPathComponent("etc/linked").path, withDestinationPath: "/inside/file")
        try files.createSymbolicLink(atPath: root.appendingPathComponent("deep/dir/up").path, withDestinationPath: "../../inside")
        try files.createSymbolicLink(atPath: root.appendingPathComponent("dirlink").path, withDestinationPath: "/deep/dir")
        func run(_ program: String, _ arguments: [String]) throws -> CorpusOutcome {
            var invocation = SurfaceCheck.invocation()
            invocation.arguments = ["run", "-L", root.path, "--", program] + arguments
            return try CorpusProcess.run(try CorpusMimic.located(), invocation)
        }
        XCTAssertEqual(try run(cat, ["/etc/linked", "/dirlink/up/file"]).stdoutText, "inside the sysroot\ninside the sysroot\n")
        XCTAssertEqual(try run(readlink, ["/etc/linked"]).stdoutText, "/inside/file\n")
        XCTAssertEqual(try run(stat, ["-c", "%F", "/etc/linked", "/dirlink/up/file"]).stdoutText, "symbolic link\nregular file\n")
        let host = try run(cat, ["/proc/self/cmdline"])
        XCTAssertEqual(host.stdoutText, "\(cat)\0/proc/self/cmdline\0")
    }

    /// A program whose interpreter does not exist: status 127 (as the shell reports the
    /// kernel's ENOENT), one line naming the interpreter.
    func testMissingInterpreter() throws {
        let binary = try SurfaceCheck.build("filecopy", .dynamic, variant: "missing-interp",
                                            extraFlags: ["-Wl,--dynamic-linker=/nonexistent/ld-linux.so"])
        let outcome = try CorpusMimic.run(binary, accel: "tcg", SurfaceCheck.invocation())
        XCTAssertEqual(outcome.termination, .exited(127))
        SurfaceCheck.assertOneLine(outcome, mentioning: "/nonexistent/ld-linux.so")
    }

    /// An interpreter that is not a loadable ELF (a text file, a directory): one line, status 2.
    func testInterpreterThatIsNotAProgram() throws {
        let scratch = try CorpusFiles.makeDirectory("badinterp")
        let text = scratch.appendingPathComponent("ld-text.so").path
        try Data("not an ELF file\n".utf8).write(to: URL(fileURLWithPath: text))
        for (variant, interpreter) in [("text-interp", text), ("dir-interp", scratch.path)] {
            let binary = try SurfaceCheck.build("filecopy", .dynamic, variant: variant, extraFlags: ["-Wl,--dynamic-linker=\(interpreter)"])
            let outcome = try CorpusMimic.run(binary, accel: "tcg", SurfaceCheck.invocation())
            XCTAssertEqual(outcome.termination, .exited(2), "\(variant): \(outcome.stderrText)")
            SurfaceCheck.assertOneLine(outcome, mentioning: interpreter)
        }
    }

    /// A sysroot that is not a directory: one line, status 2, before anything runs.
    func testSysrootThatIsNotADirectory() throws {
        for sysroot in ["/etc/hostname", "/nonexistent/sysroot"] {
            var invocation = SurfaceCheck.invocation()
            invocation.arguments = ["run", "-L", sysroot, "--", "/bin/true"]
            let outcome = try CorpusProcess.run(try CorpusMimic.located(), invocation)
            XCTAssertEqual(outcome.termination, .exited(2))
            SurfaceCheck.assertOneLine(outcome, mentioning: sysroot)
        }
    }

    /// A library that does not exist: the loader's own message and status, as natively.
    func testLibraryNotFound() throws {
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc not found: the test programs cannot be built") }
        let scratch = try CorpusFiles.makeDirectory("nolib")
        let library = scratch.appendingPathComponent("libmimicgone.so").path
        let source = scratch.appendingPathComponent("gone.c").path
        let main = scratch.appendingPathComponent("main.c").path
        try Data("int gone(void) { return 3; }\n".utf8).write(to: URL(fileURLWithPath: source))
        try Data("int gone(void);\nint main(void) { return gone(); }\n".utf8).write(to: URL(fileURLWithPath: main))
        let program = CorpusFiles.root.appendingPathComponent("bin/needs-gone").path
        for arguments in [["-shared", "-fPIC", "-o", library, source], ["-o", program, main, "-L", scratch.path, "-lmimicgone"]] {
            let built = try CorpusProcess.run(gcc.compiler, CorpusInvocation(arguments: arguments, environment: ["PATH": "/usr/bin:/bin"]))
            XCTAssertEqual(built.termination, .exited(0), built.stderrText)
        }
        try SurfaceCheck.compareCommand(program, arguments: [])
        // With the library found (LD_LIBRARY_PATH) it runs and returns the library's value.
        var invocation = SurfaceCheck.invocation()
        invocation.environment["LD_LIBRARY_PATH"] = scratch.path
        for accel in SurfaceCheck.accels {
            XCTAssertEqual(try CorpusMimic.run(program, accel: accel, invocation).termination, .exited(3))
        }
    }
}

/// Builds and compares the surface programs (glibc only: they test Linux, not the C library).
enum SurfaceCheck {
    static let programs = ["sock_unix", "sock_inet", "events", "signalfd", "procself", "filecopy", "sigmask_wait", "prctl",
                           "sysv_ipc", "procstat"]
    static var accels: [String] { CorpusMimic.accels(defaults: ["tcg", "interp"]) }

    enum Linkage: String, CaseIterable {
        case dynamic, `static`
    }

    static func build(_ program: String, _ linkage: Linkage, variant: String = "", extraFlags: [String] = []) throws -> String {
        guard let gcc = CorpusToolchain.gcc else { throw XCTSkip("gcc not found: the test programs cannot be built") }
        let flags = (linkage == .static ? ["-static"] : []) + ["-O2"] + extraFlags
        return try CorpusBuilder.program(program, gcc, variant: linkage.rawValue + (variant.isEmpty ? "" : "-" + variant), flags: flags)
    }

    static func invocation() -> CorpusInvocation {
        var invocation = CorpusInvocation(arguments: [], timeout: 20)
        invocation.environment["GLIBC_TUNABLES"] = CorpusEnvironment.glibcBaseline
        return invocation
    }

    /// `program` of Programs/ in each linkage, natively and under each accelerator.
    static func compare(_ program: String, arguments: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        for linkage in Linkage.allCases {
            let binary = try build(program, linkage)
            var invocation = invocation()
            invocation.arguments = arguments
            let native = try CorpusProcess.run(binary, invocation)
            for accel in accels {
                let started = Date()
                let mimic = try CorpusMimic.run(binary, accel: accel, invocation)
                let label = "\(program) [\(linkage), \(accel)]"
                let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
                if let differences = CorpusComparison.differences(native: native, mimic: mimic) {
                    print("[surface] \(label): DIFFERS (\(seconds) s)\n\(differences)")
                    XCTFail("\(label) differs from the native run:\n\(differences)", file: file, line: line)
                } else {
                    print("[surface] \(label): same (\(native.stdout.count) bytes out, \(seconds) s)")
                }
            }
        }
    }

    /// Any host program (a dynamic one, or the loader itself) natively and under Mimic.
    static func compareCommand(_ program: String, arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        var invocation = invocation()
        invocation.arguments = arguments
        let native = try CorpusProcess.run(program, invocation)
        for accel in accels {
            let mimic = try CorpusMimic.run(program, accel: accel, invocation)
            if let differences = CorpusComparison.differences(native: native, mimic: mimic) {
                XCTFail("\(program) \(arguments.joined(separator: " ")) [\(accel)] differs:\n\(differences)", file: file, line: line)
            }
        }
    }

    /// The host's x86-64 dynamic loader.
    static func hostLoader() throws -> String {
        for path in ["/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"]
        where FileManager.default.fileExists(atPath: path) {
            return path
        }
        throw XCTSkip("no x86-64 dynamic loader on this host")
    }

    /// Mimic's refusal: nothing on stdout, one `mimic: ` line on stderr naming `subject`.
    static func assertOneLine(_ outcome: CorpusOutcome, mentioning subject: String, file: StaticString = #filePath, line: UInt = #line) {
        let lines = outcome.stderrText.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertTrue(outcome.stdout.isEmpty, "stdout: \(outcome.stdoutText)", file: file, line: line)
        XCTAssertEqual(lines.count, 2, "expected one line: \(outcome.stderrText)", file: file, line: line)
        XCTAssertTrue(outcome.stderrText.hasPrefix("mimic: ") && outcome.stderrText.contains(subject),
                      "expected a mimic message naming \(subject): \(outcome.stderrText)", file: file, line: line)
    }
}
