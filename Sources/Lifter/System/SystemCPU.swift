import CCPU

/// A guest exception that system-mode semantics raise: the vector, its error code (for the
/// vectors that push one) and, for #PF, the linear address CR2 receives.
public struct Fault: Error, Equatable, Sendable {
    public var vector: Int
    public var errorCode: UInt64
    public var address: UInt64

    public init(_ vector: Int, errorCode: UInt64 = 0, address: UInt64 = 0) {
        self.vector = vector
        self.errorCode = errorCode
        self.address = address
    }

    static let divideError = 0, debug = 1, breakpoint = 3, overflow = 4, invalidOpcode = 6
    static let doubleFault = 8, invalidTSS = 10, segmentNotPresent = 11, stackFault = 12
    static let generalProtection = 13, pageFault = 14

    static func gp(_ code: UInt64 = 0) -> Fault { Fault(generalProtection, errorCode: code) }
    static func np(_ code: UInt64) -> Fault { Fault(segmentNotPresent, errorCode: code) }
    static func ss(_ code: UInt64) -> Fault { Fault(stackFault, errorCode: code) }
    static let ud = Fault(invalidOpcode)

    /// Whether the processor pushes an error code for `vector` (SDM vol. 3, table 6-1).
    public static func pushesErrorCode(_ vector: Int) -> Bool {
        switch vector {
        case 8, 10, 11, 12, 13, 14, 17, 21, 29, 30: return true
        default: return false
        }
    }
}

/// Architectural constants of the system state, named as the SDM names them.
public enum CR0 {
    public static let pe: UInt64 = 1 << 0, mp: UInt64 = 1 << 1, em: UInt64 = 1 << 2, ts: UInt64 = 1 << 3
    public static let et: UInt64 = 1 << 4, ne: UInt64 = 1 << 5, wp: UInt64 = 1 << 16, am: UInt64 = 1 << 18
    public static let nw: UInt64 = 1 << 29, cd: UInt64 = 1 << 30, pg: UInt64 = 1 << 31
    static let writable: UInt64 = pe | mp | em | ts | ne | wp | am | nw | cd | pg
}

public enum CR4 {
    public static let pse: UInt64 = 1 << 4, pae: UInt64 = 1 << 5, pge: UInt64 = 1 << 7
    public static let osfxsr: UInt64 = 1 << 9, osxmmexcpt: UInt64 = 1 << 10
    public static let fsgsbase: UInt64 = 1 << 16, osxsave: UInt64 = 1 << 18
    /// The bits this processor implements; setting any other raises #GP(0).
    static let writable: UInt64 = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 3 | pse | pae | 1 << 6 | pge | 1 << 8
        | osfxsr | osxmmexcpt | fsgsbase
    /// Changing these changes how linear addresses translate.
    static let paging: UInt64 = pse | pae | pge
}

public enum EFER {
    public static let sce: UInt64 = 1 << 0, lme: UInt64 = 1 << 8, lma: UInt64 = 1 << 10, nxe: UInt64 = 1 << 11
    static let writable: UInt64 = sce | lme | nxe
}

public enum RFLAGS {
    public static let cf: UInt64 = 1 << 0, fixed: UInt64 = 1 << 1, tf: UInt64 = 1 << 8, `if`: UInt64 = 1 << 9
    public static let df: UInt64 = 1 << 10, iopl: UInt64 = 3 << 12, nt: UInt64 = 1 << 14
    public static let rf: UInt64 = 1 << 16, vm: UInt64 = 1 << 17, ac: UInt64 = 1 << 18, id: UInt64 = 1 << 21
    /// Every bit a program can change (the status flags, TF, IF, DF, IOPL, NT, RF, AC, ID).
    static let changeable: UInt64 = 0x25_7FD5
}

