import CCPU
import IR

/// Runs IR directly: the portable backend (`--accel interp`) and the JIT's differential oracle.
/// Globals are read and written in the CPU state itself, so the state is exact at every op.
public final class Interpreter {
    private var values: UnsafeMutablePointer<UInt64>
    private var capacity: Int

    public init() {
        capacity = 1024
        values = .allocate(capacity: capacity)
    }

    deinit { values.deallocate() }

    /// Runs `block` on `cpu` and returns the exit reason (MIMIC_EXIT_*), as generated code does
    /// (without the block number). For `gotoTB` the reason is the slot.
    public func run(_ block: InterpretedBlock, cpu: UnsafeMutablePointer<MimicCPUState>) -> Int32 {
        if block.tempCount > capacity {
            values.deallocate()
            capacity = block.tempCount * 2
            values = .allocate(capacity: capacity)
        }
        let values = self.values
        let env = UnsafeMutableRawPointer(cpu)
        let kinds = block.tempKinds.baseAddress!
        let constants = block.tempValues.baseAddress!
        let insts = block.insts
        var pc: UInt64 = 0

        @inline(__always) func get(_ t: Temp) -> UInt64 {
            let i = Int(t.index)
            switch kinds[i] {
            case .local: return values[i]
            case .constant: return constants[i]
            case .global64: return (env + Int(constants[i])).load(as: UInt64.self)
            case .global32: return UInt64((env + Int(constants[i])).load(as: UInt32.self))
            }
        }
        @inline(__always) func set(_ t: Temp, _ v: UInt64) {
            let i = Int(t.index)
            switch kinds[i] {
            case .local: values[i] = v
            case .global64: (env + Int(constants[i])).storeBytes(of: v, as: UInt64.self)
            case .global32: (env + Int(constants[i])).storeBytes(of: UInt32(truncatingIfNeeded: v), as: UInt32.self)
            case .constant: preconditionFailure("IR writes a constant")
            }
        }
        @inline(__always) func argument(_ t: Temp) -> UInt64 { t.isNone ? 0 : get(t) }

        var i = 0
        while i < insts.count {
            let inst = insts[i]
            i += 1
            switch inst.op {
            case .insnStart:
                pc = UInt64(bitPattern: inst.imm)
            case .setLabel:
                break
            case .br:
                i = Int(block.labelTargets[Int(inst.imm)])
            case .brcond:
                if inst.cond.holds(get(inst.a0), get(inst.a1), inst.type) {
                    i = Int(block.labelTargets[Int(inst.imm)])
                }
            case .ldEnv:
                set(inst.d0, Interpreter.load(env + Int(inst.imm), inst.memOp) & inst.type.mask)
            case .stEnv:
                Interpreter.store(env + Int(inst.imm), inst.memOp, get(inst.a0))
            case .load:
                let address = get(inst.a0)
                guard let host = Interpreter.hostAddress(cpu, address, inst.memOp.bytes, write: false) else {
                    Interpreter.memoryFault(cpu, address: address, write: false, pc: pc)
                    return Int32(MIMIC_EXIT_EXCEPTION)
                }
                set(inst.d0, Interpreter.load(host, inst.memOp) & inst.type.mask)
            case .store:
                let address = get(inst.a0)
                guard let host = Interpreter.hostAddress(cpu, address, inst.memOp.bytes, write: true) else {
                    Interpreter.memoryFault(cpu, address: address, write: true, pc: pc)
                    return Int32(MIMIC_EXIT_EXCEPTION)
                }
                Interpreter.store(host, inst.memOp, get(inst.a1))
            case .call:
                let helper = Helpers[Int(inst.imm)]
                let r = helper.function(env, argument(inst.a0), argument(inst.a1), argument(inst.a2), argument(inst.a3))
                if !inst.d0.isNone { set(inst.d0, r & inst.type.mask) }
                if helper.flags.contains(.mayRaise), cpu.pointee.exception != UInt64(MIMIC_EXC_NONE) {
                    cpu.pointee.rip = pc
                    return Int32(MIMIC_EXIT_EXCEPTION)
                }
            case .gotoTB:
                (env + block.programCounterOffset).storeBytes(of: UInt64(bitPattern: inst.imm), as: UInt64.self)
                return Int32(inst.slot)
            case .exitTB:
                return Int32(inst.imm)
            case .lookupAndGoto:
                return Int32(MIMIC_EXIT_LOOKUP)
            default:
                let r = Evaluate.pure(inst, argument(inst.a0), argument(inst.a1), argument(inst.a2), argument(inst.a3))
                set(inst.d0, r.0)
                if !inst.d1.isNone { set(inst.d1, r.1) }
            }
        }
        preconditionFailure("IR block fell off its end without leaving")
    }

