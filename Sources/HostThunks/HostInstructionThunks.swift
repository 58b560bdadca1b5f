import Backend
import CCPU
import IR
import X86

/// SSE, MMX and x87 instructions run as themselves, and so do locked read-modify-writes when
/// other threads share guest memory.
///
/// The guest ISA is the host's, so the exact result of a SIMD or floating-point instruction
/// (every rounding mode, NaN payload, 80-bit x87 value and status flag) is what the host
/// produces for the same instruction; and a guest LOCK ADD, XADD, CMPXCHG or XCHG on memory is
/// atomic against every other guest thread when it is that host instruction on that memory
/// (`LifterOptions.atomicLocks`; the x86 memory order of plain loads and stores is the host's
/// own). A thunk is a small C-ABI function, one per distinct
/// encoding, that loads the guest registers the instruction names from the CPU state into the
/// same host registers, runs the instruction (its memory operand rebased onto guest memory),
/// and stores them back. Both backends reach it as an ordinary helper call.
///
/// Thunk layout (rdi = cpu, rsi = the guest address of the memory operand):
///
///     push  callee-saved registers the instruction names
///     push  landing            ; [rsp + 8]: where a fault resumes (host_fault.h)
///     push  rdi                ; [rsp]: the CPU state, for the fault handler
///     mov   C, rdi             ; C, A, T: scratch registers the instruction does not name
///     cmp   rsi, [C + mem_last[k]] ; ja out_of_range ; lea A, [rsi + mem_base]
///     fxrstor [C + x87]        ; x87/MMX instructions
///     stmxcsr [rsp - 16] ; ldmxcsr [C + mxcsr]  ; instructions that use MXCSR
///     movdqu xmmN, [C + xmm[N]] ... ; mov gprN, [C + gpr[N]] ...
///     push [C + flags] ; popfq ; if it reads EFLAGS
///     <the instruction>        ; LOCK kept: a locked read-modify-write is atomic on the host
///     mov [C + gpr[N]], gprN ... ; movdqu [C + xmm[N]], xmmN ...
///     pushfq ; pop T ; and T, status flags ; mov [C + flags], T   ; if it writes EFLAGS
///                              ; (or T with the flags it keeps from [C + flags])
///     stmxcsr [C + mxcsr] ; ldmxcsr [rsp - 16]  /  fxsave [C + x87] ; fninit
///     add rsp, 16 ; pop callee-saved ; ret
public final class HostInstructionThunks: @unchecked Sendable {
    /// The process's thunks: helpers are process-wide, and so are the thunks they point at.
    public static let shared: HostInstructionThunks? = try? HostInstructionThunks()

    private let buffer: CodeBuffer
    private var cache: [GuestEncoding: Int] = [:]
    /// Every instruction encoding seen so far and its helper (nil: #UD).
    private var byBytes: [RawEncoding: KnownEncoding] = [:]
    private let lock = Lock()

    init() throws {
        buffer = try CodeBuffer(capacity: 16 << 20)
        _ = mimic_host_fault_install()
        _ = mimic_host_fault_register(buffer.executable, buffer.capacity, Int32(MIMIC_FAULT_REGION_THUNKS), nil)
    }

    /// Whether `insn` is one of the instructions thunks run (the lifter lifts everything else).
    public static func handles(_ insn: Instruction) -> Bool {
        let m = insn.mnemonic.rawValue
        if m >= Mnemonic.fadd.rawValue && m <= Mnemonic.ffreep.rawValue { return true }
        if m >= Mnemonic.movups.rawValue && m <= Mnemonic.gf2p8affineinvqb.rawValue { return true }
        switch insn.mnemonic {
        case .emms, .ldmxcsr, .stmxcsr, .fxsave, .fxrstor, .fxsave64, .fxrstor64: return true
        default: return false
        }
    }

    /// The helper that runs `insn` (whose encoding is `bytes`), built on first use; nil when it
    /// cannot run as a host instruction (VEX/EVEX forms, which CPUID does not report, an
    /// implicit memory operand, RSP as a register operand): the guest gets #UD.
    public func helper(for insn: Instruction, bytes: UnsafeRawBufferPointer) -> Int? {
        guard !insn.prefixes.contains(.vex), !insn.prefixes.contains(.evex),
              let raw = RawEncoding(bytes) else { return nil }
        // The same bytes come back often (each translation of the same code, the same
        // instruction in another function): they are looked up as two words first, before
        // the parse into the parts a thunk depends on.
        if let known = lock.withLock({ byBytes[raw] }) { return known.index }
        let index = parsedHelper(for: insn, bytes: Array(bytes))
        lock.withLock { byBytes[raw] = KnownEncoding(index: index) }
        return index
    }

