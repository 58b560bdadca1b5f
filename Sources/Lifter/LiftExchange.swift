import CCPU
import IR
import X86

/// XCHG, XADD, CMPXCHG, CMPXCHG8B, CMPXCHG16B. These write two places, so every value is read
/// (and copied out of its register) before the first write, and memory is written before any
/// register so that a faulting store leaves the registers as they were.
extension BlockTranslator {
    mutating func liftExchange() -> Flow {
        let w = operandBytes
        let first = locate(operand: 0, bytes: w)
        let second = locate(operand: 1, bytes: w)
        let a = snapshot(read(first))
        let b = snapshot(read(second))
        if case .memory = second {
            write(second, a)
            write(first, b)
        } else {
            write(first, b)
            write(second, a)
        }
        return .next
    }

    /// XADD: temp = dest + src; src = dest; dest = temp (dest wins when both are one register).
    mutating func liftExchangeAdd() -> Flow {
        let w = operandBytes
        let destination = locate(operand: 0, bytes: w)
        let source = locate(operand: 1, bytes: w)
        let a = snapshot(read(destination))
        let b = read(source)
        let r = zeroExtend(op(.add, a, b), from: w)
        let flags = addFlags(a, b, bytes: w)
        if case .memory = destination {
            write(destination, r)
            write(source, a)
        } else {
            write(source, a)
            write(destination, r)
        }
        commit(flags)
        return .next
    }

    /// CMPXCHG: compares the accumulator with dest (flags as CMP); equal: dest = src; else the
    /// accumulator = dest. Memory is always written (with its own value on failure), as the SDM
    /// says; a register destination is written only on success (the host leaves the upper half
    /// of a 32-bit one alone on failure), and so is the accumulator only on failure.
    mutating func liftCompareExchange() -> Flow {
        let w = operandBytes
        let destination = locate(operand: 0, bytes: w)
        let accumulator = readGPR(number: 0, bytes: w)
        let d = snapshot(read(destination))
        let s = read(locate(operand: 1, bytes: w))
        let r = zeroExtend(op(.sub, accumulator, d), from: w)
        let flags = subFlags(accumulator, d, bytes: w)
        let rax = X86Globals.gpr(0)
        let loadedAccumulator = movcond(.eq, accumulator, d, rax, mergedGPR(Register.gpr(0, bytes: w), d))
        switch destination {
        case .register(let register):
            let g = Self.global(of: register)
            // With AH as the destination, a failed compare loads AL from it and writes AH back:
            // the write-back must keep the new AL.
            let unchanged = g == rax ? loadedAccumulator : g
            let stored = movcond(.eq, accumulator, d, mergedGPR(register, s), unchanged)
            ir.mov(rax, loadedAccumulator)
            ir.mov(g, stored)
        default:
            write(destination, movcond(.eq, accumulator, d, s, d))
            ir.mov(rax, loadedAccumulator)
        }
        commit(flags)
        return .next
    }

    /// CMPXCHG8B / CMPXCHG16B: compares rDX:rAX with the memory operand; equal: memory =
    /// rCX:rBX, ZF = 1; else rDX:rAX = memory, ZF = 0. `bytes` is the width of one half.
    /// CMPXCHG16B raises #GP on a memory operand that is not 16-byte aligned.
    mutating func liftCompareExchangeDouble(bytes: Int) -> Flow {
        guard case .memory(let m) = insn[0] else { return raise(MIMIC_EXC_UD) }
        if bytes == 8 {
            let aligned = ir.newLabel()
            ir.brcond(.tsteq, .i64, linearAddress(m), constant(15), aligned)
            ir.stEnv(.i64, .u64, offset: StateOffset.errorCode, zero)
            raise(MIMIC_EXC_GP)
            ir.setLabel(aligned)
        }
        let address = linearAddress(m)
        let highAddress = op(.add, address, UInt64(bytes))
        let low = load(address, bytes: bytes)
        let high = load(highAddress, bytes: bytes)
        let expectedLow = readGPR(number: 0, bytes: bytes), expectedHigh = readGPR(number: 2, bytes: bytes)
        let equal = op(.and, setcond(.eq, low, expectedLow), setcond(.eq, high, expectedHigh))
        let newLow = movcond(.ne, equal, 0, readGPR(number: 3, bytes: bytes), low)
        let newHigh = movcond(.ne, equal, 0, readGPR(number: 1, bytes: bytes), high)
        if bytes == 4 {
            store(address, bytes: 8, op(.or, newLow, op(.shl, newHigh, 32)))
        } else {
            store(address, bytes: 8, newLow)
            store(highAddress, bytes: 8, newHigh)
        }
        let rax = X86Globals.gpr(0), rdx = X86Globals.gpr(2)
        ir.mov(rax, movcond(.ne, equal, 0, rax, low))
        ir.mov(rdx, movcond(.ne, equal, 0, rdx, high))
        commit(FlagValues(zf: equal))
        return .next
    }
}
