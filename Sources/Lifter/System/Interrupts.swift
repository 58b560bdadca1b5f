import CCPU

/// Exception and interrupt delivery through the IDT, IRET, and the fast system calls
/// (SDM vol. 3, chapter 6; vol. 2, IRET, SYSCALL, SYSRET).
extension SystemCPU {
    /// How an event arrived: exceptions set EXT in the error codes of faults during delivery;
    /// software interrupts (INT n, INT3, INTO) are checked against the gate's DPL.
    public enum EventSource: Sendable {
        case exception
        case software
    }

    /// Delivers `vector` at the current state (rip is where the handler returns to). A fault
    /// during delivery becomes #DF where the SDM's table 6-5 says so, or is delivered in its
    /// place; a fault while delivering #DF shuts the processor down: then false.
    public func deliver(vector: Int, errorCode: UInt64, address: UInt64, source: EventSource) -> Bool {
        var event = Fault(vector, errorCode: errorCode, address: address)
        var software = source == .software
        while true {
            if event.vector == Fault.pageFault { sys.pointee.cr2 = event.address }
            do {
                try deliverOnce(event, software: software)
                return true
            } catch {
                if event.vector == Fault.doubleFault { return false }
                if Self.makesDoubleFault(first: event.vector, second: error.vector) {
                    event = Fault(Fault.doubleFault)
                } else {
                    event = error
                }
                software = false
            }
        }
    }

    /// SDM vol. 3, table 6-5: two contributory exceptions, or a page fault followed by a page
    /// fault or a contributory exception, make a double fault.
    static func makesDoubleFault(first: Int, second: Int) -> Bool {
        func contributory(_ v: Int) -> Bool { v == 0 || (10...13).contains(v) }
        if contributory(first) { return contributory(second) }
        if first == Fault.pageFault { return contributory(second) || second == Fault.pageFault }
        return false
    }

    private func deliverOnce(_ event: Fault, software: Bool) throws(Fault) {
        if longMode { try deliverLong(event, software: software) } else { try deliverProtected(event, software: software) }
    }

    /// The error code of a fault about IDT entry `vector`: IDT bit, EXT for exceptions.
    private func idtErrorCode(_ vector: Int, software: Bool) -> UInt64 {
        UInt64(vector) << 3 | 2 | (software ? 0 : 1)
    }

    /// IA-32e mode: 16-byte gates, 64-bit frames always SS:RSP, RFLAGS, CS:RIP (+ error code),
    /// the stack switched to TSS.RSPn on a privilege change or to an IST stack.
    private func deliverLong(_ event: Fault, software: Bool) throws(Fault) {
        let vector = event.vector
        let idtError = idtErrorCode(vector, software: software)
        guard UInt64(vector) * 16 + 15 <= UInt64(sys.pointee.idt_limit) else { throw .gp(idtError) }
        let gateAddress = sys.pointee.idt_base &+ UInt64(vector) * 16
        let low = try readSystem(gateAddress, bytes: 8)
        let high = try readSystem(gateAddress &+ 8, bytes: 8)
        let type = low >> 40 & 0xF
        guard type == 0xE || type == 0xF else { throw .gp(idtError) }
        if software && Int(low >> 45 & 3) < cpl { throw .gp(idtError) }
        guard low & 1 << 47 != 0 else { throw .np(idtError) }
        let offset = low & 0xFFFF | (low >> 48 & 0xFFFF) << 16 | (high & 0xFFFF_FFFF) << 32
        let selector = UInt16(truncatingIfNeeded: low >> 16)
        let ist = Int(low >> 32 & 7)

        let target = try interruptCodeSegment(selector, software: software)
        guard target.long && !target.defaultBig else { throw .gp(UInt64(selector & 0xFFFC)) }
        let newCPL = target.isConforming ? cpl : target.dpl

        let tss = segment(Int32(MIMIC_SEG_TR)).pointee
        var rsp: UInt64
        if ist != 0 {
            rsp = try readTSS(tss, at: 0x24 + UInt64(ist - 1) * 8, bytes: 8)
        } else if newCPL < cpl {
            rsp = try readTSS(tss, at: 4 + UInt64(newCPL) * 8, bytes: 8)
        } else {
            rsp = gpr[Int(MIMIC_RSP)]
        }
        guard isCanonical(rsp) else { throw .ss(0) }
        rsp &= ~15

        let oldSS = UInt64(segment(Int32(MIMIC_SEG_SS)).pointee.selector)
        let oldCS = UInt64(segment(Int32(MIMIC_SEG_CS)).pointee.selector)
        var frame: [UInt64] = [oldSS, gpr[Int(MIMIC_RSP)], rflags, oldCS, state.pointee.rip]
        if Fault.pushesErrorCode(vector) && !software { frame.append(event.errorCode) }
        for value in frame {
            rsp &-= 8
            try writeSystem(rsp, bytes: 8, value)
        }

        // Committed: nothing below faults.
        if newCPL != cpl {
            setSegment(Int32(MIMIC_SEG_SS), MimicSegment(base: 0, limit: 0, selector: UInt16(newCPL),
                                                         attributes: UInt16(MIMIC_SEG_UNUSABLE)))
        }
        var cs = target.segment(selector & 0xFFFC | UInt16(newCPL))
        cs.attributes |= 1
        segment(Int32(MIMIC_SEG_CS)).pointee = cs
        sys.pointee.cpl = UInt32(newCPL)
        gpr[Int(MIMIC_RSP)] = rsp
        state.pointee.rip = offset
        var flags = rflags & ~(RFLAGS.tf | RFLAGS.nt | RFLAGS.rf | RFLAGS.vm)
        if type == 0xE { flags &= ~RFLAGS.if }
        rflags = flags
        updateTranslationFlags()
    }

