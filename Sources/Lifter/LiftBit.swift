import CCPU
import IR
import X86

/// BT BTS BTR BTC, BSF BSR, TZCNT LZCNT POPCNT, the BMI1/BMI2 bit instructions, PDEP PEXT, CRC32.
extension BlockTranslator {
    /// BT and friends: CF = the selected bit; the others (undefined) are left as the host leaves them.
    /// With a memory operand and a register offset the offset is signed and may address any
    /// operand-sized unit around the operand.
    mutating func liftBitTest(_ m: Mnemonic) -> Flow {
        let w = operandBytes
        let bits = UInt64(8 * w)
        let location: Location
        let index: Temp
        if case .memory(let mem) = insn[0], case .register(let r) = insn[1] {
            let offset = signExtend(readGPR(r), from: w)
            let unitOffset = op(.shl, op(.sar, offset, UInt64(bits.trailingZeroBitCount)), UInt64(w.trailingZeroBitCount))
            var address = op(.add, effectiveAddress(mem), unitOffset)
            if addressBytes(mem) == 4 { address = zeroExtend(address, from: 4) }
            location = .memory(addSegmentBase(address, mem.segment ?? insn.segment), bytes: w)
            index = op(.and, offset, bits - 1)
        } else {
            location = locate(operand: 0, bytes: w)
            index = op(.and, read(locate(operand: 1, bytes: w)), bits - 1)
        }
        let value = read(location)
        let selected = op(.and, op(.shr, value, index), 1)
        let mask = op(.shl, one, index)
        switch m {
        case .bts: write(location, op(.or, value, mask))
        case .btr: write(location, op(.andc, value, mask))
        case .btc: write(location, op(.xor, value, mask))
        default: break
        }
        commit(FlagValues(cf: selected))
        return .next
    }

    /// BSF/BSR: the index of the lowest/highest set bit. A zero source leaves the destination
    /// unchanged (all 64 bits, as the host does) and sets ZF.
    mutating func liftBitScan(forward: Bool) -> Flow {
        let w = operandBytes
        guard case .register(let destination) = insn[0] else { return raise(MIMIC_EXC_UD) }
        let source = read(locate(operand: 1, bytes: w))
        let index = forward ? op(.ctz, source, zero) : op(.sub, constant(63), op(.clz, source, constant(63)))
        let register = Self.global(of: destination)
        let updated = w == 2 ? ir.deposit(.i64, register, index, position: 0, length: 16) : index
        let isZero = setcond(.eq, source, 0)
        let result = movcond(.ne, isZero, 0, register, updated)
        let parity = parityFlag(index)
        ir.mov(register, result)
        commit(FlagValues(cf: zero, pf: parity, af: zero, zf: isZero, sf: zero, of: zero))
        return .next
    }

    /// TZCNT, LZCNT (CF = source is 0, ZF = result is 0) and POPCNT (ZF = source is 0, others 0).
    /// For TZCNT/LZCNT the host leaves OF and clears SF, AF and PF.
    mutating func liftBitCount(_ m: Mnemonic) -> Flow {
        let w = operandBytes
        let bits = UInt64(8 * w)
        let source = read(locate(operand: 1, bytes: w))
        let r: Temp
        var f = FlagValues(cf: zero, pf: zero, af: zero, zf: nil, sf: zero, of: nil)
        switch m {
        case .tzcnt:
            r = op(.ctz, source, constant(bits))
            f.cf = setcond(.eq, source, 0)
            f.zf = setcond(.eq, r, 0)
        case .lzcnt:
            r = op(.sub, op(.clz, source, constant(64)), 64 - bits)
            f.cf = setcond(.eq, source, 0)
            f.zf = setcond(.eq, r, 0)
        default:  // .popcnt
            r = unary(.ctpop, source)
            f.zf = setcond(.eq, source, 0)
            f.of = zero
        }
        write(locate(operand: 0, bytes: w), r)
        commit(f)
        return .next
    }

    /// ANDN, BEXTR, BLSI, BLSMSK, BLSR, BZHI (VEX, 32 or 64 bits). OF = 0; AF and PF are
    /// undefined and set as the host does (AF = 0, or 1 for BEXTR; PF = parity of the result).
    mutating func liftBitManipulation(_ m: Mnemonic) -> Flow {
        let w = operandBytes == 8 ? 8 : 4
        let bits = UInt64(8 * w)
        let a = read(locate(operand: 1, bytes: w))
        let r: Temp
        var f = FlagValues(of: zero)
        switch m {
        case .andn:
            r = op(.andc, read(locate(operand: 2, bytes: w)), a)
            f.cf = zero
            f.sf = signFlag(r, bytes: w)
        case .bextr:
            let control = read(locate(operand: 2, bytes: w))
            let start = ir.extract(.i64, control, position: 0, length: 8)
            let length = ir.extract(.i64, control, position: 8, length: 8)
            let shifted = movcond(.ltu, start, bits, op(.shr, a, op(.and, start, 63)), zero)
            let mask = movcond(.ltu, length, 64, op(.sub, op(.shl, one, op(.and, length, 63)), one), constant(~0))
            r = op(.and, shifted, mask)
            f.cf = zero
            f.sf = zero
        case .blsi:
            r = zeroExtend(op(.and, a, unary(.neg, a)), from: w)
            f.cf = setcond(.ne, a, 0)
            f.sf = signFlag(r, bytes: w)
        case .blsmsk:
            r = zeroExtend(op(.xor, a, op(.sub, a, 1)), from: w)
            f.cf = setcond(.eq, a, 0)
            f.sf = signFlag(r, bytes: w)
        case .blsr:
            r = zeroExtend(op(.and, a, op(.sub, a, 1)), from: w)
            f.cf = setcond(.eq, a, 0)
            f.sf = signFlag(r, bytes: w)
        default:  // .bzhi
            let index = ir.extract(.i64, read(locate(operand: 2, bytes: w)), position: 0, length: 8)
            let mask = op(.sub, op(.shl, one, op(.and, index, 63)), one)
            r = movcond(.ltu, index, bits, op(.and, a, mask), a)
            f.cf = setcond(.geu, index, bits)
            f.sf = signFlag(r, bytes: w)
        }
        f.zf = m == .blsmsk ? zero : zeroFlag(r)
        f.af = m == .bextr ? one : zero
        f.pf = parityFlag(r)
        write(locate(operand: 0, bytes: w), r)
        commit(f)
        return .next
    }

    /// PDEP/PEXT dest, src, mask (no flags), in helpers.
    mutating func liftBitDeposit(extract: Bool) -> Flow {
        let w = operandBytes == 8 ? 8 : 4
        let source = read(locate(operand: 1, bytes: w))
        let mask = read(locate(operand: 2, bytes: w))
        let r = ir.call(extract ? LifterHelpers.parallelExtract : LifterHelpers.parallelDeposit, [source, mask])
        write(locate(operand: 0, bytes: w), r)
        return .next
    }

    /// CRC32 r32/r64, r/m8..64: accumulates the source (of its own width) into the low 32 bits
    /// of the destination, zero-extended.
    mutating func liftCRC32() -> Flow {
        guard case .register(let d) = insn[0] else { return raise(MIMIC_EXC_UD) }
        let sourceLocation = locate(operand: 1, bytes: operandBytes)
        let sourceBytes = width(sourceLocation, default: operandBytes)
        let source = read(sourceLocation)
        let accumulator = Register(.gpr32, d.number)
        let r = ir.call(LifterHelpers.crc32c, [readGPR(accumulator), source, constant(UInt64(sourceBytes))])
        writeGPR(accumulator, r)
        return .next
    }
}