/// MSR numbers (SDM vol. 4).
public enum MSR {
    public static let tsc: UInt32 = 0x10, apicBase: UInt32 = 0x1B, miscEnable: UInt32 = 0x1A0, pat: UInt32 = 0x277
    public static let efer: UInt32 = 0xC000_0080, star: UInt32 = 0xC000_0081, lstar: UInt32 = 0xC000_0082
    public static let cstar: UInt32 = 0xC000_0083, fmask: UInt32 = 0xC000_0084
    public static let fsBase: UInt32 = 0xC000_0100, gsBase: UInt32 = 0xC000_0101
    public static let kernelGSBase: UInt32 = 0xC000_0102, tscAux: UInt32 = 0xC000_0103
}

/// The system-mode view of one guest CPU: its `MimicCPUState`, with the system half in `sys`.
/// Everything here runs in helpers (slow paths) and in the execution loop, never inline.
public struct SystemCPU {
    public let state: UnsafeMutablePointer<MimicCPUState>

    public init(_ state: UnsafeMutablePointer<MimicCPUState>) { self.state = state }
    init(raw: UnsafeMutableRawPointer) { state = raw.assumingMemoryBound(to: MimicCPUState.self) }

    static let sysOffset = MemoryLayout<MimicCPUState>.offset(of: \.sys)!
    static let segmentOffset = MemoryLayout<MimicCPUState>.offset(of: \.sys.seg)!
    static let tlbOffset = MemoryLayout<MimicCPUState>.offset(of: \.sys.tlb)!

    /// The system half of the state.
    var sys: UnsafeMutablePointer<MimicSystemState> {
        (UnsafeMutableRawPointer(state) + Self.sysOffset).assumingMemoryBound(to: MimicSystemState.self)
    }

    /// Segment register `index` (MIMIC_SEG_*).
    func segment(_ index: Int32) -> UnsafeMutablePointer<MimicSegment> {
        (UnsafeMutableRawPointer(state) + Self.segmentOffset + Int(index) * MemoryLayout<MimicSegment>.stride)
            .assumingMemoryBound(to: MimicSegment.self)
    }

    var gpr: UnsafeMutablePointer<UInt64> {
        (UnsafeMutableRawPointer(state) + MemoryLayout<MimicCPUState>.offset(of: \.gpr)!).assumingMemoryBound(to: UInt64.self)
    }

    var cpl: Int { Int(sys.pointee.cpl) }
    var longMode: Bool { sys.pointee.efer & EFER.lma != 0 }
    /// 64-bit code: CS.L in long mode.
    var code64: Bool { longMode && segment(Int32(MIMIC_SEG_CS)).pointee.attributes & UInt16(MIMIC_SEG_L) != 0 }

    /// EFLAGS as the guest sees it, assembled from the status-flag word, DF and the rest.
    public var rflags: UInt64 {
        get {
            (state.pointee.eflags_rest & ~(0x8D5 | RFLAGS.df)) | state.pointee.flags & 0x8D5 | state.pointee.df << 10 | RFLAGS.fixed
        }
        nonmutating set {
            state.pointee.flags = newValue & 0x8D5
            state.pointee.df = newValue >> 10 & 1
            state.pointee.eflags_rest = newValue & ~(0x8D5 | RFLAGS.df) | RFLAGS.fixed
        }
    }

    /// Recomputes `tb_flags` after CS, the CPL or the paging mode changed.
    func updateTranslationFlags() {
        let cs = segment(Int32(MIMIC_SEG_CS)).pointee
        var flags = UInt32(MIMIC_TB_SYSTEM) | sys.pointee.cpl & UInt32(MIMIC_TB_CPL)
        if code64 { flags |= UInt32(MIMIC_TB_CODE64) }
        if cs.attributes & UInt16(MIMIC_SEG_DB) != 0 { flags |= UInt32(MIMIC_TB_CODE32) }
        sys.pointee.tb_flags = flags
    }

    /// After the state was set from outside (boot, a debugger): recomputes what derives from
    /// it and forgets every cached translation.
    public func resetSystemState() {
        updateTranslationFlags()
        flushTLB()
        sys.pointee.flush |= UInt32(MIMIC_FLUSH_CODE)
    }

    /// Records `fault` for generated code to leave through (a helper's way of raising).
    func raise(_ fault: Fault) {
        state.pointee.exception = UInt64(fault.vector)
        state.pointee.error_code = fault.errorCode
        state.pointee.fault_address = fault.address
    }
}
