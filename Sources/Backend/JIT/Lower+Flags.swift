import IR

/// The flags ops: run the same operation on the host at the guest's width and read the host's
/// status flags, which x86 defines exactly as the guest expects.
extension BlockCompiler {
    mutating func lowerFlags(_ inst: Inst) {
        let w = Width(rawValue: inst.aux & 3)!
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

    /// rd = the host's RFLAGS & keep.
    private mutating func readHostFlags(into rd: GPR, keep: UInt64) {
        asm.pushFlags()
        asm.pop(rd)
        asm.alu(.and, .b32, rd, imm: Int32(keep))
    }
}
