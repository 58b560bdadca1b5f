import CCPU
import GDBStub
import TCG

/// The TCG engine as the gdb stub sees it, in user mode (guest memory is linear) or system
/// mode (`mimic boot --accel tcg|interp`: memory through the guest's page tables, segment
/// selectors from the machine state). What a guest stop means (a syscall is serviced, an
/// exception delivered, a halt ends the run) is the command's business: `onStop` returns the
/// stop to report, or nil to go on.
final class EngineDebugTarget: DebugTarget {
    let engine: Engine
    let onStop: (StopReason) -> DebugStop?
    let systemMode: Bool

    init(engine: Engine, systemMode: Bool = false, onStop: @escaping (StopReason) -> DebugStop?) {
        self.engine = engine
        self.systemMode = systemMode
        self.onStop = onStop
    }

    /// User-mode selectors, as Linux gives a 64-bit process (CS 0x33, SS 0x2B).
    static let userSegments: [UInt32] = [0x33, 0x2B, 0, 0, 0, 0]

    func readRegisters() -> DebugRegisters { Self.registers(of: engine, systemMode: systemMode) }

    func writeRegisters(_ r: DebugRegisters) { Self.setRegisters(of: engine, to: r) }

    /// `engine`'s CPU as gdb sees it.
    static func registers(of engine: Engine, systemMode: Bool) -> DebugRegisters {
        let cpu = engine.cpu
        var r = DebugRegisters()
        withUnsafeBytes(of: cpu.pointee.gpr) { r.gpr = Array($0.bindMemory(to: UInt64.self)) }
        r.rip = cpu.pointee.rip
        r.eflags = UInt32(truncatingIfNeeded: engine.guestEFLAGS)
        r.segments = systemMode ? systemSegments(cpu) : userSegments
        r.fsBase = cpu.pointee.fs_base
        r.gsBase = cpu.pointee.gs_base
        withUnsafeBytes(of: cpu.pointee.xmm) { xmm in
            r.xmm = (0..<16).map { [xmm.load(fromByteOffset: 16 * $0, as: UInt64.self), xmm.load(fromByteOffset: 16 * $0 + 8, as: UInt64.self)] }
        }
        r.mxcsr = cpu.pointee.mxcsr
        withUnsafeBytes(of: cpu.pointee.x87) { x87 in
            // FXSAVE layout: FCW +0, FSW +2, abridged FTW +4 (bit set: register valid), FOP +6, ST0-7 at +32.
            let abridged = x87[4]
            let tag = (0..<8).reduce(UInt32(0)) { $0 | (abridged >> UInt8($1) & 1 == 1 ? 0 : 3) << UInt32(2 * $1) }
            r.x87Control = [UInt32(x87.load(fromByteOffset: 0, as: UInt16.self)), UInt32(x87.load(fromByteOffset: 2, as: UInt16.self)),
                            tag, 0, 0, 0, 0, UInt32(x87.load(fromByteOffset: 6, as: UInt16.self))]
            r.st = (0..<8).map { Array(x87[32 + 16 * $0 ..< 32 + 16 * $0 + 10]) }
        }
        return r
    }

    static func setRegisters(of engine: Engine, to r: DebugRegisters) {
        let cpu = engine.cpu
        withUnsafeMutableBytes(of: &cpu.pointee.gpr) { gpr in
            for i in 0..<16 { gpr.storeBytes(of: r.gpr[i], toByteOffset: 8 * i, as: UInt64.self) }
        }
        cpu.pointee.rip = r.rip
        engine.guestEFLAGS = UInt64(r.eflags)
        cpu.pointee.fs_base = r.fsBase
        cpu.pointee.gs_base = r.gsBase
        withUnsafeMutableBytes(of: &cpu.pointee.xmm) { xmm in
            for i in 0..<16 {
                xmm.storeBytes(of: r.xmm[i][0], toByteOffset: 16 * i, as: UInt64.self)
                xmm.storeBytes(of: r.xmm[i][1], toByteOffset: 16 * i + 8, as: UInt64.self)
            }
        }
        cpu.pointee.mxcsr = r.mxcsr
        withUnsafeMutableBytes(of: &cpu.pointee.x87) { x87 in
            x87.storeBytes(of: UInt16(truncatingIfNeeded: r.x87Control[0]), toByteOffset: 0, as: UInt16.self)
            x87.storeBytes(of: UInt16(truncatingIfNeeded: r.x87Control[1]), toByteOffset: 2, as: UInt16.self)
            for i in 0..<8 { for j in 0..<10 { x87[32 + 16 * i + j] = r.st[i][j] } }
        }
    }

