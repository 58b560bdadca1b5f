import CCPU
import IR

/// A plain evaluator of IR blocks over the same CPU state and guest memory the JIT uses: the
/// oracle of the random differential test. It supports what the generator emits (pure helpers
/// only) and stops at the first exit.
enum ReferenceRunner {
    struct Outcome: Equatable {
        init(exit: Int64, faultAddress: UInt64? = nil, faultPC: UInt64? = nil) {
            self.exit = exit
            self.faultAddress = faultAddress
            self.faultPC = faultPC
        }
        var exit: Int64
        var faultAddress: UInt64?
        /// The guest pc of the last insnStart before a fault.
        var faultPC: UInt64?
    }

    static func run(_ block: IRBlock, cpu: UnsafeMutablePointer<MimicCPUState>, memory: UnsafeMutableRawPointer, memorySize: Int) -> Outcome {
        var values = [UInt64](repeating: 0, count: block.temps.count)
        let state = UnsafeMutableRawPointer(cpu)
        for (i, info) in block.temps.enumerated() {
            switch info.kind {
            case .global: values[i] = info.type == .i64 ? state.load(fromByteOffset: Int(info.value), as: UInt64.self)
                                                        : UInt64(state.load(fromByteOffset: Int(info.value), as: UInt32.self))
            case .const: values[i] = info.value
            case .local: break
            }
        }
        func writeBack() {
            for g in 0..<block.globalCount {
                let info = block.temps[g]
                if info.type == .i64 { state.storeBytes(of: values[g], toByteOffset: Int(info.value), as: UInt64.self) }
                else { state.storeBytes(of: UInt32(truncatingIfNeeded: values[g]), toByteOffset: Int(info.value), as: UInt32.self) }
            }
        }
        var labelAt = [Int](repeating: -1, count: block.labelCount)
        for (i, inst) in block.insts.enumerated() where inst.op == .setLabel { labelAt[Int(inst.imm)] = i }
        func v(_ t: Temp) -> UInt64 { values[Int(t.index)] }
        var pc = 0
        var guestPC = block.guestPC
        while pc < block.insts.count {
            let inst = block.insts[pc]
            let t = inst.type
            pc += 1
            func set(_ d: Temp, _ x: UInt64) { values[Int(d.index)] = x & t.mask }
            switch inst.op {
            case .mov: set(inst.d0, v(inst.a0))
            case .add, .sub, .mul, .and, .or, .xor, .andc, .shl, .shr, .sar, .rotl, .rotr, .clz, .ctz:
                set(inst.d0, Reference.binary(inst.op, t, v(inst.a0), v(inst.a1)))
            case .neg, .not, .ext8s, .ext8u, .ext16s, .ext16u, .ext32s, .ext32u, .bswap16, .bswap32, .bswap64, .ctpop,
                 .extuI32I64, .extsI32I64, .truncI64I32:
                set(inst.d0, Reference.unary(inst.op, t, v(inst.a0)))
            case .mulu2, .muls2:
                let (lo, hi) = Reference.mul2(signed: inst.op == .muls2, t, v(inst.a0), v(inst.a1))
                set(inst.d0, lo)
                set(inst.d1, hi)
            case .flagsAdd, .flagsSub, .flagsAdc, .flagsSbb, .flagsLogic:
                // The x86 flags ops are checked against the host CPU by the differential tests.
                set(inst.d0, Evaluate.pure(inst, v(inst.a0), v(inst.a1), inst.a2.isNone ? 0 : v(inst.a2), 0).0)
            case .setcond: set(inst.d0, inst.cond.holds(v(inst.a0), v(inst.a1), t) ? 1 : 0)
            case .movcond: set(inst.d0, inst.cond.holds(v(inst.a0), v(inst.a1), t) ? v(inst.a2) : v(inst.a3))
            case .deposit, .extract, .sextract:
                set(inst.d0, Reference.bitField(inst.op, t, v(inst.a0), inst.op == .deposit ? v(inst.a1) : 0,
                                                pos: inst.bitPosition, len: inst.bitLength))
            case .ldEnv, .stEnv: fatalError("not generated")
            case .load, .store:
                let address = v(inst.a0), bytes = UInt64(inst.memOp.bytes)
                guard address &+ bytes >= address, address + bytes <= UInt64(memorySize) else {
                    writeBack()
                    return Outcome(exit: -1, faultAddress: address, faultPC: guestPC)
                }
                let p = memory + Int(address)
                if inst.op == .store {
                    let x = v(inst.a1)
                    for k in 0..<Int(bytes) { p.storeBytes(of: UInt8(truncatingIfNeeded: x >> (8 * UInt64(k))), toByteOffset: k, as: UInt8.self) }
                } else {
                    var x: UInt64 = 0
                    for k in 0..<Int(bytes) { x |= UInt64(p.load(fromByteOffset: k, as: UInt8.self)) << (8 * UInt64(k)) }
                    if inst.memOp.signed {
                        let shift = 64 - 8 * bytes
                        x = UInt64(bitPattern: Int64(bitPattern: x << shift) >> Int64(shift))
                    }
                    set(inst.d0, x)
                }
            case .call:
                let r = Helpers[Int(inst.imm)].function(UnsafeMutableRawPointer(cpu), v(inst.a0), v(inst.a1), v(inst.a2), v(inst.a3))
                if !inst.d0.isNone { set(inst.d0, r) }
            case .insnStart: guestPC = UInt64(bitPattern: inst.imm)
            case .setLabel: break
            case .br: pc = labelAt[Int(inst.imm)]
            case .brcond: if inst.cond.holds(v(inst.a0), v(inst.a1), t) { pc = labelAt[Int(inst.imm)] }
            case .exitTB:
                writeBack()
                return Outcome(exit: inst.imm)
            case .gotoTB, .lookupAndGoto: fatalError("not generated")
            }
        }
        writeBack()
        return Outcome(exit: -2)
    }
}
