import Foundation
import TestSupport

/// x87 instructions from stacks of 0 to 8 values (special encodings included), under every
/// precision and rounding control: arithmetic with register, real and integer operands,
/// transcendental and partial-remainder instructions, loads and stores of every width (BCD
/// too), compares that set the condition codes or EFLAGS, FCMOVcc, and control-word loads.
enum SIMDX87Cases {
    private static let arithmetic = ["fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr"]
    private static let noOperand = ["fchs", "fabs", "fsqrt", "frndint", "fscale", "fprem", "fprem1", "fxtract", "f2xm1",
                                    "fyl2x", "fyl2xp1", "fptan", "fpatan", "fsin", "fcos", "fsincos", "ftst", "fxam",
                                    "fld1", "fldz", "fldpi", "fldl2e", "fldl2t", "fldlg2", "fldln2", "fincstp",
                                    "fdecstp", "fnclex", "fninit", "fnop", "fcompp", "fucompp", "fnstsw ax"]
    private static let conditions: [(String, Flags)] = [("b", [.cf]), ("e", [.zf]), ("be", [.cf, .zf]), ("u", [.pf]),
                                                         ("nb", [.cf]), ("ne", [.zf]), ("nbe", [.cf, .zf]), ("nu", [.pf])]

    /// Every form as (key, text with `M` for a memory operand and `I` for a register index,
    /// memory kind, flag effect).
    static let forms: [(String, String, X87Memory?, FlagEffect)] = {
        var forms: [(String, String, X87Memory?, FlagEffect)] = []
        let none = FlagEffect()
        for op in arithmetic {
            forms += [("\(op) st, st(i)", "\(op) st, st(I)", nil, none), ("\(op) st(i), st", "\(op) st(I), st", nil, none),
                      ("\(op)p st(i), st", "\(op)p st(I), st", nil, none),
                      ("\(op) m32fp", "\(op) DWORD PTR M", .float, none), ("\(op) m64fp", "\(op) QWORD PTR M", .double, none),
                      ("fi\(op.dropFirst()) m16int", "fi\(op.dropFirst()) WORD PTR M", .int16, none),
                      ("fi\(op.dropFirst()) m32int", "fi\(op.dropFirst()) DWORD PTR M", .int32, none)]
        }
        forms += noOperand.map { ($0, $0, nil, none) }
        for op in ["ffree", "fxch", "fld", "fst", "fstp", "fcom", "fcomp", "fucom", "fucomp"] {
            forms.append(("\(op) st(i)", "\(op) st(I)", nil, none))
        }
        forms += [("fld m32fp", "fld DWORD PTR M", .float, none), ("fld m64fp", "fld QWORD PTR M", .double, none),
                  ("fld m80fp", "fld TBYTE PTR M", .extended, none), ("fild m16int", "fild WORD PTR M", .int16, none),
                  ("fild m32int", "fild DWORD PTR M", .int32, none), ("fild m64int", "fild QWORD PTR M", .int64, none),
                  ("fbld m80bcd", "fbld TBYTE PTR M", .bcd, none),
                  ("fst m32fp", "fst DWORD PTR M", .float, none), ("fst m64fp", "fst QWORD PTR M", .double, none),
                  ("fstp m32fp", "fstp DWORD PTR M", .float, none), ("fstp m64fp", "fstp QWORD PTR M", .double, none),
                  ("fstp m80fp", "fstp TBYTE PTR M", .extended, none), ("fist m16int", "fist WORD PTR M", .int16, none),
                  ("fist m32int", "fist DWORD PTR M", .int32, none), ("fistp m16int", "fistp WORD PTR M", .int16, none),
                  ("fistp m32int", "fistp DWORD PTR M", .int32, none), ("fistp m64int", "fistp QWORD PTR M", .int64, none),
                  ("fisttp m16int", "fisttp WORD PTR M", .int16, none), ("fisttp m32int", "fisttp DWORD PTR M", .int32, none),
                  ("fisttp m64int", "fisttp QWORD PTR M", .int64, none), ("fbstp m80bcd", "fbstp TBYTE PTR M", .bcd, none),
                  ("fcom m32fp", "fcom DWORD PTR M", .float, none), ("fcomp m64fp", "fcomp QWORD PTR M", .double, none),
                  ("ficom m16int", "ficom WORD PTR M", .int16, none), ("ficomp m32int", "ficomp DWORD PTR M", .int32, none),
                  ("fnstsw m16", "fnstsw WORD PTR M", .int16, none), ("fnstcw m16", "fnstcw WORD PTR M", .int16, none),
                  ("fldcw m16", "fldcw WORD PTR M", .controlWord, none)]
        for op in ["fcomi", "fcomip", "fucomi", "fucomip"] {
            forms.append(("\(op) st, st(i)", "\(op) st, st(I)", nil, SIMDFlags.all))
        }
        for (suffix, reads) in conditions {
            forms.append(("fcmov\(suffix) st, st(i)", "fcmov\(suffix) st, st(I)", nil, SIMDFlags.reads(reads)))
        }
        return forms
    }()

