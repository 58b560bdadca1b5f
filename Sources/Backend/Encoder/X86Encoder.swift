/// An x86-64 assembler into a growable byte buffer. It knows nothing of the IR: the JIT, the
/// entry trampoline and the tests drive it one host instruction at a time.
///
/// Every instruction is laid out as the manual's "instruction format" figure:
/// legacy prefixes, REX (or VEX), opcode, ModRM, SIB, displacement, immediate.
public struct X86Encoder {
    /// The bytes assembled so far.
    public internal(set) var bytes: [UInt8]
    /// The number of host instructions emitted (padding included).
    public internal(set) var instructionCount = 0
    /// How many of them leave RFLAGS alone by definition: MOV, MOVZX/MOVSX/MOVSXD, and a Jcc
    /// to a label. When both counts grew by the same amount, the flags are those of before.
    public internal(set) var flagsKeepingCount = 0
    /// The absolute address `bytes[0]` will run at; `jmp(absolute:)` and `call(absolute:)` encode
    /// their rel32 against it.
    public var origin: UInt

    /// Label positions in `bytes`, -1 while unbound.
    var labelOffsets: [Int] = []
    /// Branches to labels not yet bound: where the displacement is and how wide it is.
    var fixups: [(at: Int, label: Int, short: Bool)] = []

    public init(origin: UInt = 0, capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
        self.origin = origin
    }

    /// The current position: where the next instruction starts.
    @inline(__always) public var offset: Int { bytes.count }

    /// Starts counting a new instruction.
    @inline(__always) mutating func begin() { instructionCount += 1 }

    // MARK: Raw bytes

    @inline(__always) mutating func byte(_ b: UInt8) { bytes.append(b) }

    @inline(__always) mutating func imm8(_ v: Int8) { bytes.append(UInt8(bitPattern: v)) }

