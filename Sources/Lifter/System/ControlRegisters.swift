import CCPU

/// MOV to and from control registers, RDMSR/WRMSR, descriptor-table registers, port I/O
/// permission (SDM vol. 3, 2.5 and 20.5; vol. 2, the instruction pages).
extension SystemCPU {
    public func readControl(_ n: Int) throws(Fault) -> UInt64 {
        let s = sys
        switch n {
        case 0: return s.pointee.cr0
        case 2: return s.pointee.cr2
        case 3: return s.pointee.cr3
        case 4: return s.pointee.cr4
        case 8 where longMode: return s.pointee.cr8
        default: throw .ud
        }
    }

    /// Writes CRn; returns whether the translation of code may have changed (the paging mode,
    /// the address space, or the processor mode), which ends the block and flushes translations.
    public func writeControl(_ n: Int, _ value: UInt64) throws(Fault) -> Bool {
        let oldCR0 = sys.pointee.cr0, oldCR4 = sys.pointee.cr4
        switch n {
        case 0:
            var v = value
            if !longMode && !code64 { v &= 0xFFFF_FFFF }
            guard v >> 32 == 0 else { throw .gp(0) }
            v = v & CR0.writable | CR0.et
            if v & CR0.pg != 0 && v & CR0.pe == 0 { throw .gp(0) }
            if v & CR0.nw != 0 && v & CR0.cd == 0 { throw .gp(0) }
            var efer = sys.pointee.efer
            if v & CR0.pg != 0 && oldCR0 & CR0.pg == 0 && efer & EFER.lme != 0 {
                // Enabling paging with LME set activates IA-32e mode: it needs PAE, and
                // compatibility mode (CS.L clear) to start in.
                guard oldCR4 & CR4.pae != 0 else { throw .gp(0) }
                efer |= EFER.lma
            }
            if v & CR0.pg == 0 && oldCR0 & CR0.pg != 0 && efer & EFER.lma != 0 {
                guard !code64 else { throw .gp(0) }
                efer &= ~EFER.lma
            }
            sys.pointee.cr0 = v
            sys.pointee.efer = efer
            if (v ^ oldCR0) & (CR0.pg | CR0.wp | CR0.pe) != 0 { flushTLB() }
            updateTranslationFlags()
            return true
        case 2:
            sys.pointee.cr2 = value
            return false
        case 3:
            sys.pointee.cr3 = longMode ? value & 0x000F_FFFF_FFFF_FFFF : value & 0xFFFF_FFFF
            flushTLB()
            return true
        case 4:
            guard value & ~CR4.writable == 0 else { throw .gp(0) }
            if longMode && value & CR4.pae == 0 { throw .gp(0) }
            sys.pointee.cr4 = value
            if (value ^ oldCR4) & CR4.paging != 0 { flushTLB() }
            return true
        case 8 where longMode:
            guard value >> 4 == 0 else { throw .gp(0) }
            sys.pointee.cr8 = value
            return false
        default:
            throw .ud
        }
    }

    /// RDMSR of the MSRs this processor has; any other raises #GP(0).
    public func readMSR(_ index: UInt32) throws(Fault) -> UInt64 {
        let s = sys
        switch index {
        case MSR.efer: return s.pointee.efer
        case MSR.star: return s.pointee.star
        case MSR.lstar: return s.pointee.lstar
        case MSR.cstar: return s.pointee.cstar
        case MSR.fmask: return s.pointee.fmask
        case MSR.fsBase: return state.pointee.fs_base
        case MSR.gsBase: return state.pointee.gs_base
        case MSR.kernelGSBase: return s.pointee.kernel_gs_base
        case MSR.tscAux: return s.pointee.tsc_aux
        case MSR.apicBase: return s.pointee.apic_base
        case MSR.pat: return s.pointee.pat
        case MSR.tsc: return mimic_host_tsc()
        case MSR.miscEnable: return 1  // fast strings
        default: throw .gp(0)
        }
    }