    private func parsedHelper(for insn: Instruction, bytes: [UInt8]) -> Int? {
        guard let encoding = GuestEncoding(bytes) else { return nil }
        return lock.withLock {
            if let index = cache[encoding] { return index }
            guard let plan = ThunkPlan(insn, encoding), let code = assemble(plan) else { return nil }
            let function = unsafeBitCast(code, to: HelperFunction.self)
            let index = Helpers.register(Helper(namedBy: { "host " + insn.description }, function: function, argumentCount: 1,
                                                returnsValue: false, flags: [.readsState, .writesState, .mayRaise]))
            cache[encoding] = index
            return index
        }
    }

    private func assemble(_ plan: ThunkPlan) -> UnsafeRawPointer? {
        // The landing's address is an 8-byte immediate near the start, known once the code
        // after it is: emitted as zero, then filled in.
        let origin = UInt(bitPattern: buffer.nextAddress)
        var e = X86Encoder(origin: origin, capacity: 256)
        let (landingOffset, landingImmediate) = plan.emit(&e)
        var bytes = e.bytes
        withUnsafeBytes(of: UInt64(origin + UInt(landingOffset)).littleEndian) { address in
            bytes.replaceSubrange(landingImmediate..<landingImmediate + 8, with: address)
        }
        return buffer.append(bytes)
    }
}

/// An instruction's bytes (at most 15) as two words, the length in the top byte.
struct RawEncoding: Hashable {
    var low: UInt64 = 0
    var high: UInt64 = 0

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0, bytes.count <= 15 else { return nil }
        withUnsafeMutableBytes(of: &self) { $0.copyMemory(from: bytes) }
        high |= UInt64(bytes.count) << 56
    }
}

/// A looked-up encoding's helper, nil when the instruction cannot run on the host.
struct KnownEncoding {
    var index: Int?
}

/// What one thunk loads, runs and stores.
struct ThunkPlan {
    var encoding: GuestEncoding
    /// Guest GPRs the instruction reads or writes (explicit and implicit operands), each run in
    /// the host register of the same number.
    var gprs: [UInt8]
    /// The ModRM reg field names RSP (SPL, SP, ESP, RSP), which stays the host's stack pointer
    /// (the thunk's frame, the signal handler's stack): the instruction runs with a scratch
    /// register there instead, loaded from and stored back to the guest's RSP.
    var renamesStackPointer = false
    /// AH, CH, DH or BH is an operand: the re-encoded instruction must carry no REX prefix, so
    /// the memory base is one of the eight legacy registers.
    var namesHighByte = false
    /// BTS/BTR/BTC with a register bit offset: the lifter has already moved the address to the
    /// operand-sized unit holding the bit, so the register is loaded reduced modulo the operand
    /// width (the host then stays inside that unit) and is not stored back.
    var bitOffsetRegister: UInt8?
    /// The operand width in bits less one: what the bit offset is reduced with.
    var bitOffsetMask: Int32 = 0
    var xmms: [UInt8]
    var usesX87: Bool
    var usesMXCSR: Bool
    var readsFlags: Bool
    var writesFlags: Bool
    /// Status flags that a flag-writing instruction leaves alone (see `keptFlags(_:)`).
    var keptFlags: Int32 = 0
    /// The instruction writes its memory operand (a locked read-modify-write or XCHG): an
    /// out-of-range access is then a write fault.
    var writesMemory = false
    /// log2 of the memory operand's size rounded up (an index into mem_last), or nil.
    var memorySizeClass: Int?