    @inline(__always) mutating func imm16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
    }

    @inline(__always) mutating func imm32(_ v: Int32) {
        let u = UInt32(bitPattern: v)
        bytes.append(UInt8(truncatingIfNeeded: u))
        bytes.append(UInt8(truncatingIfNeeded: u >> 8))
        bytes.append(UInt8(truncatingIfNeeded: u >> 16))
        bytes.append(UInt8(truncatingIfNeeded: u >> 24))
    }

    @inline(__always) mutating func imm64(_ v: UInt64) {
        imm32(Int32(truncatingIfNeeded: v))
        imm32(Int32(truncatingIfNeeded: v >> 32))
    }

    /// An immediate of operand size, at most 32 bits (`iz` in the manual).
    @inline(__always) mutating func immZ(_ w: Width, _ v: Int32) {
        switch w {
        case .b8: imm8(Int8(truncatingIfNeeded: v))
        case .b16: imm16(UInt16(truncatingIfNeeded: v))
        case .b32, .b64: imm32(v)
        }
    }

    /// Overwrites a 32-bit field already emitted.
    public mutating func patch32(at position: Int, _ v: Int32) {
        let u = UInt32(bitPattern: v)
        for i in 0..<4 { bytes[position + i] = UInt8(truncatingIfNeeded: u >> (8 * UInt32(i))) }
    }

    // MARK: Prefixes, ModRM, SIB

    /// The prefixes up to the opcode: operand-size 66, a mandatory prefix, then REX when needed.
    /// `reg`, `index` and `base` are 4-bit register numbers (or a ModRM.reg opcode extension).
    @inline(__always)
    mutating func prefixes(_ w: Width, mandatory: UInt8, reg: UInt8, index: UInt8, base: UInt8, forceREX: Bool) {
        if w == .b16 { byte(0x66) }
        if mandatory != 0 { byte(mandatory) }
        let rex: UInt8 = (w == .b64 ? 8 : 0) | (reg >> 3) << 2 | (index >> 3) << 1 | (base >> 3)
        if rex != 0 || forceREX { byte(0x40 | rex) }
    }

    /// ModRM with a register operand in r/m (mod = 11).
    @inline(__always) mutating func modrm(reg: UInt8, rm: GPR) {
        byte(0xC0 | (reg & 7) << 3 | rm.low3)
    }

    /// ModRM, SIB and displacement for a memory operand.
    mutating func modrm(reg: UInt8, mem m: Mem) {
        let r = (reg & 7) << 3
        guard let base = m.base else {
            // No base: mod 00 with SIB base 101 means disp32 alone (plus the index, if any).
            byte(0x04 | r)
            byte(m.scaleBits << 6 | (m.index?.low3 ?? 4) << 3 | 5)
            imm32(m.disp)
            return
        }
        // rbp/r13 as base with mod 00 would mean "disp32, no base", so they always carry a disp.
        let mod: UInt8 = m.disp == 0 && base.low3 != 5 ? 0 : (Int32(Int8(truncatingIfNeeded: m.disp)) == m.disp ? 1 : 2)
        if m.index != nil || base.low3 == 4 {
            // rsp/r12 as base need a SIB byte: r/m 100 means "SIB follows".
            byte(mod << 6 | r | 4)
            byte(m.scaleBits << 6 | (m.index?.low3 ?? 4) << 3 | base.low3)
        } else {
            byte(mod << 6 | r | base.low3)
        }
        if mod == 1 { imm8(Int8(truncatingIfNeeded: m.disp)) } else if mod == 2 { imm32(m.disp) }
    }

    // MARK: Whole instructions

    /// `opcode` with ModRM naming a register in r/m. `opcode` is one to three bytes, most
    /// significant first (0x0FAF is 0F AF).
    @inline(__always)
    mutating func rr(_ w: Width, mandatory: UInt8 = 0, _ opcode: UInt32, reg: UInt8, rm: GPR,
                     byteReg: Bool = false, byteRM: Bool = false) {
        begin()
        let force = (byteReg && reg >= 4 && reg <= 7) || (byteRM && rm.byteNeedsREX)
        prefixes(w, mandatory: mandatory, reg: reg, index: 0, base: rm.rawValue, forceREX: force)
        opcodeBytes(opcode)
        modrm(reg: reg, rm: rm)
    }

    /// `opcode` with ModRM naming memory.
    @inline(__always)
    mutating func rm(_ w: Width, mandatory: UInt8 = 0, _ opcode: UInt32, reg: UInt8, mem: Mem, byteReg: Bool = false) {
        begin()
        let force = byteReg && reg >= 4 && reg <= 7
        prefixes(w, mandatory: mandatory, reg: reg, index: mem.index?.rawValue ?? 0,
                 base: mem.base?.rawValue ?? 0, forceREX: force)
        opcodeBytes(opcode)
        modrm(reg: reg, mem: mem)
    }

    @inline(__always) mutating func opcodeBytes(_ opcode: UInt32) {
        if opcode > 0xFFFF { byte(UInt8(truncatingIfNeeded: opcode >> 16)) }
        if opcode > 0xFF { byte(UInt8(truncatingIfNeeded: opcode >> 8)) }
        byte(UInt8(truncatingIfNeeded: opcode))
    }

    /// A one-byte opcode with the register in its low three bits (push, pop, bswap, mov imm).
    @inline(__always)
    mutating func opReg(_ w: Width, _ opcode: UInt32, _ r: GPR, byteRM: Bool = false) {
        begin()
        prefixes(w, mandatory: 0, reg: 0, index: 0, base: r.rawValue, forceREX: byteRM && r.byteNeedsREX)
        if opcode > 0xFF { byte(UInt8(truncatingIfNeeded: opcode >> 8)) }
        byte(UInt8(truncatingIfNeeded: opcode) | r.low3)
    }

    /// A VEX-encoded instruction of opcode map 0F38 (BMI1/BMI2), register operands only.
    /// `pp` is the implied prefix: 0 none, 1 = 66, 2 = F3, 3 = F2.
    mutating func vex0F38(_ w: Width, pp: UInt8, _ opcode: UInt8, reg: GPR, vvvv: GPR, rm: GPR) {
        begin()
        byte(0xC4)
        byte((~reg.high & 1) << 7 | 1 << 6 | (~rm.high & 1) << 5 | 0x02)
        byte((w == .b64 ? 0x80 : 0) | (~vvvv.rawValue & 0xF) << 3 | pp)
        byte(opcode)
        modrm(reg: reg.rawValue, rm: rm)
    }
}

extension Int64 {
    /// True when the value survives a round trip through a sign-extended imm32.
    @inline(__always) public var fitsInt32: Bool { Int64(Int32(truncatingIfNeeded: self)) == self }
}

extension Int32 {
    @inline(__always) var fitsInt8: Bool { Int32(Int8(truncatingIfNeeded: self)) == self }
}
