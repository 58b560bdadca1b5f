import CCPU
import IR
import X86

/// System instructions: port I/O, far and privileged control transfer, control and segment
/// registers, descriptor tables, MSRs, interrupts. In system mode most become helper calls
/// (System/SystemHelpers.swift); in user mode they raise #UD (or #GP where a process sees that).
extension BlockTranslator {
    static let sysOffset = MemoryLayout<MimicCPUState>.offset(of: \.sys)!
    static let flushOffset = MemoryLayout<MimicCPUState>.offset(of: \.sys.flush)!
    static let softwareInterruptOffset = MemoryLayout<MimicCPUState>.offset(of: \.sys.software_interrupt)!
    static let cr0Offset = MemoryLayout<MimicCPUState>.offset(of: \.sys.cr0)!

    static func selectorOffset(_ segment: Int32) -> Int {
        MemoryLayout<MimicCPUState>.offset(of: \.sys.seg)! + Int(segment) * MemoryLayout<MimicSegment>.stride
            + MemoryLayout<MimicSegment>.offset(of: \.selector)!
    }

    var isSystem: Bool { options.system }
    var privileged: Bool { options.privilegeLevel == 0 }

    /// #GP(0), as privileged instructions raise it at CPL > 0.
    mutating func raiseGeneralProtection() -> Flow {
        ir.stEnv(.i64, .u64, offset: StateOffset.errorCode, zero)
        return raise(MIMIC_EXC_GP)
    }

    /// Ends the block after an instruction that may have changed the processor mode, the CPL
    /// or the address space: the loop re-reads the translation flags (and flushes what the
    /// helper asked for) before it looks up rip. `next` is rip when the helper did not set it.
    mutating func leaveAfterSystemChange(next: UInt64?) -> Flow {
        if let next { ir.mov(X86Globals.rip, constant(next)) }
        ir.stEnv(.i64, .u64, offset: StateOffset.request, constant(UInt64(MIMIC_REQ_SYSTEM)))
        ir.exitTB(Int32(MIMIC_EXIT_REQUEST))
        return .end
    }

