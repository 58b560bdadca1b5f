/// A segment register with its hidden part, as the processor holds it after loading a
/// descriptor (Intel SDM vol. 3, 3.4.3 and 3.4.5).
public struct SegmentRegister: Equatable, Sendable {
    public var selector: UInt16
    public var base: UInt64
    /// Byte-granular limit (the descriptor's limit already scaled by G).
    public var limit: UInt32
    /// Descriptor type field (bits 3-0 of the access byte): for code/data, bit 3 = code,
    /// then conforming/expand-down, readable/writable, accessed; for system segments, the type.
    public var type: UInt8
    /// S: 1 for code or data, 0 for system segments (TSS, LDT).
    public var codeOrData: Bool
    public var dpl: UInt8
    public var present: Bool
    public var available: Bool
    /// L: 64-bit code segment.
    public var long: Bool
    /// D/B: 32-bit default operand size (code) or stack size (data).
    public var defaultBig: Bool
    /// G: the descriptor limit counts 4K units.
    public var granularity: Bool
    /// A null selector loaded into a data segment register.
    public var unusable: Bool

    public init(selector: UInt16, base: UInt64, limit: UInt32, type: UInt8, codeOrData: Bool, dpl: UInt8,
                present: Bool = true, available: Bool = false, long: Bool = false, defaultBig: Bool = false,
                granularity: Bool = false, unusable: Bool = false) {
        self.selector = selector; self.base = base; self.limit = limit; self.type = type
        self.codeOrData = codeOrData; self.dpl = dpl; self.present = present; self.available = available
        self.long = long; self.defaultBig = defaultBig; self.granularity = granularity; self.unusable = unusable
    }

    /// Type values for code and data descriptors (SDM vol. 3, table 3-1) and system ones (table 3-2).
    public enum TypeField {
        public static let dataReadWriteAccessed: UInt8 = 0x3
        public static let codeExecuteReadAccessed: UInt8 = 0xB
        public static let ldt: UInt8 = 0x2
        public static let tss32Busy: UInt8 = 0xB
    }

    public static let null = SegmentRegister(selector: 0, base: 0, limit: 0, type: 0, codeOrData: false, dpl: 0,
                                             present: false, unusable: true)
}

/// GDTR or IDTR.
public struct DescriptorTableRegister: Equatable, Sendable {
    public var base: UInt64
    public var limit: UInt16
    public init(base: UInt64, limit: UInt16) { self.base = base; self.limit = limit }
}

/// The general-purpose registers, by name.
public struct GeneralRegisters: Equatable, Sendable {
    public var rax: UInt64 = 0, rcx: UInt64 = 0, rdx: UInt64 = 0, rbx: UInt64 = 0
    public var rsp: UInt64 = 0, rbp: UInt64 = 0, rsi: UInt64 = 0, rdi: UInt64 = 0
    public var r8: UInt64 = 0, r9: UInt64 = 0, r10: UInt64 = 0, r11: UInt64 = 0
    public var r12: UInt64 = 0, r13: UInt64 = 0, r14: UInt64 = 0, r15: UInt64 = 0
    public init() {}
}

/// The architectural state of one x86 processor that a system-mode accelerator must carry:
/// what the boot protocol sets, what a register dump shows, and what every accelerator
/// converts to and from its own representation (kvm_regs/kvm_sregs, Mimic's CPU state).
public struct SystemCPUState: Equatable, Sendable {
    public var gpr = GeneralRegisters()
    public var rip: UInt64 = 0
    /// Bit 1 always reads as 1.
    public var rflags: UInt64 = 0x2

    public var cs = SegmentRegister.null
    public var ds = SegmentRegister.null
    public var es = SegmentRegister.null
    public var fs = SegmentRegister.null
    public var gs = SegmentRegister.null
    public var ss = SegmentRegister.null
    public var tr = SegmentRegister.null
    public var ldtr = SegmentRegister.null
    public var gdtr = DescriptorTableRegister(base: 0, limit: 0xFFFF)
    public var idtr = DescriptorTableRegister(base: 0, limit: 0xFFFF)

    public var cr0: UInt64 = 0
    public var cr2: UInt64 = 0
    public var cr3: UInt64 = 0
    public var cr4: UInt64 = 0
    public var cr8: UInt64 = 0
    public var efer: UInt64 = 0
    public var apicBase: UInt64 = 0xFEE0_0900   // enabled, bootstrap processor

    public init() {}

    /// Control register bits the boot protocol and the register dump name.
    public enum CR0 {
        public static let pe: UInt64 = 1 << 0
        public static let et: UInt64 = 1 << 4
        public static let pg: UInt64 = 1 << 31
    }
    public enum EFER {
        public static let lme: UInt64 = 1 << 8
        public static let lma: UInt64 = 1 << 10
    }

    /// The PVH entry state (PVH boot ABI, "x86/HVM direct boot ABI"): 32-bit flat protected mode,
    /// CS a 32-bit read/execute code segment and DS/ES/FS/GS/SS 32-bit read/write data segments,
    /// all base 0 limit 4G; TR a 32-bit TSS (busy) with base 0 and limit 0x67; CR0.PE set and
    /// paging off; CR4 clear; EFLAGS with only the reserved bit 1; EBX the start-info address.
    /// The GDT is the guest's business: it must load its own before reloading a segment.
    public static func pvhEntry(entry: UInt32, startInfo: UInt32) -> SystemCPUState {
        var s = SystemCPUState()
        let code = SegmentRegister(selector: 0x10, base: 0, limit: 0xFFFF_FFFF, type: SegmentRegister.TypeField.codeExecuteReadAccessed,
                                   codeOrData: true, dpl: 0, defaultBig: true, granularity: true)
        let data = SegmentRegister(selector: 0x18, base: 0, limit: 0xFFFF_FFFF, type: SegmentRegister.TypeField.dataReadWriteAccessed,
                                   codeOrData: true, dpl: 0, defaultBig: true, granularity: true)
        s.cs = code
        s.ds = data; s.es = data; s.fs = data; s.gs = data; s.ss = data
        s.tr = SegmentRegister(selector: 0x20, base: 0, limit: 0x67, type: SegmentRegister.TypeField.tss32Busy, codeOrData: false, dpl: 0)
        s.ldtr = SegmentRegister(selector: 0, base: 0, limit: 0xFFFF, type: SegmentRegister.TypeField.ldt, codeOrData: false, dpl: 0)
        s.cr0 = CR0.pe | CR0.et
        s.rip = UInt64(entry)
        s.gpr.rbx = UInt64(startInfo)
        return s
    }
}
