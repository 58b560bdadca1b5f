import CCPU
import IR

/// Offsets of the CPU-state fields generated code touches.
enum StateField {
    static let rip = Int32(MemoryLayout<MimicCPUState>.offset(of: \.rip)!)
    static let exception = Int32(MemoryLayout<MimicCPUState>.offset(of: \.exception)!)
    static let errorCode = Int32(MemoryLayout<MimicCPUState>.offset(of: \.error_code)!)
    static let faultAddress = Int32(MemoryLayout<MimicCPUState>.offset(of: \.fault_address)!)
    static let memBase = Int32(MemoryLayout<MimicCPUState>.offset(of: \.mem_base)!)
    static let memLast = Int32(MemoryLayout<MimicCPUState>.offset(of: \.mem_last)!)
    static let jumpCache = Int32(MemoryLayout<MimicCPUState>.offset(of: \.jump_cache)!)
    static let jumpCacheMask = Int32(MemoryLayout<MimicCPUState>.offset(of: \.jump_cache_mask)!)
    static let exitRequest = Int32(MemoryLayout<MimicCPUState>.offset(of: \.exit_request)!)
}

/// The shared code of the entry trampoline that blocks leave through.
struct ExitPaths {
    var epilogue: UInt
    var pageFaultRead: UInt
    var pageFaultWrite: UInt
    var raised: UInt
    var pcExit: UInt

    init(_ entry: EntryTrampoline) {
        epilogue = UInt(bitPattern: entry.epilogueAddress)
        pageFaultRead = UInt(bitPattern: entry.pageFaultReadAddress)
        pageFaultWrite = UInt(bitPattern: entry.pageFaultWriteAddress)
        raised = UInt(bitPattern: entry.raisedAddress)
        pcExit = UInt(bitPattern: entry.pcExitAddress)
    }
}

/// An operand that is either a register or an immediate the instruction can encode.
enum Operand {
    case reg(GPR)
    case imm(Int32)
}

/// Compiles one IR block to host code: walks the ops in order, asks the allocator for
/// registers, and lowers each op family (see the `Lower+*.swift` files).
///
/// Everything it works with is borrowed: the block's ops and temps, and per-block tables from
/// the compiling thread's `ScratchArena`, so compiling a block allocates nothing.
struct BlockCompiler {
    let insts: UnsafeBufferPointer<Inst>
    let temps: UnsafeBufferPointer<TempInfo>
    let globalCount: Int
    let labelCount: Int
    /// Guest address of the block's first instruction.
    let guestPC: UInt64
    let tbIndex: UInt32
    let features: HostFeatures
    let exits: ExitPaths
    var asm: X86Encoder
    var alloc: RegisterAllocator
    let liveness: Liveness
    /// `OpShape.table`.
    let shapes: UnsafePointer<OpShape>
    /// Out-of-line exits, emitted after the block's code; at most one per op.
    let stubs: UnsafeMutablePointer<Stub>
    var stubCount = 0
    /// Where each guest instruction's host code starts; at most one per op.
    let hostToGuest: UnsafeMutablePointer<(hostOffset: UInt32, guestPC: UInt64)>
    var hostToGuestCount = 0
    var gotoTBJumpOffsets = (-1, -1)
    /// Counts the block's runs for tier-up (`JIT.compile`); nil for a fully optimized block.
    let runCounter: UnsafeMutablePointer<Int32>?
    /// The patchable `jmp rel32` at the start of a counted block (see `emitRunCounter`), or -1.
    var entryJumpOffset = -1
    /// Byte offset of the guest program counter in the CPU state.
    let programCounterOffset: Int32
    /// Per label: what the registers held at the brcond that is its only way in (16 temps, one
    /// per register), valid where `hasRegistersAtBranch` is set.
    let registersAtBranch: UnsafeMutablePointer<Temp>
    let hasRegistersAtBranch: UnsafeMutablePointer<Bool>
    /// The guest pc of the instruction being compiled (from the last insnStart).
    var currentPC: UInt64
    /// Dead-operand bits of the op being compiled.
    var deadMask: UInt8 = 0
    /// The index of the op being compiled.
    var opIndex = 0
    /// The ALU instruction whose status flags the host's RFLAGS still hold (Lower+Flags.swift).
    var hostFlags: HostFlagsSource?
    /// Per label entered only from its brcond: the compare whose flags hold where it is bound.
    let hostFlagsAtLabel: UnsafeMutablePointer<HostFlagsSource?>

    enum Stub {
        /// A guest memory access out of bounds: #PF with the address in `address`.
        case pageFault(Label, address: GPR, write: Bool, pc: UInt64)
        /// A helper set `exception`: leave at the instruction that called it.
        case raised(Label, pc: UInt64)
        /// A software-TLB miss of a system-mode access (Lower+Memory.swift).
        case tlbMiss(TLBMiss)
    }