    mutating func liftSystem(_ m: Mnemonic) -> Flow {
        guard isSystem else { return raise(MIMIC_EXC_UD) }
        switch m {
        case .in, .out:
            return liftPortIO(output: m == .out)
        case .cli, .sti:
            return liftInterruptFlag(enable: m == .sti)
        case .int:
            guard case .immediate(let v, _) = insn[0] else { return raise(MIMIC_EXC_UD) }
            return raiseSoftwareInterrupt(Int(v & 0xFF))
        case .into:
            let skip = ir.newLabel()
            ir.brcond(.eq, .i64, readFlag(.of), zero, skip)
            _ = raiseSoftwareInterrupt(Int(MIMIC_EXC_OF))
            ir.setLabel(skip)
            return .next
        case .int1:
            return raise(Int(MIMIC_EXC_DB), at: insn.nextAddress)
        case .jmpf, .callf:
            return liftFarTransfer(call: m == .callf)
        case .retf:
            var release: UInt64 = 0
            if case .immediate(let v, _) = insn[0] { release = UInt64(v) & 0xFFFF }
            ir.call(SystemHelpers.farReturn, [constant(UInt64(farOperandBytes)), constant(release)])
            return leaveAfterSystemChange(next: nil)
        case .iret:
            ir.call(SystemHelpers.interruptReturn, [constant(UInt64(operandBytes))])
            return leaveAfterSystemChange(next: nil)
        case .sysret:
            ir.call(SystemHelpers.systemReturn, [constant(UInt64(operandBytes == 8 ? 8 : 4))])
            return leaveAfterSystemChange(next: nil)
        case .smsw:
            let cr0 = ir.ldEnv(.i64, .u64, offset: Self.cr0Offset)
            let target = locate(operand: 0, bytes: operandBytes)
            write(target, width(target, default: 2) == 2 ? zeroExtend(cr0, from: 2) : zeroExtend(cr0, from: width(target, default: 2)))
            return .next
        case .sldt, .str:
            let selector = ir.ldEnv(.i64, .u16, offset: Self.selectorOffset(m == .str ? Int32(MIMIC_SEG_TR) : Int32(MIMIC_SEG_LDTR)))
            write(locate(operand: 0, bytes: operandBytes), selector)
            return .next
        case .lar, .lsl, .verr, .verw:
            return liftSegmentCheck(m)
        case .sgdt, .sidt:
            guard case .memory(let mem) = insn[0] else { return raise(MIMIC_EXC_UD) }
            ir.call(SystemHelpers.storeDescriptorTable, [linearAddress(mem), constant(m == .sidt ? 1 : 0)])
            return .next
        default:
            break
        }
        // The rest is privileged: CPL 0 only.
        guard privileged else { return raiseGeneralProtection() }
        switch m {
        case .lgdt, .lidt:
            guard case .memory(let mem) = insn[0] else { return raise(MIMIC_EXC_UD) }
            ir.call(SystemHelpers.loadDescriptorTable, [linearAddress(mem), constant(UInt64(operandBytes)), constant(m == .lidt ? 1 : 0)])
            return .next
        case .ltr:
            ir.call(SystemHelpers.loadTaskRegister, [read(locate(operand: 0, bytes: 2))])
            return .next
        case .lldt:
            ir.call(SystemHelpers.loadLocalDescriptorTable, [read(locate(operand: 0, bytes: 2))])
            return .next
        case .invlpg:
            ir.call(SystemHelpers.invalidatePage, [])
            return leaveAfterSystemChange(next: insn.nextAddress)
        case .swapgs:
            ir.call(SystemHelpers.swapGS, [])
            return .next
        case .rdmsr:
            ir.call(SystemHelpers.readMSR, [])
            return .next
        case .wrmsr:
            ir.call(SystemHelpers.writeMSR, [])
            return leaveAfterSystemChange(next: insn.nextAddress)
        case .lmsw:
            // CR0 bits 0-3 from the source; PE can be set but not cleared.
            let cr0 = ir.ldEnv(.i64, .u64, offset: Self.cr0Offset)
            let low = op(.and, read(locate(operand: 0, bytes: 2)), constant(0xF))
            ir.call(SystemHelpers.writeControl, [constant(0), op(.or, op(.and, cr0, constant(~UInt64(0xE))), low)])
            return leaveAfterSystemChange(next: insn.nextAddress)
        case .clts:
            let cr0 = ir.ldEnv(.i64, .u64, offset: Self.cr0Offset)
            ir.stEnv(.i64, .u64, offset: Self.cr0Offset, op(.andc, cr0, constant(1 << 3)))
            return .next
        case .wbinvd, .invd:
            // No caches to write back or drop.
            return .next
        default:
            return raise(MIMIC_EXC_UD)
        }
    }

    /// HLT: a request to the loop at CPL 0; #GP(0) above it.
    mutating func liftHalt() -> Flow {
        if isSystem && !privileged { return raiseGeneralProtection() }
        return request(MIMIC_REQ_HLT)
    }

    /// SYSCALL: in user mode a request the loop serves; in system mode the ring transition.
    mutating func liftSystemCall() -> Flow {
        guard isSystem else { return request(MIMIC_REQ_SYSCALL) }
        ir.call(SystemHelpers.systemCall, [constant(insn.nextAddress)])
        return leaveAfterSystemChange(next: nil)
    }

    /// INT3: a trap with rip after it; in system mode delivered as a software interrupt.
    mutating func liftBreakpoint() -> Flow {
        guard isSystem else { return raise(MIMIC_EXC_BP, at: insn.nextAddress) }
        return raiseSoftwareInterrupt(Int(MIMIC_EXC_BP))
    }

    /// INT n, INT3, INTO: the loop delivers `vector` with rip after the instruction and checks
    /// the gate's DPL against the CPL.
    mutating func raiseSoftwareInterrupt(_ vector: Int) -> Flow {
        ir.stEnv(.i32, .u32, offset: Self.softwareInterruptOffset, one)
        ir.stEnv(.i64, .u64, offset: StateOffset.errorCode, zero)
        return raise(vector, at: insn.nextAddress)
    }

