import CCPU
import IR

/// The CPU state (ldEnv/stEnv) and guest memory (load/store): linear (host = r15 + address) in
/// user mode, virtual through the software TLB in system mode (`MemOp.isPaged`).
extension BlockCompiler {
    /// Loads `memOp.bytes` bytes at `src` into `rd`, extended to `type` as the memop says.
    mutating func emitLoad(_ rd: GPR, _ src: Mem, _ memOp: MemOp, _ type: IRType) {
        let w = width(type)
        switch memOp.bytes {
        case 1: if memOp.signed { asm.movsx(w, rd, src, from: .b8) } else { asm.movzx(.b32, rd, src, from: .b8) }
        case 2: if memOp.signed { asm.movsx(w, rd, src, from: .b16) } else { asm.movzx(.b32, rd, src, from: .b16) }
        case 4: if memOp.signed && type == .i64 { asm.movsxd(rd, src) } else { asm.mov(.b32, rd, src) }
        default: asm.mov(w, rd, src)
        }
    }

    /// Stores the low `memOp.bytes` bytes of input `i` at `dst`.
    mutating func emitStore(_ inst: Inst, _ i: Int, _ dst: Mem, _ memOp: MemOp) {
        let w: Width = memOp.bytes == 1 ? .b8 : memOp.bytes == 2 ? .b16 : memOp.bytes == 4 ? .b32 : .b64
        let t = inst.input(i)
        if alloc.isConst(t), w != .b64 || Int64(bitPattern: alloc.constValue(t)).fitsInt32 {
            asm.mov(w, dst, imm: Int32(truncatingIfNeeded: alloc.constValue(t)))
        } else {
            asm.mov(w, dst, use(t))
        }
    }

    mutating func lowerLoadEnv(_ inst: Inst) {
        for g in EnvAccess.overlappingGlobals(inst, temps, globalCount) { alloc.syncGlobal(g, &asm) }
        let rd = alloc.allocate(&asm)
        emitLoad(rd, Mem(.r14, Int32(truncatingIfNeeded: inst.imm)), inst.memOp, inst.type)
        finish(inst, rd)
    }

    mutating func lowerStoreEnv(_ inst: Inst) {
        let overlapping = EnvAccess.overlappingGlobals(inst, temps, globalCount)
        for g in overlapping { alloc.syncGlobal(g, &asm) }
        emitStore(inst, 0, Mem(.r14, Int32(truncatingIfNeeded: inst.imm)), inst.memOp)
        releaseDeadInputs(inst)
        // The store changed the global behind its register copy.
        for g in overlapping { alloc.invalidateGlobal(g) }
    }

    /// Jumps to a #PF stub unless `address + bytes <= mem_size` without wrapping.
    mutating func emitBoundsCheck(_ address: GPR, bytes: Int, write: Bool) {
        let fault = asm.newLabel()
        addStub(.pageFault(fault, address: address, write: write, pc: currentPC))
        // Valid when address <= mem_size - bytes: one compare against the precomputed limit.
        asm.alu(.cmp, .b64, address, Mem(.r14, StateField.memLast + 8 * Int32(bytes.trailingZeroBitCount)))
        asm.jcc(.a, fault)
    }

    mutating func lowerGuestLoad(_ inst: Inst) {
        alloc.syncGlobals(&asm)
        if inst.memOp.isPaged { return lowerPagedLoad(inst) }
        let ra = use(inst.a0)
        emitBoundsCheck(ra, bytes: inst.memOp.bytes, write: false)
        // The fault stub reads the address before the load runs, so the result may take its register.
        let rd = resultFrom(ra, inst)
        emitLoad(rd, Mem(.r15, index: ra), inst.memOp, inst.type)
        finish(inst, rd)
    }

    mutating func lowerGuestStore(_ inst: Inst) {
        alloc.syncGlobals(&asm)
        if inst.memOp.isPaged { return lowerPagedStore(inst) }
        let ra = use(inst.a0)
        emitBoundsCheck(ra, bytes: inst.memOp.bytes, write: true)
        emitStore(inst, 1, Mem(.r15, index: ra), inst.memOp)
        releaseDeadInputs(inst)
    }

    // MARK: System mode: the software TLB

    static let tlbOffset = Int32(MemoryLayout<MimicCPUState>.offset(of: \.sys.tlb)!)
    static let tlbReadTag = Int32(MemoryLayout<MimicTLBEntry>.offset(of: \.read_tag)!)
    static let tlbWriteTag = Int32(MemoryLayout<MimicTLBEntry>.offset(of: \.write_tag)!)
    static let tlbAddend = Int32(MemoryLayout<MimicTLBEntry>.offset(of: \.addend)!)

    /// A helper argument: a register's value, or (register nil) a constant.
    typealias HelperArgument = (register: GPR?, constant: UInt64)

    /// What the out-of-line miss path of one access needs (emitted with the block's stubs).
    struct TLBMiss {
        var label: Label
        var resume: Label
        var helper: Int
        /// Helper arguments after the CPU state: the first `argumentCount` of these.
        var arguments: (HelperArgument, HelperArgument, HelperArgument)
        var argumentCount: Int
        var result: GPR?
        var result32: Bool
        var pc: UInt64
    }

    /// The registers a miss saves around its helper call: every caller-saved one, so the
    /// allocator's view is the same after the access whichever way it went.
    static let missSaved: [GPR] = [.rax, .rcx, .rdx, .rsi, .rdi, .r8, .r9, .r10, .r11]

