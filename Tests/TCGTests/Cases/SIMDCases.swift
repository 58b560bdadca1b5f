import TestSupport

/// Turns SIMDTable forms into cases: every register/memory choice of each operand, every
/// immediate of the form, inputs of the form's lane type in all sixteen XMM registers (and in
/// memory), random MXCSR rounding, and misaligned 16-byte operands now and then (#GP natively
/// unless the instruction allows them, so both outcomes are compared).
enum SIMDCases {
    static func cases(_ forms: [SIMDForm], _ random: inout SplitMix64, perVariant: Int = 5) -> [SIMDTestCase] {
        var cases: [SIMDTestCase] = []
        for form in forms {
            for variant in variants(form.operands) {
                let count = max(perVariant, form.immediates.count)
                for i in 0..<count {
                    var builder = SIMDBuilder(lane: form.lane, &random)
                    let immediate = form.immediates.isEmpty ? nil : form.immediates[i % form.immediates.count]
                    let piece = builder.instance(form, variant, immediate: immediate, &random)
                    cases.append(builder.testCase(key: "\(form.mnemonic) \(variant.joined(separator: ", "))", [piece]))
                }
            }
        }
        return cases
    }

    /// Straight-line sequences of register-form SSE instructions with GPR arithmetic between
    /// them: values and flags must survive from one thunk to the next and across blocks.
    static func sequences(_ random: inout SplitMix64, count: Int) -> [SIMDTestCase] {
        let pool = (SIMDTable.sse + SIMDTable.integer + SIMDTable.shuffles + SIMDTable.conversions + SIMDTable.sse3And41FloatingPoint)
            .filter { !$0.operands.contains { $0.hasPrefix("mm") } }
        var cases: [SIMDTestCase] = []
        for _ in 0..<count {
            var builder = SIMDBuilder(lane: random.pick([.ps, .pd, .int]), &random)
            var program: [Piece] = []
            for _ in 0..<(3 + random.below(6)) {
                let form = random.pick(pool)
                let variant = random.pick(variants(form.operands))
                let immediate = form.immediates.isEmpty ? nil : random.pick(form.immediates)
                program.append(builder.instance(form, variant, immediate: immediate, &random))
                switch random.below(4) {
                case 0: program.append(.insn(Insn(.add, "r8, r9")))
                case 1: program.append(.jumpOver)
                default: break
                }
            }
            cases.append(builder.testCase(key: "sequence", program))
        }
        return cases
    }

    /// Each operand's alternatives: "xmm/m128" is "xmm" or "m128", "r/m32" is "r32" or "m32",
    /// "r32/m8" is "r32" or "m8".
    static func variants(_ operands: [String]) -> [[String]] {
        operands.reduce([[]]) { partial, operand in
            let choices: [String]
            if operand.hasPrefix("r/m") {
                choices = ["r" + operand.dropFirst(3), "m" + operand.dropFirst(3)]
            } else {
                choices = operand.split(separator: "/").map(String.init)
            }
            return partial.flatMap { prefix in choices.map { prefix + [$0] } }
        }
    }
}

/// The state of one case under construction: GPRs, the vector image, memory patches, and the
/// registers already used so operands stay distinct.
struct SIMDBuilder {
    var state: MachineState
    var vector = VectorState()
    var patches: [(offset: Int, bytes: [UInt8])] = []
    let lane: Lane
    private var nextMemory = 0x2000
    private var usedXMM: Set<Int> = []
    /// Memory operands are addressed from RSI; GPR operands never name it (or RSP).
    private static let gprPool: [GPR] = [.rax, .rcx, .rdx, .rbx, .rdi, .r8, .r10, .r11, .r14, .r15]