    /// CLI/STI: IF in eflags_rest; above IOPL a helper raises #GP(0).
    mutating func liftInterruptFlag(enable: Bool) -> Flow {
        if privileged {
            let rest = ir.ldEnv(.i64, .u64, offset: StateOffset.eflagsRest)
            let updated = enable ? op(.or, rest, constant(1 << 9)) : op(.andc, rest, constant(1 << 9))
            ir.stEnv(.i64, .u64, offset: StateOffset.eflagsRest, updated)
        } else {
            ir.call(SystemHelpers.setInterruptFlag, [enable ? one : zero])
        }
        return .next
    }

    /// IN and OUT with an immediate port or DX; an OUT that stops the machine (debug-exit,
    /// reset) leaves the block with MIMIC_REQ_STOP.
    /// LAR, LSL (destination register, selector), VERR, VERW (selector): ZF tells whether the
    /// descriptor passed the checks; LAR and LSL load their result only then.
    mutating func liftSegmentCheck(_ m: Mnemonic) -> Flow {
        let check: SegmentCheck
        switch m {
        case .lar: check = .accessRights
        case .lsl: check = .limit
        case .verr: check = .readable
        default: check = .writable
        }
        let loads = check == .accessRights || check == .limit
        let selector = read(locate(operand: loads ? 1 : 0, bytes: 2))
        let result = ir.call(SystemHelpers.checkSegment, [selector, constant(check.rawValue)])
        let passed = op(.shr, result, constant(63))
        commit(FlagValues(zf: passed))
        guard loads else { return .next }
        let skip = ir.newLabel()
        ir.brcond(.eq, .i64, passed, zero, skip)
        let bytes = operandBytes == 2 ? 2 : 4
        // A 16-bit LAR keeps the access byte only; 32- and 64-bit forms zero-extend.
        let value = op(.and, result, constant(check == .accessRights && bytes == 2 ? 0xFF00 : 0xFFFF_FFFF))
        write(locate(operand: 0, bytes: operandBytes), bytes == 2 ? value : zeroExtend(value, from: 4))
        ir.setLabel(skip)
        return .next
    }

    mutating func liftPortIO(output: Bool) -> Flow {
        let portOperand = output ? insn[0] : insn[1]
        let dataOperand = output ? insn[1] : insn[0]
        guard case .register(let data) = dataOperand else { return raise(MIMIC_EXC_UD) }
        let bytes = data.gprBytes
        let port: Temp
        switch portOperand {
        case .immediate(let v, _): port = constant(UInt64(v) & 0xFF)
        case .register(let r): port = readGPR(r)
        default: return raise(MIMIC_EXC_UD)
        }
        if output {
            let stop = ir.call(SystemHelpers.portOut, [port, constant(UInt64(bytes)), readGPR(data)])
            let goOn = ir.newLabel()
            ir.brcond(.eq, .i64, stop, zero, goOn)
            _ = request(MIMIC_REQ_STOP)
            ir.setLabel(goOn)
        } else {
            writeGPR(data, ir.call(SystemHelpers.portIn, [port, constant(UInt64(bytes))]))
            // The bus leaves a stop request when the run must end (Ctrl-C while the guest polls).
            let goOn = ir.newLabel()
            let request = ir.ldEnv(.i64, .u64, offset: StateOffset.request)
            ir.brcond(.eq, .i64, request, zero, goOn)
            ir.mov(X86Globals.rip, constant(insn.nextAddress))
            ir.exitTB(Int32(MIMIC_EXIT_REQUEST))
            ir.setLabel(goOn)
        }
        return .next
    }

    /// Operand size of a far RET, JMP or CALL: 8 with REX.W, else 4 (2 with 66).
    var farOperandBytes: Int { operandBytes }

