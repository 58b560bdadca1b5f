import Foundation

/// What `mimic bench` measures: the compute workloads of guest-images/ (rows) under each way of
/// running them (columns). A workload exists twice, built from the same objects: as a static
/// Linux program (guest-images/build/linux/NAME) and as a PVH guest image (build/IMAGE.elf).
struct BenchWorkload: Equatable {
    /// The row's name, e.g. "sieve" or "fib-ring0".
    var name: String
    /// The static Linux program (guest-images/build/linux/PROGRAM).
    var program: String
    /// The guest image (guest-images/build/IMAGE.elf).
    var image: String
    /// The size argument (`n`) of the full suite and of `--quick`.
    var fullSize: UInt64
    var quickSize: UInt64
    /// Checksums the real CPU computes at those sizes (`guest-images/build/linux/PROGRAM SIZE`):
    /// every configuration, native included, must print the same.
    var checksums: [UInt64: UInt64]
    /// What the row is, when not a ring-3 compute workload; such rows are left out of the
    /// geometric mean.
    var kind = Kind.compute
    /// Whether `--quick` runs it when no `--only` is given (a representative few, so that the
    /// quick suite stays under a minute with every configuration present).
    var inQuickSuite = false

    enum Kind: Equatable {
        /// A ring-3 compute workload.
        case compute
        /// The ring-0 variant (shows what an emulated CPL 0 costs under PVM).
        case ring0
        /// Almost no work: the fixed cost of starting and ending each configuration.
        case startup
        /// A dynamically linked program of the distribution, run in user mode only (there is no
        /// guest image of it); `program` and `image` are not used.
        case program(BenchProgram)
    }

    func size(quick: Bool) -> UInt64 { quick ? quickSize : fullSize }

    var isProgram: Bool {
        if case .program = kind { return true }
        return false
    }

    /// The row's label in the table and the chart.
    var label: String {
        switch kind {
        case .compute: name
        case .ring0: name + " (ring 0)"
        case .startup: name + " (fib 1)"
        case .program: name
        }
    }

    /// The line the workload prints for its result; the images and the Linux programs print the
    /// same one (user_task.c, compute.c).
    func checksumLine(_ checksum: UInt64) -> String {
        if case .program = kind { return "\(name): output hash " + String(format: "0x%016llx", checksum) }
        let hex = String(checksum, radix: 16)
        return "\(program): checksum 0x" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }
}

enum BenchSuite {
    /// Sizes chosen so that a full run takes 10-70 ms natively (the workloads' own caps bound
    /// sieve, sha256, crc32 and matmul), and the ring-0 row about a second under PVM's emulated
    /// ring 0 (about 6 µs per call there). The startup row, fib(1), is the fixed cost that every
    /// other row's time includes.
    static let workloads: [BenchWorkload] = [
        BenchWorkload(name: "startup", program: "fib", image: "fib", fullSize: 1, quickSize: 1,
                      checksums: [1: 1], kind: .startup, inQuickSuite: true),
        BenchWorkload(name: "sieve", program: "sieve", image: "sieve", fullSize: 4_000_000, quickSize: 500_000,
                      checksums: [4_000_000: 0x520a_007e_c6d3_bbe5, 500_000: 0xa242_0002_4eef_3d23], inQuickSuite: true),
        BenchWorkload(name: "sha256", program: "sha256", image: "sha256", fullSize: 1_048_576, quickSize: 131_072,
                      checksums: [1_048_576: 0xc7f8_3242_f796_7cc3, 131_072: 0x82f5_c9e1_31bd_827f]),
        BenchWorkload(name: "crc32", program: "crc32", image: "crc32", fullSize: 4_194_304, quickSize: 524_288,
                      checksums: [4_194_304: 0xb0b8_3a1b, 524_288: 0x4f10_de04]),
        BenchWorkload(name: "matmul", program: "matmul", image: "matmul", fullSize: 256, quickSize: 128,
                      checksums: [256: 0x001f_c03f_c020_0000, 128: 0x0000_fdf3_781f_8000]),
        BenchWorkload(name: "fib", program: "fib", image: "fib", fullSize: 36, quickSize: 27,
                      checksums: [36: 14_930_352, 27: 196_418, 25: 75_025, 20: 6_765, 1: 1], inQuickSuite: true),
        BenchWorkload(name: "memops", program: "memops", image: "memops", fullSize: 256, quickSize: 16,
                      checksums: [256: 0xf06e_71e6_c6c8_bf67, 128: 0x80d1_d791_bf39_ebc0, 16: 0x7e98_e57f_54b1_a3a8]),
        BenchWorkload(name: "bytecode", program: "bytecode", image: "bytecode", fullSize: 2_000_000, quickSize: 125_000,
                      checksums: [2_000_000: 0x0000_3e70_fc25_dfa0, 1_000_000: 0x0000_7906_bde1_8881, 125_000: 0x0000_3c65_e186_b62a], inQuickSuite: true),
        BenchWorkload(name: "fib-ring0", program: "fib", image: "fib-ring0", fullSize: 25, quickSize: 20,
                      checksums: [25: 75_025, 20: 6_765], kind: .ring0, inQuickSuite: true),
    ]

