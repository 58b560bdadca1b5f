/// The meaning of every pure op, on plain integers: the interpreter runs it and the optimizer
/// folds constants with it, so both agree by construction. Values of i32 ops are kept
/// zero-extended to 64 bits.
public enum Evaluate {
    /// Computes a pure op's outputs from its inputs. Ops that touch state, memory or control
    /// flow are not pure and must not be passed here.
    @inline(__always)
    public static func pure(_ inst: Inst, _ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> (UInt64, UInt64) {
        let t = inst.type
        let mask = t.mask
        let bits = UInt64(t.bits)
        switch inst.op {
        case .mov: return (a & mask, 0)
        case .add: return ((a &+ b) & mask, 0)
        case .sub: return ((a &- b) & mask, 0)
        case .mul: return ((a &* b) & mask, 0)
        case .and: return (a & b & mask, 0)
        case .or: return ((a | b) & mask, 0)
        case .xor: return ((a ^ b) & mask, 0)
        case .andc: return (a & ~b & mask, 0)
        case .shl: return ((a << (b & (bits - 1))) & mask, 0)
        case .shr: return ((a & mask) >> (b & (bits - 1)), 0)
        case .sar: return (UInt64(bitPattern: signed(a, t) >> Int64(b & (bits - 1))) & mask, 0)
        case .rotl:
            let n = b & (bits - 1)
            let v = a & mask
            return (n == 0 ? v : ((v << n) | (v >> (bits - n))) & mask, 0)
        case .rotr:
            let n = b & (bits - 1)
            let v = a & mask
            return (n == 0 ? v : ((v >> n) | (v << (bits - n))) & mask, 0)
        case .neg: return ((0 &- a) & mask, 0)
        case .not: return (~a & mask, 0)
        case .mulu2:
            if t == .i32 {
                let p = (a & mask) &* (b & mask)
                return (p & mask, p >> 32)
            }
            let p = a.multipliedFullWidth(by: b)
            return (p.low, p.high)
        case .muls2:
            if t == .i32 {
                let p = UInt64(bitPattern: signed(a, .i32) &* signed(b, .i32))
                return (p & mask, (p >> 32) & mask)
            }
            let p = Int64(bitPattern: a).multipliedFullWidth(by: Int64(bitPattern: b))
            return (p.low, UInt64(bitPattern: p.high))
        case .setcond: return (inst.cond.holds(a, b, t) ? 1 : 0, 0)
        case .movcond: return ((inst.cond.holds(a, b, t) ? c : d) & mask, 0)
        case .ext8s: return (UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: a))) & mask, 0)
        case .ext8u: return (a & 0xFF, 0)
        case .ext16s: return (UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: a))) & mask, 0)
        case .ext16u: return (a & 0xFFFF, 0)
        case .ext32s, .extsI32I64: return (UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: a))) & mask, 0)
        case .ext32u, .extuI32I64, .truncI64I32: return (a & 0xFFFF_FFFF, 0)
        case .deposit:
            let pos = UInt64(inst.bitPosition), len = UInt64(inst.bitLength)
            let field: UInt64 = len == 64 ? ~0 : ((1 << len) - 1) << pos
            return (((a & ~field) | ((b << pos) & field)) & mask, 0)
        case .extract:
            let pos = UInt64(inst.bitPosition), len = UInt64(inst.bitLength)
            let v = (a & mask) >> pos
            return (len == 64 ? v : v & ((1 << len) - 1), 0)
        case .sextract:
            let pos = UInt64(inst.bitPosition), len = UInt64(inst.bitLength)
            let shifted = Int64(bitPattern: a << (64 - pos - len)) >> Int64(64 - len)
            return (UInt64(bitPattern: shifted) & mask, 0)
        case .bswap16: return (UInt64(UInt16(truncatingIfNeeded: a).byteSwapped), 0)
        case .bswap32: return (UInt64(UInt32(truncatingIfNeeded: a).byteSwapped), 0)
        case .bswap64: return (a.byteSwapped & mask, 0)
        case .clz:
            let v = a & mask
            if v == 0 { return (b & mask, 0) }
            return (UInt64(v.leadingZeroBitCount) - (64 - bits), 0)
        case .ctz:
            let v = a & mask
            if v == 0 { return (b & mask, 0) }
            return (UInt64(v.trailingZeroBitCount), 0)
        case .ctpop: return (UInt64((a & mask).nonzeroBitCount), 0)
        case .flagsAdd: return (StatusFlags.ofAdd(a, b, 0, bytes: inst.widthBytes), 0)
        case .flagsAdc: return (StatusFlags.ofAdd(a, b, c & 1, bytes: inst.widthBytes), 0)
        case .flagsSub: return (StatusFlags.ofSub(a, b, 0, bytes: inst.widthBytes), 0)
        case .flagsSbb: return (StatusFlags.ofSub(a, b, c & 1, bytes: inst.widthBytes), 0)
        case .flagsLogic: return (StatusFlags.ofResult(a, bytes: inst.widthBytes), 0)
        case .ldEnv, .stEnv, .load, .store, .call, .insnStart, .setLabel, .br, .brcond, .gotoTB, .exitTB,
             .lookupAndGoto:
            preconditionFailure("\(inst.op.name) is not a pure op")
        }
    }

    /// True for ops whose result depends only on their inputs.
    @inline(__always)
    public static func isPure(_ op: Op) -> Bool {
        switch op {
        case .ldEnv, .stEnv, .load, .store, .call, .insnStart, .setLabel, .br, .brcond, .gotoTB, .exitTB,
             .lookupAndGoto:
            false
        default:
            true
        }
    }

    @inline(__always)
    static func signed(_ v: UInt64, _ t: IRType) -> Int64 {
        t == .i32 ? Int64(Int32(truncatingIfNeeded: v)) : Int64(bitPattern: v)
    }
}