    init?(_ insn: Instruction, _ encoding: GuestEncoding) {
        self.encoding = encoding
        var gprs = Set<UInt8>(), xmms = Set<UInt8>()
        var x87 = insn.map == .x87
        var memoryBytes: Int?
        var stackPointer = false
        for i in 0..<insn.operandCount {
            switch insn[i] {
            case .register(let r):
                switch r.file {
                case .gpr8, .gpr16, .gpr32, .gpr64:
                    if r.number == 4 { stackPointer = true } else { gprs.insert(r.number) }
                case .gpr8High:
                    gprs.insert(r.number - 4)
                    namesHighByte = true
                case .xmm: xmms.insert(r.number)
                case .mmx, .st: x87 = true
                default: return nil  // YMM and other registers do not occur here
                }
            case .memory(let m):
                memoryBytes = Int(m.bytes)
            case .immediate, .none:
                break
            case .relative, .farPointer:
                return nil
            }
        }
        let atomic = ThunkPlan.isAtomicReadModifyWrite(insn, encoding)
        switch insn.mnemonic {
        case .pcmpestri: gprs.formUnion([0, 1, 2])
        case .pcmpestrm: gprs.formUnion([0, 2]); xmms.insert(0)
        case .pcmpistri: gprs.insert(1)
        case .pcmpistrm, .pblendvb, .blendvps, .blendvpd, .sha256rnds2: xmms.insert(0)
        case .maskmovq, .maskmovdqu: return nil  // the store goes to [rdi]: not a ModRM operand
        case .emms: x87 = true
        case .fxsave, .fxrstor, .fxsave64, .fxrstor64:
            x87 = true
            xmms.formUnion(0..<16)
            memoryBytes = 512
        case .cmpxchg: gprs.insert(0)
        case .cmpxchg8b, .cmpxchg16b:
            gprs.formUnion([0, 1, 2, 3])
            memoryBytes = insn.mnemonic == .cmpxchg8b ? 8 : 16
        case .bts, .btr, .btc:
            if case .register(let r) = insn[1] {
                bitOffsetRegister = r.number
                bitOffsetMask = Int32(8 * insn.operandBytes - 1)
            }
        default: break
        }
        if stackPointer {
            // Only the integer instructions here name a GPR in the reg field; an SSE
            // instruction's RSP operand may be in r/m (#UD, as before).
            guard atomic else { return nil }
            renamesStackPointer = true
        }
        guard encoding.hasMemoryOperand == (memoryBytes != nil) else { return nil }
        if insn.map == .oneByte || insn.map == .map0F && !ThunkPlan.isSIMD(insn.mnemonic) {
            // Integer instructions run here only to be atomic.
            guard atomic else { return nil }
        }
        self.gprs = gprs.sorted()
        self.xmms = xmms.sorted()
        usesX87 = x87
        usesMXCSR = ThunkPlan.usesMXCSR(insn.mnemonic)
        readsFlags = insn.mnemonic == .fcmovcc || ThunkPlan.readsFlags(insn.mnemonic)
        writesFlags = ThunkPlan.writesFlags(insn.mnemonic)
        keptFlags = ThunkPlan.keptFlags(insn.mnemonic)
        writesMemory = atomic
        if let bytes = memoryBytes {
            // An operand of unstated size (FNSTENV, FNSAVE, ...) is checked as the largest, 512.
            let size = bytes == 0 ? 512 : bytes
            memorySizeClass = min(9, Int.bitWidth - (size - 1).leadingZeroBitCount)
        }
    }

    /// The integer read-modify-writes the thunks make atomic: LOCK with a memory destination
    /// (the decoder has refused LOCK anywhere else), and XCHG with memory, locked without it.
    static func isAtomicReadModifyWrite(_ insn: Instruction, _ encoding: GuestEncoding) -> Bool {
        guard encoding.hasMemoryOperand else { return false }
        switch insn.mnemonic {
        case .add, .or, .adc, .sbb, .and, .sub, .xor, .inc, .dec, .not, .neg,
             .cmpxchg, .xadd, .bts, .btr, .btc, .cmpxchg8b, .cmpxchg16b:
            return encoding.lock && insn.prefixes.contains(.lock)
        case .xchg:
            return true
        default:
            return false
        }
    }

    /// The 0F-map instructions that are SSE or MMX (the rest of the map is integer).
    static func isSIMD(_ m: Mnemonic) -> Bool {
        m.rawValue >= Mnemonic.movups.rawValue && m.rawValue <= Mnemonic.gf2p8affineinvqb.rawValue
            || m == .emms || m == .ldmxcsr || m == .stmxcsr || m == .fxsave || m == .fxrstor
            || m == .fxsave64 || m == .fxrstor64
    }

    /// Integer instructions whose result depends on the flags (ADC and SBB read CF), and BTS,
    /// BTR and BTC, whose OF SF AF PF the SDM leaves undefined: the thunk loads the guest's
    /// flags into the host's first, so what it captures after is the host's own behaviour.
    static func readsFlags(_ m: Mnemonic) -> Bool {
        switch m {
        case .adc, .sbb, .bts, .btr, .btc: true
        default: false
        }
    }

    /// The status flags an instruction leaves as they were, all others it writes being defined:
    /// INC and DEC keep CF, CMPXCHG8B/16B keep all but ZF. The thunk merges them from the guest's
    /// flags after the instruction (cheaper than loading the host's flags with POPFQ first).
    static func keptFlags(_ m: Mnemonic) -> Int32 {
        switch m {
        case .inc, .dec: 0x1
        case .cmpxchg8b, .cmpxchg16b: statusFlags & ~0x40
        default: 0
        }
    }

