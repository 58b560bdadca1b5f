import CCPU
import IR
import X86

/// MOVS, CMPS, STOS, LODS, SCAS, and in system mode INS and OUTS (the port in DX), with
/// REP/REPE/REPNE as a loop inside the block. The source is DS:rSI (the segment may be
/// overridden), the destination ES:rDI; rSI, rDI and rCX are used at the address size and step
/// by the operand size, backwards when DF is set.
extension BlockTranslator {
    mutating func liftString(_ m: Mnemonic) -> Flow {
        if m == .ins || m == .outs, !isSystem { return raise(MIMIC_EXC_UD) }
        let addressWidth = mode == .protected32 || insn.addressBytes == 4 ? 4 : 8
        let repeated = insn.prefixes.contains(.rep) || insn.prefixes.contains(.repne)
        guard repeated else {
            stringStep(m, addressWidth: addressWidth)
            return .next
        }
        // Every value is re-read from the globals in each basic block of the loop.
        let loop = ir.newLabel(), done = ir.newLabel()
        ir.setLabel(loop)
        ir.brcond(.eq, .i64, readGPR(number: 1, bytes: addressWidth), zero, done)
        stringStep(m, addressWidth: addressWidth)
        writeGPR(number: 1, bytes: addressWidth, op(.sub, readGPR(number: 1, bytes: addressWidth), 1))
        if m == .cmps || m == .scas {
            // REPE repeats while ZF = 1, REPNE while ZF = 0.
            let whileEqual = !insn.prefixes.contains(.repne)
            ir.brcond(whileEqual ? .tsteq : .tstne, .i64, X86Globals.flags, constant(Flag.zf.rawValue), done)
        }
        ir.br(loop)
        ir.setLabel(done)
        return .next
    }

    /// One iteration, without the count.
    private mutating func stringStep(_ m: Mnemonic, addressWidth a: Int) {
        // Port I/O moves at most a doubleword.
        let w = m == .ins || m == .outs ? min(operandBytes, 4) : operandBytes
        // +w, or -w when DF = 1.
        let step = op(.sub, constant(UInt64(w)), op(.shl, X86Globals.df, UInt64(w.trailingZeroBitCount + 1)))
        let sourceIndex = readGPR(number: 6, bytes: a)
        let destinationIndex = readGPR(number: 7, bytes: a)
        let source = addSegmentBase(sourceIndex, insn.segment)
        switch m {
        case .movs:
            store(destinationIndex, bytes: w, load(source, bytes: w))
            advance(6, by: step, addressWidth: a)
            advance(7, by: step, addressWidth: a)
        case .stos:
            store(destinationIndex, bytes: w, readGPR(number: 0, bytes: w))
            advance(7, by: step, addressWidth: a)
        case .lods:
            writeGPR(number: 0, bytes: w, load(source, bytes: w))
            advance(6, by: step, addressWidth: a)
        case .ins:
            // The I/O permission check (in the helper) comes before the store.
            let value = ir.call(SystemHelpers.portIn, [readGPR(number: 2, bytes: 2), constant(UInt64(w))])
            store(destinationIndex, bytes: w, value)
            advance(7, by: step, addressWidth: a)
        case .outs:
            let value = load(source, bytes: w)
            let stop = ir.call(SystemHelpers.portOut, [readGPR(number: 2, bytes: 2), constant(UInt64(w)), value])
            advance(6, by: step, addressWidth: a)
            // A device stopped the machine (debug-exit): the run ends after this element.
            let goOn = ir.newLabel()
            ir.brcond(.eq, .i64, stop, zero, goOn)
            _ = request(MIMIC_REQ_STOP)
            ir.setLabel(goOn)
        case .cmps:
            let x = load(source, bytes: w)
            let y = load(destinationIndex, bytes: w)
            let flags = subFlags(x, y, bytes: w)
            advance(6, by: step, addressWidth: a)
            advance(7, by: step, addressWidth: a)
            commit(flags)
        default:  // .scas
            let x = readGPR(number: 0, bytes: w)
            let y = load(destinationIndex, bytes: w)
            let flags = subFlags(x, y, bytes: w)
            advance(7, by: step, addressWidth: a)
            commit(flags)
        }
    }

    private mutating func advance(_ register: Int, by step: Temp, addressWidth a: Int) {
        writeGPR(number: register, bytes: a, op(.add, readGPR(number: register, bytes: a), step))
    }
}