    static func cases(_ random: inout SplitMix64, perForm: Int = 14) -> [SIMDTestCase] {
        var cases: [SIMDTestCase] = []
        for (key, text, memory, flags) in forms {
            for _ in 0..<perForm {
                var builder = X87Builder(&random)
                cases.append(builder.testCase(key: key, [builder.instance(text, memory, flags, &random)]))
            }
        }
        return cases
    }

    /// Random x87 sequences (loads, arithmetic, stores) with a GPR instruction now and then.
    static func sequences(_ random: inout SplitMix64, count: Int) -> [SIMDTestCase] {
        // FLDCW may unmask an exception; SIMDExceptionCases covers what follows from that.
        let pool = forms.filter { !$0.1.hasPrefix("fcmov") && !$0.1.hasPrefix("fninit") && !$0.1.hasPrefix("fldcw") }
        var cases: [SIMDTestCase] = []
        for _ in 0..<count {
            var builder = X87Builder(&random)
            var program: [Piece] = []
            for _ in 0..<(3 + random.below(6)) {
                let (_, text, memory, flags) = random.pick(pool)
                program.append(builder.instance(text, memory, flags, &random))
                if random.chance(20) { program.append(.jumpOver) }
            }
            cases.append(builder.testCase(key: "x87 sequence", program))
        }
        return cases
    }
}

/// What an x87 memory operand holds before the instruction.
enum X87Memory {
    case float, double, extended, int16, int32, int64, bcd, controlWord
}

struct X87Builder {
    var state: MachineState
    var vector = VectorState()
    var patches: [(offset: Int, bytes: [UInt8])] = []
    private var nextMemory = 0x2000

    init(_ random: inout SplitMix64) {
        state = Operands.randomState(&random, flags: Operands.randomFlags(&random))
        state[.rsi] = Layout.dataPointer(offset: 0x2000)
        let depth = random.pick([0, 1, 2, 2, 3, 3, 4, 5, 8])
        vector.setStack((0..<depth).map { _ in LaneValues.extended(&random) }, top: random.below(8),
                        conditionCodes: UInt16(truncatingIfNeeded: random.next()))
        vector.setFCW(precision: random.pick([3, 3, 3, 2, 0]), rounding: random.below(4))
        vector.setMXCSR(rounding: 0)
    }

    func testCase(key: String, _ program: [Piece]) -> SIMDTestCase {
        SIMDTestCase(key, program, input: state, vector: vector, patches: patches)
    }

    mutating func instance(_ text: String, _ memory: X87Memory?, _ flags: FlagEffect, _ random: inout SplitMix64) -> Piece {
        var text = text.replacingOccurrences(of: "I", with: String(random.below(8)))
        if let memory {
            let offset = nextMemory
            nextMemory += 16
            patches.append((offset, contents(memory, &random)))
            text = text.replacingOccurrences(of: "M", with: "[rsi + \(offset - 0x2000)]")
        }
        return simd(text, flags)
    }

    private func contents(_ memory: X87Memory, _ random: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8]
        switch memory {
        case .float: bytes = LaneValues.float(&random)
        case .double: bytes = LaneValues.double(&random)
        case .extended: bytes = LaneValues.extended(&random)
        case .int16: bytes = LaneValues.bytes(random.pick([0, 1, 0x7FFF, 0x8000, 0xFFFF, UInt16(truncatingIfNeeded: random.next())]))
        case .int32: bytes = LaneValues.bytes(random.pick([0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, UInt32(truncatingIfNeeded: random.next())]))
        case .int64: bytes = LaneValues.bytes(random.pick([0, 1, 1 << 63, ~0, 1 << 53 + 1, random.next()] as [UInt64]))
        case .bcd:
            // Eighteen packed decimal digits and a sign byte; now and then an invalid digit.
            bytes = (0..<9).map { _ in UInt8(random.below(10) << 4 | random.below(10)) } + [random.chance(50) ? 0x80 : 0]
            if random.chance(10) { bytes[random.below(9)] = 0xFA }
        case .controlWord:
            // Masked exceptions mostly; now and then one unmasked, which a pending flag turns
            // into #MF at the next x87 instruction.
            let masks = random.chance(85) ? 0x3F : 0x3F & ~(1 << random.below(6))
            bytes = LaneValues.bytes(UInt16(0x40 | masks | random.pick([0, 2, 3]) << 8 | random.below(4) << 10))
        }
        return bytes + [UInt8](repeating: 0xA5, count: 16 - bytes.count)
    }
}
