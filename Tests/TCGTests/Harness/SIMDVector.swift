import TestSupport
import CCPU
import CNativeRunner

/// The x87, MMX, XMM and MXCSR state as one FXSAVE image (Intel SDM vol. 1, table 10-2), the
/// form the native runner loads and stores and the form Mimic keeps its x87 state in.
enum VectorImage {
    static let size = Int(NATIVE_FXSAVE_SIZE)
    static let fcw = 0, fsw = 2, ftw = 4, mxcsr = 24
    static func st(_ i: Int) -> Int { 32 + 16 * i }
    static func xmm(_ i: Int) -> Int { 160 + 16 * i }

    /// The host's own state: default control words, an empty x87 stack, and a valid
    /// MXCSR_MASK, the base every case edits.
    static let host: [UInt8] = {
        var image = [UInt8](repeating: 0, count: size)
        native_fxsave(&image)
        return image
    }()

    /// Mimic keeps XMM and MXCSR outside its FXSAVE image; the rest is the image itself.
    static func store(_ image: [UInt8], into cpu: UnsafeMutablePointer<MimicCPUState>) {
        withUnsafeMutableBytes(of: &cpu.pointee.x87) { $0.copyBytes(from: image) }
        withUnsafeMutableBytes(of: &cpu.pointee.xmm) { $0.copyBytes(from: image[xmm(0)..<xmm(16)]) }
        cpu.pointee.mxcsr = read32(image, mxcsr)
    }

    static func load(from cpu: UnsafeMutablePointer<MimicCPUState>) -> [UInt8] {
        var image = withUnsafeBytes(of: cpu.pointee.x87) { Array($0) }
        withUnsafeBytes(of: cpu.pointee.xmm) { image.replaceSubrange(xmm(0)..<xmm(16), with: $0) }
        write32(&image, mxcsr, cpu.pointee.mxcsr)
        return image
    }

