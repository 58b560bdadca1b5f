import Foundation
import XCTest

/// A C compiler that makes static x86-64 Linux programs.
struct CorpusToolchain: Hashable {
    var name: String
    var compiler: String
    /// Environment entries both runs get (glibc's ifunc baseline).
    var environment: [String: String]

    static var gcc: CorpusToolchain? {
        CorpusFiles.tool("gcc").map { CorpusToolchain(name: "glibc", compiler: $0, environment: ["GLIBC_TUNABLES": CorpusEnvironment.glibcBaseline]) }
    }

    /// Debian's musl-tools.
    static var musl: CorpusToolchain? {
        CorpusFiles.tool("musl-gcc").map { CorpusToolchain(name: "musl", compiler: $0, environment: [:]) }
    }

    static var available: [CorpusToolchain] { [gcc, musl].compactMap { $0 } }
}

/// Builds Programs/NAME.c once per test process and toolchain.
enum CorpusBuilder {
    struct BuildError: Error, CustomStringConvertible {
        var description: String
    }

    private static var built: [String: String] = [:]
    private static let lock = NSLock()

    /// `variant` names a build with other `flags` (the default: static, optimised, with libm).
    static func program(_ name: String, _ toolchain: CorpusToolchain, variant: String = "",
                        flags: [String] = ["-static", "-O2"], libraries: [String] = ["-lm"]) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let key = "\(name)-\(toolchain.name)\(variant.isEmpty ? "" : "-" + variant)"
        if let path = built[key] { return path }
        let source = CorpusFiles.testsDirectory.appendingPathComponent("Programs/\(name).c").path
        let output = CorpusFiles.root.appendingPathComponent("bin/\(key)").path
        try FileManager.default.createDirectory(atPath: CorpusFiles.root.appendingPathComponent("bin").path, withIntermediateDirectories: true)
        let compiled = try CorpusProcess.run(toolchain.compiler, CorpusInvocation(
            arguments: flags + ["-o", output, source] + libraries, environment: ["PATH": "/usr/bin:/bin"], timeout: 120))
        guard compiled.termination == .exited(0) else {
            throw BuildError(description: "\(toolchain.compiler) failed on \(name).c (\(compiled.termination)):\n\(compiled.stderrText)")
        }
        built[key] = output
        return output
    }
}

/// One program run natively and under `mimic run` with every accelerator, compared byte for
/// byte (stdout, stderr, exit status or signal).
enum CorpusCheck {
    /// Runs `program` (a Programs/ name) with each toolchain and accelerator; fails once per
    /// mismatch with the difference.
    static func compare(_ program: String, arguments: [String] = [], stdin: [UInt8]? = nil, timeout: Double = 300,
                        accels: [String] = CorpusMimic.accels(defaults: ["tcg", "interp"]),
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let toolchains = CorpusToolchain.available
        guard toolchains.contains(where: { $0.name == "glibc" }) else {
            print("[corpus] \(program): skipped: gcc not found")
            throw XCTSkip("gcc not found: the corpus programs cannot be built")
        }
        for toolchain in toolchains {
            let binary = try CorpusBuilder.program(program, toolchain)
            var invocation = CorpusInvocation(arguments: arguments, stdin: stdin, timeout: timeout)
            invocation.environment.merge(toolchain.environment) { $1 }
            let native = try CorpusProcess.run(binary, invocation)
            for accel in accels {
                let started = Date()
                let mimic = try CorpusMimic.run(binary, accel: accel, invocation)
                let label = "\(program)\(arguments.isEmpty ? "" : " " + arguments.joined(separator: " ")) [\(toolchain.name), \(accel)]"
                let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
                if let differences = CorpusComparison.differences(native: native, mimic: mimic) {
                    print("[corpus] \(label): DIFFERS (\(seconds) s)\n\(differences)")
                    XCTFail("\(label) differs from the native run:\n\(differences)", file: file, line: line)
                } else {
                    print("[corpus] \(label): same (\(native.stdout.count) bytes out, \(native.termination), \(seconds) s)")
                }
            }
        }
    }

    /// The native run alone, twice: a program whose output is not deterministic cannot be
    /// compared with anything.
    static func deterministic(_ program: String, arguments: [String] = [], stdin: [UInt8]? = nil,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        for toolchain in CorpusToolchain.available {
            let binary = try CorpusBuilder.program(program, toolchain)
            var invocation = CorpusInvocation(arguments: arguments, stdin: stdin, timeout: 60)
            invocation.environment.merge(toolchain.environment) { $1 }
            let first = try CorpusProcess.run(binary, invocation)
            let second = try CorpusProcess.run(binary, invocation)
            if let differences = CorpusComparison.differences(native: first, mimic: second) {
                XCTFail("\(program) [\(toolchain.name)] is not deterministic natively:\n\(differences)", file: file, line: line)
            }
            if case .timedOut = first.termination {
                XCTFail("\(program) [\(toolchain.name)] timed out natively", file: file, line: line)
            }
        }
    }
}
