/// An x86-64 assembler. It knows nothing of the IR: the JIT, the entry trampoline and the tests
/// drive it one host instruction at a time.
///
/// It writes either into memory of its own (`init(origin:capacity:)`, read back as `bytes`)
/// or straight into a code buffer's writable view (the JIT's way: no copy afterwards). Labels
/// and pending branches live in an `EncoderStorage`, which the JIT reuses for every block.
///
/// Every instruction is laid out as the manual's "instruction format" figure:
/// legacy prefixes, REX (or VEX), opcode, ModRM, SIB, displacement, immediate.
public struct X86Encoder {
    /// Where the bytes go: the storage's own memory, or a code buffer's.
    @usableFromInline var code: UnsafeMutablePointer<UInt8>
    /// The current position: where the next instruction starts.
    public private(set) var offset = 0
    /// Bytes `code` has room for.
    @usableFromInline var limit: Int
    /// True while `code` is memory the encoder was given (a code buffer), not the storage's.
    public private(set) var writesInPlace: Bool
    let storage: EncoderStorage
    /// The number of host instructions emitted (padding included).
    public internal(set) var instructionCount = 0
    /// How many of them leave RFLAGS alone by definition: MOV, MOVZX/MOVSX/MOVSXD, and a Jcc
    /// to a label. When both counts grew by the same amount, the flags are those of before.
    public internal(set) var flagsKeepingCount = 0
    /// The absolute address byte 0 will run at; `jmp(absolute:)` and `call(absolute:)` encode
    /// their rel32 against it.
    public var origin: UInt

    /// Label positions (-1 while unbound), a copy of the storage's pointer.
    var labelOffsets: UnsafeMutablePointer<Int32>
    var labelCount = 0
    var labelCapacity: Int
    /// Branches to labels not yet bound.
    var fixups: UnsafeMutablePointer<Fixup>
    var fixupCount = 0
    var fixupCapacity: Int

    /// A branch whose displacement waits for its label: where the displacement is, how wide.
    struct Fixup {
        var at: Int32
        var label: Int32
        var short: Bool
    }

    /// An encoder with memory of its own.
    public init(origin: UInt = 0, capacity: Int = 1024) {
        storage = EncoderStorage(bytes: capacity)
        code = storage.bytes
        limit = storage.byteCapacity
        writesInPlace = false
        labelOffsets = storage.labels
        labelCapacity = storage.labelCapacity
        fixups = storage.fixups
        fixupCapacity = storage.fixupCapacity
        self.origin = origin
    }

    /// An encoder that writes at `destination` (at most `capacity` bytes; past that it goes on
    /// in `storage`'s memory and `writesInPlace` turns false) and keeps its labels in `storage`.
    init(origin: UInt, destination: UnsafeMutableRawPointer, capacity: Int, storage: EncoderStorage) {
        self.storage = storage
        code = destination.assumingMemoryBound(to: UInt8.self)
        limit = capacity
        writesInPlace = true
        labelOffsets = storage.labels
        labelCapacity = storage.labelCapacity
        fixups = storage.fixups
        fixupCapacity = storage.fixupCapacity
        self.origin = origin
    }

    /// The bytes assembled so far.
    public var bytes: [UInt8] { [UInt8](UnsafeBufferPointer(start: code, count: offset)) }

    /// Starts counting a new instruction.
    @inline(__always) mutating func begin() { instructionCount += 1 }

    // MARK: Raw bytes

    /// Makes room for `count` more bytes.
    @inline(__always) mutating func reserve(_ count: Int) {
        if _slowPath(offset + count > limit) { grow(count) }
    }

    @inline(never) mutating func grow(_ count: Int) {
        let needed = offset + count
        if writesInPlace {
            // The destination is full: go on in memory of our own; the caller finds out from
            // `writesInPlace` that the code did not fit.
            storage.growBytes(to: needed)
            storage.bytes.update(from: code, count: offset)
            writesInPlace = false
        } else {
            storage.growBytes(to: needed, keeping: offset)
        }
        code = storage.bytes
        limit = storage.byteCapacity
    }

    @inline(__always) mutating func byte(_ b: UInt8) {
        reserve(1)
        code[offset] = b
        offset += 1
    }

    @inline(__always) mutating func imm8(_ v: Int8) { byte(UInt8(bitPattern: v)) }

    @inline(__always) mutating func imm16(_ v: UInt16) {
        reserve(2)
        UnsafeMutableRawPointer(code + offset).storeBytes(of: v.littleEndian, as: UInt16.self)
        offset += 2
    }

    @inline(__always) mutating func imm32(_ v: Int32) {
        reserve(4)
        UnsafeMutableRawPointer(code + offset).storeBytes(of: v.littleEndian, as: Int32.self)
        offset += 4
    }

    @inline(__always) mutating func imm64(_ v: UInt64) {
        reserve(8)
        UnsafeMutableRawPointer(code + offset).storeBytes(of: v.littleEndian, as: UInt64.self)
        offset += 8
    }

    /// `count` bytes copied from `source`.
    mutating func append(_ source: UnsafeRawBufferPointer) {
        reserve(source.count)
        if let base = source.baseAddress { UnsafeMutableRawPointer(code + offset).copyMemory(from: base, byteCount: source.count) }
        offset += source.count
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
        precondition(position >= 0 && position + 4 <= offset, "patch outside the code")
        UnsafeMutableRawPointer(code + position).storeBytes(of: v.littleEndian, as: Int32.self)
    }

    /// Overwrites a byte already emitted.
    mutating func patch8(at position: Int, _ v: UInt8) {
        precondition(position >= 0 && position < offset, "patch outside the code")
        code[position] = v
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

/// The memory an encoder grows into: its bytes when it has no destination of its own, its
/// labels and its pending branches. The JIT keeps one for every block it compiles, so a block
/// allocates nothing here once the first few have grown it.
public final class EncoderStorage {
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private(set) var byteCapacity: Int
    private(set) var labels: UnsafeMutablePointer<Int32>
    private(set) var labelCapacity: Int
    private(set) var fixups: UnsafeMutablePointer<X86Encoder.Fixup>
    private(set) var fixupCapacity: Int

    public init(bytes: Int = 1024) {
        byteCapacity = max(bytes, 64)
        self.bytes = .allocate(capacity: byteCapacity)
        labelCapacity = 64
        labels = .allocate(capacity: labelCapacity)
        fixupCapacity = 64
        fixups = .allocate(capacity: fixupCapacity)
    }

    deinit {
        bytes.deallocate()
        labels.deallocate()
        fixups.deallocate()
    }

    /// Room for at least `count` bytes; the first `used` bytes are kept.
    func growBytes(to count: Int, keeping used: Int = 0) {
        guard count > byteCapacity else { return }
        let capacity = max(count, byteCapacity * 2)
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        new.update(from: bytes, count: min(used, byteCapacity))
        bytes.deallocate()
        bytes = new
        byteCapacity = capacity
    }

    func growLabels(keeping used: Int) {
        let capacity = labelCapacity * 2
        let new = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        new.update(from: labels, count: used)
        labels.deallocate()
        labels = new
        labelCapacity = capacity
    }

    func growFixups(keeping used: Int) {
        let capacity = fixupCapacity * 2
        let new = UnsafeMutablePointer<X86Encoder.Fixup>.allocate(capacity: capacity)
        new.update(from: fixups, count: used)
        fixups.deallocate()
        fixups = new
        fixupCapacity = capacity
    }
}
