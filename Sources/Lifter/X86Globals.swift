import CCPU
import IR

/// The globals every x86 block starts with: the general-purpose registers, rip, the status
/// flags (one word in EFLAGS layout, see `StatusFlags`), the direction flag and the FS/GS bases,
/// in that order.
public enum X86Globals {
    public static let layout: GlobalLayout = {
        let gprNames = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
        let gprBase = MemoryLayout<MimicCPUState>.offset(of: \.gpr)!
        var globals = gprNames.enumerated().map { GlobalLayout.Global(name: $0.element, offset: gprBase + 8 * $0.offset, type: .i64) }
        let fields: [(String, PartialKeyPath<MimicCPUState>)] = [
            ("rip", \.rip), ("flags", \.flags),
            ("df", \.df), ("fs_base", \.fs_base), ("gs_base", \.gs_base),
        ]
        for (name, path) in fields {
            globals.append(GlobalLayout.Global(name: name, offset: MemoryLayout<MimicCPUState>.offset(of: path)!, type: .i64))
        }
        return GlobalLayout(globals, programCounter: 16)
    }()

    /// General-purpose register `n` (0 = rax ... 15 = r15).
    @inline(__always)
    public static func gpr(_ n: Int) -> Temp { Temp(n) }

    public static let rip = Temp(16)
    public static let flags = Temp(17)
    public static let df = Temp(18)
    public static let fsBase = Temp(19), gsBase = Temp(20)
}

/// Byte offsets of the CPU-state fields that are not globals.
enum StateOffset {
    static let exception = MemoryLayout<MimicCPUState>.offset(of: \.exception)!
    static let errorCode = MemoryLayout<MimicCPUState>.offset(of: \.error_code)!
    static let faultAddress = MemoryLayout<MimicCPUState>.offset(of: \.fault_address)!
    static let request = MemoryLayout<MimicCPUState>.offset(of: \.request)!
    static let eflagsRest = MemoryLayout<MimicCPUState>.offset(of: \.eflags_rest)!
    static let gpr = MemoryLayout<MimicCPUState>.offset(of: \.gpr)!
}
