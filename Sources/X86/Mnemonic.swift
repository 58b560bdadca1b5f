/// Instruction mnemonics. One case per instruction, not per encoding; Jcc, SETcc and CMOVcc are
/// one case each with `Instruction.condition`. String instructions carry their width in
/// `operandBytes` (MOVS is MOVSB/W/D/Q). `undefined` is an encoding the CPU rejects with #UD.
public enum Mnemonic: UInt16, CaseIterable, Sendable {
    case undefined

    // Integer arithmetic and logic
    case add, or, adc, sbb, and, sub, xor, cmp, test
    case inc, dec, neg, not
    case mul, imul, div, idiv
    case rol, ror, rcl, rcr, shl, shr, sal, sar, shld, shrd
    case bt, bts, btr, btc, bsf, bsr, tzcnt, lzcnt, popcnt
    case xadd, cmpxchg, cmpxchg8b, cmpxchg16b, xchg
    case adcx, adox, andn, bextr, blsi, blsmsk, blsr, bzhi, mulx, pdep, pext, rorx, sarx, shlx, shrx
    case crc32

    // Data movement
    case mov, movsx, movzx, movsxd, movbe, lea, cmovcc, setcc, bswap
    case push, pop, pushf, popf, lahf, sahf, enter, leave
    case cbw, cwde, cdqe, cwd, cdq, cqo
    case xlat

    // String instructions (width in operandBytes)
    case movs, cmps, stos, lods, scas, ins, outs

    // Control transfer
    case jmp, jcc, call, ret, retf, loop, loope, loopne, jrcxz
    case int3, int, into, int1, iret
    case syscall, sysret, sysenter, sysexit

    // Flags and misc
    case clc, stc, cmc, cld, std, cli, sti
    case nop, pause, hlt, ud0, ud1, ud2, cpuid, rdtsc, rdtscp, rdpmc, rdrand, rdseed
    case prefetch, prefetchw, prefetchnta, prefetcht0, prefetcht1, prefetcht2
    case lfence, mfence, sfence, clflush, clflushopt, clwb
    case endbr64, endbr32, wait

    // I/O
    case `in`, out

    // System
    case lgdt, sgdt, lidt, sidt, lldt, sldt, ltr, str, lmsw, smsw, invlpg, swapgs, clts
    case lar, lsl, verr, verw, rdmsr, wrmsr, wbinvd, invd, rsm, xgetbv, xsetbv
    case rdfsbase, rdgsbase, wrfsbase, wrgsbase
    case lss, lfs, lgs
    case fxsave, fxrstor, xsave, xrstor, xsaveopt, xsavec, xsaves, xrstors, ldmxcsr, stmxcsr
    case monitor, mwait, vmcall, stac, clac
}
