import Benchmark
import CCPU
import Lifter
import TCG

/// A system-mode engine (the softmmu: every guest memory access goes through the software TLB)
/// running a 32-bit ring-0 loop with paging on, for the TLB's hit and miss paths.
final class SoftMMURun {
    static let ramBytes = 4 << 20
    static let code: UInt64 = 0x10000, pageDirectory = 0x1000, pageTable = 0x2000
    /// The two pages the loop loads from: 0x101000 shares no TLB slot with 0x100000;
    /// 0x200000 shares slot 0 with it (the TLB is direct-mapped, MIMIC_TLB_ENTRIES pages apart).
    static let first: UInt32 = 0x10_0000
    static func second(missing: Bool) -> UInt32 { missing ? first + UInt32(MIMIC_TLB_ENTRIES) << 12 : first + 0x1000 }

    let iterations: UInt32
    let ram: UnsafeMutableRawPointer
    let engine: Engine
    /// Guest instructions in one run: `mov ecx`, four per iteration, `hlt`.
    var instructions: Int { 2 + 4 * Int(iterations) }

    /// `mov ecx, N; l: mov eax, [first]; mov eax, [second]; dec ecx; jnz l; hlt`, identity-mapped
    /// with 4 KiB pages (a miss walks the directory and a table).
    init(iterations: UInt32, missing: Bool, accel: Accel) throws {
        self.iterations = iterations
        let ram = UnsafeMutableRawPointer.allocate(byteCount: Self.ramBytes, alignment: 4096)
        self.ram = ram
        ram.initializeMemory(as: UInt8.self, repeating: 0, count: Self.ramBytes)
        ram.storeBytes(of: UInt32(Self.pageTable | 3), toByteOffset: Self.pageDirectory, as: UInt32.self)
        for page in 0..<1024 { ram.storeBytes(of: UInt32(page << 12 | 3), toByteOffset: Self.pageTable + 4 * page, as: UInt32.self) }
        let second = Self.second(missing: missing)
        ram.storeBytes(of: UInt32(0x1111), toByteOffset: Int(Self.first), as: UInt32.self)
        ram.storeBytes(of: UInt32(0x2222), toByteOffset: Int(second), as: UInt32.self)
        func le(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        let loop: [UInt8] = [0xB9] + le(iterations)
            + [0xA1] + le(Self.first) + [0xA1] + le(second) + [0x49, 0x75, 0xF3] + [0xF4]
        loop.withUnsafeBytes { (ram + Int(Self.code)).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }

        engine = try Engine(systemRAM: ram, size: UInt64(Self.ramBytes), accel: accel)
        guard run() else { throw GuestProgram.ProgramError(description: "the softmmu loop under \(accel) did not halt with eax 0x2222") }
    }

    deinit { ram.deallocate() }

    /// Flat 32-bit ring-0 segments, paging on (CR0.PG|PE, CR3 = the directory); then the loop.
    @inline(__always)
    func run() -> Bool {
        let cpu = engine.cpu
        cpu.pointee.sys.cr0 = 0x8000_0001
        cpu.pointee.sys.cr3 = UInt64(Self.pageDirectory)
        cpu.pointee.sys.cpl = 0
        // Present, S, DPL 0, D/B, G; type 0xB (code: execute/read, accessed) or 3 (data: read/write, accessed).
        let flat = UInt16(MIMIC_SEG_P) | UInt16(MIMIC_SEG_S) | UInt16(MIMIC_SEG_DB) | UInt16(MIMIC_SEG_G)
        withUnsafeMutableBytes(of: &cpu.pointee.sys.seg) { seg in
            let segments = seg.bindMemory(to: MimicSegment.self)
            for i in 0..<Int(MIMIC_SEG_LDTR) {
                let code = i == Int(MIMIC_SEG_CS)
                segments[i] = MimicSegment(base: 0, limit: 0xFFFF_FFFF, selector: code ? 8 : 16, attributes: flat | (code ? 0xB : 3))
            }
        }
        let system = SystemCPU(cpu)
        system.rflags = 2
        system.resetSystemState()
        cpu.pointee.rip = Self.code
        return engine.run() == .halt && cpu.pointee.gpr.0 == 0x2222
    }
}

/// The softmmu's two paths: a load whose page is in the software TLB (generated code compares
/// the tag and adds the host offset inline) and one whose page is not (a helper walks the guest's
/// page tables and refills the entry), with the same instructions around them.
enum SoftMMUBenchmarks {
    static func register() {
        let checked = Benchmark.Configuration(
            metrics: [Metrics.guestInstructionsPerSecond],
            warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 40,
            thresholds: [Metrics.guestInstructionsPerSecond: Metrics.throughputTolerance])
        for accel in [Accel.jit, .interp] {
            for missing in [false, true] {
                let name = "SoftMMU.tlb-\(missing ? "miss" : "hit").\(accel == .jit ? "jit" : "interp")"
                Benchmark(name, configuration: checked) { benchmark, run in
                    ExecutionBenchmarks.timeRuns(benchmark, instructions: run.instructions, bestOf: accel == .jit ? 3 : 1) { run.run() }
                } setup: {
                    try SoftMMURun(iterations: accel == .jit ? 1_000_000 : 200_000, missing: missing, accel: accel)
                }
            }
        }
    }
}
