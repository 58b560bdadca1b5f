import CCPU
import IR
import X86

/// One translated block.
public struct LiftedBlock {
    public var ir: IRBlock
    public var instructionCount: Int
    /// The first byte after the last instruction.
    public var endAddress: UInt64
    /// The decoded instructions, when `translate` was asked to keep them (for `-d in_asm`).
    public var instructions: [Instruction]?
}

/// Translates x86 guest code into IR, one block at a time.
///
/// Block-ending conventions the runtime and backend rely on: `rip` is written only where the block
/// leaves; every guest instruction starts with `insnStart`; direct jumps leave through `gotoTB`
/// (slot 0 for the fall-through or only successor, slot 1 for a taken Jcc), indirect ones through
/// `lookupAndGoto`, exceptions and requests through `exitTB` with `exception`/`request` set.
public struct Lifter: Sendable {
    public let mode: CPUMode
    public let options: LifterOptions
    let decoder: Decoder
    /// Runs SSE, MMX and x87 instructions; without it they raise #UD.
    public let hostInstructions: HostInstructions?

    public init(mode: CPUMode = .long64, options: LifterOptions = LifterOptions(), hostInstructions: HostInstructions? = nil) {
        self.mode = mode
        self.options = options
        decoder = Decoder(mode: mode)
        self.hostInstructions = hostInstructions
    }

    /// Translates the block starting at `pc`. `code` holds the guest bytes that may be fetched,
    /// starting at guest address `codeAddress` (the whole memory in user mode, a page in system
    /// mode); the block reads forward from `pc`, and its successors are looked at to learn
    /// which flags they overwrite unread.
    public func translate(code: UnsafeRawBufferPointer, codeAddress: UInt64, pc: UInt64, maxInstructions: Int = 512,
                          keepInstructions: Bool = false) -> LiftedBlock {
        translate(code: code, codeAddress: codeAddress, pc: pc, maxInstructions: maxInstructions,
                  keepInstructions: keepInstructions, ir: IRBlock(layout: X86Globals.layout, guestPC: pc))
    }

    /// As `translate(code:codeAddress:pc:maxInstructions:keepInstructions:)`, building the IR in
    /// `storage`, an earlier block's IR that is no longer needed (pass it uniquely held, e.g.
    /// moved out of the caller's variable): its arrays are emptied and reused, which saves the
    /// allocation and release of a block's temp and instruction arrays per translation.
    public func translate(code: UnsafeRawBufferPointer, codeAddress: UInt64, pc: UInt64, maxInstructions: Int = 512,
                          keepInstructions: Bool = false, reusing storage: consuming IRBlock) -> LiftedBlock {
        storage.reset(layout: X86Globals.layout, guestPC: pc)
        return translate(code: code, codeAddress: codeAddress, pc: pc, maxInstructions: maxInstructions,
                         keepInstructions: keepInstructions, ir: storage)
    }

    private func translate(code: UnsafeRawBufferPointer, codeAddress: UInt64, pc: UInt64, maxInstructions: Int,
                           keepInstructions: Bool, ir: consuming IRBlock) -> LiftedBlock {
        let end = codeAddress &+ UInt64(code.count)
        return translate(pc: pc, fetchLimit: pc >= codeAddress && pc <= end ? end : pc,
                         maxInstructions: maxInstructions, keepInstructions: keepInstructions,
                         source: CodeWindow(code: code, codeAddress: codeAddress, decoder: decoder), ir: ir)
    }

    /// Translates the block at `pc` from `code`, which starts at `pc`.
    public func translate(code: UnsafeRawBufferPointer, pc: UInt64, maxInstructions: Int = 512,
                          keepInstructions: Bool = false) -> LiftedBlock {
        translate(code: code, codeAddress: pc, pc: pc, maxInstructions: maxInstructions, keepInstructions: keepInstructions)
    }

