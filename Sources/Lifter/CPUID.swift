import CCPU

/// What CPUID reports: only features the translator implements. One place to change when a
/// family of instructions is lifted.
enum CPUID {
    struct Registers: Equatable {
        var eax: UInt32 = 0, ebx: UInt32 = 0, ecx: UInt32 = 0, edx: UInt32 = 0
    }

    /// Feature bits, named as in the SDM's CPUID tables (leaf.register: bit).
    enum Feature {
        // Leaf 1 EDX
        static let fpu: UInt32 = 1 << 0
        static let tsc: UInt32 = 1 << 4
        static let cx8: UInt32 = 1 << 8
        static let cmov: UInt32 = 1 << 15
        static let clfsh: UInt32 = 1 << 19
        static let mmx: UInt32 = 1 << 23
        static let fxsr: UInt32 = 1 << 24
        static let sse: UInt32 = 1 << 25
        static let sse2: UInt32 = 1 << 26
        // Leaf 1 ECX
        static let sse3: UInt32 = 1 << 0
        static let pclmulqdq: UInt32 = 1 << 1
        static let ssse3: UInt32 = 1 << 9
        static let cx16: UInt32 = 1 << 13
        static let sse41: UInt32 = 1 << 19
        static let sse42: UInt32 = 1 << 20
        static let movbe: UInt32 = 1 << 22
        static let popcnt: UInt32 = 1 << 23
        static let aes: UInt32 = 1 << 25
        static let rdrand: UInt32 = 1 << 30
        // Leaf 7 EBX
        static let bmi1: UInt32 = 1 << 3
        static let bmi2: UInt32 = 1 << 8
        static let rdseed: UInt32 = 1 << 18
        static let adx: UInt32 = 1 << 19
        static let clflushopt: UInt32 = 1 << 23
        static let clwb: UInt32 = 1 << 24
        // Leaf 0x8000_0001 ECX
        static let lahfLM: UInt32 = 1 << 0
        static let abm: UInt32 = 1 << 5  // LZCNT
        static let prefetchw: UInt32 = 1 << 8
        // Leaf 0x8000_0001 EDX
        static let syscall: UInt32 = 1 << 11
        static let nx: UInt32 = 1 << 20
        static let rdtscp: UInt32 = 1 << 27
        static let longMode: UInt32 = 1 << 29
    }

    /// The host's leaf 1 (for the features that run as host instructions).
    static let hostLeaf1: Registers = {
        var r: [UInt32] = [0, 0, 0, 0]
        mimic_host_cpuid(1, 0, &r)
        return Registers(eax: r[0], ebx: r[1], ecx: r[2], edx: r[3])
    }()

    static let vendor = "GenuineIntel"
    static let brand = "Mimic x86-64 dynamic binary translator"
    static let maxBasicLeaf: UInt32 = 7
    static let maxExtendedLeaf: UInt32 = 0x8000_0004

    static func query(leaf: UInt32, subleaf: UInt32) -> Registers {
        switch leaf {
        case 0:
            let v = words(vendor, count: 3)
            return Registers(eax: maxBasicLeaf, ebx: v[0], ecx: v[2], edx: v[1])
        case 1:
            // Family 6, model 0x3A, stepping 9; CLFLUSH line 8 × 8 bytes; one logical processor.
            // The SIMD and x87 features run as host instructions, so they are the host's.
            let host = hostLeaf1
            return Registers(eax: 0x0003_06A9, ebx: 0x0001_0800,
                             ecx: Feature.cx16 | Feature.movbe | Feature.popcnt | Feature.rdrand
                                 | host.ecx & (Feature.sse3 | Feature.pclmulqdq | Feature.ssse3 | Feature.sse41
                                               | Feature.sse42 | Feature.aes),
                             edx: Feature.tsc | Feature.cx8 | Feature.cmov | Feature.clfsh
                                 | host.edx & (Feature.fpu | Feature.mmx | Feature.fxsr | Feature.sse | Feature.sse2))
        case 7 where subleaf == 0:
            return Registers(ebx: Feature.bmi1 | Feature.bmi2 | Feature.rdseed | Feature.adx | Feature.clflushopt | Feature.clwb)
        case 0x8000_0000:
            return Registers(eax: maxExtendedLeaf)
        case 0x8000_0001:
            return Registers(ecx: Feature.lahfLM | Feature.abm | Feature.prefetchw,
                             edx: Feature.syscall | Feature.nx | Feature.rdtscp | Feature.longMode)
        case 0x8000_0002...0x8000_0004:
            let w = words(brand, count: 12)
            let i = Int(leaf - 0x8000_0002) * 4
            return Registers(eax: w[i], ebx: w[i + 1], ecx: w[i + 2], edx: w[i + 3])
        default:
            return Registers()
        }
    }

    /// `text` as little-endian 32-bit words, padded with NULs to `count` words.
    static func words(_ text: String, count: Int) -> [UInt32] {
        var bytes = Array(text.utf8.prefix(count * 4))
        bytes += [UInt8](repeating: 0, count: count * 4 - bytes.count)
        var result = [UInt32](repeating: 0, count: count)
        for (i, byte) in bytes.enumerated() { result[i / 4] |= UInt32(byte) << UInt32(8 * (i % 4)) }
        return result
    }
}
