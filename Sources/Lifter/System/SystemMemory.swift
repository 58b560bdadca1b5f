import CCPU
import IR

/// Guest memory in system mode: every `load` and `store` of a block is a virtual access through
/// the software TLB. The JIT probes the TLB inline and calls `load`/`store` below on a miss;
/// the interpreter calls them for every access.
public enum SystemMemory {
    /// Helper: (cpu, address, memop) → the value, sign- or zero-extended as the memop says.
    public static let load = Helpers.register(Helper(
        name: "softmmu_ld", function: { cpu, address, memop, _, _ in
            let m = MemOp(raw: UInt8(truncatingIfNeeded: memop))
            return SystemHelpers.run(cpu) { system throws(Fault) in
                if system.sys.pointee.stop_request != 0 { throw Fault(Int(MIMIC_EXC_STOP)) }
                let value = try system.read(address, bytes: m.bytes, user: m.isUser)
                guard m.signed, m.bytes < 8 else { return value }
                let shift = UInt64(64 - 8 * m.bytes)
                return UInt64(bitPattern: Int64(bitPattern: value << shift) >> Int64(shift))
            }
        },
        argumentCount: 2, returnsValue: true, flags: [.mayRaise]))

    /// Helper: (cpu, address, value, memop). A write that makes a device stop the machine
    /// (debug-exit through MMIO) is not expected of the guest images; it takes effect at the
    /// next exit to the loop.
    public static let store = Helpers.register(Helper(
        name: "softmmu_st", function: { cpu, address, value, memop, _ in
            let m = MemOp(raw: UInt8(truncatingIfNeeded: memop))
            return SystemHelpers.run(cpu) { system throws(Fault) in
                if system.sys.pointee.stop_request != 0 { throw Fault(Int(MIMIC_EXC_STOP)) }
                try system.write(address, bytes: m.bytes, value, user: m.isUser)
                return 0
            }
        },
        argumentCount: 3, returnsValue: false, flags: [.mayRaise]))

    /// Makes the block's memory accesses virtual, with user rights at CPL 3. With
    /// `throughHelpers` (the interpreter), each becomes a call of `load`/`store`; otherwise each
    /// keeps its op, marked paged, with the miss helper in `imm`, for the JIT's inline TLB probe.
    public static func prepare(_ ir: inout IRBlock, user: Bool, throughHelpers: Bool) {
        for i in ir.insts.indices {
            let inst = ir.insts[i]
            switch inst.op {
            case .load:
                let m = inst.memOp.paged(user: user)
                if throughHelpers {
                    var call = Inst(.call, inst.type, d0: inst.d0, a0: inst.a0, imm: Int64(load))
                    call.a1 = ir.const(.i64, UInt64(m.raw))
                    ir.insts[i] = call
                } else {
                    ir.insts[i].aux = m.raw
                    ir.insts[i].imm = Int64(load)
                }
            case .store:
                let m = inst.memOp.paged(user: user)
                if throughHelpers {
                    var call = Inst(.call, .i64, a0: inst.a0, a1: inst.a1, imm: Int64(store))
                    call.a2 = ir.const(.i64, UInt64(m.raw))
                    ir.insts[i] = call
                } else {
                    ir.insts[i].aux = m.raw
                    ir.insts[i].imm = Int64(store)
                }
            default:
                break
            }
        }
    }
}
