extension SystemCPUState {
    /// A multi-line register dump in the layout of QEMU's `info registers`, for crash reports.
    public var dump: String {
        func h(_ v: UInt64, _ w: Int = 16) -> String {
            let s = String(v, radix: 16, uppercase: false)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        func seg(_ name: String, _ s: SegmentRegister) -> String {
            let attrs = "type=\(s.type) s=\(s.codeOrData ? 1 : 0) dpl=\(s.dpl) p=\(s.present ? 1 : 0) l=\(s.long ? 1 : 0) db=\(s.defaultBig ? 1 : 0) g=\(s.granularity ? 1 : 0)\(s.unusable ? " unusable" : "")"
            return "\(name) =\(h(UInt64(s.selector), 4)) \(h(s.base)) \(h(UInt64(s.limit), 8)) \(attrs)"
        }
        let g = gpr
        return """
        RAX=\(h(g.rax)) RBX=\(h(g.rbx)) RCX=\(h(g.rcx)) RDX=\(h(g.rdx))
        RSI=\(h(g.rsi)) RDI=\(h(g.rdi)) RBP=\(h(g.rbp)) RSP=\(h(g.rsp))
        R8 =\(h(g.r8)) R9 =\(h(g.r9)) R10=\(h(g.r10)) R11=\(h(g.r11))
        R12=\(h(g.r12)) R13=\(h(g.r13)) R14=\(h(g.r14)) R15=\(h(g.r15))
        RIP=\(h(rip)) RFL=\(h(rflags, 8)) CPL=\(cs.selector & 3)
        \(seg("ES", es))
        \(seg("CS", cs))
        \(seg("SS", ss))
        \(seg("DS", ds))
        \(seg("FS", fs))
        \(seg("GS", gs))
        \(seg("LDT", ldtr))
        \(seg("TR", tr))
        GDT=     \(h(gdtr.base)) \(h(UInt64(gdtr.limit), 8))
        IDT=     \(h(idtr.base)) \(h(UInt64(idtr.limit), 8))
        CR0=\(h(cr0, 8)) CR2=\(h(cr2)) CR3=\(h(cr3)) CR4=\(h(cr4, 8))
        EFER=\(h(efer))
        """
    }
}
