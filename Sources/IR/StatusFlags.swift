/// The x86 status flags as the flags ops compute them: a word with CF, PF, AF, ZF, SF and OF at
/// their EFLAGS bit positions and every other bit 0. The x86-64 backend gets the same word from
/// the host's own flags after the same operation; this is the definition the interpreter and
/// the constant folder use.
public enum StatusFlags {
    public static let cf: UInt64 = 1 << 0
    public static let pf: UInt64 = 1 << 2
    public static let af: UInt64 = 1 << 4
    public static let zf: UInt64 = 1 << 6
    public static let sf: UInt64 = 1 << 7
    public static let of: UInt64 = 1 << 11
    public static let all: UInt64 = cf | pf | af | zf | sf | of

    /// Flags of `a + b + carry` at a width of `bytes`.
    public static func ofAdd(_ a: UInt64, _ b: UInt64, _ carry: UInt64, bytes: Int) -> UInt64 {
        let mask = widthMask(bytes), sign = signBit(bytes)
        let x = a & mask, y = b & mask
        let r = (x &+ y &+ carry) & mask
        let carried: Bool
        if bytes == 8 {
            let (s1, o1) = x.addingReportingOverflow(y)
            let (_, o2) = s1.addingReportingOverflow(carry)
            carried = o1 || o2
        } else {
            carried = x + y + carry > mask
        }
        var f = ofResult(r, bytes: bytes) | ((x ^ y ^ r) & af)
        if carried { f |= cf }
        if (x ^ r) & (y ^ r) & sign != 0 { f |= of }
        return f
    }

    /// Flags of `a - b - borrow` at a width of `bytes`.
    public static func ofSub(_ a: UInt64, _ b: UInt64, _ borrow: UInt64, bytes: Int) -> UInt64 {
        let mask = widthMask(bytes), sign = signBit(bytes)
        let x = a & mask, y = b & mask
        let r = (x &- y &- borrow) & mask
        let (subtrahend, overflow) = y.addingReportingOverflow(borrow)
        var f = ofResult(r, bytes: bytes) | ((x ^ y ^ r) & af)
        if overflow || x < subtrahend { f |= cf }
        if (x ^ y) & (x ^ r) & sign != 0 { f |= of }
        return f
    }

    /// PF, ZF and SF of a result (CF, AF and OF clear), as the logic instructions leave them.
    public static func ofResult(_ result: UInt64, bytes: Int) -> UInt64 {
        let r = result & widthMask(bytes)
        var f: UInt64 = 0
        if (r & 0xFF).nonzeroBitCount & 1 == 0 { f |= pf }
        if r == 0 { f |= zf }
        if r & signBit(bytes) != 0 { f |= sf }
        return f
    }

    @inline(__always) static func widthMask(_ bytes: Int) -> UInt64 { bytes == 8 ? ~0 : (1 << UInt64(8 * bytes)) - 1 }
    @inline(__always) static func signBit(_ bytes: Int) -> UInt64 { 1 << UInt64(8 * bytes - 1) }
}
