import CKVM
import Machine

/// Conversions between the machine's CPU state and KVM's kvm_regs / kvm_sregs.
extension SegmentRegister {
    init(_ k: kvm_segment) {
        self.init(selector: k.selector, base: k.base, limit: k.limit, type: k.type, codeOrData: k.s != 0,
                  dpl: k.dpl, present: k.present != 0, available: k.avl != 0, long: k.l != 0,
                  defaultBig: k.db != 0, granularity: k.g != 0, unusable: k.unusable != 0)
    }

    var kvm: kvm_segment {
        var k = kvm_segment()
        k.base = base; k.limit = limit; k.selector = selector; k.type = type
        k.present = present ? 1 : 0; k.dpl = dpl; k.db = defaultBig ? 1 : 0; k.s = codeOrData ? 1 : 0
        k.l = long ? 1 : 0; k.g = granularity ? 1 : 0; k.avl = available ? 1 : 0; k.unusable = unusable ? 1 : 0
        return k
    }
}

extension DescriptorTableRegister {
    init(_ k: kvm_dtable) { self.init(base: k.base, limit: k.limit) }
    var kvm: kvm_dtable {
        var k = kvm_dtable()
        k.base = base; k.limit = limit
        return k
    }
}

extension SystemCPUState {
    init(regs r: kvm_regs, sregs s: kvm_sregs) {
        self.init()
        gpr.rax = r.rax; gpr.rbx = r.rbx; gpr.rcx = r.rcx; gpr.rdx = r.rdx
        gpr.rsi = r.rsi; gpr.rdi = r.rdi; gpr.rsp = r.rsp; gpr.rbp = r.rbp
        gpr.r8 = r.r8; gpr.r9 = r.r9; gpr.r10 = r.r10; gpr.r11 = r.r11
        gpr.r12 = r.r12; gpr.r13 = r.r13; gpr.r14 = r.r14; gpr.r15 = r.r15
        rip = r.rip; rflags = r.rflags
        cs = SegmentRegister(s.cs); ds = SegmentRegister(s.ds); es = SegmentRegister(s.es)
        fs = SegmentRegister(s.fs); gs = SegmentRegister(s.gs); ss = SegmentRegister(s.ss)
        tr = SegmentRegister(s.tr); ldtr = SegmentRegister(s.ldt)
        gdtr = DescriptorTableRegister(s.gdt); idtr = DescriptorTableRegister(s.idt)
        cr0 = s.cr0; cr2 = s.cr2; cr3 = s.cr3; cr4 = s.cr4; cr8 = s.cr8
        efer = s.efer; apicBase = s.apic_base
    }

    var kvmRegs: kvm_regs {
        var r = kvm_regs()
        r.rax = gpr.rax; r.rbx = gpr.rbx; r.rcx = gpr.rcx; r.rdx = gpr.rdx
        r.rsi = gpr.rsi; r.rdi = gpr.rdi; r.rsp = gpr.rsp; r.rbp = gpr.rbp
        r.r8 = gpr.r8; r.r9 = gpr.r9; r.r10 = gpr.r10; r.r11 = gpr.r11
        r.r12 = gpr.r12; r.r13 = gpr.r13; r.r14 = gpr.r14; r.r15 = gpr.r15
        r.rip = rip; r.rflags = rflags
        return r
    }

    func store(into s: inout kvm_sregs) {
        s.cs = cs.kvm; s.ds = ds.kvm; s.es = es.kvm; s.fs = fs.kvm; s.gs = gs.kvm; s.ss = ss.kvm
        s.tr = tr.kvm; s.ldt = ldtr.kvm
        s.gdt = gdtr.kvm; s.idt = idtr.kvm
        s.cr0 = cr0; s.cr2 = cr2; s.cr3 = cr3; s.cr4 = cr4; s.cr8 = cr8
        s.efer = efer; s.apic_base = apicBase
    }
}
