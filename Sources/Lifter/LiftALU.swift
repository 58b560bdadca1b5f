import IR
import X86

/// ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT, ADCX ADOX.
extension BlockTranslator {
    mutating func liftArithmetic(_ m: Mnemonic) -> Flow {
        let w = operandBytes
        let destination = locate(operand: 0, bytes: w)
        let a = read(destination)
        // `xor eax, eax` and the like: one read, so the optimizer sees x ^ x and folds it to 0.
        let sameRegister: Bool
        if case .register = insn[0], insn[0] == insn[1] { sameRegister = true } else { sameRegister = false }
        let b = sameRegister ? a : read(locate(operand: 1, bytes: w))
        let r: Temp
        let flags: FlagValues
        switch m {
        case .add:
            r = zeroExtend(op(.add, a, b), from: w)
            flags = addFlags(a, b, bytes: w)
        case .adc:
            let carry = readFlag(.cf)
            r = zeroExtend(op(.add, op(.add, a, b), carry), from: w)
            flags = addFlags(a, b, bytes: w, carry: carry)
        case .sub, .cmp:
            r = zeroExtend(op(.sub, a, b), from: w)
            flags = subFlags(a, b, bytes: w)
        case .sbb:
            let borrow = readFlag(.cf)
            r = zeroExtend(op(.sub, op(.sub, a, b), borrow), from: w)
            flags = subFlags(a, b, bytes: w, borrow: borrow)
        case .and, .test:
            r = op(.and, a, b)
            flags = logicFlags(r, bytes: w)
        case .or:
            r = op(.or, a, b)
            flags = logicFlags(r, bytes: w)
        default:  // .xor
            r = op(.xor, a, b)
            flags = logicFlags(r, bytes: w)
        }
        if m != .cmp && m != .test { write(destination, r) }
        commit(flags)
        return .next
    }

    /// INC and DEC leave CF alone; NEG is 0 - x; NOT changes no flag.
    mutating func liftUnary(_ m: Mnemonic) -> Flow {
        let w = operandBytes
        let destination = locate(operand: 0, bytes: w)
        let a = read(destination)
        switch m {
        case .inc, .dec:
            let r = zeroExtend(op(m == .inc ? .add : .sub, a, 1), from: w)
            var flags = m == .inc ? addFlags(a, one, bytes: w) : subFlags(a, one, bytes: w)
            flags.wordMask &= ~StatusFlags.cf
            write(destination, r)
            commit(flags)
        case .neg:
            let r = zeroExtend(unary(.neg, a), from: w)
            let flags = subFlags(zero, a, bytes: w)
            write(destination, r)
            commit(flags)
        default:  // .not
            write(destination, zeroExtend(unary(.not, a), from: w))
        }
        return .next
    }

    /// ADCX (carry in and out through CF) and ADOX (through OF): no other flag changes.
    mutating func liftAddCarryFlag(overflow: Bool) -> Flow {
        let w = operandBytes
        let destination = locate(operand: 0, bytes: w)
        let a = read(destination)
        let b = read(locate(operand: 1, bytes: w))
        let carry = readFlag(overflow ? .of : .cf)
        let r = zeroExtend(op(.add, op(.add, a, b), carry), from: w)
        let out = carryOut(a, b, r, bytes: w)
        write(destination, r)
        commit(overflow ? FlagValues(of: out) : FlagValues(cf: out))
        return .next
    }
}
