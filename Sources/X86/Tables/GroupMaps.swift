extension TableBuilder {
    /// Opcode extensions by ModRM.reg (SDM vol. 2, table A-6).
    mutating func buildGroups() {
        let alu: [Mnemonic] = [.add, .or, .adc, .sbb, .and, .sub, .xor, .cmp]
        for (r, m) in alu.enumerated() {
            let lock: EntryFlags = m == .cmp ? [] : .lockable
            both(.g1_80, r, .op(m, Eb, Ib, flags: lock))
            both(.g1_81, r, .op(m, Ev, Iz, flags: lock))
            both(.g1_83, r, .op(m, Ev, Ib, flags: lock))
        }
        both(.g1a_8F, 0, .op(.pop, Ev, flags: .default64))

        let shifts: [Mnemonic?] = [.rol, .ror, .rcl, .rcr, .shl, .shr, .sal, .sar]
        for (r, m) in shifts.enumerated() {
            guard let m else { continue }
            both(.g2_C0, r, .op(m, Eb, Ub))
            both(.g2_C1, r, .op(m, Ev, Ub))
            both(.g2_D0, r, .op(m, Eb, I1))
            both(.g2_D1, r, .op(m, Ev, I1))
            both(.g2_D2, r, .op(m, Eb, CL))
            both(.g2_D3, r, .op(m, Ev, CL))
        }

        both(.g3_F6, 0, .op(.test, Eb, Ib))
        both(.g3_F6, 1, .op(.test, Eb, Ib))     // an alias of /0 that CPUs accept
        both(.g3_F7, 0, .op(.test, Ev, Iz))
        both(.g3_F7, 1, .op(.test, Ev, Iz))
        let unary: [Mnemonic] = [.not, .neg, .mul, .imul, .div, .idiv]
        for (i, m) in unary.enumerated() {
            let lock: EntryFlags = i < 2 ? .lockable : []
            both(.g3_F6, i + 2, .op(m, Eb, flags: lock))
            both(.g3_F7, i + 2, .op(m, Ev, flags: lock))
        }

        both(.g4_FE, 0, .op(.inc, Eb, flags: .lockable))
        both(.g4_FE, 1, .op(.dec, Eb, flags: .lockable))
        both(.g5_FF, 0, .op(.inc, Ev, flags: .lockable))
        both(.g5_FF, 1, .op(.dec, Ev, flags: .lockable))
        both(.g5_FF, 2, .op(.call, Ev, flags: [.force64, .notrack]))
        mem(.g5_FF, 3, .op(.callf, Mp))
        both(.g5_FF, 4, .op(.jmp, Ev, flags: [.force64, .notrack]))
        mem(.g5_FF, 5, .op(.jmpf, Mp))
        both(.g5_FF, 6, .op(.push, Ev, flags: .default64))

        // Group 6: system descriptors (0F 00).
        both(.g6_0F00, 0, .op(.sldt, Ev, flags: .fixup))
        both(.g6_0F00, 1, .op(.str, Ev, flags: .fixup))
        both(.g6_0F00, 2, .op(.lldt, Ew))
        both(.g6_0F00, 3, .op(.ltr, Ew))
        both(.g6_0F00, 4, .op(.verr, Ew))
        both(.g6_0F00, 5, .op(.verw, Ew))

        // Group 7 (0F 01): descriptor tables with memory; with a register, ModRM.rm selects too.
        mem(.g7_0F01, 0, .op(.sgdt, Ms))
        mem(.g7_0F01, 1, .op(.sidt, Ms))
        mem(.g7_0F01, 2, .op(.lgdt, Ms))
        mem(.g7_0F01, 3, .op(.lidt, Ms))
        mem(.g7_0F01, 4, .op(.smsw, Mw))
        mem(.g7_0F01, 6, .op(.lmsw, Ew))
        mem(.g7_0F01, 7, .op(.invlpg, Mb))
        exact(.g7_0F01, 0, 1, .op(.vmcall))
        exact(.g7_0F01, 0, 2, .op(.vmlaunch))
        exact(.g7_0F01, 0, 3, .op(.vmresume))
        exact(.g7_0F01, 0, 4, .op(.vmxoff))
        exact(.g7_0F01, 1, 0, .op(.monitor))
        exact(.g7_0F01, 1, 1, .op(.mwait))
        exact(.g7_0F01, 1, 2, .op(.clac))
        exact(.g7_0F01, 1, 3, .op(.stac))
        exact(.g7_0F01, 2, 0, .op(.xgetbv))
        exact(.g7_0F01, 2, 1, .op(.xsetbv))
        exact(.g7_0F01, 2, 5, .op(.xend))
        exact(.g7_0F01, 2, 6, .op(.xtest))
        for rm in 0..<8 {
            exact(.g7_0F01, 4, rm, .op(.smsw, Rv))
            exact(.g7_0F01, 6, rm, .op(.lmsw, Ew))
        }
        exact(.g7_0F01, 5, 6, .op(.rdpkru))
        exact(.g7_0F01, 5, 7, .op(.wrpkru))
        exact(.g7_0F01, 7, 0, .op(.swapgs, flags: .only64))
        exact(.g7_0F01, 7, 1, .op(.rdtscp))
        exact(.g7_0F01, 7, 2, .op(.monitorx))
        exact(.g7_0F01, 7, 3, .op(.mwaitx))
        exact(.g7_0F01, 7, 4, .op(.clzero))
        exact(.g7_0F01, 7, 5, .op(.rdpru))

        let bitTests: [Mnemonic] = [.bt, .bts, .btr, .btc]
        for (i, m) in bitTests.enumerated() {
            both(.g8_0FBA, 4 + i, .op(m, Ev, Ub, flags: i == 0 ? [] : .lockable))
        }

        // Group 9 (0F C7), by mandatory prefix.
        mem(.g9_0FC7, 1, .op(.cmpxchg8b, Mq, flags: [.lockable, .wSelects]))
        mem(.g9_0FC7, 3, .op(.xrstors, M, flags: .wSelects))
        mem(.g9_0FC7, 4, .op(.xsavec, M, flags: .wSelects))
        mem(.g9_0FC7, 5, .op(.xsaves, M, flags: .wSelects))
        mem(.g9_0FC7, 6, .op(.vmptrld, Mq))
        mem(.g9_0FC7, 7, .op(.vmptrst, Mq))
        reg(.g9_0FC7, 6, .op(.rdrand, Rv))
        reg(.g9_0FC7, 7, .op(.rdseed, Rv))
        copyGroup(.g9_0FC7, to: .g9_0FC7_66)
        copyGroup(.g9_0FC7, to: .g9_0FC7_F3)
        mem(.g9_0FC7_66, 6, .op(.vmclear, Mq))
        mem(.g9_0FC7_F3, 6, .op(.vmxon, Mq))
        reg(.g9_0FC7_F3, 7, .op(.rdpid, Rq))

        both(.g10_0FB9, 0, .invalid)   // UD1 is the whole opcode; see the two-byte map

        both(.g11_C6, 0, .op(.mov, Eb, Ib))
        both(.g11_C7, 0, .op(.mov, Ev, Iz))
        exact(.g11_C6, 7, 0, .op(.xabort, Ub))
        exact(.g11_C7, 7, 0, .op(.xbegin, Jz, flags: .force64))
        for r in 0..<7 {
            for rm in 0..<8 {
                exact(.g11_C6, r, rm, r == 0 ? .op(.mov, Eb, Ib) : .invalid)
                exact(.g11_C7, r, rm, r == 0 ? .op(.mov, Ev, Iz) : .invalid)
            }
        }

        // Groups 12-14: MMX shifts by immediate (no prefix) and their SSE2 forms (66).
        let shiftByImm: [(GroupID, GroupID, Int, Mnemonic)] = [
            (.g12_0F71, .g12_0F71_66, 2, .psrlw), (.g12_0F71, .g12_0F71_66, 4, .psraw),
            (.g12_0F71, .g12_0F71_66, 6, .psllw),
            (.g13_0F72, .g13_0F72_66, 2, .psrld), (.g13_0F72, .g13_0F72_66, 4, .psrad),
            (.g13_0F72, .g13_0F72_66, 6, .pslld),
            (.g14_0F73, .g14_0F73_66, 2, .psrlq), (.g14_0F73, .g14_0F73_66, 6, .psllq),
        ]
        // VEX/EVEX forms write vvvv; only EVEX allows a memory source.
        let shiftFlags: EntryFlags = [.vex, .evex, .ndd]
        for (mmx, sse, r, m) in shiftByImm {
            reg(mmx, r, .op(m, Nq, Ub))
            reg(sse, r, .op(m, Ux, Ub, flags: shiftFlags))
            mem(sse, r, .op(m, Wx, Ub, flags: [.evexOnly, .ndd]))
        }
        for (r, m) in [(3, Mnemonic.psrldq), (7, .pslldq)] {
            reg(.g14_0F73_66, r, .op(m, Ux, Ub, flags: shiftFlags))
            mem(.g14_0F73_66, r, .op(m, Wx, Ub, flags: [.evexOnly, .ndd]))
        }
        for (r, m) in [(0, Mnemonic.vprord), (1, .vprold)] {
            both(.g13_0F72_66, r, .op(m, Wx, Ub, flags: [.evexOnly, .ndd, .wSelects]))
        }

        // Group 15 (0F AE), by mandatory prefix.
        mem(.g15_0FAE, 0, .op(.fxsave, M, flags: .wSelects))
        mem(.g15_0FAE, 1, .op(.fxrstor, M, flags: .wSelects))
        mem(.g15_0FAE, 2, .op(.ldmxcsr, Md, flags: [.vex, .vexL0]))
        mem(.g15_0FAE, 3, .op(.stmxcsr, Md, flags: [.vex, .vexL0]))
        mem(.g15_0FAE, 4, .op(.xsave, M, flags: .wSelects))
        mem(.g15_0FAE, 5, .op(.xrstor, M, flags: .wSelects))
        mem(.g15_0FAE, 6, .op(.xsaveopt, M, flags: .wSelects))
        mem(.g15_0FAE, 7, .op(.clflush, Mb))
        reg(.g15_0FAE, 5, .op(.lfence))
        reg(.g15_0FAE, 6, .op(.mfence))
        reg(.g15_0FAE, 7, .op(.sfence))
        mem(.g15_0FAE_66, 6, .op(.clwb, Mb))
        mem(.g15_0FAE_66, 7, .op(.clflushopt, Mb))
        reg(.g15_0FAE_F3, 0, .op(.rdfsbase, Ry))
        reg(.g15_0FAE_F3, 1, .op(.rdgsbase, Ry))
        reg(.g15_0FAE_F3, 2, .op(.wrfsbase, Ry))
        reg(.g15_0FAE_F3, 3, .op(.wrgsbase, Ry))
        reg(.g15_0FAE_F3, 5, .op(.incssp, Ry))
        mem(.g15_0FAE_F3, 4, .op(.ptwrite, Ey))

        // Group 16 (0F 18): prefetch hints; the other slots are hint NOPs.
        let hints: [Mnemonic] = [.prefetchnta, .prefetcht0, .prefetcht1, .prefetcht2]
        for r in 0..<8 {
            mem(.g16_0F18, r, r < 4 ? .op(hints[r], Mb) : .op(.nop, Ev))
            reg(.g16_0F18, r, .op(.nop, Ev))
        }
        // 0F 0D: AMD PREFETCH/PREFETCHW; the other slots are hint NOPs.
        for r in 0..<8 {
            mem(.gReservedNop_0F0D, r, .op(r == 1 ? .prefetchw : .prefetch, Mb))
            reg(.gReservedNop_0F0D, r, .op(.nop, Ev))
        }

        // Group 17 (VEX.0F38 F3): BMI1 bit manipulation into vvvv.
        both(.g17_VEX_0F38F3, 1, .op(.blsr, By, Ey, flags: [.vexOnly, .vexL0]))
        both(.g17_VEX_0F38F3, 2, .op(.blsmsk, By, Ey, flags: [.vexOnly, .vexL0]))
        both(.g17_VEX_0F38F3, 3, .op(.blsi, By, Ey, flags: [.vexOnly, .vexL0]))

        // F3 0F 1E: CET shadow-stack reads and ENDBR (reserved NOPs otherwise).
        for r in 0..<8 {
            mem(.g_0F1E_F3, r, .op(.nop, Ev))
            for rm in 0..<8 {
                exact(.g_0F1E_F3, r, rm, .op(.nop, Ev))
            }
        }
        for rm in 0..<8 {
            exact(.g_0F1E_F3, 1, rm, .op(.rdssp, Ry))
        }
        exact(.g_0F1E_F3, 7, 2, .op(.endbr64))
        exact(.g_0F1E_F3, 7, 3, .op(.endbr32))
    }
}
