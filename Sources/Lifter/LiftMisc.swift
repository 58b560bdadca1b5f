import IR
import X86

/// Flag instructions, CPUID, RDTSC/RDTSCP, RDRAND/RDSEED, RD/WR FS/GS base.
extension BlockTranslator {
    mutating func liftFlagInstruction(_ m: Mnemonic) -> Flow {
        switch m {
        case .clc: ir.mov(X86Globals.flags, op(.andc, X86Globals.flags, StatusFlags.cf))
        case .stc: ir.mov(X86Globals.flags, op(.or, X86Globals.flags, StatusFlags.cf))
        case .cmc: ir.mov(X86Globals.flags, op(.xor, X86Globals.flags, StatusFlags.cf))
        case .cld: ir.mov(X86Globals.df, zero)
        default: ir.mov(X86Globals.df, one)  // .std
        }
        return .next
    }

    /// CPUID: EAX/EBX/ECX/EDX from the table in CPUID.swift, by EAX (leaf) and ECX (subleaf).
    mutating func liftCPUID() -> Flow {
        ir.call(LifterHelpers.cpuid, [])
        return .next
    }

    /// RDTSC: EDX:EAX = the host's time-stamp counter; RDTSCP also sets ECX = TSC_AUX (0).
    mutating func liftReadTimeStampCounter(withProcessorID: Bool) -> Flow {
        let tsc = ir.call(LifterHelpers.timeStampCounter, [])
        writeGPR(number: 0, bytes: 4, tsc)
        writeGPR(number: 2, bytes: 4, op(.shr, tsc, 32))
        if withProcessorID { writeGPR(number: 1, bytes: 4, zero) }
        return .next
    }

    /// RDRAND/RDSEED: always succeed (CF = 1), the other status flags cleared.
    mutating func liftReadRandom() -> Flow {
        let value = ir.call(LifterHelpers.random, [])
        write(locate(operand: 0, bytes: operandBytes), value)
        commit(FlagValues(cf: one, pf: zero, af: zero, zf: zero, sf: zero, of: zero))
        return .next
    }

    /// RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (32- or 64-bit register operand).
    mutating func liftSegmentBase(_ m: Mnemonic) -> Flow {
        let w = operandBytes == 8 ? 8 : 4
        let base = m == .rdfsbase || m == .wrfsbase ? X86Globals.fsBase : X86Globals.gsBase
        let register = locate(operand: 0, bytes: w)
        switch m {
        case .rdfsbase, .rdgsbase: write(register, zeroExtend(base, from: w))
        default: ir.mov(base, read(register))
        }
        return .next
    }
}