    /// Translates the instructions `fetch` returns from `pc` on; nil means the bytes ran out
    /// at or before `fetchLimit`. Instructions that run as host instructions get #UD here:
    /// their encodings are not known.
    func translate(pc: UInt64, fetchLimit: UInt64, maxInstructions: Int, keepInstructions: Bool,
                   fetch: (UInt64) -> Instruction?) -> LiftedBlock {
        withoutActuallyEscaping(fetch) { fetch in
            translate(pc: pc, fetchLimit: fetchLimit, maxInstructions: maxInstructions, keepInstructions: keepInstructions,
                      source: FetchedInstructions(fetch: fetch), ir: IRBlock(layout: X86Globals.layout, guestPC: pc))
        }
    }

    /// Generic over the source so that each is specialized: a decode per guest instruction (and
    /// per look-ahead instruction) is a direct call, with nothing captured or reference counted.
    func translate<Source: InstructionSource>(pc: UInt64, fetchLimit: UInt64, maxInstructions: Int, keepInstructions: Bool,
                                              source: Source, ir: consuming IRBlock) -> LiftedBlock {
        var t = BlockTranslator(ir: ir, insn: Instruction(mnemonic: .nop, address: pc, length: 0), mode: mode, options: options)
        var kept: [Instruction]? = keepInstructions ? [] : nil
        let limit = max(1, maxInstructions)
        var count = 0
        var address = pc
        let host = hostInstructions
        while true {
            if count == limit {
                t.leave(to: address)
                break
            }
            guard source.decode(address, into: &t.insn) else {
                if count == 0 {
                    t.raiseFetchFault(at: pc, faultAddress: fetchLimit)
                } else {
                    t.leave(to: address)
                }
                break
            }
            if keepInstructions { kept!.append(t.insn) }
            count += 1
            address = t.insn.nextAddress
            t.ir.insnStart(t.insn.address)
            let flow: Flow
            if let host, host.handles(t.insn) || options.runsAtomicallyOnHost(t.insn) {
                let helper = source.bytes(at: t.insn.address, count: Int(t.insn.length)).flatMap { host.helper(t.insn, $0) }
                flow = t.runOnHost(helper: helper)
            } else {
                flow = t.lift()
            }
            if flow == .end { break }
        }
        t.ir.deadAtChainedExit = t.globalsDeadInSuccessors(source)
        return LiftedBlock(ir: t.ir, instructionCount: count, endAddress: address, instructions: kept)
    }
}

/// Where a block's instructions come from.
protocol InstructionSource {
    /// Decodes the instruction at `address` into `insn` (the translator's own: no copy of the
    /// large `Instruction` per guest instruction); false where the bytes ran out.
    func decode(_ address: UInt64, into insn: inout Instruction) -> Bool
    /// As `decode`, for the look-ahead past the block's end: code that is likely translated next.
    func decodeAhead(_ address: UInt64, into insn: inout Instruction) -> Bool
    /// The encoding of an instruction that was fetched (for those run as host instructions).
    func bytes(at address: UInt64, count: Int) -> UnsafeRawBufferPointer?
}

/// Guest bytes in memory: `code` holds guest addresses `codeAddress` on.
struct CodeWindow: InstructionSource {
    let base: UnsafeRawPointer?
    let count: Int
    let codeAddress: UInt64
    let decoder: Decoder
    let memo: DecodeMemo

    init(code: UnsafeRawBufferPointer, codeAddress: UInt64, decoder: Decoder) {
        base = code.baseAddress
        count = code.count
        self.codeAddress = codeAddress
        self.decoder = decoder
        memo = DecodeMemo.current
    }

    @inline(__always)
    func decode(_ address: UInt64, into insn: inout Instruction) -> Bool {
        let offset = address &- codeAddress
        guard let base, offset < UInt64(count) else { return false }
        let bytes = base + Int(offset), available = count - Int(offset)
        if memo.recall(address, mode: decoder.mode, bytes: bytes, available: available, into: &insn) { return true }
        return decoder.decode(UnsafeRawBufferPointer(start: bytes, count: available), address: address, into: &insn)
    }