    /// The host address of a guest access, or nil when it leaves guest memory or, in a mapped
    /// address space, touches a page the guest may not access that way (or a page of
    /// translated code it writes: the runtime sees the #PF and handles the self-modification).
    @inline(__always)
    static func hostAddress(_ cpu: UnsafeMutablePointer<MimicCPUState>, _ address: UInt64, _ bytes: Int, write: Bool) -> UnsafeMutableRawPointer? {
        let (end, overflow) = address.addingReportingOverflow(UInt64(bytes))
        guard !overflow, end <= cpu.pointee.mem_size else { return nil }
        if cpu.pointee.page_flags != 0, !pagesAllow(cpu, address, end, write: write) { return nil }
        return UnsafeMutableRawPointer(bitPattern: UInt(cpu.pointee.mem_base &+ address))
    }

    static func pagesAllow(_ cpu: UnsafeMutablePointer<MimicCPUState>, _ address: UInt64, _ end: UInt64, write: Bool) -> Bool {
        let flags = UnsafePointer<UInt8>(bitPattern: UInt(cpu.pointee.page_flags))!
        let need = UInt8(write ? MIMIC_PAGE_WRITE : MIMIC_PAGE_READ)
        let refuse = UInt8(write ? MIMIC_PAGE_CODE : 0)
        var page = address >> UInt64(MIMIC_PAGE_SHIFT)
        let last = (end - 1) >> UInt64(MIMIC_PAGE_SHIFT)
        while page <= last {
            let f = flags[Int(page)]
            if f & need == 0 || f & refuse != 0 { return false }
            page += 1
        }
        return true
    }

    @inline(never)
    static func memoryFault(_ cpu: UnsafeMutablePointer<MimicCPUState>, address: UInt64, write: Bool, pc: UInt64) {
        cpu.pointee.exception = UInt64(MIMIC_EXC_PF)
        cpu.pointee.error_code = write ? 2 : 0
        cpu.pointee.fault_address = address
        cpu.pointee.rip = pc
    }

    @inline(__always)
    static func load(_ p: UnsafeRawPointer, _ m: MemOp) -> UInt64 {
        switch (m.bytes, m.signed) {
        case (1, false): UInt64(p.load(as: UInt8.self))
        case (1, true): UInt64(bitPattern: Int64(p.load(as: Int8.self)))
        case (2, false): UInt64(p.loadUnaligned(as: UInt16.self))
        case (2, true): UInt64(bitPattern: Int64(p.loadUnaligned(as: Int16.self)))
        case (4, false): UInt64(p.loadUnaligned(as: UInt32.self))
        case (4, true): UInt64(bitPattern: Int64(p.loadUnaligned(as: Int32.self)))
        default: p.loadUnaligned(as: UInt64.self)
        }
    }

    @inline(__always)
    static func store(_ p: UnsafeMutableRawPointer, _ m: MemOp, _ v: UInt64) {
        switch m.bytes {
        case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: v), as: UInt8.self)
        case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: v), as: UInt16.self)
        case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: v), as: UInt32.self)
        default: p.storeBytes(of: v, as: UInt64.self)
        }
    }
}
