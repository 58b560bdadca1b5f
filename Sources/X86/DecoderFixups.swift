/// The few rows whose operands or mnemonic depend on more than the table says: ModRM.mod,
/// operand size, or REX.B (SDM vol. 2 instruction pages for each).
extension DecodeState {
    mutating func applyPreOperandFixups(_ specs: inout (OperandSpec, OperandSpec, OperandSpec, OperandSpec),
                                        _ e: OpcodeEntry) {
        switch e.mnemonic {
        case .movss, .movsd:
            // The VEX/EVEX register-to-register form merges into vvvv: three operands.
            if (vex || evex) && rmIsRegister {
                specs = (specs.0, Hdq, specs.1, .none)
            }
        case .pinsrw, .pinsrb:
            if rmIsRegister { specs.2.size = .d; specs.1.size = .d }
            if rmIsRegister && !(vex || evex) { specs.1.size = .d }
        case .pextrb, .pextrw:
            if rmIsRegister && inst.map == .map0F3A { specs.0.size = .d }
        case .mov, .sldt, .str:
            // A segment register stored to memory is always 16 bits.
            if !rmIsRegister { specs.0.size = .w }
        default:
            break
        }
    }

    mutating func applyPostOperandFixups(_ e: OpcodeEntry) {
        switch e.mnemonic {
        case .xchg where inst.opcode == 0x90 && b == 0:
            inst.mnemonic = repByte == 0xF3 ? .pause : .nop
            inst.operands = (.none, .none, .none, .none)
            inst.operandCount = 0
        case .cwde:
            inst.mnemonic = osize == 2 ? .cbw : osize == 8 ? .cdqe : .cwde
        case .cdq:
            inst.mnemonic = osize == 2 ? .cwd : osize == 8 ? .cqo : .cdq
        case .movlps where rmIsRegister:
            inst.mnemonic = .movhlps
        case .movhps where rmIsRegister:
            inst.mnemonic = .movlhps
        case .vzeroupper where vexL != 0:
            inst.mnemonic = .vzeroall
        case .kshiftr, .kshiftl:
            // Opcode bit 0 picks b/w (0) or d/q (1); W picks within the pair.
            inst.operandBytes = inst.opcode & 1 == 0 ? (w ? 2 : 1) : (w ? 8 : 4)
        default:
            break
        }
    }
}
