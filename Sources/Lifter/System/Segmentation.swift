import CCPU

/// A segment descriptor as it sits in the GDT or LDT (SDM vol. 3, 3.4.5).
struct Descriptor {
    var low: UInt64
    /// The second quadword of a 16-byte system descriptor in long mode (bits 63:32 of the base).
    var high: UInt64 = 0

    var base: UInt64 { (low >> 16 & 0xFF_FFFF) | (low >> 56 & 0xFF) << 24 }
    var limit: UInt32 {
        let raw = UInt32(low & 0xFFFF) | UInt32(low >> 48 & 0xF) << 16
        return granularity ? raw << 12 | 0xFFF : raw
    }
    /// Access byte and flags nibble, as `MimicSegment.attributes` keeps them.
    var attributes: UInt16 { UInt16(low >> 40 & 0xFF) | UInt16(low >> 52 & 0xF) << 8 }
    var type: UInt8 { UInt8(low >> 40 & 0xF) }
    var isCodeOrData: Bool { low & 1 << 44 != 0 }
    var dpl: Int { Int(low >> 45 & 3) }
    var present: Bool { low & 1 << 47 != 0 }
    var long: Bool { low & 1 << 53 != 0 }
    var defaultBig: Bool { low & 1 << 54 != 0 }
    var granularity: Bool { low & 1 << 55 != 0 }

    var isCode: Bool { isCodeOrData && type & 8 != 0 }
    var isConforming: Bool { isCode && type & 4 != 0 }
    var isWritableData: Bool { isCodeOrData && type & 8 == 0 && type & 2 != 0 }
    var isReadable: Bool { isCodeOrData && (type & 8 == 0 || type & 2 != 0) }

    /// The segment register contents for `selector` with this descriptor.
    func segment(_ selector: UInt16) -> MimicSegment {
        MimicSegment(base: base | (isCodeOrData ? 0 : (high & 0xFFFF_FFFF) << 32), limit: limit, selector: selector,
                     attributes: attributes)
    }
}

/// Selector loads and the descriptor checks of MOV/POP to a segment register, far JMP/CALL/RET,
/// LTR and LLDT (SDM vol. 3, chapter 5; the instruction pages of vol. 2).
extension SystemCPU {
    /// Reads the descriptor `selector` names. #GP(selector) when it lies past the table's limit
    /// (or names the LDT when none is loaded). `wide` reads the 16-byte form of system descriptors.
    func descriptor(_ selector: UInt16, wide: Bool = false) throws(Fault) -> (Descriptor, address: UInt64) {
        let index = UInt64(selector & 0xFFF8)
        let bytes: UInt64 = wide ? 16 : 8
        let base: UInt64, limit: UInt64
        if selector & 4 != 0 {
            let ldt = segment(Int32(MIMIC_SEG_LDTR)).pointee
            guard ldt.attributes & UInt16(MIMIC_SEG_UNUSABLE) == 0, ldt.selector & 0xFFFC != 0 else { throw .gp(UInt64(selector & 0xFFFC)) }
            (base, limit) = (ldt.base, UInt64(ldt.limit))
        } else {
            (base, limit) = (sys.pointee.gdt_base, UInt64(sys.pointee.gdt_limit))
        }
        guard index + bytes - 1 <= limit else { throw .gp(UInt64(selector & 0xFFFC)) }
        let address = base &+ index
        var d = Descriptor(low: try readSystem(address, bytes: 8))
        if wide { d.high = try readSystem(address &+ 8, bytes: 8) }
        return (d, address)
    }

    /// Sets the descriptor's accessed bit in memory, as the processor does when it loads one.
    func markAccessed(_ d: Descriptor, at address: UInt64) throws(Fault) {
        guard d.isCodeOrData, d.type & 1 == 0 else { return }
        try writeSystem(address &+ 5, bytes: 1, (d.low >> 40 & 0xFF) | 1)
    }

    /// MOV/POP to DS, ES, FS, GS or SS: checks the descriptor and loads the register. FS and GS
    /// bases go to the CPU state's fs_base/gs_base.
    func loadDataSegment(_ index: Int32, _ selector: UInt16) throws(Fault) {
        let rpl = Int(selector & 3)
        let code = UInt64(selector & 0xFFFC)
        if selector & 0xFFFC == 0 {
            if index == Int32(MIMIC_SEG_SS) {
                // A null SS exists only in 64-bit mode below CPL 3, with RPL = CPL.
                guard code64, cpl != 3, rpl == cpl else { throw .gp(0) }
            }
            setSegment(index, MimicSegment(base: 0, limit: 0, selector: selector, attributes: UInt16(MIMIC_SEG_UNUSABLE)))
            return
        }
        let (d, address) = try descriptor(selector)
        if index == Int32(MIMIC_SEG_SS) {
            guard rpl == cpl, d.isWritableData, d.dpl == cpl else { throw .gp(code) }
            guard d.present else { throw .ss(code) }
        } else {
            guard d.isReadable else { throw .gp(code) }
            if !d.isConforming { guard max(rpl, cpl) <= d.dpl else { throw .gp(code) } }
            guard d.present else { throw .np(code) }
        }
        try markAccessed(d, at: address)
        var loaded = d.segment(selector)
        loaded.attributes |= 1  // accessed
        setSegment(index, loaded)
    }

    /// Writes a segment register; FS and GS bases live in the IR's globals.
    func setSegment(_ index: Int32, _ value: MimicSegment) {
        segment(index).pointee = value
        if index == Int32(MIMIC_SEG_FS) { state.pointee.fs_base = value.base }
        if index == Int32(MIMIC_SEG_GS) { state.pointee.gs_base = value.base }
    }

