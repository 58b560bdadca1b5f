import CCPU
import IR
#if canImport(Glibc)
import Glibc
#endif

/// The lifter's helpers, registered once on first use. Each is a C-ABI function of the CPU state
/// and four 64-bit arguments.
enum LifterHelpers {
    static let unsignedDivide = Helpers.register(Helper(
        name: "div", function: { cpu, divisor, bytes, _, _ in divide(cpu, divisor, bytes, signed: false) },
        argumentCount: 2, returnsValue: false, flags: [.readsState, .writesState, .mayRaise]))
    static let signedDivide = Helpers.register(Helper(
        name: "idiv", function: { cpu, divisor, bytes, _, _ in divide(cpu, divisor, bytes, signed: true) },
        argumentCount: 2, returnsValue: false, flags: [.readsState, .writesState, .mayRaise]))
    static let cpuid = Helpers.register(Helper(
        name: "cpuid", function: { cpu, _, _, _, _ in
            guard let cpu else { return 0 }
            let gpr = registers(cpu)
            let r = CPUID.query(leaf: UInt32(truncatingIfNeeded: gpr[0]), subleaf: UInt32(truncatingIfNeeded: gpr[1]))
            gpr[0] = UInt64(r.eax)
            gpr[3] = UInt64(r.ebx)
            gpr[1] = UInt64(r.ecx)
            gpr[2] = UInt64(r.edx)
            return 0
        },
        argumentCount: 0, returnsValue: false, flags: [.readsState, .writesState]))
    /// The host's time-stamp counter.
    static let timeStampCounter = Helpers.register(Helper(
        name: "rdtsc", function: { _, _, _, _, _ in mimic_host_tsc() },
        argumentCount: 0, returnsValue: true, flags: .pure))
    static let random = Helpers.register(Helper(
        name: "rdrand", function: { _, _, _, _, _ in
            var generator = SystemRandomNumberGenerator()
            return generator.next()
        },
        argumentCount: 0, returnsValue: true, flags: .pure))
    static let crc32c = Helpers.register(Helper(
        name: "crc32", function: { _, crc, value, bytes, _ in
            UInt64(CRC32C.update(UInt32(truncatingIfNeeded: crc), value, bytes: Int(bytes & 15)))
        },
        argumentCount: 3, returnsValue: true, flags: .pure))
    static let parallelDeposit = Helpers.register(Helper(
        name: "pdep", function: { _, source, mask, _, _ in
            var result: UInt64 = 0, m = mask, s = source
            while m != 0 {
                let lowest = m & (0 &- m)
                if s & 1 != 0 { result |= lowest }
                s >>= 1
                m &= m - 1
            }
            return result
        },
        argumentCount: 2, returnsValue: true, flags: .pure))
    static let parallelExtract = Helpers.register(Helper(
        name: "pext", function: { _, source, mask, _, _ in
            var result: UInt64 = 0, m = mask, k: UInt64 = 0
            while m != 0 {
                let lowest = m & (0 &- m)
                if source & lowest != 0 { result |= 1 << k }
                k += 1
                m &= m - 1
            }
            return result
        },
        argumentCount: 2, returnsValue: true, flags: .pure))

    /// The sixteen general-purpose registers of the state at `cpu`.
    @inline(__always)
    static func registers(_ cpu: UnsafeMutableRawPointer) -> UnsafeMutablePointer<UInt64> {
        (cpu + StateOffset.gpr).assumingMemoryBound(to: UInt64.self)
    }

    /// rDX:rAX (AX for bytes) divided by `divisor`: the quotient to rAX (AL), the remainder to
    /// rDX (AH). A zero divisor or a quotient too wide raises #DE and changes nothing.
    static func divide(_ cpu: UnsafeMutableRawPointer?, _ divisor: UInt64, _ bytes: UInt64, signed: Bool) -> UInt64 {
        guard let cpu else { return 0 }
        let gpr = registers(cpu)
        let state = cpu.assumingMemoryBound(to: MimicCPUState.self)
        let bits = Int(bytes) * 8
        let mask: UInt64 = bits == 64 ? ~0 : (1 << UInt64(bits)) - 1
        // The dividend as a 128-bit (high, low) pair.
        var high: UInt64, low: UInt64
        if bits == 8 {
            low = gpr[0] & 0xFFFF
            high = 0
            if signed, low & 0x8000 != 0 { low |= ~0xFFFF; high = ~0 }
        } else if bits == 64 {
            (high, low) = (gpr[2], gpr[0])
        } else {
            low = (gpr[2] & mask) << UInt64(bits) | gpr[0] & mask
            high = 0
            if signed, low >> UInt64(2 * bits - 1) & 1 != 0 {
                if bits < 32 { low |= ~((1 << UInt64(2 * bits)) - 1) }
                high = ~0
            }
        }
        let d = signed ? signExtend(divisor & mask, bits: bits) : divisor & mask
        guard let (q, r) = signed ? signedDivide(high, low, by: d, bits: bits) : unsignedDivide(high, low, by: d, bits: bits) else {
            state.pointee.exception = UInt64(MIMIC_EXC_DE)
            return 0
        }
        switch bits {
        case 8:
            gpr[0] = gpr[0] & ~0xFFFF | (r & 0xFF) << 8 | q & 0xFF
        case 16:
            gpr[0] = gpr[0] & ~0xFFFF | q & 0xFFFF
            gpr[2] = gpr[2] & ~0xFFFF | r & 0xFFFF
        default:
            gpr[0] = q & mask
            gpr[2] = r & mask
        }
        return 0
    }

    static func signExtend(_ v: UInt64, bits: Int) -> UInt64 {
        let shift = UInt64(64 - bits)
        return UInt64(bitPattern: Int64(bitPattern: v << shift) >> Int64(shift))
    }

    /// Unsigned (high:low) / d when d is nonzero and the quotient fits in `bits`.
    static func unsignedDivide(_ high: UInt64, _ low: UInt64, by d: UInt64, bits: Int) -> (UInt64, UInt64)? {
        guard d != 0, high < d else { return nil }
        let (q, r) = d.dividingFullWidth((high: high, low: low))
        if bits < 64, q >> UInt64(bits) != 0 { return nil }
        return (q, r)
    }

    /// Signed (high:low) / d, truncating toward zero, when the quotient fits in `bits` (signed).
    static func signedDivide(_ high: UInt64, _ low: UInt64, by d: UInt64, bits: Int) -> (UInt64, UInt64)? {
        guard d != 0 else { return nil }
        let negativeDividend = Int64(bitPattern: high) < 0
        let negativeDivisor = Int64(bitPattern: d) < 0
        // Magnitudes as unsigned 128-bit and 64-bit values.
        var (mh, ml) = (high, low)
        if negativeDividend {
            ml = ~ml &+ 1
            mh = ~mh &+ (ml == 0 ? 1 : 0)
        }
        let md = negativeDivisor ? 0 &- d : d
        guard mh < md else { return nil }
        let (mq, mr) = md.dividingFullWidth((high: mh, low: ml))
        let negativeQuotient = negativeDividend != negativeDivisor
        let limit: UInt64 = 1 << UInt64(bits - 1)  // |quotient| ≤ 2^(bits-1) when negative, < when not
        if negativeQuotient ? mq > limit : mq >= limit { return nil }
        let q = negativeQuotient ? 0 &- mq : mq
        let r = negativeDividend ? 0 &- mr : mr
        return (q, r)
    }
}