    func decodeAhead(_ address: UInt64, into insn: inout Instruction) -> Bool {
        let offset = address &- codeAddress
        guard let base, offset < UInt64(count) else { return false }
        let bytes = base + Int(offset), available = count - Int(offset)
        if memo.recall(address, mode: decoder.mode, bytes: bytes, available: available, into: &insn) { return true }
        guard decoder.decode(UnsafeRawBufferPointer(start: bytes, count: available), address: address, into: &insn) else {
            return false
        }
        memo.remember(insn, mode: decoder.mode, bytes: bytes)
        return true
    }

    func bytes(at address: UInt64, count: Int) -> UnsafeRawBufferPointer? {
        let offset = address &- codeAddress
        guard let base, offset <= UInt64(self.count), count <= self.count - Int(offset) else { return nil }
        return UnsafeRawBufferPointer(start: base + Int(offset), count: count)
    }
}

/// Instructions handed over already decoded (tests).
struct FetchedInstructions: InstructionSource {
    let fetch: (UInt64) -> Instruction?

    func decode(_ address: UInt64, into insn: inout Instruction) -> Bool {
        guard let decoded = fetch(address) else { return false }
        insn = decoded
        return true
    }

    func decodeAhead(_ address: UInt64, into insn: inout Instruction) -> Bool { decode(address, into: &insn) }

    func bytes(at address: UInt64, count: Int) -> UnsafeRawBufferPointer? { nil }
}

/// Whether the block goes on after an instruction.
enum Flow {
    case next
    case end
}

/// The state of one block's translation; each family of instructions extends it (Lift*.swift).
struct BlockTranslator {
    var ir: IRBlock
    /// The instruction being lifted.
    var insn: Instruction
    let mode: CPUMode
    let options: LifterOptions
    /// Where the block's `goto_tb` exits lead, per slot; nil when a slot is unused or leads to
    /// more than one place.
    var chainedTargets: (UInt64?, UInt64?) = (nil, nil)
    var slotConflict = (false, false)

