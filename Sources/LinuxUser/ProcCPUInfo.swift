import Lifter

/// /proc/cpuinfo as the guest must see it: the processors are the host's (guest threads run
/// on them), but what Linux reads from CPUID describes the CPU Mimic's CPUID reports, so a
/// program that picks code paths from the flags picks those the guest CPU has. The vendor,
/// family, model, stepping, model name, cpuid level, clflush size and flags are the guest's;
/// the rest of each processor's lines (speed, caches, topology, bugs) stay the host's, less
/// the VMX capabilities line (the guest CPU has no VMX).
extension LinuxProcess {
    static func procCPUInfo() throws(Errno) -> [UInt8] {
        let text = String(decoding: try hostProcText("/proc/cpuinfo"), as: UTF8.self)
        let guest = GuestProcessor()
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let name = line.prefix { $0 != ":" }.trimmingTrailingBlanks()
            let value = line.drop { $0 != ":" }.dropFirst().drop { $0 == " " }
            switch name {
            case "vendor_id": lines.append("vendor_id\t: " + guest.vendor)
            case "cpu family": lines.append("cpu family\t: \(guest.family)")
            case "model": lines.append("model\t\t: \(guest.model)")
            case "model name": lines.append("model name\t: " + guest.modelName)
            case "stepping": lines.append("stepping\t: \(guest.stepping)")
            case "cpuid level": lines.append("cpuid level\t: \(guest.maximumLeaf)")
            case "clflush size": lines.append("clflush size\t: \(guest.clflushSize)")
            case "flags": lines.append("flags\t\t: " + guest.flags(keeping: value.split(separator: " ").map(String.init)).joined(separator: " "))
            case "vmx flags": continue
            default: lines.append(String(line))
            }
        }
        return Array(lines.joined(separator: "\n").utf8)
    }
}

/// What Linux's cpuinfo shows of a processor, from the guest's CPUID.
struct GuestProcessor {
    var vendor: String
    var family: UInt32
    var model: UInt32
    var stepping: UInt32
    var modelName: String
    var maximumLeaf: UInt32
    var clflushSize: UInt32

    init() {
        let leaf0 = GuestCPUID.query(leaf: 0)
        vendor = GuestProcessor.text([leaf0.ebx, leaf0.edx, leaf0.ecx])
        maximumLeaf = leaf0.eax
        let signature = GuestCPUID.query(leaf: 1).eax
        // The SDM's display family and model: the extended fields count for families 6 and 15.
        let baseFamily = signature >> 8 & 0xF
        family = baseFamily == 0xF ? baseFamily + (signature >> 20 & 0xFF) : baseFamily
        model = signature >> 4 & 0xF
        if baseFamily == 0x6 || baseFamily == 0xF { model += (signature >> 16 & 0xF) << 4 }
        stepping = signature & 0xF
        clflushSize = (GuestCPUID.query(leaf: 1).ebx >> 8 & 0xFF) * 8
        var brand: [UInt32] = []
        if GuestCPUID.query(leaf: 0x8000_0000).eax >= 0x8000_0004 {
            for leaf in UInt32(0x8000_0002)...0x8000_0004 {
                let r = GuestCPUID.query(leaf: leaf)
                brand += [r.eax, r.ebx, r.ecx, r.edx]
            }
        }
        modelName = GuestProcessor.text(brand).trimmingCharacters(in: " ")
    }

    /// The flags in Linux's order (by capability word, then bit): the CPUID words' names
    /// for the bits the guest's CPUID sets, and of the host's Linux-defined flags (word 3)
    /// those that describe what the guest sees too (the time-stamp counter runs as the host's;
    /// instructions such as NOPL work).
    func flags(keeping host: [String]) -> [String] {
        let maximumExtended = GuestCPUID.query(leaf: 0x8000_0000).eax
        func word(_ leaf: UInt32, _ register: KeyPath<(eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32), UInt32>) -> UInt32 {
            let top = leaf >= 0x8000_0000 ? maximumExtended : maximumLeaf
            return leaf <= top ? GuestCPUID.query(leaf: leaf)[keyPath: register] : 0
        }
        func names(_ table: [Int: String], _ bits: UInt32) -> [String] {
            table.keys.sorted().filter { bits >> UInt32($0) & 1 != 0 }.map { table[$0]! }
        }
        return names(CPUIDFlagNames.leaf1EDX, word(1, \.edx))
            + names(CPUIDFlagNames.extendedEDX, word(0x8000_0001, \.edx))
            + host.filter(CPUIDFlagNames.linuxDefinedKept.contains)
            + names(CPUIDFlagNames.leaf1ECX, word(1, \.ecx))
            + names(CPUIDFlagNames.extendedECX, word(0x8000_0001, \.ecx))
            + names(CPUIDFlagNames.leaf7EBX, word(7, \.ebx))
            + names(CPUIDFlagNames.leaf7ECX, word(7, \.ecx))
            + names(CPUIDFlagNames.leaf7EDX, word(7, \.edx))
    }

