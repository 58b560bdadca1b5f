import CCPU
import IR
import Lifter
import X86
#if canImport(Glibc)
import Glibc
#endif

/// What the engine keeps for system mode (a whole machine): guest memory is the machine's RAM
/// reached through the guest's page tables, blocks are cached per pc and translation flags
/// (`MimicSystemState.tb_flags`: CPL, code size), and the loop serves MIMIC_REQ_SYSTEM.
final class SystemModeState {
    /// One lifter per translation flags seen.
    var lifters: [UInt32: Lifter] = [:]
    /// The flags the jump cache was filled under: generated code probes it by pc alone.
    var jumpCacheFlags: UInt32 = 0
    /// Where code that runs into the next page is assembled for the translator.
    let fetchBuffer = UnsafeMutableRawPointer.allocate(byteCount: 4096 + 16, alignment: 16)
    let translationFlags: UnsafeMutablePointer<UInt32>
    /// Where the last block's bytes were fetched from (`systemCode`): pc's physical address,
    /// and the next page's when the fetch went on into it.
    var fetchedFrames: (UInt64, UInt64?) = (0, nil)
    /// Whether translations mark their code (not the one-instruction step after a code write).
    var marksCode = true
    /// `MimicSystemState.code_chunks`: one mask per page of RAM.
    let codeChunks: UnsafeMutablePointer<UInt64>

    init(_ cpu: UnsafeMutablePointer<MimicCPUState>, ramSize: UInt64) {
        translationFlags = (UnsafeMutableRawPointer(cpu) + MemoryLayout<MimicCPUState>.offset(of: \.sys.tb_flags)!)
            .assumingMemoryBound(to: UInt32.self)
        let pages = Int((ramSize + 4095) >> 12)
        codeChunks = .allocate(capacity: pages)
        codeChunks.initialize(repeating: 0, count: pages)
    }

    deinit {
        fetchBuffer.deallocate()
        codeChunks.deallocate()
    }
}

extension Engine {
    /// A system-mode engine over guest physical RAM of `size` bytes at host `base`. The caller
    /// fills the state's `sys` (segments, control registers, `tb_flags`, the buses) before `run`.
    public convenience init(systemRAM base: UnsafeMutableRawPointer, size: UInt64, accel: Accel,
                            options: EngineOptions = EngineOptions()) throws {
        // Linear guest memory is not used: every access goes through the software TLB.
        try self.init(memory: GuestMemory(size: GuestMemory.pageSize), accel: accel, options: options)
        let system = SystemModeState(cpu, ramSize: size)
        self.system = system
        cpu.pointee.sys.ram_base = UInt64(UInt(bitPattern: base))
        cpu.pointee.sys.ram_size = size
        cpu.pointee.sys.code_chunks = system.codeChunks
        cpu.pointee.eflags_rest = 0x2
        SystemCPU(cpu).flushTLB()
    }

    /// The block cache's key for `pc`: the pc (canonical: 48 significant bits) with the
    /// translation flags above it in system mode.
    @inline(__always)
    func blockKey(_ pc: UInt64) -> UInt64 {
        guard let system else { return pc }
        return pc & 0x0000_FFFF_FFFF_FFFF | UInt64(system.translationFlags.pointee) << 48
    }

    /// The lifter for the current translation flags.
    func systemLifter(_ system: SystemModeState) -> Lifter {
        let flags = system.translationFlags.pointee
        if let lifter = system.lifters[flags] { return lifter }
        let (mode, options) = LifterOptions.system(flags: flags)
        let lifter = Lifter(mode: mode, options: options)
        system.lifters[flags] = lifter
        return lifter
    }

    /// Whether code at `pc` may be fetched at the current privilege; if not, the fault
    /// (#PF with I/D, or #GP for a non-canonical pc) is raised in the CPU state.
    func systemCodeIsFetchable(_ pc: UInt64) -> Bool {
        let cpu = SystemCPU(self.cpu)
        do {
            _ = try cpu.translate(pc, .fetch, user: self.cpu.pointee.sys.cpl == 3)
            return true
        } catch {
            self.cpu.pointee.exception = UInt64(error.vector)
            self.cpu.pointee.error_code = error.errorCode
            self.cpu.pointee.fault_address = error.address
            return false
        }
    }