    /// Lifts `insn`: the one switch that names every mnemonic.
    mutating func lift() -> Flow {
        guard hasOnlyGeneralOperands else { return liftSystemRegisterOperands() }
        let m = insn.mnemonic
        switch m {
        case .add, .or, .adc, .sbb, .and, .sub, .xor, .cmp, .test:
            return liftArithmetic(m)
        case .inc, .dec, .neg, .not:
            return liftUnary(m)
        case .mul, .imul:
            return liftMultiply(signed: m == .imul)
        case .div, .idiv:
            return liftDivide(signed: m == .idiv)
        case .rol, .ror, .rcl, .rcr, .shl, .shr, .sal, .sar:
            return liftShift(m)
        case .shld, .shrd:
            return liftDoubleShift(left: m == .shld)
        case .bt, .bts, .btr, .btc:
            return liftBitTest(m)
        case .bsf, .bsr:
            return liftBitScan(forward: m == .bsf)
        case .tzcnt, .lzcnt, .popcnt:
            return liftBitCount(m)
        case .xadd:
            return liftExchangeAdd()
        case .cmpxchg:
            return liftCompareExchange()
        case .cmpxchg8b, .cmpxchg16b:
            return liftCompareExchangeDouble(bytes: m == .cmpxchg8b ? 4 : 8)
        case .xchg:
            return liftExchange()
        case .adcx, .adox:
            return liftAddCarryFlag(overflow: m == .adox)
        case .andn, .bextr, .blsi, .blsmsk, .blsr, .bzhi:
            return liftBitManipulation(m)
        case .mulx:
            return liftMultiplyFlagless()
        case .pdep, .pext:
            return liftBitDeposit(extract: m == .pext)
        case .rorx, .sarx, .shlx, .shrx:
            return liftFlaglessShift(m)
        case .crc32:
            return liftCRC32()

        case .mov:
            return liftMove()
        case .movsx, .movzx, .movsxd:
            return liftMoveExtend(signed: m != .movzx)
        case .movbe:
            return liftMoveByteSwapped()
        case .lea:
            return liftLoadEffectiveAddress()
        case .cmovcc:
            return liftConditionalMove()
        case .setcc:
            return liftSetCondition()
        case .bswap:
            return liftByteSwap()
        case .push:
            return liftPush()
        case .pop:
            return liftPop()
        case .pushf:
            return liftPushFlags()
        case .popf:
            return liftPopFlags()
        case .lahf:
            return liftLoadAHFromFlags()
        case .sahf:
            return liftStoreAHIntoFlags()
        case .enter:
            return liftEnter()
        case .leave:
            return liftLeave()
        case .cbw, .cwde, .cdqe:
            return liftSignExtendAccumulator()
        case .cwd, .cdq, .cqo:
            return liftSignExtendIntoDX()
        case .xlat:
            return liftTranslateByte()

        case .movs, .cmps, .stos, .lods, .scas, .ins, .outs:
            return liftString(m)

        case .jmp:
            return liftJump()
        case .jcc:
            return liftConditionalJump()
        case .call:
            return liftCall()
        case .ret:
            return liftReturn()
        case .loop, .loope, .loopne, .jrcxz:
            return liftLoop(m)
        case .int3:
            return liftBreakpoint()
        case .syscall:
            return liftSystemCall()
        case .hlt:
            return liftHalt()

        case .clc, .stc, .cmc, .cld, .std:
            return liftFlagInstruction(m)
        case .nop, .pause, .endbr64, .endbr32, .wait,
             .prefetch, .prefetchw, .prefetchnta, .prefetcht0, .prefetcht1, .prefetcht2,
             .lfence, .mfence, .sfence, .clflush, .clflushopt, .clwb:
            // No architectural effect in a translator that runs guest threads one at a time
            // and keeps no cache of its own.
            return .next
        case .cpuid:
            return liftCPUID()
        case .rdtsc, .rdtscp:
            return liftReadTimeStampCounter(withProcessorID: m == .rdtscp)
        case .rdrand, .rdseed:
            return liftReadRandom()
        case .rdfsbase, .rdgsbase, .wrfsbase, .wrgsbase:
            return liftSegmentBase(m)

        case .undefined, .ud0, .ud1, .ud2:
            return raise(MIMIC_EXC_UD)

        // I/O, far and privileged control transfer, system instructions (LiftSystem.swift).
        case .in, .out, .jmpf, .callf, .retf, .int, .into, .int1, .iret, .sysret,
             .cli, .sti, .lgdt, .sgdt, .lidt, .sidt, .lldt, .sldt, .ltr, .str, .smsw, .invlpg, .swapgs, .clts,
             .rdmsr, .wrmsr, .wbinvd, .invd, .lmsw, .lar, .lsl, .verr, .verw:
            return liftSystem(m)
        // Not lifted yet.
        case .sysenter, .sysexit, .rdpmc,
             .rsm, .xgetbv, .xsetbv,
             .lss, .lfs, .lgs,
             .fxsave, .fxrstor, .xsave, .xrstor, .xsaveopt, .xsavec, .xsaves, .xrstors, .ldmxcsr, .stmxcsr,
             .monitor, .mwait, .vmcall, .stac, .clac:
            return raise(MIMIC_EXC_UD)
        default:
            return raise(MIMIC_EXC_UD)
        }
    }

    /// Whether every register operand is a general-purpose register: the integer lifters read
    /// and write only those (MOV to a segment or control register is a system instruction).
    var hasOnlyGeneralOperands: Bool {
        for i in 0..<min(insn.operandCount, 4) {
            if case .register(let r) = insn[i], !r.isGPR { return false }
        }
        return true
    }
}
