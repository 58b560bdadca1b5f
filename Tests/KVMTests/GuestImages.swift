import Foundation
import XCTest
import KVM
import Machine

/// The guest images under guest-images/, built with make on first use (make rebuilds stale ones).
enum GuestImages {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("guest-images")

    /// nil once the images are built, else why they cannot be.
    nonisolated(unsafe) private static var buildResult: String??

    static func path(_ name: String) throws -> String {
        if buildResult == nil { buildResult = .some(build()) }
        if let reason = buildResult! { throw XCTSkip(reason) }
        return directory.appendingPathComponent("build/\(name).elf").path
    }

    private static func build() -> String? {
        for tool in ["make", "gcc"] where !onPath(tool) { return "\(tool) is not installed: cannot build the guest images" }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["make", "-s", "-C", directory.path]
        let log = Pipe()
        p.standardOutput = log
        p.standardError = log
        do { try p.run() } catch { return "cannot run make: \(error)" }
        let output = log.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            return "make -C guest-images failed: " + String(decoding: output, as: UTF8.self)
        }
        return nil
    }

    private static func onPath(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }

    /// Skips the test with the reason when /dev/kvm cannot run guests here.
    static func requireKVM() throws {
        if let reason = KVMSystem.unusableReason() { throw XCTSkip(reason) }
    }

    struct Run {
        var exit: MachineExit
        var output: String
        var accelerator: KVMAccelerator
    }

    /// Boots an image under KVM with captured serial output.
    static func boot(_ name: String, input: String = "", commandLine: String = "", memory: UInt64 = MemorySize.defaultSize) throws -> Run {
        try requireKVM()
        let path = try path(name)
        let out = CapturedOutput()
        let machine = try Machine(memorySize: memory, serialOutput: out, serialInput: BufferedInput(input))
        try PVHLoader.load(path: path, commandLine: commandLine, into: machine)
        let kvm = try KVMAccelerator()
        let exit = try kvm.run(machine)
        return Run(exit: exit, output: out.text, accelerator: kvm)
    }
}