    init(lane: Lane, _ random: inout SplitMix64) {
        self.lane = lane
        state = Operands.randomState(&random, flags: Operands.randomFlags(&random))
        state[.rsi] = Layout.dataPointer(offset: 0x2000)
        for r in 0..<16 { vector.setXMM(r, LaneValues.xmm(lane, &random)) }
        let floating = lane == .ps || lane == .pd
        vector.setMXCSR(rounding: floating ? random.below(4) : 0, ftz: floating && random.chance(10),
                        daz: floating && random.chance(10), sticky: random.chance(20) ? UInt32(random.below(64)) : 0)
        // MMX registers alias the x87 registers; give them integer contents.
        let mmx = (0..<8).map { _ -> [UInt8] in Array(LaneValues.integerLanes(&random).prefix(8)) + [0xFF, 0xFF] }
        vector.setStack(mmx, top: 0)
    }

    func testCase(key: String, _ program: [Piece]) -> SIMDTestCase {
        SIMDTestCase(key, program, input: state, vector: vector, patches: patches)
    }

    /// One instruction of `form` with operands chosen by `variant`.
    mutating func instance(_ form: SIMDForm, _ variant: [String], immediate: Int?, _ random: inout SplitMix64) -> Piece {
        if form.mnemonic.hasPrefix("pcmpestr") {
            // Explicit lengths in EAX and EDX, including negative and beyond 16.
            state[.rax] = UInt64(bitPattern: Int64(random.below(41) - 20))
            state[.rdx] = UInt64(bitPattern: Int64(random.below(41) - 20))
        }
        let texts = variant.map { operand -> String in
            switch operand {
            case "xmm": return "xmm\(freshXMM(&random))"
            case "mm": return "mm\(random.below(8))"
            case "imm8": return "0x" + String(immediate ?? 0, radix: 16)
            case "r32", "r64": return gpr(operand == "r32" ? 32 : 64, &random)
            default: return memory(operand, mnemonic: form.mnemonic, &random)
            }
        }
        let text = texts.isEmpty ? form.mnemonic : form.mnemonic + " " + texts.joined(separator: ", ")
        return simd(text, form.flags)
    }

    private mutating func freshXMM(_ random: inout SplitMix64) -> Int {
        if usedXMM.count == 16 { usedXMM = [] }
        var r = random.below(16)
        while usedXMM.contains(r) { r = (r + 1) % 16 }
        usedXMM.insert(r)
        return r
    }

    /// A GPR operand, holding a value worth converting when it is a source.
    private mutating func gpr(_ width: Int, _ random: inout SplitMix64) -> String {
        let r = random.pick(Self.gprPool)
        let values: [UInt64] = [0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, ~0, 1 << 63, 0x0010_0000_0000_0001, random.next() >> random.below(64)]
        state[r] = random.pick(values)
        return Operands.name(r, width)
    }

    /// A memory operand at a fresh 16-byte slot off RSI (sometimes misaligned for m128), holding
    /// values of the case's lane type.
    private mutating func memory(_ operand: String, mnemonic: String, _ random: inout SplitMix64) -> String {
        let size: String
        switch operand {
        case "m128": size = "XMMWORD PTR"
        case "m64": size = "QWORD PTR"
        case "m32": size = "DWORD PTR"
        case "m16": size = "WORD PTR"
        case "m8": size = "BYTE PTR"
        default: preconditionFailure("unknown operand \(operand)")
        }
        var offset = nextMemory
        nextMemory += 32
        if operand == "m128" && random.chance(15) { offset += 1 + random.below(15) }
        var bytes = LaneValues.xmm(lane == .text ? .text : lane, &random)
        if mnemonic == "ldmxcsr" {
            // A valid MXCSR, or (rarely) one with a reserved bit set: #GP on both sides.
            let value = random.chance(10) ? UInt32(0x1F80) | 1 << 20 : UInt32(0x1F80 | random.below(4) << 13 | random.below(64))
            bytes = LaneValues.bytes(value) + bytes.dropFirst(4)
        }
        patches.append((offset, bytes))
        let displacement = offset - 0x2000
        return "\(size) [rsi + \(displacement)]"
    }
}
