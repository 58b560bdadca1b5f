import IR
import X86

/// SHL SAL SHR SAR ROL ROR RCL RCR, SHLD SHRD, and the flagless RORX SARX SHLX SHRX.
///
/// Counts are masked to 5 bits (6 for 64-bit operands); a masked count of 0 changes no flag,
/// which a variable count expresses with `movcond` on every flag it would write. A 32-bit
/// register destination is still written (zero-extended) with a count of 0, as the CPU does.
extension BlockTranslator {
    /// The count operand `i`: CL or an immediate, masked; `ifAbsent` when there is none.
    mutating func shiftCount(operand i: Int, mask: UInt64, ifAbsent: Temp) -> Temp {
        guard insn.operandCount > i else { return ifAbsent }
        switch insn[i] {
        case .immediate(let v, _): return constant(UInt64(bitPattern: v) & mask)
        case .register(let r): return op(.and, readGPR(r), mask)
        default: return ifAbsent
        }
    }

    /// Commits `f` unless the masked count `n` is 0.
    mutating func commit(_ f: FlagValues, unlessZero n: Temp) {
        if let c = ir.constValue(n) {
            if c != 0 { commit(f) }
            return
        }
        let word = merged(f)
        if !word.isNone { ir.mov(X86Globals.flags, movcond(.eq, n, 0, X86Globals.flags, word)) }
    }

    /// `v` when the count is nonzero, `x` when it is 0 (for formulas that need a count ≥ 1).
    mutating func unlessZero(_ n: Temp, _ v: Temp, else x: Temp) -> Temp {
        if let c = ir.constValue(n) { return c == 0 ? x : v }
        return movcond(.eq, n, 0, x, v)
    }

    /// Writes a shift's result: always to a register (so 32-bit ones zero-extend), to memory
    /// only when the count may be nonzero.
    mutating func writeShiftResult(_ destination: Location, _ r: Temp, count n: Temp) {
        if case .memory = destination, let c = ir.constValue(n), c == 0 { return }
        write(destination, r)
    }

    mutating func liftShift(_ m: Mnemonic) -> Flow {
        let w = operandBytes
        let bits = 8 * w
        let destination = locate(operand: 0, bytes: w)
        // A left shift brings no bit from above the width down into it, and a sign extension
        // looks only at the low bits: SHL and SAR need no zero-extended operand.
        let x = m == .shl || m == .sal || m == .sar ? readLow(destination) : read(destination)
        let n = shiftCount(operand: 1, mask: w == 8 ? 63 : 31, ifAbsent: one)
        // For formulas on the last bit moved: n - 1, kept in range when n is 0.
        let before = op(.and, op(.sub, n, 1), 63)
        // A count the instruction encodes: the last bit moved is a bit of the operand.
        let fixed = ir.constValue(n).map { Int($0) }
        var r: Temp
        var f = FlagValues()
        switch m {
        case .shl, .sal:
            // PF, ZF and SF of the result from one flags op (which clears CF, AF and OF).
            r = op(.shl, x, n)
            f = logicFlags(r, bytes: w)
            let cf: Temp
            if let c = fixed {
                cf = c == 0 || c > bits ? zero : bit(x, bits - c)
            } else {
                cf = bit(op(.shl, x, before), bits - 1)
            }
            f.cf = cf
            f.of = op(.xor, signFlag(r, bytes: w), cf)
            f.af = one
        case .shr:
            r = op(.shr, x, n)
            f = logicFlags(r, bytes: w)
            // x is zero-extended, so the result's top bit is 0 for a count ≥ 1 and OF, its xor
            // with the bit below, is that bit: the operand's top bit for a count of 1, else 0.
            if let c = fixed {
                f.cf = c == 0 ? zero : bit(x, c - 1)
                if c == 1 { f.of = bit(x, bits - 1) }
            } else {
                f.cf = bit(op(.shr, x, before), 0)
                f.of = bit(r, bits - 2)
            }
            f.af = one
        case .sar:
            // OF is 0, as the flags op leaves it.
            let signed = signExtend(x, from: w)
            r = op(.sar, signed, n)
            f = logicFlags(r, bytes: w)
            if let c = fixed {
                f.cf = c == 0 ? zero : bit(signed, c - 1)
            } else {
                f.cf = bit(op(.sar, signed, before), 0)
            }
            f.af = one
        case .rol, .ror:
            let left = m == .rol
            if w == 8 {
                r = op(left ? .rotl : .rotr, x, n)
            } else {
                let k = op(.and, n, UInt64(bits - 1))
                let back = op(.sub, constant(UInt64(bits)), k)
                r = zeroExtend(left ? op(.or, op(.shl, x, k), op(.shr, x, back))
                                    : op(.or, op(.shr, x, k), op(.shl, x, back)), from: w)
            }
            if left {
                f.cf = bit(r, 0)
                f.of = op(.xor, bit(r, bits - 1), f.cf!)
            } else {
                f.cf = bit(r, bits - 1)
                f.of = op(.xor, f.cf!, bit(r, bits - 2))
            }
        default:  // .rcl, .rcr: a rotation through CF, of bits + 1 bits
            let left = m == .rcl
            let carry = readFlag(.cf)
            if w == 8 {
                let k = n
                let complement = op(.and, op(.sub, constant(64), k), 63)  // 64 - k for k ≥ 1
                if left {
                    let wrapped = op(.shr, op(.shr, x, 1), complement)      // x >> (65 - k)
                    r = op(.or, op(.or, op(.shl, x, k), op(.shl, carry, before)), wrapped)
                    f.cf = bit(op(.shr, x, complement), 0)
                } else {
                    let wrapped = op(.shl, op(.shl, x, 1), complement)      // x << (65 - k)
                    r = op(.or, op(.or, op(.shr, x, k), op(.shl, carry, complement)), wrapped)
                    f.cf = bit(op(.shr, x, before), 0)
                }
                r = unlessZero(n, r, else: x)
            } else {
                let k = rotateThroughCarryCount(n, bits: bits)
                let v = op(.or, x, op(.shl, carry, UInt64(bits)))
                let back = op(.sub, constant(UInt64(bits + 1)), k)
                let t = left ? op(.or, op(.shl, v, k), op(.shr, v, back)) : op(.or, op(.shr, v, k), op(.shl, v, back))
                r = zeroExtend(t, from: w)
                f.cf = bit(t, bits)
            }
            f.of = left ? op(.xor, bit(r, bits - 1), f.cf!) : op(.xor, bit(r, bits - 1), bit(r, bits - 2))
        }
        writeShiftResult(destination, r, count: n)
        commit(f, unlessZero: n)
        return .next
    }