    /// The code segment a far JMP or CALL to `selector` loads, at the current privilege (call
    /// gates and task switches are not supported: #GP(selector)).
    func codeSegmentForTransfer(_ selector: UInt16) throws(Fault) -> MimicSegment {
        guard selector & 0xFFFC != 0 else { throw .gp(0) }
        let code = UInt64(selector & 0xFFFC)
        let (d, address) = try descriptor(selector)
        guard d.isCode else { throw .gp(code) }
        if d.isConforming {
            guard d.dpl <= cpl else { throw .gp(code) }
        } else {
            guard Int(selector & 3) <= cpl, d.dpl == cpl else { throw .gp(code) }
        }
        guard d.present else { throw .np(code) }
        try markAccessed(d, at: address)
        var loaded = d.segment(selector & 0xFFFC | UInt16(cpl))
        loaded.attributes |= 1
        return loaded
    }

    /// Loads CS and rip; the new code segment may change the operand size and 64-bit mode.
    func jump(to cs: MimicSegment, offset: UInt64) throws(Fault) {
        let to64 = longMode && cs.attributes & UInt16(MIMIC_SEG_L) != 0
        if to64 {
            guard isCanonical(offset) else { throw .gp(0) }
        } else {
            guard offset <= UInt64(cs.limit) else { throw .gp(0) }
        }
        segment(Int32(MIMIC_SEG_CS)).pointee = cs
        state.pointee.rip = to64 ? offset : offset & 0xFFFF_FFFF
        updateTranslationFlags()
    }

    /// Far JMP.
    func farJump(selector: UInt16, offset: UInt64) throws(Fault) {
        try jump(to: try codeSegmentForTransfer(selector), offset: offset)
    }

    /// Far CALL to the same privilege: pushes CS and the return address (`bytes` each), then jumps.
    func farCall(selector: UInt16, offset: UInt64, returnAddress: UInt64, bytes: Int) throws(Fault) {
        let target = try codeSegmentForTransfer(selector)
        let oldCS = UInt64(segment(Int32(MIMIC_SEG_CS)).pointee.selector)
        let user = cpl == 3
        var sp = stackPointer
        sp = stackAddress(sp &- UInt64(bytes))
        try write(sp, bytes: bytes, oldCS, user: user)
        sp = stackAddress(sp &- UInt64(bytes))
        try write(sp, bytes: bytes, returnAddress, user: user)
        try jump(to: target, offset: offset)
        stackPointer = sp
    }

    /// Far RET to the same privilege level (returns to an outer level are not supported: #GP).
    func farReturn(bytes: Int, release: UInt64) throws(Fault) {
        let user = cpl == 3
        let sp = stackPointer
        let offset = try read(stackAddress(sp), bytes: bytes, user: user)
        let selector = UInt16(truncatingIfNeeded: try read(stackAddress(sp &+ UInt64(bytes)), bytes: bytes, user: user))
        guard selector & 0xFFFC != 0 else { throw .gp(0) }
        guard Int(selector & 3) == cpl else { throw .gp(UInt64(selector & 0xFFFC)) }
        try jump(to: try codeSegmentForTransfer(selector), offset: offset)
        stackPointer = stackAddress(sp &+ UInt64(2 * bytes) &+ release)
    }

    /// LTR: an available TSS descriptor in the GDT, marked busy.
    func loadTaskRegister(_ selector: UInt16) throws(Fault) {
        let code = UInt64(selector & 0xFFFC)
        guard selector & 0xFFFC != 0, selector & 4 == 0 else { throw .gp(code) }
        let (d, address) = try descriptor(selector, wide: longMode)
        // Type 9: available 32-bit (in long mode, 64-bit) TSS; 1 is the 16-bit one.
        guard !d.isCodeOrData, d.type == 9 || (!longMode && d.type == 1) else { throw .gp(code) }
        guard d.present else { throw .np(code) }
        try writeSystem(address &+ 5, bytes: 1, (d.low >> 40 & 0xFF) | 2)
        var loaded = d.segment(selector)
        loaded.attributes |= 2
        segment(Int32(MIMIC_SEG_TR)).pointee = loaded
    }

    /// LLDT: an LDT descriptor in the GDT, or a null selector (no LDT).
    func loadLocalDescriptorTable(_ selector: UInt16) throws(Fault) {
        let code = UInt64(selector & 0xFFFC)
        guard selector & 0xFFFC != 0 else {
            segment(Int32(MIMIC_SEG_LDTR)).pointee = MimicSegment(base: 0, limit: 0, selector: 0, attributes: UInt16(MIMIC_SEG_UNUSABLE))
            return
        }
        guard selector & 4 == 0 else { throw .gp(code) }
        let (d, _) = try descriptor(selector, wide: longMode)
        guard !d.isCodeOrData, d.type == 2 else { throw .gp(code) }
        guard d.present else { throw .np(code) }
        segment(Int32(MIMIC_SEG_LDTR)).pointee = d.segment(selector)
    }

    // MARK: The stack as the processor's own pushes and pops see it

    /// RSP, or ESP outside 64-bit mode.
    var stackPointer: UInt64 {
        get { code64 ? gpr[Int(MIMIC_RSP)] : gpr[Int(MIMIC_RSP)] & 0xFFFF_FFFF }
        nonmutating set {
            gpr[Int(MIMIC_RSP)] = code64 ? newValue : gpr[Int(MIMIC_RSP)] & ~0xFFFF_FFFF | newValue & 0xFFFF_FFFF
        }
    }

    func stackAddress(_ sp: UInt64) -> UInt64 { code64 ? sp : sp & 0xFFFF_FFFF }
}