    /// `insts` and `temps` are `block`'s; the working tables come from `arena` and live until
    /// the caller releases it. The code goes to `asm`.
    init(block: IRBlock, insts: UnsafeBufferPointer<Inst>, temps: UnsafeBufferPointer<TempInfo>, tbIndex: UInt32,
         runCounter: UnsafeMutablePointer<Int32>?, asm: X86Encoder, exits: ExitPaths, features: HostFeatures,
         arena: ScratchArena) {
        self.insts = insts
        self.runCounter = runCounter
        self.temps = temps
        globalCount = block.globalCount
        labelCount = block.labelCount
        guestPC = block.guestPC
        self.tbIndex = tbIndex
        self.features = features
        self.exits = exits
        self.asm = asm
        shapes = OpShape.table
        liveness = Liveness(insts: insts, temps: temps, globalCount: globalCount, labelCount: labelCount, shapes: shapes, arena)
        alloc = RegisterAllocator(temps: temps, globalCount: globalCount, crossing: liveness.crossing, arena: arena)
        currentPC = block.guestPC
        programCounterOffset = Int32(block.layout.globals[block.layout.programCounter].offset)
        stubs = arena.allocateUninitialized(Stub.self, count: insts.count).baseAddress!
        hostToGuest = arena.allocateUninitialized((hostOffset: UInt32, guestPC: UInt64).self, count: insts.count).baseAddress!
        registersAtBranch = arena.allocateUninitialized(Temp.self, count: labelCount * 16).baseAddress!
        hasRegistersAtBranch = arena.allocate(Bool.self, count: labelCount, repeating: false).baseAddress!
        hostFlagsAtLabel = arena.allocate(HostFlagsSource?.self, count: labelCount, repeating: nil).baseAddress!
        // IR label i is the encoder's label i.
        for _ in 0..<labelCount { _ = self.asm.newLabel() }
    }

    /// The encoder's label for IR label `index`.
    @inline(__always) func label(_ index: Int64) -> Label { Label(id: Int(index)) }

    /// The exit value for `reason`: the block's index above the reason byte.
    func exitValue(_ reason: Int32) -> UInt64 { UInt64(tbIndex) << 8 | UInt64(UInt32(bitPattern: reason) & 0xFF) }

    /// Loads rax with the exit value and jumps to the shared epilogue.
    mutating func emitExit(_ reason: Int32) {
        asm.loadImmediate(.rax, exitValue(reason))
        asm.jmp(absolute: exits.epilogue)
    }

    mutating func addStub(_ stub: Stub) {
        precondition(stubCount < insts.count, "more than one stub per op")
        (stubs + stubCount).initialize(to: stub)
        stubCount += 1
    }

    /// Compiles the whole block; false when it needs more spill slots than the frame has.
    mutating func compile() -> Bool {
        if let runCounter { emitRunCounter(runCounter) }
        for index in insts.indices {
            let inst = insts[index]
            deadMask = liveness.deadMask[index]
            opIndex = index
            lower(inst)
            alloc.unlockAll()
        }
        if !(insts.last.map { shapes[Int($0.op.rawValue)].flags.contains(.leavesBlock) } ?? false) {
            // A block that runs off its end leaves like an indirect jump: the loop looks up rip.
            alloc.syncGlobals(&asm)
            emitExit(Int32(MIMIC_EXIT_LOOKUP))
        }
        emitStubs()
        return !alloc.outOfSlots
    }

    // MARK: Operand helpers shared by the lowerings

    @inline(__always) func width(_ type: IRType) -> Width { type == .i32 ? .b32 : .b64 }
    @inline(__always) func dies(_ i: Int) -> Bool { Liveness.inputDies(deadMask, i) }
    @inline(__always) func outputDead(_ j: Int) -> Bool { Liveness.outputDead(deadMask, j) }

    /// The constant as an immediate of an instruction of `type`, when it encodes as one
    /// (any 32-bit value for i32; a sign-extended imm32 for i64).
    @inline(__always) func immediate(_ t: Temp, _ type: IRType) -> Int32? {
        guard alloc.isConst(t) else { return nil }
        let v = alloc.constValue(t)
        if type == .i32 { return Int32(truncatingIfNeeded: v) }
        return Int64(bitPattern: v).fitsInt32 ? Int32(truncatingIfNeeded: v) : nil
    }

    mutating func operand(_ t: Temp, _ type: IRType) -> Operand {
        if let imm = immediate(t, type) { return .imm(imm) }
        return .reg(alloc.use(t, &asm))
    }

    @inline(__always) mutating func use(_ t: Temp) -> GPR { alloc.use(t, &asm) }