    /// Far JMP/CALL through a pointer in the instruction (ptr16:32) or in memory (m16:32/m16:64).
    mutating func liftFarTransfer(call: Bool) -> Flow {
        let bytes = farOperandBytes
        let selector: Temp, offset: Temp
        switch insn[0] {
        case .farPointer(let s, let o):
            selector = constant(UInt64(s))
            offset = constant(UInt64(o))
        case .memory(let m):
            let address = linearAddress(m)
            offset = load(address, bytes: bytes)
            selector = load(op(.add, address, UInt64(bytes)), bytes: 2)
        default:
            return raise(MIMIC_EXC_UD)
        }
        if call {
            ir.call(SystemHelpers.farCall, [selector, offset, constant(insn.nextAddress), constant(UInt64(bytes))])
        } else {
            ir.call(SystemHelpers.farJump, [selector, offset])
        }
        return leaveAfterSystemChange(next: nil)
    }

    /// Instructions with a segment, control or debug register operand: MOV to and from them,
    /// PUSH and POP of FS and GS.
    mutating func liftSystemRegisterOperands() -> Flow {
        guard isSystem else { return raise(MIMIC_EXC_UD) }
        switch insn.mnemonic {
        case .mov:
            guard case .register(let r0) = insn[0] else { return liftMoveFromSegment() }
            if case .register(let r1) = insn[1], r1.file == .control { return liftMoveFromControl(r0, r1) }
            switch r0.file {
            case .control: return liftMoveToControl(r0)
            case .segment: return liftMoveToSegment(r0)
            default: return liftMoveFromSegment()
            }
        case .push:
            guard case .register(let r) = insn[0], r.file == .segment else { return raise(MIMIC_EXC_UD) }
            let selector = ir.ldEnv(.i64, .u16, offset: Self.selectorOffset(Int32(r.number)))
            push(selector, bytes: pushBytes)
            return .next
        case .pop:
            guard case .register(let r) = insn[0], r.file == .segment, r.number != 1 else { return raise(MIMIC_EXC_UD) }
            let bytes = pushBytes
            let sp = readStackPointer()
            let selector = load(stackAddress(sp), bytes: 2)
            ir.call(SystemHelpers.loadSegment, [constant(UInt64(r.number)), selector])
            writeStackPointer(stackAddress(op(.add, sp, UInt64(bytes))))
            return .next
        default:
            return raise(MIMIC_EXC_UD)
        }
    }

    /// MOV CRn, r: CR0, CR3 and CR4 end the block (mode, paging, address space).
    mutating func liftMoveToControl(_ cr: Register) -> Flow {
        guard privileged else { return raiseGeneralProtection() }
        guard case .register(let source) = insn[1], source.isGPR else { return raise(MIMIC_EXC_UD) }
        let n = Int(cr.number)
        ir.call(SystemHelpers.writeControl, [constant(UInt64(n)), readGPR(source)])
        if n == 0 || n == 3 || n == 4 { return leaveAfterSystemChange(next: insn.nextAddress) }
        return .next
    }

    mutating func liftMoveFromControl(_ target: Register, _ cr: Register) -> Flow {
        guard privileged else { return raiseGeneralProtection() }
        guard target.isGPR else { return raise(MIMIC_EXC_UD) }
        writeGPR(target, ir.call(SystemHelpers.readControl, [constant(UInt64(cr.number))]))
        return .next
    }

    /// MOV Sreg, r/m16 (not CS).
    mutating func liftMoveToSegment(_ segment: Register) -> Flow {
        guard segment.number != 1, segment.number < 6 else { return raise(MIMIC_EXC_UD) }
        let selector = read(locate(operand: 1, bytes: 2))
        ir.call(SystemHelpers.loadSegment, [constant(UInt64(segment.number)), selector])
        return .next
    }

    /// MOV r/m, Sreg: a register gets the selector zero-extended, memory its 16 bits.
    mutating func liftMoveFromSegment() -> Flow {
        guard case .register(let segment) = insn[1], segment.file == .segment, segment.number < 6 else {
            return raise(MIMIC_EXC_UD)
        }
        let selector = ir.ldEnv(.i64, .u16, offset: Self.selectorOffset(Int32(segment.number)))
        let target = locate(operand: 0, bytes: 2)
        if case .memory(let address, _) = target {
            store(address, bytes: 2, selector)
        } else {
            write(target, selector)
        }
        return .next
    }
}
