import IR

/// The IR's semantics written out plainly from Op.swift's comments: the oracle for JIT tests.
enum Reference {
    static func signed(_ v: UInt64, _ t: IRType) -> Int64 {
        t == .i32 ? Int64(Int32(truncatingIfNeeded: v)) : Int64(bitPattern: v)
    }

    static func binary(_ op: Op, _ t: IRType, _ a: UInt64, _ b: UInt64) -> UInt64 {
        let m = t.mask, bits = UInt64(t.bits)
        let a = a & m, b = b & m
        let n = b & (bits - 1)
        let r: UInt64
        switch op {
        case .add: r = a &+ b
        case .sub: r = a &- b
        case .mul: r = a &* b
        case .and: r = a & b
        case .or: r = a | b
        case .xor: r = a ^ b
        case .andc: r = a & ~b
        case .shl: r = a << n
        case .shr: r = a >> n
        case .sar: r = UInt64(bitPattern: signed(a, t) >> Int64(n))
        case .rotl: r = n == 0 ? a : (a << n) | (a >> (bits - n))
        case .rotr: r = n == 0 ? a : (a >> n) | (a << (bits - n))
        case .clz: r = a == 0 ? b : UInt64((t == .i32 ? UInt32(a).leadingZeroBitCount : a.leadingZeroBitCount))
        case .ctz: r = a == 0 ? b : UInt64(a.trailingZeroBitCount)
        default: fatalError("not binary: \(op)")
        }
        return r & m
    }

    static func unary(_ op: Op, _ t: IRType, _ a: UInt64) -> UInt64 {
        let m = t.mask
        let r: UInt64
        switch op {
        case .mov: r = a
        case .neg: r = 0 &- a
        case .not: r = ~a
        case .ext8s: r = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: a)))
        case .ext8u: r = a & 0xFF
        case .ext16s: r = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: a)))
        case .ext16u: r = a & 0xFFFF
        case .ext32s, .extsI32I64: r = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: a)))
        case .ext32u, .extuI32I64, .truncI64I32: r = a & 0xFFFF_FFFF
        case .bswap16: r = UInt64(UInt16(truncatingIfNeeded: a).byteSwapped)
        case .bswap32: r = UInt64(UInt32(truncatingIfNeeded: a).byteSwapped)
        case .bswap64: r = (a & m).byteSwapped
        case .ctpop: r = UInt64((a & m).nonzeroBitCount)
        default: fatalError("not unary: \(op)")
        }
        return r & m
    }

    static func mul2(signed s: Bool, _ t: IRType, _ a: UInt64, _ b: UInt64) -> (UInt64, UInt64) {
        if t == .i32 {
            if s {
                let p = UInt64(bitPattern: signed(a, t) * signed(b, t))
                return (p & 0xFFFF_FFFF, p >> 32)
            }
            let p = (a & 0xFFFF_FFFF) * (b & 0xFFFF_FFFF)
            return (p & 0xFFFF_FFFF, p >> 32)
        }
        if s {
            let (hi, lo) = Int64(bitPattern: a).multipliedFullWidth(by: Int64(bitPattern: b))
            return (lo, UInt64(bitPattern: hi))
        }
        let (hi, lo) = a.multipliedFullWidth(by: b)
        return (lo, hi)
    }

    static func bitField(_ op: Op, _ t: IRType, _ a: UInt64, _ b: UInt64, pos: Int, len: Int) -> UInt64 {
        let m = t.mask
        let lenMask: UInt64 = len == 64 ? ~0 : (1 << UInt64(len)) - 1
        switch op {
        case .deposit:
            let field = lenMask << UInt64(pos)
            return ((a & ~field) | ((b & lenMask) << UInt64(pos))) & m
        case .extract:
            return (a >> UInt64(pos)) & lenMask
        case .sextract:
            let v = (a >> UInt64(pos)) & lenMask
            let shift = UInt64(64 - len)
            return UInt64(bitPattern: Int64(bitPattern: v << shift) >> Int64(shift)) & m
        default: fatalError("not a bit field op: \(op)")
        }
    }
}
