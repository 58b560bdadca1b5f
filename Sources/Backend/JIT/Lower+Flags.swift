import IR

/// The flags ops: run the same operation on the host at the guest's width and read the host's
/// status flags, which x86 defines exactly as the guest expects.
extension BlockCompiler {
    mutating func lowerFlags(_ inst: Inst) {
        let w = Width(rawValue: inst.aux & 3)!
        if let source = hostFlags, source.sets(inst, w, alloc), hostStillHolds(source) {
            // An ALU op or compare just before computed the same thing, and only MOVs (and the
            // branch of a compare) ran since: its flags are still in RFLAGS. A spill for the
            // result's register is a MOV too.
            let t = inst.a0
            let rd: GPR
            if dies(0), !alloc.isConst(t), let r = alloc.reg[Int(t.index)] {
                alloc.locked.insert(r)
                rd = r
            } else {
                rd = alloc.allocate(&asm)
            }
            readHostFlags(into: rd, keep: inst.op == .flagsLogic ? StatusFlags.all & ~StatusFlags.af : StatusFlags.all)
            finish(inst, rd)
            return
        }
        let rd = resultStarting(with: 0, inst)
        switch inst.op {
        case .flagsLogic:
            asm.alu(.or, w, rd, rd)
            readHostFlags(into: rd, keep: StatusFlags.all & ~StatusFlags.af)
        case .flagsAdd, .flagsSub:
            let op: ALUOp = inst.op == .flagsAdd ? .add : .sub
            // Byte and word forms take their right operand from a register; wider ones may use
            // a sign-extended immediate when the constant's value survives that extension.
            if w.rawValue >= Width.b32.rawValue, let v = immediate(inst.a1, w == .b32 ? .i32 : .i64) {
                asm.alu(op, w, rd, imm: v)
            } else {
                asm.alu(op, w, rd, use(inst.a1))
            }
            readHostFlags(into: rd, keep: StatusFlags.all)
        case .flagsAdc, .flagsSbb:
            let rb = use(inst.a1)
            let carry = use(inst.a2)
            asm.bt(.b32, carry, bit: 0)
            asm.alu(inst.op == .flagsAdc ? .adc : .sbb, w, rd, rb)
            readHostFlags(into: rd, keep: StatusFlags.all)
        default:
            preconditionFailure("\(inst.op.name) is not a flags op")
        }
        finish(inst, rd)
    }

    /// Whether RFLAGS still hold `source`'s flags: every host instruction since kept them, and
    /// every op between is a MOV (or the compare's own brcond) that leaves its operands alone,
    /// with no label where other paths come in.
    @inline(__always) func hostStillHolds(_ source: HostFlagsSource) -> Bool {
        guard asm.instructionCount - source.instructions == asm.flagsKeepingCount - source.kept else { return false }
        var i = source.opIndex + 1
        while i < opIndex {
            let between = insts[i]
            switch between.op {
            case .insnStart: break
            // Their host code is MOVs or nothing (the instruction counts above tell).
            case .mov, .ext32u, .extuI32I64, .truncI64I32: if source.reads(between.d0) { return false }
            default: return false
            }
            i += 1
        }
        return true
    }

    /// rd = the host's RFLAGS & keep.
    private mutating func readHostFlags(into rd: GPR, keep: UInt64) {
        asm.pushFlags()
        asm.pop(rd)
        asm.alu(.and, .b32, rd, imm: Int32(keep))
    }
}

/// An ALU instruction just emitted, for a flags op that asks for the flags it set.
struct HostFlagsSource {
    var op: ALUOp
    var a0: Temp, a1: Temp, d0: Temp
    var width: Width
    /// The op's index in the block, and the encoder's counts after its host instruction.
    var opIndex: Int
    var instructions: Int
    var kept: Int

    init(op: ALUOp, a0: Temp, a1: Temp, d0: Temp, width: Width, opIndex: Int, _ asm: X86Encoder) {
        self.op = op
        self.a0 = a0
        self.a1 = a1
        self.d0 = d0
        self.width = width
        self.opIndex = opIndex
        instructions = asm.instructionCount
        kept = asm.flagsKeepingCount
    }

    /// The same flags where a label only its branch enters is bound (op `index`): nothing of
    /// the fall-through path in between runs on the way there.
    func resumed(at index: Int, _ asm: X86Encoder) -> HostFlagsSource {
        var source = self
        source.opIndex = index
        source.instructions = asm.instructionCount
        source.kept = asm.flagsKeepingCount
        return source
    }

    /// Whether a write to `t` changes what this instruction's flags were computed from.
    func reads(_ t: Temp) -> Bool { t == a0 || t == a1 || t == d0 }

    /// Whether `inst`, a flags op at width `w`, asks for the flags this instruction set: ADD's
    /// of the same operands in either order, SUB's of the same ones in the same order, or the
    /// result of AND, OR or XOR (whose CF and OF are 0, and AF undefined, as the op's).
    func sets(_ inst: Inst, _ w: Width, _ alloc: RegisterAllocator) -> Bool {
        guard w == width else { return false }
        let mask: UInt64 = width == .b32 ? 0xFFFF_FFFF : ~0
        func same(_ x: Temp, _ y: Temp) -> Bool {
            x == y || (alloc.isConst(x) && alloc.isConst(y) && alloc.constValue(x) & mask == alloc.constValue(y) & mask)
        }
        // An op that overwrote one of its own inputs: the flags op's input is the new value.
        if inst.op != .flagsLogic, d0 == a0 || d0 == a1 { return false }
        switch inst.op {
        case .flagsAdd: return op == .add && ((same(inst.a0, a0) && same(inst.a1, a1)) || (same(inst.a0, a1) && same(inst.a1, a0)))
        case .flagsSub: return op == .sub && same(inst.a0, a0) && same(inst.a1, a1)
        case .flagsLogic: return (op == .and || op == .or || op == .xor) && inst.a0 == d0
        default: return false
        }
    }
}
