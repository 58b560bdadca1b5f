import IR

/// setcond and movcond, and the comparison that brcond shares with them.
extension BlockCompiler {
    /// The x86 condition that holds after `cmp a, b` (or `test a, b`) when `cond` holds.
    static func conditionCode(_ cond: Cond) -> ConditionCode {
        switch cond {
        case .eq, .tsteq: .e
        case .ne, .tstne: .ne
        case .lt: .l
        case .ge: .ge
        case .le: .le
        case .gt: .g
        case .ltu: .b
        case .geu: .ae
        case .leu: .be
        case .gtu: .a
        }
    }

    /// Emits CMP or TEST of inputs `ai` and `bi` and returns the condition code to test.
    /// Only MOVs may follow before the flags are consumed (the allocator emits nothing else).
    mutating func compare(_ inst: Inst, _ ai: Int, _ bi: Int) -> ConditionCode {
        var cond = inst.cond
        var a = inst.input(ai), b = inst.input(bi)
        if alloc.isConst(a), !alloc.isConst(b) {
            swap(&a, &b)
            cond = cond.swapped
        }
        let w = width(inst.type)
        let ra = use(a)
        let isTest = cond == .tsteq || cond == .tstne
        var cmp = !isTest
        switch operand(b, inst.type) {
        case .reg(let rb): if isTest { asm.test(w, ra, rb) } else { asm.alu(.cmp, w, ra, rb) }
        case .imm(let v):
            if isTest {
                asm.test(w, ra, imm: v)
            } else if v == 0, cond == .eq || cond == .ne {
                asm.test(w, ra, ra)
                cmp = false
            } else {
                asm.alu(.cmp, w, ra, imm: v)
            }
        }
        // CMP sets SUB's flags: a flags op of the same SUB after the branch may read them.
        hostFlags = cmp ? HostFlagsSource(op: .sub, a0: a, a1: b, d0: .none, width: w, opIndex: opIndex, asm) : nil
        return Self.conditionCode(cond)
    }

    /// d = a cond b ? 1 : 0.
    mutating func lowerSetcond(_ inst: Inst) {
        let cc = compare(inst, 0, 1)
        let rd: GPR
        if dies(0), !alloc.isConst(inst.a0), let r = alloc.reg[Int(inst.a0.index)] { rd = r } else { rd = alloc.allocate(&asm) }
        asm.setcc(cc, rd)
        asm.movzx(.b32, rd, rd, from: .b8)
        finish(inst, rd)
    }

    /// d = a cond b ? c : e: d starts as e, then CMOV takes c.
    mutating func lowerMovcond(_ inst: Inst) {
        let rc = use(inst.a2)
        let rd = resultStarting(with: 3, inst, keep: RegSet(rc))
        let cc = compare(inst, 0, 1)
        asm.cmov(cc, width(inst.type), rd, rc)
        finish(inst, rd)
    }
}