    /// Protected mode: 8-byte 32-bit interrupt and trap gates; the frame is EFLAGS, CS, EIP
    /// (+ error code), after SS:ESP from the TSS on a privilege change.
    private func deliverProtected(_ event: Fault, software: Bool) throws(Fault) {
        let vector = event.vector
        let idtError = idtErrorCode(vector, software: software)
        guard UInt64(vector) * 8 + 7 <= UInt64(sys.pointee.idt_limit) else { throw .gp(idtError) }
        let gate = try readSystem(sys.pointee.idt_base &+ UInt64(vector) * 8, bytes: 8)
        let type = gate >> 40 & 0xF
        guard type == 0xE || type == 0xF else { throw .gp(idtError) }
        if software && Int(gate >> 45 & 3) < cpl { throw .gp(idtError) }
        guard gate & 1 << 47 != 0 else { throw .np(idtError) }
        let offset = gate & 0xFFFF | (gate >> 48 & 0xFFFF) << 16
        let selector = UInt16(truncatingIfNeeded: gate >> 16)
        let target = try interruptCodeSegment(selector, software: software)
        let newCPL = target.isConforming ? cpl : target.dpl

        var frame: [UInt64] = []
        var esp = gpr[Int(MIMIC_RSP)] & 0xFFFF_FFFF
        var newSS: MimicSegment?
        if newCPL < cpl {
            let tss = segment(Int32(MIMIC_SEG_TR)).pointee
            esp = try readTSS(tss, at: 4 + UInt64(newCPL) * 8, bytes: 4)
            let ssSelector = UInt16(truncatingIfNeeded: try readTSS(tss, at: 8 + UInt64(newCPL) * 8, bytes: 2))
            let (d, _) = try descriptor(ssSelector)
            guard Int(ssSelector & 3) == newCPL, d.dpl == newCPL, d.isWritableData else { throw Fault(Fault.invalidTSS, errorCode: UInt64(ssSelector & 0xFFFC)) }
            newSS = d.segment(ssSelector)
            frame = [UInt64(segment(Int32(MIMIC_SEG_SS)).pointee.selector), gpr[Int(MIMIC_RSP)] & 0xFFFF_FFFF]
        }
        frame += [rflags & 0xFFFF_FFFF, UInt64(segment(Int32(MIMIC_SEG_CS)).pointee.selector), state.pointee.rip & 0xFFFF_FFFF]
        if Fault.pushesErrorCode(vector) && !software { frame.append(event.errorCode) }
        for value in frame {
            esp = (esp &- 4) & 0xFFFF_FFFF
            try writeSystem(esp, bytes: 4, value)
        }
        if let newSS { setSegment(Int32(MIMIC_SEG_SS), newSS) }
        segment(Int32(MIMIC_SEG_CS)).pointee = target.segment(selector & 0xFFFC | UInt16(newCPL))
        sys.pointee.cpl = UInt32(newCPL)
        gpr[Int(MIMIC_RSP)] = esp
        state.pointee.rip = offset
        var flags = rflags & ~(RFLAGS.tf | RFLAGS.nt | RFLAGS.rf | RFLAGS.vm)
        if type == 0xE { flags &= ~RFLAGS.if }
        rflags = flags
        updateTranslationFlags()
    }

