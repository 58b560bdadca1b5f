import Foundation
import XCTest

/// Programs of Freestanding/ (no libc, no SSE: a tiny runtime of raw system calls) built with
/// `gcc -static -nostdlib` and compared with their native run: stdout, stderr and how they
/// ended. They exercise the loader, the initial stack, file I/O, brk/mmap, fork/exec/wait,
/// signals with handlers and default actions, as directly as a program can.
final class FreestandingProgramTests: XCTestCase {
    static let flags = ["-static", "-nostdlib", "-O1", "-mno-sse", "-mgeneral-regs-only", "-fno-stack-protector",
                        "-fcf-protection=none", "-fno-asynchronous-unwind-tables", "-fno-builtin", "-w"]

    static let built: URL? = try? CorpusFiles.makeDirectory("freestanding")

    func build(_ name: String, pie: Bool = false) throws -> String {
        guard let gcc = CorpusFiles.tool("gcc") else { throw XCTSkip("gcc not found: the freestanding programs cannot be built") }
        let source = CorpusFiles.testsDirectory.appendingPathComponent("Freestanding/\(name).c").path
        let output = Self.built!.appendingPathComponent(name + (pie ? "-pie" : "")).path
        if FileManager.default.fileExists(atPath: output) { return output }
        let result = try CorpusProcess.run(gcc, CorpusInvocation(arguments: Self.flags + (pie ? ["-static-pie", "-fpie"] : ["-no-pie", "-fno-pie"]) + ["-o", output, source]))
        XCTAssertEqual(result.termination, .exited(0), "gcc: " + result.stderrText)
        return output
    }

    /// Runs `name` natively and under each accelerator in the same surroundings and compares.
    func compare(_ name: String, pie: Bool = false, arguments: [String] = [], directoryArgument: Bool = false,
                 file: StaticString = #filePath, line: UInt = #line) throws {
        let program = try build(name, pie: pie)
        func invocation() throws -> CorpusInvocation {
            var args = arguments
            if directoryArgument { args.append(try CorpusFiles.makeDirectory("data").path) }
            return CorpusInvocation(arguments: args)
        }
        let native = try CorpusProcess.run(program, try invocation())
        for accel in CorpusMimic.accels(defaults: ["tcg", "interp"]) {
            let mimic = try CorpusMimic.run(program, accel: accel, try invocation())
            if let difference = CorpusComparison.differences(native: native, mimic: mimic) {
                XCTFail("\(name) [\(accel)]: \(difference)", file: file, line: line)
            }
        }
    }

    func testHello() throws { try compare("hello") }
    func testHelloStaticPIE() throws { try compare("hello", pie: true) }
    func testArgumentsEnvironmentAuxv() throws { try compare("args", arguments: ["one", "two words", ""]) }
    func testFileIO() throws { try compare("fileio", directoryArgument: true) }
    func testBrkAndMmap() throws { try compare("memory") }
    func testSegvHandlerReadsTheFaultAddress() throws { try compare("segv") }
    func testSegvWithoutHandlerKillsWithSIGSEGV() throws { try compare("segv", arguments: ["die"]) }
    func testForkExecWaitSignals() throws { try compare("process") }
}
