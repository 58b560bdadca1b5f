import CCPU
import IR
import X86

/// MOV, MOVSX/MOVZX/MOVSXD, MOVBE, LEA, CMOVcc, SETcc, BSWAP, CBW..CQO, XLAT.
extension BlockTranslator {
    mutating func liftMove() -> Flow {
        let w = operandBytes
        // The write cuts the value to the width: the source's bits above it do not matter.
        let value = readLow(locate(operand: 1, bytes: w))
        writeLast(locate(operand: 0, bytes: w), value)
        return .next
    }

    /// The source keeps its own width (a register's, or the memory operand's). The write cuts
    /// the extended value to the destination's width.
    mutating func liftMoveExtend(signed: Bool) -> Flow {
        let w = operandBytes
        let source = locate(operand: 1, bytes: insn.mnemonic == .movsxd ? 4 : 1)
        let sourceBytes = width(source, default: insn.mnemonic == .movsxd ? 4 : 1)
        let value: Temp
        if case .memory(let address, let bytes) = source {
            value = load(address, bytes: bytes, signed: signed)
        } else {
            // A sign extension looks only at the source's low bits.
            value = signed ? signExtend(readLow(source), from: sourceBytes) : read(source)
        }
        writeLast(locate(operand: 0, bytes: w), value)
        return .next
    }

    mutating func liftMoveByteSwapped() -> Flow {
        let w = operandBytes
        let value = read(locate(operand: 1, bytes: w))
        write(locate(operand: 0, bytes: w), byteSwap(value, bytes: w))
        return .next
    }

    mutating func byteSwap(_ v: Temp, bytes: Int) -> Temp {
        switch bytes {
        case 2: return unary(.bswap16, v)
        case 4: return unary(.bswap32, v)
        default: return unary(.bswap64, v)
        }
    }

    /// LEA: the effective address without segment base, cut to the operand size.
    mutating func liftLoadEffectiveAddress() -> Flow {
        guard case .memory(let m) = insn[1] else { return raise(MIMIC_EXC_UD) }
        let w = operandBytes
        writeLast(locate(operand: 0, bytes: w), effectiveAddress(m))
        return .next
    }

    /// CMOVcc: the source is read (and may fault) whatever the condition; a 32-bit destination
    /// is zero-extended even when the condition is false.
    mutating func liftConditionalMove() -> Flow {
        let w = operandBytes
        let destination = locate(operand: 0, bytes: w)
        // Either value is written cut to the width.
        let source = readLow(locate(operand: 1, bytes: w))
        let old = readLow(destination)
        let (value, mask, cond) = conditionTest(insn.condition)
        writeLast(destination, movcond(cond, value, mask, source, old))
        return .next
    }

    mutating func liftSetCondition() -> Flow {
        write(locate(operand: 0, bytes: 1), conditionValue(insn.condition))
        return .next
    }

    /// BSWAP; the 16-bit form is undefined and the host clears the low word.
    mutating func liftByteSwap() -> Flow {
        guard case .register(let r) = insn[0] else { return raise(MIMIC_EXC_UD) }
        let w = r.gprBytes
        writeGPR(r, w == 2 ? zero : byteSwap(readGPR(r), bytes: w))
        return .next
    }

    /// CBW, CWDE, CDQE: the accumulator's lower half sign-extended into all of it.
    mutating func liftSignExtendAccumulator() -> Flow {
        let w: Int
        switch insn.mnemonic {
        case .cbw: w = 2
        case .cwde: w = 4
        default: w = 8
        }
        writeGPRLast(Register.gpr(0, bytes: w), signExtend(readGPR(number: 0, bytes: w / 2), from: w / 2))
        return .next
    }

    /// CWD, CDQ, CQO: rDX = the accumulator's sign, repeated.
    mutating func liftSignExtendIntoDX() -> Flow {
        let w: Int
        switch insn.mnemonic {
        case .cwd: w = 2
        case .cdq: w = 4
        default: w = 8
        }
        let sign = op(.sar, signExtend(readGPR(number: 0, bytes: w), from: w), 63)
        writeGPRLast(Register.gpr(2, bytes: w), sign)
        return .next
    }

    /// XLAT: AL = [seg: rBX + AL].
    mutating func liftTranslateByte() -> Flow {
        let bytes = mode == .protected32 || insn.addressBytes == 4 ? 4 : 8
        let table = readGPR(number: 3, bytes: bytes)
        let address = zeroExtend(op(.add, table, readGPR(number: 0, bytes: 1)), from: bytes)
        let value = load(addSegmentBase(address, insn.segment), bytes: 1)
        writeGPR(number: 0, bytes: 1, value)
        return .next
    }
}