    /// A register for the result that starts out holding input `i`'s value: the input's own
    /// register when that value dies here (and `keep` does not forbid it), else a fresh one.
    mutating func resultStarting(with i: Int, _ inst: Inst, keep: RegSet = .empty) -> GPR {
        let t = inst.input(i)
        if dies(i), !alloc.isConst(t), let r = alloc.reg[Int(t.index)], !keep.contains(r) {
            alloc.locked.insert(r)
            return r
        }
        let r = alloc.allocate(&asm, avoid: keep)
        alloc.materialize(t, into: r, &asm)
        return r
    }

    /// Releases dead inputs, then gives the outputs their registers (or drops dead ones).
    mutating func finish(_ inst: Inst, _ r0: GPR?, _ r1: GPR? = nil) {
        releaseDeadInputs(inst)
        if let r0 { define(inst.d0, r0, dead: outputDead(0)) }
        if let r1 { define(inst.d1, r1, dead: outputDead(1)) }
    }

    private mutating func define(_ t: Temp, _ r: GPR, dead: Bool) {
        guard !t.isNone else { return }
        alloc.define(t, r)
        if dead { alloc.release(t) }
    }

    mutating func releaseDeadInputs(_ inst: Inst) {
        // The liveness pass sets bit i only for inputs the op has.
        var dying = deadMask & 0xF
        while dying != 0 {
            let t = inst.input(dying.trailingZeroBitCount)
            if !t.isNone { alloc.release(t) }
            dying &= dying - 1
        }
    }

    // MARK: The op switch

    mutating func lower(_ inst: Inst) {
        if deadMask & Liveness.unneeded != 0 {
            // Nothing reads the result: the op need not run.
            releaseDeadInputs(inst)
            return
        }
        switch inst.op {
        case .mov: lowerMov(inst)
        case .add: lowerALU(.add, inst, commutative: true)
        case .sub: lowerALU(.sub, inst, commutative: false)
        case .and: lowerALU(.and, inst, commutative: true)
        case .or: lowerALU(.or, inst, commutative: true)
        case .xor: lowerALU(.xor, inst, commutative: true)
        case .mul: lowerMul(inst)
        case .andc: lowerAndc(inst)
        case .shl: lowerShift(.shl, inst)
        case .shr: lowerShift(.shr, inst)
        case .sar: lowerShift(.sar, inst)
        case .rotl: lowerShift(.rol, inst)
        case .rotr: lowerShift(.ror, inst)
        case .neg: lowerUnary(inst) { $0.neg($1, $2) }
        case .not: lowerUnary(inst) { $0.not($1, $2) }
        case .mulu2: lowerMulWide(inst, signed: false)
        case .muls2: lowerMulWide(inst, signed: true)
        case .setcond: lowerSetcond(inst)
        case .movcond: lowerMovcond(inst)
        case .ext8s: lowerExtend(inst, from: .b8, signed: true)
        case .ext8u: lowerExtend(inst, from: .b8, signed: false)
        case .ext16s: lowerExtend(inst, from: .b16, signed: true)
        case .ext16u: lowerExtend(inst, from: .b16, signed: false)
        case .ext32s, .extsI32I64: lowerExtend(inst, from: .b32, signed: true)
        case .ext32u, .extuI32I64, .truncI64I32: lowerExtend(inst, from: .b32, signed: false)
        case .deposit: lowerDeposit(inst)
        case .extract: lowerExtract(inst, signed: false)
        case .sextract: lowerExtract(inst, signed: true)
        case .bswap16: lowerBswap(inst, bytes: 2)
        case .bswap32: lowerBswap(inst, bytes: 4)
        case .bswap64: lowerBswap(inst, bytes: 8)
        case .clz: lowerCountZeros(inst, leading: true)
        case .ctz: lowerCountZeros(inst, leading: false)
        case .ctpop: lowerPopcount(inst)
        case .flagsAdd, .flagsSub, .flagsAdc, .flagsSbb, .flagsLogic: lowerFlags(inst)
        case .ldEnv: lowerLoadEnv(inst)
        case .stEnv: lowerStoreEnv(inst)
        case .load: lowerGuestLoad(inst)
        case .store: lowerGuestStore(inst)
        case .call: lowerCall(inst)
        case .insnStart:
            currentPC = UInt64(bitPattern: inst.imm)
            hostToGuest[hostToGuestCount] = (UInt32(asm.offset), currentPC)
            hostToGuestCount += 1
        case .setLabel:
            lowerSetLabel(inst)
            hostFlags = hostFlagsAtLabel[Int(inst.imm)].map { $0.resumed(at: opIndex, asm) }
        case .br: lowerBr(inst)
        case .brcond:
            lowerBrcond(inst)
            // The jump keeps the compare's flags into a label nothing else enters.
            if liveness.onlyEnteredFromItsBranch[Int(inst.imm)], let source = hostFlags, hostStillHolds(source) {
                hostFlagsAtLabel[Int(inst.imm)] = source
            }
        case .gotoTB: lowerGotoTB(inst)
        case .exitTB: lowerExitTB(inst)
        case .lookupAndGoto: lowerLookupAndGoto(inst)
        }
    }
}
