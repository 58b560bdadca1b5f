import TestSupport
import Foundation
import XCTest
import KVM
import Machine
import SystemTCG
import TCG

/// Boots the images of guest-images/ (built with make on first use) under an accelerator
/// with captured serial output.
enum GuestImageRunner {
    /// The built image `name`; skips the test when the images cannot be built here.
    static func path(_ name: String) throws -> String {
        if let reason = GuestImageBuild.unavailableReason { throw XCTSkip(reason) }
        return GuestImageBuild.path(name)
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
