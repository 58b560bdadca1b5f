/// Control flow: labels with fixups, Jcc/JMP/CALL, RET, and the one-byte oddities.
extension X86Encoder {
    public mutating func newLabel() -> Label {
        if _slowPath(labelCount == labelCapacity) {
            storage.growLabels(keeping: labelCount)
            labelOffsets = storage.labels
            labelCapacity = storage.labelCapacity
        }
        labelOffsets[labelCount] = -1
        labelCount += 1
        return Label(id: labelCount - 1)
    }

    /// Binds `label` here and resolves the branches already waiting for it.
    public mutating func bind(_ label: Label) {
        labelOffsets[label.id] = Int32(offset)
        var i = 0
        while i < fixupCount {
            let f = fixups[i]
            if f.label == Int32(label.id) {
                let at = Int(f.at)
                if f.short {
                    let rel = offset - (at + 1)
                    precondition(rel <= Int(Int8.max), "short branch out of range")
                    patch8(at: at, UInt8(bitPattern: Int8(rel)))
                } else {
                    patch32(at: at, Int32(offset - (at + 4)))
                }
                fixupCount -= 1
                fixups[i] = fixups[fixupCount]
            } else {
                i += 1
            }
        }
    }

    public func isBound(_ label: Label) -> Bool { labelOffsets[label.id] >= 0 }

    /// Where `label` was bound.
    public func offset(of label: Label) -> Int { Int(labelOffsets[label.id]) }

    /// Jcc to a label: rel8 (70+cc) when the label is behind and near, or when `short` is asked
    /// for a forward label known to be near; else rel32 (0F 80+cc).
    public mutating func jcc(_ cc: ConditionCode, _ label: Label, short: Bool = false) {
        flagsKeepingCount += 1
        branch(label, short: short, rel8Opcode: 0x70 | UInt32(cc.rawValue), rel32Opcode: 0x0F80 | UInt32(cc.rawValue))
    }

    /// JMP to a label: EB rel8 or E9 rel32.
    public mutating func jmp(_ label: Label, short: Bool = false) {
        branch(label, short: short, rel8Opcode: 0xEB, rel32Opcode: 0xE9)
    }

    private mutating func branch(_ label: Label, short: Bool, rel8Opcode: UInt32, rel32Opcode: UInt32) {
        begin()
        let target = Int(labelOffsets[label.id])
        if target >= 0 {
            let rel8 = target - (offset + 2)
            if rel8 >= Int(Int8.min) {
                opcodeBytes(rel8Opcode)
                imm8(Int8(rel8))
            } else {
                opcodeBytes(rel32Opcode)
                imm32(Int32(target - (offset + 4)))
            }
        } else if short {
            opcodeBytes(rel8Opcode)
            addFixup(label, short: true)
            byte(0)
        } else {
            opcodeBytes(rel32Opcode)
            addFixup(label, short: false)
            imm32(0)
        }
    }

    private mutating func addFixup(_ label: Label, short: Bool) {
        if _slowPath(fixupCount == fixupCapacity) {
            storage.growFixups(keeping: fixupCount)
            fixups = storage.fixups
            fixupCapacity = storage.fixupCapacity
        }
        fixups[fixupCount] = Fixup(at: Int32(offset), label: Int32(label.id), short: short)
        fixupCount += 1
    }

    /// JMP rel32 to an absolute address (relative to `origin`). Returns the offset of the rel32
    /// field, for patching.
    @discardableResult
    public mutating func jmp(absolute target: UInt) -> Int {
        begin()
        byte(0xE9)
        let field = offset
        imm32(Int32(truncatingIfNeeded: Int(bitPattern: target) - Int(bitPattern: origin) - (offset + 4)))
        return field
    }

    /// Jcc rel32 to an absolute address.
    public mutating func jcc(_ cc: ConditionCode, absolute target: UInt) {
        begin()
        opcodeBytes(0x0F80 | UInt32(cc.rawValue))
        imm32(Int32(truncatingIfNeeded: Int(bitPattern: target) - Int(bitPattern: origin) - (offset + 4)))
    }

    /// CALL rel32 to an absolute address.
    public mutating func call(absolute target: UInt) {
        begin()
        byte(0xE8)
        imm32(Int32(truncatingIfNeeded: Int(bitPattern: target) - Int(bitPattern: origin) - (offset + 4)))
    }

    /// True when a rel32 from anywhere in `[origin, origin + span)` reaches `target`.
    public func reaches(_ target: UInt, span: Int) -> Bool {
        let distance = Int(bitPattern: target) - Int(bitPattern: origin)
        return distance - span > Int(Int32.min) && distance + span < Int(Int32.max)
    }

    /// CALL r64 (FF /2).
    public mutating func call(_ r: GPR) { rr(.b32, 0xFF, reg: 2, rm: r) }

    /// CALL m64 (FF /2).
    public mutating func call(_ m: Mem) { rm(.b32, 0xFF, reg: 2, mem: m) }

    /// JMP r64 (FF /4).
    public mutating func jmp(_ r: GPR) { rr(.b32, 0xFF, reg: 4, rm: r) }

    /// JMP m64 (FF /4).
    public mutating func jmp(_ m: Mem) { rm(.b32, 0xFF, reg: 4, mem: m) }

    public mutating func ret() { begin(); byte(0xC3) }

    public mutating func int3() { begin(); byte(0xCC) }

    public mutating func ud2() { begin(); byte(0x0F); byte(0x0B) }

    public mutating func cpuid() { begin(); byte(0x0F); byte(0xA2) }

    /// Pads with NOPs until `offset % alignment == remainder`: as few as can be, each of the
    /// longest recommended form (SDM Vol. 2B, NOP: "Recommended Multi-Byte Sequence of NOP
    /// Instruction"), since padding before a patchable jump runs on the chained path.
    public mutating func align(_ alignment: Int, remainder: Int = 0) {
        var padding = ((remainder - offset % alignment) % alignment + alignment) % alignment
        while padding > 0 {
            let length = min(padding, 9)
            nop(length: length)
            padding -= length
        }
    }

    /// One NOP of `length` (1...9) bytes: 90, 66 90, or 0F 1F /0 with the memory operand the
    /// manual's table gives for that length.
    mutating func nop(length: Int) {
        begin()
        switch length {
        case 1: byte(0x90)
        case 2: byte(0x66); byte(0x90)
        case 3: byte(0x0F); byte(0x1F); byte(0x00)
        case 4: byte(0x0F); byte(0x1F); byte(0x40); byte(0x00)
        case 5: byte(0x0F); byte(0x1F); byte(0x44); byte(0x00); byte(0x00)
        case 6: byte(0x66); byte(0x0F); byte(0x1F); byte(0x44); byte(0x00); byte(0x00)
        case 7: byte(0x0F); byte(0x1F); byte(0x80); imm32(0)
        case 8: byte(0x0F); byte(0x1F); byte(0x84); byte(0x00); imm32(0)
        default: byte(0x66); byte(0x0F); byte(0x1F); byte(0x84); byte(0x00); imm32(0)
        }
    }
}