    /// The workloads whose name matches one of the comma-separated shell patterns, in suite
    /// order; without patterns, the whole suite or the quick one.
    static func select(_ patterns: String?, quick: Bool = false) -> [BenchWorkload] {
        select(patterns, quick: quick, from: workloads)
    }

    /// The same selection from the dynamically linked programs.
    static func selectPrograms(_ patterns: String?, quick: Bool = false) -> [BenchWorkload] {
        select(patterns, quick: quick, from: programs)
    }

    private static func select(_ patterns: String?, quick: Bool, from suite: [BenchWorkload]) -> [BenchWorkload] {
        guard let patterns else { return quick ? suite.filter(\.inQuickSuite) : suite }
        let list = patterns.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        return suite.filter { w in list.contains { fnmatch($0, w.name, 0) == 0 } }
    }
}

/// A column: one way of running a workload.
enum BenchConfiguration: String, CaseIterable {
    case native = "native"
    case runTCG = "mimic-run-tcg"
    case runInterp = "mimic-run-interp"
    case qemuUser = "qemu-x86_64"
    case bootKVM = "mimic-boot-kvm"
    case bootTCG = "mimic-boot-tcg"
    case bootInterp = "mimic-boot-interp"
    case qemuSystemKVM = "qemu-system-kvm"
    case qemuSystemTCG = "qemu-system-tcg"

    /// The column heading of the table and the chart's legend.
    var title: String {
        switch self {
        case .native: "native"
        case .runTCG: "mimic run tcg"
        case .runInterp: "mimic run interp"
        case .qemuUser: "qemu-x86_64"
        case .bootKVM: "mimic boot kvm"
        case .bootTCG: "mimic boot tcg"
        case .bootInterp: "mimic boot interp"
        case .qemuSystemKVM: "qemu-system kvm"
        case .qemuSystemTCG: "qemu-system tcg"
        }
    }

    /// True when the configuration boots the guest image; false when it runs the Linux program.
    var bootsImage: Bool {
        switch self {
        case .native, .runTCG, .runInterp, .qemuUser: false
        case .bootKVM, .bootTCG, .bootInterp, .qemuSystemKVM, .qemuSystemTCG: true
        }
    }

    /// The mimic subcommand the configuration runs, nil when it does not run Mimic.
    var subcommand: String? {
        switch self {
        case .runTCG, .runInterp: "run"
        case .bootKVM, .bootTCG, .bootInterp: "boot"
        case .native, .qemuUser, .qemuSystemKVM, .qemuSystemTCG: nil
        }
    }

    /// The exit status of a passing run: 0 for a Linux process, 1 for an image (debug-exit of 0).
    var passStatus: Int32 { bootsImage ? 1 : 0 }
}
