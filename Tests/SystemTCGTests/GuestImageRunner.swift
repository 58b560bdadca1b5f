import Foundation
import XCTest
import KVM
import Machine
import SystemTCG
import TCG

/// Boots the images of guest-images/ (built with make on first use) under an accelerator
/// with captured serial output.
enum GuestImageRunner {
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
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["make", "-s", "-C", directory.path]
        let log = Pipe()
        p.standardOutput = log
        p.standardError = log
        do { try p.run() } catch { return "cannot run make (the guest images need make and gcc): \(error)" }
        let output = log.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            return "make -C guest-images failed: " + String(decoding: output, as: UTF8.self)
        }
        return nil
    }

    enum Kind: String, CaseIterable {
        case tcg, interp, kvm
    }

    struct Run {
        var exit: MachineExit
        var output: String
        var finalState: SystemCPUState?
    }

    /// Boots `name` under `kind`; KVM runs skip (with the reason) where /dev/kvm is not usable.
    static func boot(_ name: String, on kind: Kind, input: String = "", commandLine: String = "",
                     memory: UInt64 = MemorySize.defaultSize) throws -> Run {
        let path = try path(name)
        let out = CapturedOutput()
        let machine = try Machine(memorySize: memory, serialOutput: out, serialInput: BufferedInput(input))
        try PVHLoader.load(path: path, commandLine: commandLine, into: machine)
        switch kind {
        case .kvm:
            if let reason = KVMSystem.unusableReason() { throw XCTSkip("kvm: \(reason)") }
            let kvm = try KVMAccelerator()
            let exit = try kvm.run(machine)
            return Run(exit: exit, output: out.text, finalState: kvm.finalState)
        case .tcg, .interp:
            let accelerator = TCGAccelerator(kind == .tcg ? .jit : .interp)
            let exit = try accelerator.run(machine)
            return Run(exit: exit, output: out.text, finalState: accelerator.finalState)
        }
    }
}