    /// CS SS DS ES FS GS as gdb orders them, from the machine state's ES..GS.
    static func systemSegments(_ cpu: UnsafeMutablePointer<MimicCPUState>) -> [UInt32] {
        withUnsafeBytes(of: cpu.pointee.sys.seg) { seg in
            let segments = seg.bindMemory(to: MimicSegment.self)
            return [MIMIC_SEG_CS, MIMIC_SEG_SS, MIMIC_SEG_DS, MIMIC_SEG_ES, MIMIC_SEG_FS, MIMIC_SEG_GS].map { UInt32(segments[Int($0)].selector) }
        }
    }

    /// System mode: memory through the page tables the guest has now.
    private var pagedMemory: PagedMemory? {
        guard systemMode else { return nil }
        let sys = engine.cpu.pointee.sys
        guard let ram = UnsafeMutableRawPointer(bitPattern: UInt(sys.ram_base)) else { return nil }
        return PagedMemory(cr0: sys.cr0, cr3: sys.cr3, cr4: sys.cr4, efer: sys.efer, ram: ram, ramSize: sys.ram_size)
    }

    func readMemory(at address: UInt64, count: Int) -> [UInt8]? {
        if systemMode { return pagedMemory?.read(at: address, count: count) }
        return Self.readLinearMemory(of: engine, at: address, count: count)
    }

    func writeMemory(at address: UInt64, _ bytes: [UInt8]) -> Bool {
        if systemMode {
            guard pagedMemory?.write(at: address, bytes) == true else { return false }
            // The bytes may be code that was translated.
            engine.flush()
            return true
        }
        return Self.writeLinearMemory(of: engine, at: address, bytes)
    }

    // MARK: User mode's linear memory

    /// Whether every page of the range is mapped for the guest with `need` (any of it): the
    /// rest of the guest's reservation is no host memory to touch.
    private static func mapped(_ engine: Engine, _ address: UInt64, _ count: Int, _ need: GuestMemory.PageAccess) -> Bool {
        let (end, overflow) = address.addingReportingOverflow(UInt64(count))
        guard !overflow, end <= UInt64(engine.memory.size) else { return false }
        let pageSize = UInt64(1) << UInt64(MIMIC_PAGE_SHIFT)
        var page = address & ~(pageSize - 1)
        while page < end {
            guard let access = engine.memory.access(at: page), !access.isDisjoint(with: need) else { return false }
            page += pageSize
        }
        return true
    }

    static func readLinearMemory(of engine: Engine, at address: UInt64, count: Int) -> [UInt8]? {
        guard mapped(engine, address, count, [.read, .execute]) else { return nil }
        return Array(UnsafeRawBufferPointer(start: engine.memory.base + Int(address), count: count))
    }

    /// Only memory the guest may write (gdb's breakpoints are Z packets, not writes to code).
    static func writeLinearMemory(of engine: Engine, at address: UInt64, _ bytes: [UInt8]) -> Bool {
        guard mapped(engine, address, bytes.count, .write) else { return false }
        // The bytes may be code that was translated: its translations go (and the host
        // protection that catches writes to it with them) before the write.
        engine.flush()
        bytes.withUnsafeBytes { (engine.memory.base + Int(address)).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return true
    }

    func insertBreakpoint(at address: UInt64, hardware: Bool) -> Bool {
        engine.insertBreakpoint(at: address)
        return true
    }

    func removeBreakpoint(at address: UInt64, hardware: Bool) -> Bool {
        engine.removeBreakpoint(at: address)
        return true
    }

    func detach() {
        for address in engine.breakpoints { engine.removeBreakpoint(at: address) }
    }

    func step() -> DebugStop {
        switch engine.step() {
        case .stepped, .breakpoint: return .stepped
        case .interrupted: return .interrupted
        case .stopped(let reason): return onStop(reason) ?? .stepped
        }
    }

    func resume(interrupted: () -> Bool) -> DebugStop {
        while true {
            switch engine.resume(interrupted: interrupted) {
            case .stepped, .breakpoint: return .breakpoint
            case .interrupted: return .interrupted
            case .stopped(let reason):
                if let stop = onStop(reason) { return stop }
            }
        }
    }

    /// The signal gdb shows for a guest exception, as Linux would deliver it.
    static func signal(forVector vector: Int) -> Int32 {
        switch vector {
        case Int(MIMIC_EXC_DE): 8                     // SIGFPE
        case Int(MIMIC_EXC_DB), Int(MIMIC_EXC_BP): 5  // SIGTRAP
        case Int(MIMIC_EXC_UD): 4                     // SIGILL
        case 16, 19: 8                                // #MF, #XM: SIGFPE
        case 17: 7                                    // #AC: SIGBUS
        default: 11                                   // SIGSEGV
        }
    }
}
