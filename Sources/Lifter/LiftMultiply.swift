import CCPU
import IR
import X86

/// MUL, IMUL (one, two and three operands), DIV, IDIV, MULX.
/// MUL and IMUL set CF = OF = "the high half is significant"; SF, ZF, AF and PF are undefined
/// and the host leaves them unchanged, so they are not written.
extension BlockTranslator {
    mutating func liftMultiply(signed: Bool) -> Flow {
        let w = operandBytes
        if signed && insn.operandCount >= 2 { return liftTruncatingMultiply() }
        let b = read(locate(operand: insn.operandCount >= 1 ? insn.operandCount - 1 : 0, bytes: w))
        let a = readGPR(number: 0, bytes: w)
        let low: Temp, high: Temp, significant: Temp
        if w == 8 {
            (low, high) = ir.mul2(signed: signed, .i64, a, b)
            significant = signed ? setcond(.ne, high, op(.sar, low, 63)) : setcond(.ne, high, 0)
        } else {
            let product = signed ? op(.mul, signExtend(a, from: w), signExtend(b, from: w)) : op(.mul, a, b)
            low = zeroExtend(product, from: w)
            high = ir.extract(.i64, product, position: 8 * w, length: 8 * w)
            significant = signed ? setcond(.ne, signExtend(product, from: w), product) : setcond(.ne, high, 0)
        }
        if w == 1 {
            writeGPR(number: 0, bytes: 2, op(.or, low, op(.shl, high, 8)))
        } else {
            writeGPR(number: 0, bytes: w, low)
            writeGPR(number: 2, bytes: w, high)
        }
        commit(FlagValues(cf: significant, of: significant))
        return .next
    }

    /// IMUL r, r/m and IMUL r, r/m, imm: the product cut to the operand size.
    private mutating func liftTruncatingMultiply() -> Flow {
        let w = operandBytes
        let a: Temp, b: Temp
        if insn.operandCount >= 3 {
            a = read(locate(operand: 1, bytes: w))
            b = read(locate(operand: 2, bytes: w))
        } else {
            a = read(locate(operand: 0, bytes: w))
            b = read(locate(operand: 1, bytes: w))
        }
        let r: Temp, significant: Temp
        if w == 8 {
            let (low, high) = ir.mul2(signed: true, .i64, a, b)
            r = low
            significant = setcond(.ne, high, op(.sar, low, 63))
        } else {
            let product = op(.mul, signExtend(a, from: w), signExtend(b, from: w))
            r = zeroExtend(product, from: w)
            significant = setcond(.ne, signExtend(product, from: w), product)
        }
        write(locate(operand: 0, bytes: w), r)
        commit(FlagValues(cf: significant, of: significant))
        return .next
    }

    /// DIV and IDIV divide rDX:rAX (AX for bytes) in a helper that raises #DE on a zero divisor
    /// or a quotient that does not fit, leaving the registers as they were.
    /// Flags are undefined; the host leaves CF and OF, clears SF, ZF and PF and sets AF.
    mutating func liftDivide(signed: Bool) -> Flow {
        let w = operandBytes
        let divisor = read(locate(operand: insn.operandCount >= 1 ? insn.operandCount - 1 : 0, bytes: w))
        ir.call(signed ? LifterHelpers.signedDivide : LifterHelpers.unsignedDivide, [divisor, constant(UInt64(w))])
        commit(FlagValues(pf: zero, af: one, zf: zero, sf: zero))
        return .next
    }

    /// MULX hi, lo, r/m: rDX * r/m, unsigned, no flags. When both destinations are one
    /// register it gets the high half.
    mutating func liftMultiplyFlagless() -> Flow {
        let w = operandBytes == 8 ? 8 : 4
        guard case .register(let highRegister) = insn[0], case .register(let lowRegister) = insn[1] else {
            return raise(MIMIC_EXC_UD)
        }
        let a = readGPR(number: 2, bytes: w)
        let b = read(locate(operand: 2, bytes: w))
        let low: Temp, high: Temp
        if w == 8 {
            (low, high) = ir.mul2(signed: false, .i64, a, b)
        } else {
            let product = op(.mul, a, b)
            low = zeroExtend(product, from: 4)
            high = op(.shr, product, 32)
        }
        writeGPR(lowRegister, low)
        writeGPR(highRegister, high)
        return .next
    }
}
