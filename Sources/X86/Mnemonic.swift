/// Instruction mnemonics. One case per instruction, not per encoding; Jcc, SETcc and CMOVcc are
/// one case each with `Instruction.condition` (so are x87 FCMOVcc). String instructions carry their
/// width in `operandBytes` (MOVS is MOVSB/W/D/Q). `undefined` is an encoding the CPU rejects with #UD.
///
/// Legacy SSE mnemonics also name their VEX and EVEX forms: `Instruction.prefixes` then holds
/// `.vex` or `.evex` and the printer adds the "v" (`pxor` + `.vex` is VPXOR). Cases spelt with a
/// leading "v" exist only as VEX/EVEX encodings. Mask-register instructions (`kmov`, `kand`, ...)
/// carry their mask width in `operandBytes`, as string instructions do.
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

    case xbegin, xend, xabort, xtest, rdpid, rdpkru, wrpkru, serialize
    case incssp, rdssp, saveprevssp, rstorssp, setssbsy, clrssbsy, wrss, wruss
    case vmlaunch, vmresume, vmxoff, vmptrld, vmptrst, vmclear, vmxon, vmread, vmwrite, invept, invvpid
    case getsec, emms, femms, ptwrite, invpcid, fxsave64, fxrstor64, xsave64, xrstor64, xsaveopt64
    case xsavec64, xsaves64, xrstors64, jmpf, callf, bound, arpl, daa, das, aaa, aas, aam, aad, salc
    case pusha, popa, les, lds, monitorx, mwaitx, clzero, rdpru, uiret, tpause
    case umonitor, umwait, cldemote, movdiri, movdir64b, enqcmd, enqcmds, wbnoinvd, pconfig, encls, enclu
    case xsusldtrk, xresldtrk, clui, stui, testui, senduipi, hreset

    // x87 (FCMOVcc is `fcmovcc` + condition)
    case fadd, fmul, fcom, fcomp, fsub, fsubr, fdiv, fdivr
    case fld, fst, fstp, fldenv, fldcw, fnstenv, fnstcw, fxch, fnop, fchs, fabs, ftst, fxam
    case fld1, fldl2t, fldl2e, fldpi, fldlg2, fldln2, fldz
    case f2xm1, fyl2x, fptan, fpatan, fxtract, fprem1, fdecstp, fincstp, fprem, fyl2xp1, fsqrt
    case fsincos, frndint, fscale, fsin, fcos
    case fiadd, fimul, ficom, ficomp, fisub, fisubr, fidiv, fidivr
    case fcmovcc, fucompp, fild, fisttp, fist, fistp, fneni, fndisi, fnclex, fninit, fsetpm
    case fucomi, fcomi, frstor, fnsave, fnstsw, ffree, fucom, fucomp
    case faddp, fmulp, fcompp, fsubrp, fsubp, fdivrp, fdivp, fbld, fbstp, fucomip, fcomip, ffreep

    // SSE, SSE2, SSE3 (packed/scalar float, conversions, moves)
    case movups, movupd, movss, movsd, movlps, movlpd, movhlps, movsldup, movddup
    case unpcklps, unpcklpd, unpckhps, unpckhpd, movhps, movhpd, movlhps, movshdup
    case movaps, movapd, cvtpi2ps, cvtpi2pd, cvtsi2ss, cvtsi2sd, movntps, movntpd
    case cvttps2pi, cvttpd2pi, cvttss2si, cvttsd2si, cvtps2pi, cvtpd2pi, cvtss2si, cvtsd2si
    case ucomiss, ucomisd, comiss, comisd, movmskps, movmskpd
    case sqrtps, sqrtpd, sqrtss, sqrtsd, rsqrtps, rsqrtss, rcpps, rcpss
    case andps, andpd, andnps, andnpd, orps, orpd, xorps, xorpd
    case addps, addpd, addss, addsd, mulps, mulpd, mulss, mulsd
    case cvtps2pd, cvtpd2ps, cvtss2sd, cvtsd2ss, cvtdq2ps, cvtps2dq, cvttps2dq
    case subps, subpd, subss, subsd, minps, minpd, minss, minsd
    case divps, divpd, divss, divsd, maxps, maxpd, maxss, maxsd
    case cmpps, cmppd, cmpss, cmpsd, shufps, shufpd
    case haddpd, haddps, hsubpd, hsubps, addsubpd, addsubps, lddqu
    case cvttpd2dq, cvtdq2pd, cvtpd2dq, movnti, movntq, movntdq, maskmovq, maskmovdqu
    case movq2dq, movdq2q

    // MMX/SSE2 integer
    case punpcklbw, punpcklwd, punpckldq, packsswb, pcmpgtb, pcmpgtw, pcmpgtd, packuswb
    case punpckhbw, punpckhwd, punpckhdq, packssdw, punpcklqdq, punpckhqdq
    case movd, movq, movdqa, movdqu, pshufw, pshufd, pshufhw, pshuflw
    case psrlw, psraw, psllw, psrld, psrad, pslld, psrlq, psrldq, psllq, pslldq
    case pcmpeqb, pcmpeqw, pcmpeqd, pinsrw, pextrw
    case paddq, pmullw, pmovmskb, psubusb, psubusw, pminub, pand, paddusb, paddusw, pmaxub, pandn
    case pavgb, pavgw, pmulhuw, pmulhw, psubsb, psubsw, pminsw, por, paddsb, paddsw, pmaxsw, pxor
    case pmuludq, pmaddwd, psadbw, psubb, psubw, psubd, psubq, paddb, paddw, paddd

    // SSSE3, SSE4.1, SSE4.2, AES, SHA, CLMUL
    case pshufb, phaddw, phaddd, phaddsw, pmaddubsw, phsubw, phsubd, phsubsw
    case psignb, psignw, psignd, pmulhrsw, pabsb, pabsw, pabsd, palignr
    case pblendvb, blendvps, blendvpd, ptest
    case pmovsxbw, pmovsxbd, pmovsxbq, pmovsxwd, pmovsxwq, pmovsxdq
    case pmovzxbw, pmovzxbd, pmovzxbq, pmovzxwd, pmovzxwq, pmovzxdq
    case pmuldq, pcmpeqq, movntdqa, packusdw, pcmpgtq
    case pminsb, pminsd, pminuw, pminud, pmaxsb, pmaxsd, pmaxuw, pmaxud, pmulld, phminposuw
    case roundps, roundpd, roundss, roundsd, blendps, blendpd, pblendw
    case pextrb, pextrd, pextrq, extractps, pinsrb, insertps, pinsrd, pinsrq
    case dpps, dppd, mpsadbw, pclmulqdq, pcmpestrm, pcmpestri, pcmpistrm, pcmpistri
    case aesimc, aesenc, aesenclast, aesdec, aesdeclast, aeskeygenassist
    case sha1nexte, sha1msg1, sha1msg2, sha256rnds2, sha256msg1, sha256msg2, sha1rnds4
    case gf2p8mulb, gf2p8affineqb, gf2p8affineinvqb

    // VEX-only (AVX, AVX2, FMA, F16C)
    case vzeroupper, vzeroall, vbroadcastss, vbroadcastsd, vbroadcastf128, vbroadcasti128
    case vpbroadcastb, vpbroadcastw, vpbroadcastd, vpbroadcastq
    case vpermilps, vpermilpd, vtestps, vtestpd, vcvtph2ps, vcvtps2ph, vpermps, vpermd, vpermq, vpermpd
    case vmaskmovps, vmaskmovpd, vpmaskmovd, vpmaskmovq
    case vpsrlvd, vpsrlvq, vpsravd, vpsllvd, vpsllvq
    case vpgatherdd, vpgatherdq, vpgatherqd, vpgatherqq, vgatherdps, vgatherdpd, vgatherqps, vgatherqpd
    case vperm2f128, vperm2i128, vinsertf128, vextractf128, vinserti128, vextracti128
    case vpblendd, vblendvps, vblendvpd, vpblendvb
    case vfmadd132ps, vfmadd132pd, vfmadd213ps, vfmadd213pd, vfmadd231ps, vfmadd231pd
    case vfmadd132ss, vfmadd132sd, vfmadd213ss, vfmadd213sd, vfmadd231ss, vfmadd231sd
    case vfmsub132ps, vfmsub132pd, vfmsub213ps, vfmsub213pd, vfmsub231ps, vfmsub231pd
    case vfmsub132ss, vfmsub132sd, vfmsub213ss, vfmsub213sd, vfmsub231ss, vfmsub231sd
    case vfnmadd132ps, vfnmadd132pd, vfnmadd213ps, vfnmadd213pd, vfnmadd231ps, vfnmadd231pd
    case vfnmadd132ss, vfnmadd132sd, vfnmadd213ss, vfnmadd213sd, vfnmadd231ss, vfnmadd231sd
    case vfnmsub132ps, vfnmsub132pd, vfnmsub213ps, vfnmsub213pd, vfnmsub231ps, vfnmsub231pd
    case vfnmsub132ss, vfnmsub132sd, vfnmsub213ss, vfnmsub213sd, vfnmsub231ss, vfnmsub231sd
    case vfmaddsub132ps, vfmaddsub132pd, vfmaddsub213ps, vfmaddsub213pd, vfmaddsub231ps, vfmaddsub231pd
    case vfmsubadd132ps, vfmsubadd132pd, vfmsubadd213ps, vfmsubadd213pd, vfmsubadd231ps, vfmsubadd231pd

    // EVEX-only (AVX-512 F/BW/DQ/VL)
    case vmovdqa32, vmovdqa64, vmovdqu8, vmovdqu16, vmovdqu32, vmovdqu64
    case vpandd, vpandq, vpandnd, vpandnq, vpord, vporq, vpxord, vpxorq
    case vptestmb, vptestmw, vptestmd, vptestmq, vptestnmb, vptestnmw, vptestnmd, vptestnmq
    case vpcmpb, vpcmpw, vpcmpd, vpcmpq, vpcmpub, vpcmpuw, vpcmpud, vpcmpuq
    case vpternlogd, vpternlogq, vpblendmb, vpblendmw, vpblendmd, vpblendmq
    case vpermi2b, vpermi2w, vpermi2d, vpermi2q, vpermt2b, vpermt2w, vpermt2d, vpermt2q, vpermb, vpermw
    case vinserti32x4, vinserti64x2, vinserti32x8, vinserti64x4, vextracti32x4, vextracti64x2
    case vextracti32x8, vextracti64x4, vinsertf32x4, vinsertf64x2, vinsertf32x8, vinsertf64x4
    case vextractf32x4, vextractf64x2, vextractf32x8, vextractf64x4
    case vpmovb2m, vpmovw2m, vpmovd2m, vpmovq2m, vpmovm2b, vpmovm2w, vpmovm2d, vpmovm2q
    case vpcompressb, vpcompressw, vpcompressd, vpcompressq, vpexpandb, vpexpandw, vpexpandd, vpexpandq
    case vpminsq, vpmaxsq, vpminuq, vpmaxuq, vpabsq, vpsraq, vprold, vprolq, vprord, vprorq
    case vprolvd, vprolvq, vprorvd, vprorvq, vpsravq, vpsllvw, vpsrlvw, vpsravw, vpmullq
    case vpconflictd, vpconflictq, vplzcntd, vplzcntq, vpopcntd, vpopcntq, vpopcntb, vpopcntw
    case vpshufbitqmb, vpmultishiftqb, vpdpbusd, vpdpbusds, vpdpwssd, vpdpwssds
    case vpmovqd, vpmovqw, vpmovqb, vpmovdw, vpmovdb, vpmovwb

    // Mask registers (width in operandBytes)
    case kmov, kand, kandn, kor, kxnor, kxor, knot, kortest, ktest, kadd, kunpck, kshiftl, kshiftr
}
