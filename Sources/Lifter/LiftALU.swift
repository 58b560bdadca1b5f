import IR
import X86

/// ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT, ADCX ADOX.
extension BlockTranslator {
    mutating func liftArithmetic(_ m: Mnemonic) -> Flow {
        let w = operandBytes
        let destination = locate(operand: 0, bytes: w)
        // Only the operands' low `w` bytes matter: the flags ops look at their width, and the
        // write cuts the result to it.
        let a = readLow(destination)
        // `test eax, eax` and the like: one read of the register.
        let sameRegister: Bool
        if case .register = insn[0], insn[0] == insn[1] { sameRegister = true } else { sameRegister = false }
        if sameRegister && (m == .xor || m == .sub) {
            // The zeroing idioms: 0 whatever the register held, and the flags of a zero result
            // (SUB's CF, AF and OF are 0 as well, as XOR's are).
            write(destination, zero)
            commit(FlagValues(word: constant(StatusFlags.ofResult(0, bytes: w)), mask: StatusFlags.all, clean: true))
            return .next
        }
        let b = sameRegister ? a : readLow(locate(operand: 1, bytes: w))
        let r: Temp
        let flags: FlagValues
        switch m {
        case .add:
            r = op(.add, a, b)
            flags = addFlags(a, b, bytes: w)
        case .adc:
            let carry = readFlag(.cf)
            r = op(.add, op(.add, a, b), carry)
            flags = addFlags(a, b, bytes: w, carry: carry)
        case .sub:
            r = op(.sub, a, b)
            flags = subFlags(a, b, bytes: w)
        case .cmp:
            commit(subFlags(a, b, bytes: w))
            return .next
        case .sbb:
            let borrow = readFlag(.cf)
            r = op(.sub, op(.sub, a, b), borrow)
            flags = subFlags(a, b, bytes: w, borrow: borrow)
        case .test:
            // TEST x, x: the flags of x itself.
            commit(logicFlags(sameRegister ? a : op(.and, a, b), bytes: w))
            return .next
        case .and:
            r = op(.and, a, b)
            flags = logicFlags(r, bytes: w)
        case .or:
            r = op(.or, a, b)
            flags = logicFlags(r, bytes: w)
        default:  // .xor
            r = op(.xor, a, b)
            flags = logicFlags(r, bytes: w)
        }
        write(destination, r)
        commit(flags)
        return .next
    }

    /// INC and DEC leave CF alone; NEG is 0 - x; NOT changes no flag.
    mutating func liftUnary(_ m: Mnemonic) -> Flow {
        let w = operandBytes
        let destination = locate(operand: 0, bytes: w)
        // As in `liftArithmetic`, only the low `w` bytes matter.
        let a = readLow(destination)
        switch m {
        case .inc, .dec:
            let r = op(m == .inc ? .add : .sub, a, 1)
            var flags = m == .inc ? addFlags(a, one, bytes: w) : subFlags(a, one, bytes: w)
            flags.wordMask &= ~StatusFlags.cf
            write(destination, r)
            commit(flags)
        case .neg:
            let r = unary(.neg, a)
            let flags = subFlags(zero, a, bytes: w)
            write(destination, r)
            commit(flags)
        default:  // .not
            writeLast(destination, unary(.not, a))
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
