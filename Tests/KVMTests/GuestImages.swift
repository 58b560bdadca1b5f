import TestSupport
import Foundation
import XCTest
import KVM
import Machine

/// The guest images under guest-images/, built with make on first use (make rebuilds stale ones).
enum GuestImages {
    /// The built image `name`; skips the test when the images cannot be built here.
    static func path(_ name: String) throws -> String {
        if let reason = GuestImageBuild.unavailableReason { throw XCTSkip(reason) }
        return GuestImageBuild.path(name)
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