    /// WRMSR; returns whether the processor mode may have changed (EFER).
    public func writeMSR(_ index: UInt32, _ value: UInt64) throws(Fault) -> Bool {
        switch index {
        case MSR.efer:
            guard value & ~(EFER.writable | EFER.lma) == 0 else { throw .gp(0) }
            let old = sys.pointee.efer
            // LME cannot change while paging is on; LMA is the processor's to set.
            if sys.pointee.cr0 & CR0.pg != 0 && (value ^ old) & EFER.lme != 0 { throw .gp(0) }
            sys.pointee.efer = value & EFER.writable | old & EFER.lma
            if (value ^ old) & EFER.nxe != 0 { flushTLB() }
            updateTranslationFlags()
            return true
        case MSR.star: sys.pointee.star = value
        case MSR.lstar, MSR.cstar, MSR.fsBase, MSR.gsBase, MSR.kernelGSBase:
            guard isCanonical(value) else { throw .gp(0) }
            switch index {
            case MSR.lstar: sys.pointee.lstar = value
            case MSR.cstar: sys.pointee.cstar = value
            case MSR.fsBase: state.pointee.fs_base = value
            case MSR.gsBase: state.pointee.gs_base = value
            default: sys.pointee.kernel_gs_base = value
            }
        case MSR.fmask: sys.pointee.fmask = value & 0xFFFF_FFFF
        case MSR.tscAux: sys.pointee.tsc_aux = value & 0xFFFF_FFFF
        case MSR.apicBase: sys.pointee.apic_base = value
        case MSR.pat: sys.pointee.pat = value
        case MSR.miscEnable, MSR.tsc: break
        default: throw .gp(0)
        }
        return false
    }

    /// LGDT/LIDT: limit (2 bytes) then base (8 bytes in 64-bit mode, else 4; with a 16-bit
    /// operand size only 24 bits of it count).
    func loadDescriptorTable(interrupts: Bool, from address: UInt64, operandBytes: Int) throws(Fault) {
        let user = cpl == 3
        let limit = UInt32(try read(address, bytes: 2, user: user))
        var base = try read(address &+ 2, bytes: code64 ? 8 : 4, user: user)
        if code64 { guard isCanonical(base) else { throw .gp(0) } } else if operandBytes == 2 { base &= 0xFF_FFFF }
        if interrupts {
            sys.pointee.idt_base = base
            sys.pointee.idt_limit = limit
        } else {
            sys.pointee.gdt_base = base
            sys.pointee.gdt_limit = limit
        }
    }

    /// SGDT/SIDT.
    func storeDescriptorTable(interrupts: Bool, to address: UInt64) throws(Fault) {
        let user = cpl == 3
        let s = sys
        try write(address, bytes: 2, UInt64(interrupts ? s.pointee.idt_limit : s.pointee.gdt_limit), user: user)
        let base = interrupts ? s.pointee.idt_base : s.pointee.gdt_base
        try write(address &+ 2, bytes: code64 ? 8 : 4, base, user: user)
    }

    /// Port access at CPL > IOPL needs the TSS I/O permission bitmap to clear every bit of the
    /// access (SDM vol. 1, 19.5.2); anything else is #GP(0).
    func checkPortAccess(_ port: UInt16, bytes: Int) throws(Fault) {
        guard cpl > Int(rflags >> 12 & 3) else { return }
        let tss = segment(Int32(MIMIC_SEG_TR)).pointee
        guard tss.limit >= 0x67 else { throw .gp(0) }
        let bitmap = try readSystem(tss.base &+ 0x66, bytes: 2)
        let offset = bitmap + UInt64(port >> 3)
        guard offset + 1 <= UInt64(tss.limit) else { throw .gp(0) }
        let bits = try readSystem(tss.base &+ offset, bytes: 2)
        let mask = UInt64((1 << bytes) - 1) << UInt64(port & 7)
        guard bits & mask == 0 else { throw .gp(0) }
    }
}