    static func read16(_ image: [UInt8], _ at: Int) -> UInt16 { UInt16(image[at]) | UInt16(image[at + 1]) << 8 }
    static func read32(_ image: [UInt8], _ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(image[at + $1]) << (8 * $1) } }

    static func write16(_ image: inout [UInt8], _ at: Int, _ value: UInt16) {
        image[at] = UInt8(truncatingIfNeeded: value)
        image[at + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }

    static func write32(_ image: inout [UInt8], _ at: Int, _ value: UInt32) {
        for i in 0..<4 { image[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }

    /// The compared parts, each named: control and status words, tags, MXCSR, the eight x87
    /// registers (80 bits each) and the sixteen XMM registers. FOP, FIP and FDP are not
    /// compared: they hold the address of the last x87 instruction, which in Mimic is a thunk.
    static let comparedFields: [(name: String, range: Range<Int>)] =
        [("fcw", fcw..<fcw + 2), ("fsw", fsw..<fsw + 2), ("ftw", ftw..<ftw + 1), ("mxcsr", mxcsr..<mxcsr + 4)]
        + (0..<8).map { ("st\($0)", st($0)..<st($0) + 10) }
        + (0..<16).map { ("xmm\($0)", xmm($0)..<xmm($0) + 16) }

    /// One line per differing field, the bytes shown most significant first.
    static func differences(native: [UInt8], mimic: [UInt8]) -> [String] {
        comparedFields.compactMap { field in
            let a = Array(native[field.range]), b = Array(mimic[field.range])
            if a == b { return nil }
            return "\(field.name): native \(hexValue(a)), mimic \(hexValue(b))"
        }
    }

    static func hexValue(_ littleEndian: [UInt8]) -> String {
        littleEndian.reversed().map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

/// Building the state a SIMD case starts from.
struct VectorState {
    var image = VectorImage.host

    /// Sets XMM register `r` to 16 bytes.
    mutating func setXMM(_ r: Int, _ bytes: [UInt8]) {
        precondition(bytes.count == 16)
        image.replaceSubrange(VectorImage.xmm(r)..<VectorImage.xmm(r) + 16, with: bytes)
    }

    /// MXCSR: all exceptions masked, the given rounding control (0 nearest, 1 down, 2 up,
    /// 3 toward zero), flush-to-zero and denormals-are-zero, and sticky flags.
    mutating func setMXCSR(rounding: Int, ftz: Bool = false, daz: Bool = false, sticky: UInt32 = 0) {
        let value = 0x1F80 | UInt32(rounding) << 13 | (ftz ? 1 << 15 : 0) | (daz ? 1 << 6 : 0) | (sticky & 0x3F)
        VectorImage.write32(&image, VectorImage.mxcsr, value)
    }

    /// The x87 control word: exceptions masked, precision control (0 single, 2 double,
    /// 3 extended) and rounding control.
    mutating func setFCW(precision: Int = 3, rounding: Int = 0) {
        VectorImage.write16(&image, VectorImage.fcw, UInt16(0x7F | 0x40 | precision << 8 | rounding << 10))
    }

    /// The x87 stack: `values` (10-byte encodings) from ST0 down, with TOP chosen, condition
    /// codes as given, and the tags of the other registers empty.
    mutating func setStack(_ values: [[UInt8]], top: Int, conditionCodes: UInt16 = 0) {
        precondition(values.count <= 8)
        VectorImage.write16(&image, VectorImage.fsw, UInt16(top) << 11 | (conditionCodes & 0x4700))
        var tags: UInt8 = 0
        for (i, value) in values.enumerated() {
            precondition(value.count == 10)
            image.replaceSubrange(VectorImage.st(i)..<VectorImage.st(i) + 10, with: value)
            tags |= 1 << UInt8((top + i) & 7)
        }
        image[VectorImage.ftw] = tags
    }
}

/// Interesting values of each lane type, as little-endian bytes.
enum LaneValues {
    static func bytes<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    static let doubles: [UInt64] = [
        0, 0x8000_0000_0000_0000, 0x3FF0_0000_0000_0000, 0xBFF0_0000_0000_0000, 0x3FF8_0000_0000_0000,
        0x4004_0000_0000_0000, 0xC004_0000_0000_0000, 0x3FB9_9999_9999_999A, 0x3FD5_5555_5555_5555,
        0x7E37_E43C_8800_759C, 0x81A5_6E1F_C2F8_F359, 0x0000_0000_0000_0001, 0x000F_FFFF_FFFF_FFFF,
        0x0010_0000_0000_0000, 0x7FEF_FFFF_FFFF_FFFF, 0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000,
        0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000, 0x7FF4_0000_0000_0001, 0x7FF8_0000_DEAD_BEEF,
        0x41E0_0000_0000_0000, 0xC1E0_0000_0020_0000, 0x43E0_0000_0000_0000, 0xC3E0_0000_0000_0000,
        0x4330_0000_0000_0001, 0x3FE0_0000_0000_0000, 0x4024_0000_0000_0000, 0x4415_AF1D_78B5_8C40,
    ]
    static let floats: [UInt32] = [
        0, 0x8000_0000, 0x3F80_0000, 0xBF80_0000, 0x3FC0_0000, 0x4020_0000, 0xC020_0000, 0x3DCC_CCCD,
        0x3EAA_AAAB, 0x7F7F_FFFF, 0xFF7F_FFFF, 0x0000_0001, 0x007F_FFFF, 0x0080_0000, 0x7F80_0000,
        0xFF80_0000, 0x7FC0_0000, 0xFFC0_0000, 0x7FA0_0001, 0x7FC0_BEEF, 0x4F00_0000, 0xCF00_0001,
        0x5F00_0000, 0xDF00_0000, 0x3F00_0000, 0x4B80_0001, 0x4120_0000, 0x5E80_0000,
    ]

    static func double(_ random: inout SplitMix64) -> [UInt8] {
        random.chance(25) ? bytes(Double(Int64(bitPattern: random.next()) >> random.below(60)) / 7) : bytes(random.pick(doubles))
    }

    static func float(_ random: inout SplitMix64) -> [UInt8] {
        random.chance(25) ? bytes(Float(Int32(truncatingIfNeeded: random.next()) >> random.below(28)) / 3) : bytes(random.pick(floats))
    }

    static func integerLanes(_ random: inout SplitMix64) -> [UInt8] {
        switch random.below(6) {
        case 0: return (0..<16).map { _ in random.pick([0x00, 0xFF, 0x80, 0x7F, 0x01, 0xFE] as [UInt8]) }
        case 1: return (0..<8).flatMap { _ in bytes(random.pick([0, 0xFFFF, 0x8000, 0x7FFF, 1, 0x00FF, 0xFF00] as [UInt16])) }
        case 2: return (0..<4).flatMap { _ in bytes(random.pick([0, 0xFFFF_FFFF, 0x8000_0000, 0x7FFF_FFFF, 1, 0xFFFF] as [UInt32])) }
        default: return (0..<2).flatMap { _ in bytes(random.next() >> random.below(64)) }
        }
    }

    /// Printable text with NULs at random places: the string instructions' inputs.
    static func text(_ random: inout SplitMix64) -> [UInt8] {
        let alphabet = Array("abcdeAZ09 -.".utf8)
        var lanes = (0..<16).map { _ in random.pick(alphabet) }
        if random.chance(60) { lanes[random.below(16)] = 0 }
        return lanes
    }

    /// Sixteen bytes of the given lane type.
    static func xmm(_ lane: Lane, _ random: inout SplitMix64) -> [UInt8] {
        switch lane {
        case .ps: return (0..<4).flatMap { _ in float(&random) }
        case .pd: return (0..<2).flatMap { _ in double(&random) }
        case .int: return integerLanes(&random)
        case .text: return text(&random)
        }
    }

    /// 80-bit extended values (10 bytes): normals, zeros, denormals, infinities, NaNs, and the
    /// encodings the x87 treats as invalid (unnormals, pseudo-NaNs).
    static func extended(_ random: inout SplitMix64) -> [UInt8] {
        func make(_ sign: UInt16, _ exponent: UInt16, _ significand: UInt64) -> [UInt8] {
            bytes(significand) + bytes(sign << 15 | exponent)
        }
        switch random.below(12) {
        case 0: return make(UInt16(random.below(2)), 0, 0)
        case 1: return make(0, 0x3FFF, 1 << 63)                                  // 1
        case 2: return make(UInt16(random.below(2)), 0x7FFF, 1 << 63)            // ±infinity
        case 3: return make(UInt16(random.below(2)), 0x7FFF, 0xC000_0000_0000_0000 | random.next() >> 20)   // QNaN
        case 4: return make(0, 0x7FFF, 0x8000_0000_0000_0001)                    // SNaN
        case 5: return make(UInt16(random.below(2)), 0, random.next() >> 1)      // denormal
        case 6: return make(0, UInt16(0x3FFF + random.below(64)), random.next() >> 1)   // unnormal (J bit clear)
        default:
            let exponent = UInt16(0x3FFF - 70 + random.below(140))
            return make(UInt16(random.below(2)), exponent, 1 << 63 | random.next() >> 1)
        }
    }
}

enum Lane {
    case ps, pd, int, text
}