    /// The guest bytes a block at `pc` may be translated from: the rest of pc's page, and the
    /// first bytes of the next one when it may be fetched too (an instruction may straddle).
    func systemCode(_ system: SystemModeState, at pc: UInt64) -> (UnsafeRawBufferPointer, UInt64) {
        let cpu = SystemCPU(self.cpu)
        let user = self.cpu.pointee.sys.cpl == 3
        let inPage = Int(4096 - pc & 4095)
        let buffer = system.fetchBuffer
        var count = 0
        /// The physical address the bytes came from; nil when they may not be fetched.
        func copy(_ linear: UInt64, _ bytes: Int) -> UInt64? {
            guard let physical = try? cpu.translate(linear, .fetch, user: user) else { return nil }
            let base = self.cpu.pointee.sys.ram_base, size = self.cpu.pointee.sys.ram_size
            if physical < size, size - physical >= UInt64(bytes),
               let host = UnsafeRawPointer(bitPattern: UInt(base &+ physical)) {
                (buffer + count).copyMemory(from: host, byteCount: bytes)
            } else {
                // Not RAM: the bus reads all ones there.
                (buffer + count).initializeMemory(as: UInt8.self, repeating: 0xFF, count: bytes)
            }
            count += bytes
            return physical
        }
        system.fetchedFrames = (0, nil)
        if let physical = copy(pc, inPage) {
            system.fetchedFrames = (physical, copy(pc &+ UInt64(inPage), 15))
        }
        return (UnsafeRawBufferPointer(start: buffer, count: count), pc)
    }

    /// Makes a lifted block's memory accesses virtual (see `SystemMemory.prepare`), and marks
    /// the physical bytes its code came from.
    func prepareSystemBlock(_ ir: inout IRBlock) {
        guard let system else { return }
        SystemMemory.prepare(&ir, user: system.translationFlags.pointee & UInt32(MIMIC_TB_CPL) == 3,
                             throughHelpers: jit == nil)
        if system.marksCode { markSystemCode(system, ir) }
    }

    /// Marks the bytes from the block's pc to the end of its last instruction as code, on pc's
    /// page and, for a block whose last instruction runs into the next page, on that one.
    private func markSystemCode(_ system: SystemModeState, _ ir: IRBlock) {
        guard let last = ir.insts.last(where: { $0.op == .insnStart }) else { return }
        let pc = ir.guestPC
        let lastPC = UInt64(bitPattern: last.imm)
        let (mode, _) = LifterOptions.system(flags: system.translationFlags.pointee)
        let offset = Int(lastPC &- pc)
        let bytes = UnsafeRawBufferPointer(start: system.fetchBuffer + offset, count: 4096 + 15 - offset)
        let length = Decoder(mode: mode).decode(bytes, address: lastPC).map { Int($0.length) } ?? 1
        let end = lastPC &+ UInt64(length)
        let pageEnd = (pc | 4095) &+ 1
        let cpu = SystemCPU(self.cpu)
        cpu.markCode(system.fetchedFrames.0, system.fetchedFrames.0 &+ (min(end, pageEnd) &- pc))
        if end > pageEnd, let next = system.fetchedFrames.1 {
            cpu.markCode(next, next &+ (end &- pageEnd))
        }
    }

    /// MIMIC_EXC_CODE_WRITE (see system_state.h): drops every translation and runs the
    /// writing instruction from a translation that marks nothing; the caller then goes on with
    /// `run`. Returns how that instruction stopped, if it did.
    public func serveCodeWrite() -> StopReason? {
        guard let system else { return nil }
        flush()
        SystemCPU(cpu).forgetCode()
        counts.codeInvalidations += 1
        system.marksCode = false
        defer { system.marksCode = true }
        return stepWithoutMarkingCode()
    }

    /// MIMIC_REQ_SYSTEM, and every entry to `run`: drops the translations when the code
    /// mappings changed, and the jump cache when the translation flags did.
    func serveSystemChange() {
        guard let system else { return }
        if cpu.pointee.sys.flush & UInt32(MIMIC_FLUSH_CODE) != 0 {
            cpu.pointee.sys.flush = 0
            flush()
            SystemCPU(cpu).forgetCode()
        }
        let flags = system.translationFlags.pointee
        if flags != system.jumpCacheFlags {
            jumpCache.update(repeating: MimicJumpCacheEntry(tag: ~0, code: 0), count: Engine.jumpCacheEntries)
            system.jumpCacheFlags = flags
        }
    }

    /// Whether generated code left with MIMIC_REQ_SYSTEM (served here; the loop goes on).
    @inline(__always)
    func servedSystemRequest(_ reason: Int32) -> Bool {
        guard system != nil, reason == Int32(MIMIC_EXIT_REQUEST), cpu.pointee.request == UInt64(MIMIC_REQ_SYSTEM) else { return false }
        cpu.pointee.request = UInt64(MIMIC_REQ_NONE)
        serveSystemChange()
        return true
    }
}

extension Engine {
    /// Guest instructions executed so far; nil unless the engine counts
    /// (`EngineOptions.countExecutions`).
    public var guestInstructionsExecuted: UInt64? { counters?.executed.instructions }
}
