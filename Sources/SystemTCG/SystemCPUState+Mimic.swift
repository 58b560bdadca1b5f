import CCPU
import Lifter
import Machine

/// Conversions between the machine's CPU state and Mimic's own (`MimicCPUState` with its
/// system half), so every accelerator starts from and reports the same state.
extension SegmentRegister {
    init(_ s: MimicSegment) {
        let a = s.attributes
        self.init(selector: s.selector, base: s.base, limit: s.limit, type: UInt8(a & UInt16(MIMIC_SEG_TYPE)),
                  codeOrData: a & UInt16(MIMIC_SEG_S) != 0, dpl: UInt8(a >> UInt16(MIMIC_SEG_DPL_SHIFT) & 3),
                  present: a & UInt16(MIMIC_SEG_P) != 0, available: a & UInt16(MIMIC_SEG_AVL) != 0,
                  long: a & UInt16(MIMIC_SEG_L) != 0, defaultBig: a & UInt16(MIMIC_SEG_DB) != 0,
                  granularity: a & UInt16(MIMIC_SEG_G) != 0, unusable: a & UInt16(MIMIC_SEG_UNUSABLE) != 0)
    }

    var mimic: MimicSegment {
        var a = UInt16(type & 0xF)
        if codeOrData { a |= UInt16(MIMIC_SEG_S) }
        a |= UInt16(dpl & 3) << UInt16(MIMIC_SEG_DPL_SHIFT)
        if present { a |= UInt16(MIMIC_SEG_P) }
        if available { a |= UInt16(MIMIC_SEG_AVL) }
        if long { a |= UInt16(MIMIC_SEG_L) }
        if defaultBig { a |= UInt16(MIMIC_SEG_DB) }
        if granularity { a |= UInt16(MIMIC_SEG_G) }
        if unusable { a |= UInt16(MIMIC_SEG_UNUSABLE) }
        return MimicSegment(base: base, limit: limit, selector: selector, attributes: a)
    }
}

extension SystemCPUState {
    /// Reads the machine-visible state out of Mimic's CPU state.
    init(_ cpu: UnsafeMutablePointer<MimicCPUState>) {
        self.init()
        let view = SystemCPU(cpu)
        withUnsafeBytes(of: cpu.pointee.gpr) { raw in
            let r = raw.bindMemory(to: UInt64.self)
            gpr.rax = r[0]; gpr.rcx = r[1]; gpr.rdx = r[2]; gpr.rbx = r[3]
            gpr.rsp = r[4]; gpr.rbp = r[5]; gpr.rsi = r[6]; gpr.rdi = r[7]
            gpr.r8 = r[8]; gpr.r9 = r[9]; gpr.r10 = r[10]; gpr.r11 = r[11]
            gpr.r12 = r[12]; gpr.r13 = r[13]; gpr.r14 = r[14]; gpr.r15 = r[15]
        }
        rip = cpu.pointee.rip
        rflags = view.rflags
        let sys = cpu.pointee.sys
        withUnsafeBytes(of: sys.seg) { raw in
            let s = raw.bindMemory(to: MimicSegment.self)
            es = SegmentRegister(s[Int(MIMIC_SEG_ES)]); cs = SegmentRegister(s[Int(MIMIC_SEG_CS)])
            ss = SegmentRegister(s[Int(MIMIC_SEG_SS)]); ds = SegmentRegister(s[Int(MIMIC_SEG_DS)])
            fs = SegmentRegister(s[Int(MIMIC_SEG_FS)]); gs = SegmentRegister(s[Int(MIMIC_SEG_GS)])
            ldtr = SegmentRegister(s[Int(MIMIC_SEG_LDTR)]); tr = SegmentRegister(s[Int(MIMIC_SEG_TR)])
        }
        fs.base = cpu.pointee.fs_base
        gs.base = cpu.pointee.gs_base
        gdtr = DescriptorTableRegister(base: sys.gdt_base, limit: UInt16(truncatingIfNeeded: sys.gdt_limit))
        idtr = DescriptorTableRegister(base: sys.idt_base, limit: UInt16(truncatingIfNeeded: sys.idt_limit))
        cr0 = sys.cr0; cr2 = sys.cr2; cr3 = sys.cr3; cr4 = sys.cr4; cr8 = sys.cr8
        efer = sys.efer; apicBase = sys.apic_base
    }

    /// Puts this state into Mimic's CPU state (the CPL is CS's RPL, as after any CS load).
    func store(into cpu: UnsafeMutablePointer<MimicCPUState>) {
        let g = gpr
        withUnsafeMutableBytes(of: &cpu.pointee.gpr) { raw in
            let r = raw.bindMemory(to: UInt64.self)
            r[0] = g.rax; r[1] = g.rcx; r[2] = g.rdx; r[3] = g.rbx
            r[4] = g.rsp; r[5] = g.rbp; r[6] = g.rsi; r[7] = g.rdi
            r[8] = g.r8; r[9] = g.r9; r[10] = g.r10; r[11] = g.r11
            r[12] = g.r12; r[13] = g.r13; r[14] = g.r14; r[15] = g.r15
        }
        cpu.pointee.rip = rip
        let view = SystemCPU(cpu)
        view.rflags = rflags
        let segments = [es, cs, ss, ds, fs, gs, ldtr, tr]
        withUnsafeMutableBytes(of: &cpu.pointee.sys.seg) { raw in
            let s = raw.bindMemory(to: MimicSegment.self)
            for (i, segment) in segments.enumerated() { s[i] = segment.mimic }
        }
        cpu.pointee.fs_base = fs.base
        cpu.pointee.gs_base = gs.base
        cpu.pointee.sys.gdt_base = gdtr.base; cpu.pointee.sys.gdt_limit = UInt32(gdtr.limit)
        cpu.pointee.sys.idt_base = idtr.base; cpu.pointee.sys.idt_limit = UInt32(idtr.limit)
        cpu.pointee.sys.cr0 = cr0; cpu.pointee.sys.cr2 = cr2; cpu.pointee.sys.cr3 = cr3
        cpu.pointee.sys.cr4 = cr4; cpu.pointee.sys.cr8 = cr8
        cpu.pointee.sys.efer = efer; cpu.pointee.sys.apic_base = apicBase
        cpu.pointee.sys.cpl = UInt32(cs.selector & 3)
        view.resetSystemState()
    }
}