    /// The rotation of RCL/RCR on 8-, 16- and 32-bit operands: the masked count modulo bits + 1.
    private mutating func rotateThroughCarryCount(_ n: Temp, bits: Int) -> Temp {
        let modulus = UInt64(bits + 1)
        if let c = ir.constValue(n) { return constant(c % modulus) }
        var k = n
        var multiple = (31 / modulus) * modulus
        while multiple >= modulus {
            k = movcond(.geu, k, multiple, op(.sub, k, multiple), k)
            multiple -= modulus
        }
        return k
    }

    /// SHLD dest, src, count / SHRD: dest shifted with bits coming in from src.
    mutating func liftDoubleShift(left: Bool) -> Flow {
        let w = operandBytes
        let bits = 8 * w
        let destination = locate(operand: 0, bytes: w)
        let x = read(destination)
        let y = read(locate(operand: 1, bytes: w))
        let cl = op(.and, readGPR(number: 1, bytes: 1), w == 8 ? 63 : 31)
        let n = shiftCount(operand: 2, mask: w == 8 ? 63 : 31, ifAbsent: cl)
        let before = op(.and, op(.sub, n, 1), 63)
        var r: Temp, carry: Temp
        switch w {
        case 8:
            let back = op(.xor, n, 63)  // 63 - n
            if left {
                r = op(.or, op(.shl, x, n), op(.shr, op(.shr, y, 1), back))
                carry = bit(op(.shl, x, before), 63)
            } else {
                r = op(.or, op(.shr, x, n), op(.shl, op(.shl, y, 1), back))
                carry = bit(op(.shr, x, before), 0)
            }
            r = unlessZero(n, r, else: x)
        case 4:
            if left {
                let v = op(.or, op(.shl, x, 32), y)
                r = op(.shr, op(.shl, v, n), 32)
                carry = bit(op(.shl, v, before), 63)
            } else {
                let v = op(.or, op(.shl, y, 32), x)
                r = zeroExtend(op(.shr, v, n), from: 4)
                carry = bit(op(.shr, v, before), 0)
            }
        default:
            // 16 bits: counts up to 31 shift through the 48-bit dest:src:src (SHLD) or
            // src:src:dest (SHRD); past 16 this host clears CF.
            let doubled = op(.or, op(.shl, y, 16), y)
            if left {
                let v = op(.or, op(.shl, x, 32), doubled)
                r = zeroExtend(op(.shr, v, op(.sub, constant(32), n)), from: 2)
                carry = bit(op(.shr, v, op(.and, op(.sub, constant(48), n), 63)), 0)
            } else {
                let v = op(.or, op(.shl, doubled, 16), x)
                r = zeroExtend(op(.shr, v, n), from: 2)
                carry = bit(op(.shr, v, before), 0)
            }
        }
        var f = resultFlags(r, bytes: w)
        f.af = one
        if w == 2 {
            let beyond = setcond(.gtu, n, 16)
            let finalCarry = movcond(.ne, beyond, 0, zero, carry)
            f.cf = finalCarry
            // SHLD: CF xor the top bit of dest << count alone (MSB(result) xor CF below 16).
            f.of = left ? op(.xor, finalCarry, bit(op(.shl, x, n), 15)) : op(.xor, bit(r, 15), bit(r, 14))
        } else {
            f.cf = carry
            f.of = left ? op(.xor, bit(r, bits - 1), carry) : op(.xor, bit(r, bits - 1), bit(r, bits - 2))
        }
        writeShiftResult(destination, r, count: n)
        commit(f, unlessZero: n)
        return .next
    }

    /// RORX dest, src, imm and SARX/SHLX/SHRX dest, src, count: no flags change.
    mutating func liftFlaglessShift(_ m: Mnemonic) -> Flow {
        let w = operandBytes == 8 ? 8 : 4
        let bits = UInt64(8 * w)
        let x = read(locate(operand: 1, bytes: w))
        let n: Temp
        if m == .rorx {
            n = shiftCount(operand: 2, mask: bits - 1, ifAbsent: zero)
        } else {
            n = op(.and, read(locate(operand: 2, bytes: w)), bits - 1)
        }
        let r: Temp
        switch m {
        case .rorx:
            if w == 8 {
                r = op(.rotr, x, n)
            } else {
                r = zeroExtend(op(.or, op(.shr, x, n), op(.shl, x, op(.sub, constant(bits), n))), from: 4)
            }
        case .sarx: r = zeroExtend(op(.sar, signExtend(x, from: w), n), from: w)
        case .shlx: r = zeroExtend(op(.shl, x, n), from: w)
        default: r = op(.shr, x, n)
        }
        write(locate(operand: 0, bytes: w), r)
        return .next
    }
}