    /// Probes the TLB entry of the access's page: leaves `entry` = the entry's offset from r14
    /// and jumps to `miss` unless the tag matches the page of the access's last byte (so an
    /// access that crosses a page always misses).
    mutating func emitTLBProbe(_ ra: GPR, _ memOp: MemOp, write: Bool, entry: GPR, page: GPR, miss: Label) -> Int32 {
        precondition(MemoryLayout<MimicTLBEntry>.stride == 32 && MIMIC_TLB_BITS == 8)
        asm.mov(.b64, entry, ra)
        asm.shift(.shr, .b64, entry, imm: 12 - 5)
        asm.alu(.and, .b32, entry, imm: Int32((Int(MIMIC_TLB_ENTRIES) - 1) << 5))
        if memOp.bytes > 1 { asm.lea(.b64, page, Mem(ra, Int32(memOp.bytes - 1))) } else { asm.mov(.b64, page, ra) }
        asm.alu(.and, .b64, page, imm: -4096)
        let table = Self.tlbOffset + (memOp.isUser ? Int32(MIMIC_TLB_USER) * 32 : 0)
        asm.alu(.cmp, .b64, page, Mem(.r14, index: entry, table + (write ? Self.tlbWriteTag : Self.tlbReadTag)))
        asm.jcc(.ne, miss)
        return table
    }

    /// The miss path, out of line: saves the caller-saved registers, calls the access helper
    /// with the values `arguments` names (registers are read from their saved copies), puts
    /// the result into `result`'s saved copy (or register), restores, leaves through the
    /// exception stub when the helper raised, and goes back to `resume`.
    mutating func emitTLBMiss(_ miss: TLBMiss) {
        asm.bind(miss.label)
        let saved = Self.missSaved
        for r in saved { asm.push(r) }
        asm.alu(.sub, .b64, .rsp, imm: 8)
        func slot(_ r: GPR) -> Int32? {
            saved.firstIndex(of: r).map { Int32(8 + (saved.count - 1 - $0) * 8) }
        }
        for i in 0..<miss.argumentCount {
            let target = BlockCompiler.argumentRegister(i)
            let (register, constant) = i == 0 ? miss.arguments.0 : i == 1 ? miss.arguments.1 : miss.arguments.2
            if let register {
                if let s = slot(register) { asm.mov(.b64, target, Mem(.rsp, s)) } else { asm.mov(.b64, target, register) }
            } else {
                asm.loadImmediate(target, constant)
            }
        }
        asm.mov(.b64, .rdi, .r14)
        emitCall(Helpers[miss.helper].function)
        if let result = miss.result {
            if miss.result32 { asm.mov(.b32, .rax, .rax) }
            if let s = slot(result) { asm.mov(.b64, Mem(.rsp, s), .rax) } else { asm.mov(.b64, result, .rax) }
        }
        asm.alu(.add, .b64, .rsp, imm: 8)
        for r in saved.reversed() { asm.pop(r) }
        asm.alu(.cmp, .b64, Mem(.r14, StateField.exception), imm: Int32(MIMIC_EXC_NONE))
        asm.jcc(.e, miss.resume)
        storeRIP(miss.pc)
        emitExit(Int32(MIMIC_EXIT_EXCEPTION))
    }

    mutating func lowerPagedLoad(_ inst: Inst) {
        let ra = use(inst.a0)
        let entry = alloc.allocate(&asm), page = alloc.allocate(&asm)
        let rd = resultFrom(ra, inst)
        let miss = asm.newLabel(), done = asm.newLabel()
        let table = emitTLBProbe(ra, inst.memOp, write: false, entry: entry, page: page, miss: miss)
        asm.mov(.b64, page, Mem(.r14, index: entry, table + Self.tlbAddend))
        emitLoad(rd, Mem(page, index: ra), inst.memOp, inst.type)
        asm.bind(done)
        addStub(.tlbMiss(TLBMiss(label: miss, resume: done, helper: Int(inst.imm),
                                 arguments: ((ra, 0), (nil, UInt64(inst.memOp.raw)), (nil, 0)), argumentCount: 2, result: rd,
                                 result32: inst.type == .i32, pc: currentPC)))
        finish(inst, rd)
    }

    mutating func lowerPagedStore(_ inst: Inst) {
        let ra = use(inst.a0)
        let w: Width = inst.memOp.bytes == 1 ? .b8 : inst.memOp.bytes == 2 ? .b16 : inst.memOp.bytes == 4 ? .b32 : .b64
        // The value's register is settled before the paths part, so neither path allocates.
        var immediate: Int32?
        if alloc.isConst(inst.a1), w != .b64 || Int64(bitPattern: alloc.constValue(inst.a1)).fitsInt32 {
            immediate = Int32(truncatingIfNeeded: alloc.constValue(inst.a1))
        }
        let rv: GPR? = immediate == nil ? use(inst.a1) : nil
        let entry = alloc.allocate(&asm), page = alloc.allocate(&asm)
        let miss = asm.newLabel(), done = asm.newLabel()
        let table = emitTLBProbe(ra, inst.memOp, write: true, entry: entry, page: page, miss: miss)
        asm.mov(.b64, page, Mem(.r14, index: entry, table + Self.tlbAddend))
        if let immediate { asm.mov(w, Mem(page, index: ra), imm: immediate) } else { asm.mov(w, Mem(page, index: ra), rv!) }
        asm.bind(done)
        let value: HelperArgument = rv.map { ($0, 0) } ?? (nil, alloc.constValue(inst.a1))
        addStub(.tlbMiss(TLBMiss(label: miss, resume: done, helper: Int(inst.imm),
                                 arguments: ((ra, 0), value, (nil, UInt64(inst.memOp.raw))), argumentCount: 3, result: nil,
                                 result32: false, pc: currentPC)))
        releaseDeadInputs(inst)
    }
}