    /// Instructions whose result depends on MXCSR (rounding, denormal handling) or that set its
    /// exception flags, and the instructions that read or write MXCSR itself.
    static func usesMXCSR(_ m: Mnemonic) -> Bool {
        switch m {
        case .addps, .addpd, .addss, .addsd, .subps, .subpd, .subss, .subsd,
             .mulps, .mulpd, .mulss, .mulsd, .divps, .divpd, .divss, .divsd,
             .minps, .minpd, .minss, .minsd, .maxps, .maxpd, .maxss, .maxsd,
             .sqrtps, .sqrtpd, .sqrtss, .sqrtsd, .cmpps, .cmppd, .cmpss, .cmpsd,
             .ucomiss, .ucomisd, .comiss, .comisd,
             .haddpd, .haddps, .hsubpd, .hsubps, .addsubpd, .addsubps, .dpps, .dppd,
             .roundps, .roundpd, .roundss, .roundsd,
             .cvtpi2ps, .cvtpi2pd, .cvtsi2ss, .cvtsi2sd, .cvttps2pi, .cvttpd2pi, .cvttss2si, .cvttsd2si,
             .cvtps2pi, .cvtpd2pi, .cvtss2si, .cvtsd2si, .cvtps2pd, .cvtpd2ps, .cvtss2sd, .cvtsd2ss,
             .cvtdq2ps, .cvtps2dq, .cvttps2dq, .cvttpd2dq, .cvtdq2pd, .cvtpd2dq,
             .ldmxcsr, .stmxcsr, .fxsave, .fxrstor, .fxsave64, .fxrstor64:
            return true
        default:
            return false
        }
    }

    /// Instructions that write the status flags (all six: those they do not set they clear, or
    /// keep as `readsFlags(_:)` and `keptFlags(_:)` say).
    static func writesFlags(_ m: Mnemonic) -> Bool {
        switch m {
        case .ucomiss, .ucomisd, .comiss, .comisd, .ptest, .pcmpestri, .pcmpestrm, .pcmpistri, .pcmpistrm,
             .fcomi, .fcomip, .fucomi, .fucomip:
            return true
        case .add, .or, .adc, .sbb, .and, .sub, .xor, .inc, .dec, .neg,
             .cmpxchg, .xadd, .bts, .btr, .btc, .cmpxchg8b, .cmpxchg16b:
            return true
        default:
            return false
        }
    }

    static let calleeSaved: Set<UInt8> = [3, 5, 12, 13, 14, 15]
    /// Caller-saved registers that can be a memory base without SIB or displacement.
    static let scratchPool: [GPR] = [.r11, .r10, .r9, .r8, .rsi, .rdi, .rdx, .rcx, .rax]

    static let gprOffset = Int32(MemoryLayout<MimicCPUState>.offset(of: \.gpr)!)
    static let xmmOffset = Int32(MemoryLayout<MimicCPUState>.offset(of: \.xmm)!)
    static let x87Offset = Int32(MemoryLayout<MimicCPUState>.offset(of: \.x87)!)
    static let mxcsrOffset = Int32(MemoryLayout<MimicCPUState>.offset(of: \.mxcsr)!)
    static let flagsOffset = Int32(MemoryLayout<MimicCPUState>.offset(of: \.flags)!)
    static let memBaseOffset = Int32(MemoryLayout<MimicCPUState>.offset(of: \.mem_base)!)
    static let memLastOffset = Int32(MemoryLayout<MimicCPUState>.offset(of: \.mem_last)!)
    static let exceptionOffset = Int32(MemoryLayout<MimicCPUState>.offset(of: \.exception)!)
    static let errorCodeOffset = Int32(MemoryLayout<MimicCPUState>.offset(of: \.error_code)!)
    static let faultAddressOffset = Int32(MemoryLayout<MimicCPUState>.offset(of: \.fault_address)!)
    /// CF PF AF ZF SF OF.
    static let statusFlags: Int32 = 0x8D5
    static let defaultMXCSR: Int32 = 0x1F80