    /// The handler's code segment: a present code segment no less privileged than the CPL.
    private func interruptCodeSegment(_ selector: UInt16, software: Bool) throws(Fault) -> Descriptor {
        let ext: UInt64 = software ? 0 : 1
        guard selector & 0xFFFC != 0 else { throw .gp(ext) }
        let code = UInt64(selector & 0xFFFC) | ext
        let (d, _) = try descriptor(selector)
        guard d.isCode, d.dpl <= cpl else { throw .gp(code) }
        guard d.present else { throw .np(code) }
        return d
    }

    /// A field of the current TSS, within its limit (#TS otherwise).
    private func readTSS(_ tss: MimicSegment, at offset: UInt64, bytes: Int) throws(Fault) -> UInt64 {
        guard offset + UInt64(bytes) - 1 <= UInt64(tss.limit) else { throw Fault(Fault.invalidTSS, errorCode: UInt64(tss.selector & 0xFFFC)) }
        return try readSystem(tss.base &+ offset, bytes: bytes)
    }

    // MARK: IRET

    /// IRET/IRETD/IRETQ (`bytes` = 4 or 8) to the same or an outer privilege level.
    func interruptReturn(bytes: Int) throws(Fault) {
        let user = cpl == 3
        let sp = stackPointer
        func pop(_ i: Int) throws(Fault) -> UInt64 {
            try read(stackAddress(sp &+ UInt64(i * bytes)), bytes: bytes, user: user)
        }
        let newRIP = try pop(0)
        let csSelector = UInt16(truncatingIfNeeded: try pop(1))
        let newFlags = try pop(2)
        let newCPL = Int(csSelector & 3)
        guard csSelector & 0xFFFC != 0 else { throw .gp(0) }
        let code = UInt64(csSelector & 0xFFFC)
        guard newCPL >= cpl else { throw .gp(code) }
        let (d, address) = try descriptor(csSelector)
        guard d.isCode else { throw .gp(code) }
        if d.isConforming { guard d.dpl <= newCPL else { throw .gp(code) } } else { guard d.dpl == newCPL else { throw .gp(code) } }
        guard d.present else { throw .np(code) }
        let to64 = longMode && d.long

        // 64-bit mode always pops SS:RSP; protected mode only when the privilege changes.
        var newSP = sp &+ UInt64(3 * bytes)
        var newSS: MimicSegment?
        if code64 || newCPL > cpl {
            newSP = try pop(3)
            let ssSelector = UInt16(truncatingIfNeeded: try pop(4))
            if ssSelector & 0xFFFC == 0 {
                guard to64, newCPL != 3 else { throw .gp(0) }
                newSS = MimicSegment(base: 0, limit: 0, selector: ssSelector, attributes: UInt16(MIMIC_SEG_UNUSABLE))
            } else {
                let ssCode = UInt64(ssSelector & 0xFFFC)
                let (s, ssAddress) = try descriptor(ssSelector)
                guard Int(ssSelector & 3) == newCPL, s.dpl == newCPL, s.isWritableData else { throw .gp(ssCode) }
                guard s.present else { throw .ss(ssCode) }
                try markAccessed(s, at: ssAddress)
                var loaded = s.segment(ssSelector)
                loaded.attributes |= 1
                newSS = loaded
            }
        }
        if to64 { guard isCanonical(newRIP) else { throw .gp(0) } } else { guard newRIP & 0xFFFF_FFFF <= UInt64(d.limit) else { throw .gp(0) } }
        try markAccessed(d, at: address)

        // Committed.
        var changeable = RFLAGS.changeable
        if cpl > 0 { changeable &= ~RFLAGS.iopl }
        if cpl > Int(rflags >> 12 & 3) { changeable &= ~RFLAGS.if }
        if bytes == 2 { changeable &= 0xFFFF }
        rflags = rflags & ~changeable | newFlags & changeable
        var cs = d.segment(csSelector)
        cs.attributes |= 1
        segment(Int32(MIMIC_SEG_CS)).pointee = cs
        if let newSS { setSegment(Int32(MIMIC_SEG_SS), newSS) }
        let wasCode64 = code64
        sys.pointee.cpl = UInt32(newCPL)
        updateTranslationFlags()
        state.pointee.rip = to64 ? newRIP : newRIP & 0xFFFF_FFFF
        if wasCode64 || newSS != nil { gpr[Int(MIMIC_RSP)] = code64 ? newSP : newSP & 0xFFFF_FFFF } else { stackPointer = newSP }
        if newCPL > 0 { nullSegmentsAbove(newCPL) }
    }

