// swift-tools-version: 6.0
import PackageDescription

let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Mimic",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mimic", targets: ["mimic"]),
        // The translator as a library, for Benchmarks/ and for embedding.
        .library(name: "MimicKit", targets: ["X86", "ELF", "IR", "Lifter", "Optimizer", "Backend", "Interpreter", "TCG", "Introspection"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The only C: libffi, and the CPU state struct whose offsets generated code addresses.
        .systemLibrary(name: "CFFI", pkgConfig: "libffi", providers: [.apt(["libffi-dev"])]),
        .target(name: "CCPU"),
        .target(name: "CKVM"),

        // The translation pipeline, one concern per target.
        .target(name: "X86"),
        .target(name: "ELF"),
        // The interpreter and the IR semantics it calls are the portable backend: optimized even
        // in debug builds, so `swift test` runs real programs under --accel interp in seconds.
        .target(name: "IR", swiftSettings: optimizedInDebug),
        .target(name: "Lifter", dependencies: ["X86", "IR", "CCPU"]),
        .target(name: "Optimizer", dependencies: ["IR"]),
        .target(name: "Backend", dependencies: ["IR", "CFFI", "CCPU"]),
        .target(name: "Interpreter", dependencies: ["IR", "CCPU"], swiftSettings: optimizedInDebug),
        // SSE, MMX and x87 instructions run as themselves in small host thunks.
        .target(name: "HostThunks", dependencies: ["X86", "IR", "Backend", "CCPU"]),
        .target(name: "TCG", dependencies: ["X86", "IR", "Lifter", "Optimizer", "Backend", "Interpreter", "HostThunks", "CCPU", "Introspection"]),

        // Seeing inside: the -d logs every component writes to, and the gdb remote protocol.
        .target(name: "Introspection"),
        .target(name: "GDBStub"),

        // Linux user mode: ELF loader, initial stack, system calls and signals on the TCG engine
        // (`mimic run`); its C is raw host system calls and signal recording.
        .target(name: "CLinuxUser"),
        .target(name: "LinuxUser", dependencies: ["TCG", "ELF", "Lifter", "CCPU", "CLinuxUser", "Introspection"]),

        // The machine model (RAM, buses, devices, loaders) and the KVM accelerator.
        .target(name: "Machine", dependencies: ["ELF", "CCPU"]),
        .target(name: "KVM", dependencies: ["Machine", "CKVM", "Introspection", "GDBStub"]),
        // System-mode TCG: the machine on Mimic's own translator (accelerators tcg and interp).
        .target(name: "SystemTCG", dependencies: ["Machine", "TCG", "Lifter", "CCPU"]),

        // The command line: a thin executable over a testable library.
        .target(name: "MimicCLI", dependencies: [
            "TCG", "X86", "ELF", "Machine", "KVM", "Introspection", "GDBStub", "LinuxUser", "SystemTCG",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "mimic", dependencies: ["MimicCLI"]),

        // Test support: runs instruction sequences natively, the oracle for differential tests.
        .target(name: "CNativeRunner", path: "Tests/CNativeRunner"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),

        .testTarget(name: "X86Tests", dependencies: ["X86", "ELF"]),
        .testTarget(name: "IRTests", dependencies: ["IR", "Optimizer", "Interpreter", "CCPU", "TestSupport"]),
        .testTarget(name: "LifterTests", dependencies: ["Lifter", "X86", "IR", "Interpreter", "CCPU", "CNativeRunner"]),
        .testTarget(name: "BackendTests", dependencies: ["Backend", "IR", "CCPU", "TestSupport"]),
        .testTarget(name: "TCGTests", dependencies: ["TCG", "X86", "IR", "Lifter", "Optimizer", "Backend", "CCPU", "CNativeRunner", "TestSupport"],
                    exclude: ["Golden"]),
        .testTarget(name: "MachineTests", dependencies: ["Machine", "ELF"]),
        .testTarget(name: "KVMTests", dependencies: ["KVM", "Machine", "TestSupport"]),
        .testTarget(name: "GDBStubTests", dependencies: ["GDBStub"]),
        .testTarget(name: "SystemTCGTests", dependencies: ["SystemTCG", "TCG", "Lifter", "Machine", "KVM", "CCPU", "IR", "TestSupport"]),
        .testTarget(name: "LinuxUserTests", dependencies: ["LinuxUser", "ELF", "TCG", "CCPU", "TestSupport"], exclude: ["Programs", "Freestanding"]),
        .testTarget(name: "CLITests", dependencies: [
            "MimicCLI", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