    /// Emits the thunk with a zero where the landing's address goes; returns the landing's
    /// offset and that immediate's.
    func emit(_ e: inout X86Encoder) -> (landing: Int, landingImmediate: Int) {
        var free = ThunkPlan.scratchPool.filter { !gprs.contains($0.rawValue) }
        func take(_ allowed: (GPR) -> Bool = { _ in true }) -> GPR {
            free.remove(at: free.firstIndex(where: allowed)!)
        }
        // C, A, T: the CPU state, the memory operand's host address, a temporary.
        let a = take { !namesHighByte || $0.rawValue < 8 }
        let c = take(), t = take()
        let standIn = renamesStackPointer ? take() : nil
        let saved = gprs.filter { ThunkPlan.calleeSaved.contains($0) }.map { GPR(rawValue: $0)! }
        // Where each guest register runs, and whether the thunk stores it back.
        var registers = gprs.map { (guest: $0, host: GPR(rawValue: $0)!, storedBack: $0 != bitOffsetRegister) }
        if let standIn { registers.append((guest: 4, host: standIn, storedBack: bitOffsetRegister != 4)) }

        for r in saved { e.push(r) }
        e.movImm64(t, 0)
        let landingImmediate = e.offset - 8
        e.push(t)
        e.push(.rdi)
        e.mov(.b64, c, .rdi)
        let outOfRange = e.newLabel()
        if let k = memorySizeClass {
            e.alu(.cmp, .b64, .rsi, Mem(c, ThunkPlan.memLastOffset + 8 * Int32(k)))
            e.jcc(.a, outOfRange)
            e.mov(.b64, a, .rsi)
            e.alu(.add, .b64, a, Mem(c, ThunkPlan.memBaseOffset))
        }
        if usesX87 { e.fxrstor(Mem(c, ThunkPlan.x87Offset)) }
        if usesMXCSR {
            // Below the slot that pushing the flags (readsFlags, writesFlags) overwrites.
            e.stmxcsr(Mem(.rsp, -16))
            e.ldmxcsr(Mem(c, ThunkPlan.mxcsrOffset))
        }
        for x in xmms { e.movdquLoad(xmm: x, Mem(c, ThunkPlan.xmmOffset + 16 * Int32(x))) }
        for r in registers { e.mov(.b64, r.host, Mem(c, ThunkPlan.gprOffset + 8 * Int32(r.guest))) }
        if let guest = bitOffsetRegister, let r = registers.first(where: { $0.guest == guest }) {
            e.alu(.and, .b64, r.host, imm: bitOffsetMask)
        }
        if readsFlags {
            e.push(Mem(c, ThunkPlan.flagsOffset))
            e.popFlags()
        }

        e.instruction(encoding.reencoded(memoryBase: memorySizeClass == nil ? nil : a.rawValue, register: standIn?.rawValue))

        for r in registers where r.storedBack { e.mov(.b64, Mem(c, ThunkPlan.gprOffset + 8 * Int32(r.guest)), r.host) }
        for x in xmms { e.movdquStore(Mem(c, ThunkPlan.xmmOffset + 16 * Int32(x)), xmm: x) }
        if writesFlags {
            e.pushFlags()
            e.pop(t)
            e.alu(.and, .b64, t, imm: ThunkPlan.statusFlags & ~keptFlags)
            if keptFlags != 0 {
                // A is free once the instruction has run.
                e.mov(.b64, a, Mem(c, ThunkPlan.flagsOffset))
                e.alu(.and, .b64, a, imm: keptFlags)
                e.alu(.or, .b64, t, a)
            }
            e.mov(.b64, Mem(c, ThunkPlan.flagsOffset), t)
        }
        if usesMXCSR {
            e.stmxcsr(Mem(c, ThunkPlan.mxcsrOffset))
            e.ldmxcsr(Mem(.rsp, -16))
        }
        if usesX87 {
            e.fxsave(Mem(c, ThunkPlan.x87Offset))
            e.fninit()
        }
        let done = e.newLabel()
        e.bind(done)
        e.alu(.add, .b64, .rsp, imm: 16)
        for r in saved.reversed() { e.pop(r) }
        e.ret()

        e.bind(outOfRange)
        e.mov(.b64, Mem(c, ThunkPlan.exceptionOffset), imm: Int32(MIMIC_EXC_PF))
        e.mov(.b64, Mem(c, ThunkPlan.errorCodeOffset), imm: writesMemory ? 2 : 0)
        e.mov(.b64, Mem(c, ThunkPlan.faultAddressOffset), .rsi)
        e.jmp(done)

        // Where the fault handler resumes: guest registers may be in callee-saved host
        // registers and MXCSR or the x87 unit may hold guest state; put the host's back.
        let landing = e.offset
        e.mov(.b32, Mem(.rsp, -8), imm: ThunkPlan.defaultMXCSR)
        e.ldmxcsr(Mem(.rsp, -8))
        e.fninit()
        e.jmp(done)
        return (landing, landingImmediate)
    }
}