    /// After a return to an outer level, data segment registers the new CPL may not use are
    /// loaded with null (SDM vol. 2, IRET and RET).
    private func nullSegmentsAbove(_ newCPL: Int) {
        for index in [MIMIC_SEG_ES, MIMIC_SEG_DS, MIMIC_SEG_FS, MIMIC_SEG_GS] {
            let s = segment(Int32(index)).pointee
            guard s.attributes & UInt16(MIMIC_SEG_UNUSABLE) == 0 else { continue }
            let dpl = Int(s.attributes >> 5 & 3)
            let conformingCode = s.attributes & 0x1C == 0x1C
            if dpl < newCPL && !conformingCode {
                var null = s
                null.selector = 0
                null.attributes |= UInt16(MIMIC_SEG_UNUSABLE)
                segment(Int32(index)).pointee = null
            }
        }
    }

    // MARK: SYSCALL and SYSRET

    /// SYSCALL: RCX = the next rip, R11 = RFLAGS; CS and SS from STAR[47:32] as flat ring-0
    /// segments; rip from LSTAR (CSTAR from compatibility mode); RFLAGS masked by FMASK.
    func systemCall(returnAddress: UInt64) throws(Fault) {
        guard longMode, sys.pointee.efer & EFER.sce != 0 else { throw .ud }
        let base = UInt16(truncatingIfNeeded: sys.pointee.star >> 32) & 0xFFFC
        let from64 = code64
        gpr[Int(MIMIC_RCX)] = returnAddress
        let flags = rflags
        gpr[Int(MIMIC_R11)] = flags & ~RFLAGS.rf
        rflags = flags & ~sys.pointee.fmask & ~RFLAGS.rf
        segment(Int32(MIMIC_SEG_CS)).pointee = MimicSegment(base: 0, limit: 0xFFFF_FFFF, selector: base,
            attributes: UInt16(0xB | MIMIC_SEG_S | MIMIC_SEG_P | MIMIC_SEG_L | MIMIC_SEG_G))
        setSegment(Int32(MIMIC_SEG_SS), MimicSegment(base: 0, limit: 0xFFFF_FFFF, selector: base &+ 8,
            attributes: UInt16(0x3 | MIMIC_SEG_S | MIMIC_SEG_P | MIMIC_SEG_DB | MIMIC_SEG_G)))
        sys.pointee.cpl = 0
        state.pointee.rip = from64 ? sys.pointee.lstar : sys.pointee.cstar
        updateTranslationFlags()
    }

    /// SYSRET (`bytes` 8: to 64-bit code at STAR[63:48] + 16; 4: to compatibility mode at
    /// STAR[63:48]); SS = STAR[63:48] + 8; CPL 3; RFLAGS from R11.
    func systemReturn(bytes: Int) throws(Fault) {
        guard longMode, sys.pointee.efer & EFER.sce != 0 else { throw .ud }
        guard cpl == 0 else { throw .gp(0) }
        let base = UInt16(truncatingIfNeeded: sys.pointee.star >> 48)
        let target = gpr[Int(MIMIC_RCX)]
        if bytes == 8 { guard isCanonical(target) else { throw .gp(0) } }
        let csSelector = (bytes == 8 ? base &+ 16 : base) | 3
        var csAttributes = UInt16(0xB | MIMIC_SEG_S | 3 << MIMIC_SEG_DPL_SHIFT | MIMIC_SEG_P | MIMIC_SEG_G)
        csAttributes |= UInt16(bytes == 8 ? MIMIC_SEG_L : MIMIC_SEG_DB)
        segment(Int32(MIMIC_SEG_CS)).pointee = MimicSegment(base: 0, limit: 0xFFFF_FFFF, selector: csSelector, attributes: csAttributes)
        setSegment(Int32(MIMIC_SEG_SS), MimicSegment(base: 0, limit: 0xFFFF_FFFF, selector: (base &+ 8) | 3,
            attributes: UInt16(0x3 | MIMIC_SEG_S | 3 << MIMIC_SEG_DPL_SHIFT | MIMIC_SEG_P | MIMIC_SEG_DB | MIMIC_SEG_G)))
        rflags = gpr[Int(MIMIC_R11)] & 0x3C_7FD7 | RFLAGS.fixed
        sys.pointee.cpl = 3
        state.pointee.rip = bytes == 8 ? target : target & 0xFFFF_FFFF
        updateTranslationFlags()
    }
}