    /// Little-endian words as the ASCII text they hold, up to the first NUL.
    static func text(_ words: [UInt32]) -> String {
        let bytes = words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// The names Linux gives CPUID feature bits in /proc/cpuinfo, by bit, for the capability
/// words the guest's CPUID fills (bits Linux does not show are absent).
enum CPUIDFlagNames {
    static let leaf1EDX: [Int: String] = [
        0: "fpu", 1: "vme", 2: "de", 3: "pse", 4: "tsc", 5: "msr", 6: "pae", 7: "mce", 8: "cx8", 9: "apic",
        11: "sep", 12: "mtrr", 13: "pge", 14: "mca", 15: "cmov", 16: "pat", 17: "pse36", 18: "pn", 19: "clflush",
        21: "dts", 22: "acpi", 23: "mmx", 24: "fxsr", 25: "sse", 26: "sse2", 27: "ss", 28: "ht", 29: "tm", 30: "ia64", 31: "pbe",
    ]
    static let extendedEDX: [Int: String] = [
        11: "syscall", 19: "mp", 20: "nx", 22: "mmxext", 25: "fxsr_opt", 26: "pdpe1gb", 27: "rdtscp", 29: "lm",
        30: "3dnowext", 31: "3dnow",
    ]
    static let leaf1ECX: [Int: String] = [
        0: "pni", 1: "pclmulqdq", 2: "dtes64", 3: "monitor", 4: "ds_cpl", 5: "vmx", 6: "smx", 7: "est", 8: "tm2",
        9: "ssse3", 10: "cid", 11: "sdbg", 12: "fma", 13: "cx16", 14: "xtpr", 15: "pdcm", 17: "pcid", 18: "dca",
        19: "sse4_1", 20: "sse4_2", 21: "x2apic", 22: "movbe", 23: "popcnt", 24: "tsc_deadline_timer", 25: "aes",
        26: "xsave", 28: "avx", 29: "f16c", 30: "rdrand", 31: "hypervisor",
    ]
    static let extendedECX: [Int: String] = [
        0: "lahf_lm", 1: "cmp_legacy", 2: "svm", 3: "extapic", 4: "cr8_legacy", 5: "abm", 6: "sse4a",
        7: "misalignsse", 8: "3dnowprefetch", 9: "osvw", 10: "ibs", 11: "xop", 12: "skinit", 13: "wdt", 15: "lwp",
        16: "fma4", 17: "tce", 19: "nodeid_msr", 21: "tbm", 22: "topoext", 23: "perfctr_core", 24: "perfctr_nb",
        26: "bpext", 27: "ptsc", 28: "perfctr_llc", 29: "mwaitx",
    ]
    static let leaf7EBX: [Int: String] = [
        0: "fsgsbase", 1: "tsc_adjust", 2: "sgx", 3: "bmi1", 4: "hle", 5: "avx2", 7: "smep", 8: "bmi2", 9: "erms",
        10: "invpcid", 11: "rtm", 12: "cqm", 14: "mpx", 15: "rdt_a", 16: "avx512f", 17: "avx512dq", 18: "rdseed",
        19: "adx", 20: "smap", 21: "avx512ifma", 23: "clflushopt", 24: "clwb", 25: "intel_pt", 26: "avx512pf",
        27: "avx512er", 28: "avx512cd", 29: "sha_ni", 30: "avx512bw", 31: "avx512vl",
    ]
    static let leaf7ECX: [Int: String] = [
        1: "avx512vbmi", 2: "umip", 3: "pku", 4: "ospke", 5: "waitpkg", 6: "avx512_vbmi2", 8: "gfni", 9: "vaes",
        10: "vpclmulqdq", 11: "avx512_vnni", 12: "avx512_bitalg", 13: "tme", 14: "avx512_vpopcntdq", 16: "la57",
        22: "rdpid", 24: "bus_lock_detect", 25: "cldemote", 27: "movdiri", 28: "movdir64b", 29: "enqcmd", 30: "sgx_lc",
    ]
    static let leaf7EDX: [Int: String] = [
        2: "avx512_4vnniw", 3: "avx512_4fmaps", 4: "fsrm", 8: "avx512_vp2intersect", 10: "md_clear", 14: "serialize",
        16: "tsx_ldtrk", 18: "pconfig", 19: "arch_lbr", 20: "ibt", 22: "amx_bf16", 23: "avx512_fp16", 24: "amx_tile",
        25: "amx_int8", 28: "flush_l1d", 29: "arch_capabilities",
    ]
    /// Linux-defined flags (capability word 3) that hold for the guest as for the host.
    static let linuxDefinedKept: Set<String> = [
        "constant_tsc", "nonstop_tsc", "nonstop_tsc_s3", "tsc_known_freq", "tsc_reliable", "rep_good", "nopl", "cpuid",
    ]
}

private extension String {
    func trimmingCharacters(in blank: Character) -> String {
        String(drop { $0 == blank }.reversed().drop { $0 == blank }.reversed())
    }
}
