/// The processor mode code is decoded in: default operand and address sizes, and whether REX
/// exists (64-bit) or 0x40-0x4F are INC/DEC (32-bit).
public enum CPUMode: UInt8, Sendable {
    case long64
    case protected32
}

/// Decodes x86 machine code into `Instruction`s.
public struct Decoder: Sendable {
    public var mode: CPUMode
    /// Held here so that a decode does not go through the shared instance's lazy initialization.
    unowned(unsafe) let tables: DecodeTables

    public init(mode: CPUMode = .long64) {
        self.mode = mode
        tables = DecodeTables.shared
    }

    /// Decodes the instruction at the start of `bytes`, which sits at guest `address`.
    /// Returns nil when `bytes` ends before the instruction does (the caller raises a fetch
    /// fault); an invalid encoding decodes to mnemonic `.undefined`, as does one longer than the
    /// architectural limit of 15 bytes.
    public func decode(_ bytes: UnsafeRawBufferPointer, address: UInt64) -> Instruction? {
        var insn = Instruction(mnemonic: .undefined, address: address, length: 0)
        return decode(bytes, address: address, into: &insn) ? insn : nil
    }

    /// Decodes into `insn` (which a translator keeps and reuses: an `Instruction` is large, and
    /// returning one copies it). False when `bytes` ends before the instruction does; `insn`
    /// then holds nothing meaningful.
    public func decode(_ bytes: UnsafeRawBufferPointer, address: UInt64, into insn: inout Instruction) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return false }
        return withUnsafeMutablePointer(to: &insn) { insn in
            var state = DecodeState(bytes: base.assumingMemoryBound(to: UInt8.self), count: bytes.count,
                                    mode64: mode == .long64, tables: tables, address: address, into: insn)
            return state.run()
        }
    }

    /// Decodes from a byte array (tests, tools).
    public func decode(_ bytes: [UInt8], address: UInt64 = 0) -> Instruction? {
        bytes.withUnsafeBytes { decode($0, address: address) }
    }
}

/// Why byte fetching stopped.
private enum FetchFault: UInt8 {
    case none, ranOut, tooLong
}

/// The working state of one decode: cursor, prefixes, and the fields of REX/VEX/EVEX and ModRM.
/// Lives on the stack; tables are reached through raw pointers.
struct DecodeState {
    let bytes: UnsafePointer<UInt8>
    let count: Int
    let mode64: Bool
    /// The tables live for the process: reached without reference counting.
    unowned(unsafe) let tables: DecodeTables
    var pos = 0
    private var fault = FetchFault.none

    // Legacy prefixes.
    var opsize = false, addrsize = false, lock = false, opsizeRepeated = false
    var repByte: UInt8 = 0           // the last of F2/F3
    var segment: Segment?
    var lastSegmentByte: UInt8 = 0
    var rex: UInt8 = 0

    // REX / VEX / EVEX fields, unified.
    var w = false, r: UInt8 = 0, x: UInt8 = 0, b: UInt8 = 0
    var rPrime: UInt8 = 0, vPrime: UInt8 = 0
    var vex = false, evex = false
    var vvvv: UInt8 = 0, vexL: UInt8 = 0, pp: UInt8 = 0
    var aaa: UInt8 = 0, zeroing = false, evexB = false

    // ModRM and the memory operand it names.
    var hasModRM = false
    var modrm: UInt8 = 0
    var memory = MemoryOperand(base: nil, index: nil, scale: 1, displacement: 0, segment: nil, bytes: 0, addressBytes: 8)
    var dispSize = 0

    var osize: UInt8 = 4, asize: UInt8 = 8, vl: UInt16 = 16
    /// The instruction being decoded, in the caller's storage.
    let out: UnsafeMutablePointer<Instruction>
    var inst: Instruction {
        unsafeAddress { UnsafePointer(out) }
        nonmutating unsafeMutableAddress { out }
    }

    init(bytes: UnsafePointer<UInt8>, count: Int, mode64: Bool, tables: DecodeTables, address: UInt64,
         into out: UnsafeMutablePointer<Instruction>) {
        self.bytes = bytes
        self.count = count
        self.mode64 = mode64
        self.tables = tables
        self.out = out
        out.pointee = Instruction(mnemonic: .undefined, address: address, length: 0)
    }

    var mod: UInt8 { modrm >> 6 }
    var regField: UInt8 { (modrm >> 3) & 7 }
    var rmField: UInt8 { modrm & 7 }
    var rmIsRegister: Bool { modrm >= 0xC0 }

    /// How far bytes may be read: the end of the code or the 15-byte limit, whichever is first.
    var limit: Int { min(count, 15) }

    @inline(__always)
    mutating func next() -> UInt8 {
        guard pos < limit else {
            nextFailed()
            return 0
        }
        let v = bytes[pos]
        pos += 1
        return v
    }

    mutating func nextFailed() {
        if pos >= 15 {
            if fault == .none { fault = pos < count ? .tooLong : .ranOut }
        } else {
            fault = .ranOut
        }
    }

    @inline(__always)
    func peek() -> UInt8? {
        pos < count ? bytes[pos] : nil
    }

    @inline(__always)
    mutating func readLE(_ n: Int) -> UInt64 {
        if pos + n <= limit {
            // All n bytes are there: one load of that size (x86 is little-endian, as the
            // encoding is), not a copy of a variable length.
            let p = UnsafeRawPointer(bytes + pos)
            let v: UInt64
            switch n {
            case 1: v = UInt64(p.load(as: UInt8.self))
            case 2: v = UInt64(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
            case 4: v = UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
            case 8: v = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
            default: return readLESlowly(n)
            }
            pos += n
            return v
        }
        return readLESlowly(n)
    }

    /// Byte by byte, for a read that may run past the end or the 15-byte limit (which `next`
    /// records), or of an odd size.
    mutating func readLESlowly(_ n: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<n {
            v |= UInt64(next()) << (8 * UInt64(i))
        }
        return v
    }

    mutating func readSigned(_ n: Int) -> Int64 {
        let v = readLE(n)
        let shift = UInt64(64 - 8 * n)
        return Int64(bitPattern: v << shift) >> Int64(shift)
    }

    // MARK: The decode

    /// Decodes into `inst`; false when the bytes ran out.
    mutating func run() -> Bool {
        var opcodeByte = readPrefixes()
        var entry: OpcodeEntry
        var valid = true
        let oneByte = mode64 ? tables.oneByte64 : tables.oneByte32
        entry = oneByte[Int(opcodeByte)]
        inst.opcode = opcodeByte
        inst.map = .oneByte

        if !mode64 && (opcodeByte == 0xC4 || opcodeByte == 0xC5 || opcodeByte == 0x62),
           let next = peek(), next >= 0xC0 {
            // Outside 64-bit mode these are LES/LDS/BOUND unless the next byte would be a
            // register ModRM, which those cannot take: then they are VEX/EVEX.
            entry = tables.oneByte64[Int(opcodeByte)]
        }
        if opcodeByte == 0x8F, let next = peek(), next & 0x1F >= 8 {
            skipXOP()
            return finish(valid: false)
        }
        switch entry.kind {
        case .vex2, .vex3, .evex:
            let legacyPrefixSeen = opsize || repByte != 0 || lock || rex != 0
            let selected = decodeVEXPrefix(kind: entry.kind)
            guard let selected else { return finish(valid: false) }
            entry = selected
            opcodeByte = inst.opcode
            if legacyPrefixSeen { valid = false }
            if entry.kind == .invalid {
                skipUnknownVEXRow()
                return finish(valid: false)
            }
        case .escape0F:
            entry = decodeEscape()
            opcodeByte = inst.opcode
        case .x87:
            readModRM()
            let row = Int(opcodeByte &- 0xD8)
            entry = rmIsRegister ? tables.x87Reg[row * 64 + Int(modrm & 0x3F)]
                                 : tables.x87Mem[row * 8 + Int(regField)]
            inst.map = .x87
        default:
            break
        }
        if entry.kind == .group {
            entry = groupRow(entry)
        }
        if entry.kind != .op {
            // Undefined, but still consume the ModRM (and imm8) it would have had, so lengths stay sane.
            if entry.needsModRM && !hasModRM { readModRM() }
            if entry.o2.kind == .immU { _ = next() }
            return finish(valid: false)
        }
        if !vex && !evex && entry.flags.contains(.vexOnly) { valid = false }
        if !evex && entry.flags.contains(.evexOnly) { valid = false }
        if vex || evex {
            let allowed: EntryFlags = evex ? [.vexOnly, .evex, .evexOnly] : [.vexOnly, .vex]
            if entry.flags.isDisjoint(with: allowed) { valid = false }
            if vex && entry.flags.contains(.vexL0) && vexL != 0 { valid = false }
        }
        if mode64 {
            if entry.flags.contains(.invalid64) { valid = false }
        } else if entry.flags.contains(.only64) {
            valid = false
        }
        return decodeOperands(entry, valid: valid)
    }

    /// The REX prefix that stood directly before the opcode, if any, into W, R, X and B.
    @inline(__always)
    mutating func applyREX() {
        guard rex != 0 else { return }
        w = rex & 8 != 0
        r = (rex >> 2) & 1
        x = (rex >> 1) & 1
        b = rex & 1
    }

    /// Reads legacy and REX prefixes; returns the opcode byte. REX counts only directly before it.
    mutating func readPrefixes() -> UInt8 {
        while true {
            let byte = next()
            if fault != .none { return 0 }
            // Most instructions carry no legacy prefix: one test finds the opcode or REX.
            if !Self.isLegacyPrefix(byte) && (byte & 0xF0 != 0x40 || !mode64) {
                applyREX()
                return byte
            }
            switch byte {
            case 0xF0: lock = true
            case 0xF2, 0xF3: repByte = byte
            case 0x66:
                opsizeRepeated = opsize
                opsize = true
            case 0x67: addrsize = true
            case 0x26: segment = .es; lastSegmentByte = byte
            case 0x2E: segment = .cs; lastSegmentByte = byte
            case 0x36: segment = .ss; lastSegmentByte = byte
            case 0x3E: segment = .ds; lastSegmentByte = byte
            case 0x64: segment = .fs; lastSegmentByte = byte
            case 0x65: segment = .gs; lastSegmentByte = byte
            case 0x40...0x4F where mode64:
                rex = byte
                continue
            default:
                applyREX()
                return byte
            }
            rex = 0
        }
    }

    /// F0, F2, F3, 66, 67 and the six segment overrides (26 2E 36 3E 64 65), as bits of a
    /// 256-bit set.
    @inline(__always)
    static func isLegacyPrefix(_ byte: UInt8) -> Bool {
        let segments: UInt64 = 1 << 0x26 | 1 << 0x2E | 1 << 0x36 | 1 << 0x3E
        let sizesAndFSGS: UInt64 = 1 << (0x64 - 64) | 1 << (0x65 - 64) | 1 << (0x66 - 64) | 1 << (0x67 - 64)
        let lockAndRep: UInt64 = 1 << (0xF0 - 192) | 1 << (0xF2 - 192) | 1 << (0xF3 - 192)
        let word: UInt64
        switch byte >> 6 {
        case 0: word = segments
        case 1: word = sizesAndFSGS
        case 3: word = lockAndRep
        default: word = 0
        }
        return (word >> UInt64(byte & 63)) & 1 != 0
    }

    /// The mandatory-prefix column of the 0F/0F38/0F3A maps for legacy encodings.
    var legacyColumn: Int {
        repByte == 0xF3 ? 2 : repByte == 0xF2 ? 3 : opsize ? 1 : 0
    }

    mutating func decodeEscape() -> OpcodeEntry {
        let second = next()
        let column = legacyColumn * 256
        switch second {
        case 0x38:
            inst.opcode = next()
            inst.map = .map0F38
            return tables.map0F38[column + Int(inst.opcode)]
        case 0x3A:
            inst.opcode = next()
            inst.map = .map0F3A
            return tables.map0F3A[column + Int(inst.opcode)]
        default:
            inst.opcode = second
            inst.map = .map0F
            return tables.map0F[column + Int(second)]
        }
    }

    /// Reads a VEX (C4/C5) or EVEX (62) prefix and the opcode after it; returns the row, or nil
    /// when the map is unknown (the ModRM and any imm8 have then been consumed).
    mutating func decodeVEXPrefix(kind: EntryKind) -> OpcodeEntry? {
        var map: UInt8 = 1
        let p0 = next()
        switch kind {
        case .vex2:
            r = (~p0 >> 7) & 1
            vvvv = (~p0 >> 3) & 15
            vexL = (p0 >> 2) & 1
            pp = p0 & 3
            vex = true
        case .vex3:
            let p1 = next()
            r = (~p0 >> 7) & 1
            x = (~p0 >> 6) & 1
            b = (~p0 >> 5) & 1
            map = p0 & 31
            w = p1 & 0x80 != 0
            vvvv = (~p1 >> 3) & 15
            vexL = (p1 >> 2) & 1
            pp = p1 & 3
            vex = true
        default:
            let p1 = next(), p2 = next()
            r = (~p0 >> 7) & 1
            x = (~p0 >> 6) & 1
            b = (~p0 >> 5) & 1
            rPrime = (~p0 >> 4) & 1
            map = p0 & 7
            w = p1 & 0x80 != 0
            vvvv = (~p1 >> 3) & 15
            pp = p1 & 3
            zeroing = p2 & 0x80 != 0
            vexL = (p2 >> 5) & 3
            evexB = p2 & 0x10 != 0
            vPrime = (~p2 >> 3) & 1
            aaa = p2 & 7
            evex = true
        }
        inst.opcode = next()
        let index = Int(pp) * 256 + Int(inst.opcode)
        switch map {
        case 1:
            inst.map = .map0F
            let special = evex ? tables.evex0F[index] : tables.vex0F[index]
            return special.kind != .invalid ? special : tables.map0F[index]
        case 2:
            inst.map = .map0F38
            let special = evex ? tables.evex0F38[index] : OpcodeEntry.invalid
            return special.kind != .invalid ? special : tables.map0F38[index]
        case 3:
            inst.map = .map0F3A
            let special = evex ? tables.evex0F3A[index] : OpcodeEntry.invalid
            return special.kind != .invalid ? special : tables.map0F3A[index]
        default:
            // Maps this decoder does not know (AVX-512 FP16's 5 and 6): every row has a ModRM.
            inst.map = .other
            readModRM()
            return nil
        }
    }

    /// A VEX/EVEX row this decoder does not know: still #UD here, but its length follows the
    /// map's layout (every row has a ModRM; map 0F3A and a few 0F rows add an imm8).
    mutating func skipUnknownVEXRow() {
        if inst.map == .map0F && inst.opcode == 0x77 { return }
        if !hasModRM { readModRM() }
        var hasImm8 = inst.map == .map0F3A
        if inst.map == .map0F {
            switch inst.opcode {
            case 0x70...0x73, 0xC2, 0xC4...0xC6: hasImm8 = true
            default: break
            }
        }
        if hasImm8 { _ = next() }
    }

    /// AMD XOP (8F with map 8-10): not modelled (#UD on the CPUs this translator models), but
    /// its length is: three prefix bytes, opcode, ModRM, then imm8 (map 8) or imm32 (map 10).
    mutating func skipXOP() {
        let p0 = next()
        _ = next()
        inst.opcode = next()
        inst.map = .other
        b = (~p0 >> 5) & 1
        x = (~p0 >> 6) & 1
        readModRM()
        switch p0 & 0x1F {
        case 8: _ = next()
        case 10: _ = readLE(4)
        default: break
        }
    }

    mutating func groupRow(_ e: OpcodeEntry) -> OpcodeEntry {
        if !hasModRM { readModRM() }
        let base = Int(e.index) * 80
        if !rmIsRegister { return tables.groups[base + Int(regField)] }
        let row = tables.groups[base + 8 + Int(regField)]
        if row.kind == .group {
            return tables.groups[base + 16 + Int(regField) * 8 + Int(rmField)]
        }
        return row
    }

    // MARK: ModRM, SIB, displacement

    mutating func readModRM() {
        modrm = next()
        hasModRM = true
        if rmIsRegister { return }
        let addressBytes: UInt8 = mode64 ? (addrsize ? 4 : 8) : (addrsize ? 2 : 4)
        memory.addressBytes = addressBytes
        memory.segment = segment
        if addressBytes == 2 {
            readModRM16()
            return
        }
        let file: Register.File = addressBytes == 8 ? .gpr64 : .gpr32
        var dispBytes = mod == 1 ? 1 : mod == 2 ? 4 : 0
        if rmField == 4 {
            let sib = next()
            let scaleBits = sib >> 6
            let indexNumber = ((sib >> 3) & 7) | (x << 3)
            let baseBits = sib & 7
            memory.scale = 1 << scaleBits
            if indexNumber != 4 {
                memory.index = Register(file, indexNumber)
            }
            if baseBits == 5 && mod == 0 {
                dispBytes = 4
            } else {
                memory.base = Register(file, baseBits | (b << 3))
            }
        } else if rmField == 5 && mod == 0 {
            dispBytes = 4
            if mode64 { memory.base = Register(.rip, 0) }
        } else {
            memory.base = Register(file, rmField | (b << 3))
        }
        dispSize = dispBytes
        memory.displacementBytes = UInt8(dispBytes)
        if dispBytes > 0 { memory.displacement = readSigned(dispBytes) }
    }

    /// 16-bit addressing (protected mode with 67): fixed base/index pairs.
    mutating func readModRM16() {
        var dispBytes = mod == 1 ? 1 : mod == 2 ? 2 : 0
        if mod == 0 && rmField == 6 {
            dispBytes = 2
        } else {
            // BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP, BX (SDM vol. 2, table 2-1).
            let bases: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (3, 3, 5, 5, 6, 7, 5, 3)
            let baseNumber = withUnsafeBytes(of: bases) { $0[Int(rmField)] }
            memory.base = Register(.gpr16, baseNumber)
            if rmField < 4 { memory.index = Register(.gpr16, 6 + (rmField & 1)) }
        }
        dispSize = dispBytes
        memory.displacementBytes = UInt8(dispBytes)
        if dispBytes > 0 { memory.displacement = readSigned(dispBytes) }
    }

    // MARK: Operands

    func resolve(_ size: OperandSize) -> UInt16 {
        switch size {
        case .none: 0
        case .b: 1
        case .w: 2
        case .d: 4
        case .q: 8
        case .v: UInt16(osize)
        case .z: osize == 2 ? 2 : 4
        case .y: (w && mode64) ? 8 : 4
        case .dq: 16
        case .qq: 32
        case .x: vl
        case .h: vl / 2
        case .qtr: vl / 4
        case .eighth: vl / 8
        case .t: 10
        case .p: UInt16(osize) + 2
        case .s: mode64 ? 10 : 6
        case .mode: mode64 ? 8 : 4
        case .e: w ? 8 : 4
        case .z64: 64
        }
    }

    func gpr(_ number: UInt8, bytes: UInt16) -> Register {
        if bytes == 1 && rex == 0 && !vex && !evex && number >= 4 && number < 8 {
            return Register(.gpr8High, number)
        }
        return Register.gpr(number, bytes: Int(bytes))
    }

    func vectorRegister(_ number: UInt8, bytes: UInt16) -> Register {
        Register(bytes >= 64 ? .zmm : bytes == 32 ? .ymm : .xmm, number)
    }

    var regNumber: UInt8 { regField | (r << 3) }
    var rmNumber: UInt8 { rmField | (b << 3) }
    var vecRegNumber: UInt8 { regNumber | (rPrime << 4) }
    var vecRMNumber: UInt8 { rmNumber | (evex ? x << 4 : 0) }

    mutating func memoryOperand(bytes: UInt16) -> Operand {
        var m = memory
        m.bytes = bytes
        return .memory(m)
    }

    mutating func decodeOperands(_ e: OpcodeEntry, valid: Bool) -> Bool {
        var valid = valid
        let flags = e.flags
        if e.needsModRM && !hasModRM { readModRM() }

        if w && mode64 && !vex && !evex {
            osize = 8
        } else if flags.contains(.force64) && mode64 {
            osize = 8
        } else if opsize {
            osize = 2
        } else if flags.contains(.default64) && mode64 {
            osize = 8
        }
        asize = mode64 ? (addrsize ? 4 : 8) : (addrsize ? 2 : 4)
        if vex || evex {
            vl = 16 << UInt16(min(vexL, 2))
            if evex && evexB && rmIsRegister { vl = 64 }
            if flags.contains(.noVL) { vl = 16 }
        }
        inst.mnemonic = e.mnemonic
        if flags.contains(.wSelects) && w && (mode64 || vex || evex) {
            inst.mnemonic = tables.wSibling[Int(e.mnemonic.rawValue)]
        }
        var width = UInt8(truncatingIfNeeded: resolve(e.widthSize))
        if flags.contains(.widthFromW) {
            width = maskWidth()
        }
        inst.operandBytes = width
        inst.addressBytes = asize

        var relative: Int64?
        var relIndex = 0
        let ndsInsert = (vex || evex) && flags.contains(.nds)
        var specs = (e.o0, e.o1, e.o2, e.o3)
        if (vex || evex) && flags.contains(.ndd) {
            specs = (OperandSpec(kind: .vVVVV, size: .x), e.o0, e.o1, e.o2)
        }
        if ndsInsert {
            let first = e.o0
            let h = OperandSpec(kind: .vVVVV, size: first.size == .x || first.size == .qq ? first.size : .dq)
            specs = (first, h, e.o1, e.o2)
        }
        if flags.contains(.fixup) { applyPreOperandFixups(&specs, e) }

        for i in 0..<4 {
            let spec: OperandSpec
            switch i {
            case 0: spec = specs.0
            case 1: spec = specs.1
            case 2: spec = specs.2
            default: spec = specs.3
            }
            if spec.kind == .none { break }
            let op: Operand
            switch spec.kind {
            case .none:
                op = .none
            case .rm:
                let bytes = resolve(spec.size)
                op = rmIsRegister ? .register(gpr(rmNumber, bytes: bytes)) : memoryOperand(bytes: bytes)
            case .reg:
                op = .register(gpr(regNumber, bytes: resolve(spec.size)))
            case .mem:
                if rmIsRegister { valid = false }
                var bytes = resolve(spec.size)
                if bytes == 0 && inst.mnemonic == .kmov { bytes = UInt16(width) }
                op = memoryOperand(bytes: bytes)
            case .rmReg:
                if !rmIsRegister { valid = false }
                op = .register(gpr(rmNumber, bytes: resolve(spec.size)))
            case .rmRegAnyMod:
                op = .register(gpr(rmNumber, bytes: resolve(spec.size)))
            case .imm:
                let encoded: Int
                switch spec.size {
                case .b: encoded = 1
                case .w: encoded = 2
                case .v: encoded = Int(osize)
                default: encoded = osize == 2 ? 2 : 4
                }
                op = .immediate(readSigned(encoded), bytes: width)
            case .immU:
                let n = spec.size == .w ? 2 : 1
                op = .immediate(Int64(readLE(n)), bytes: UInt8(n))
            case .one:
                op = .immediate(1, bytes: 1)
            case .rel:
                relative = readSigned(spec.size == .b ? 1 : (osize == 2 ? 2 : 4))
                relIndex = i
                op = .relative(0)
            case .moffs:
                var m = MemoryOperand(base: nil, index: nil, scale: 1, displacement: 0, segment: segment,
                                      bytes: resolve(spec.size), addressBytes: asize)
                m.displacement = Int64(bitPattern: readLE(Int(asize)))
                m.displacementBytes = asize
                op = .memory(m)
            case .opReg:
                op = .register(gpr((inst.opcode & 7) | (b << 3), bytes: resolve(spec.size)))
            case .fixedGPR, .portDX:
                op = .register(Register.gpr(spec.reg, bytes: Int(resolve(spec.size))))
            case .segReg:
                if regField > 5 { valid = false }
                op = .register(Register(.segment, regField))
            case .fixedSeg:
                op = .register(Register(.segment, spec.reg))
            case .control:
                op = .register(Register(.control, regNumber))
            case .debug:
                op = .register(Register(.debug, regNumber))
            case .stringSrc, .stringDst, .xlatMem:
                let file: Register.File = asize == 8 ? .gpr64 : asize == 4 ? .gpr32 : .gpr16
                let number: UInt8 = spec.kind == .stringSrc ? 6 : spec.kind == .stringDst ? 7 : 3
                let seg: Segment = spec.kind == .stringDst ? .es : (segment ?? .ds)
                op = .memory(MemoryOperand(base: Register(file, number), index: nil, scale: 1, displacement: 0,
                                           segment: seg, bytes: resolve(spec.size), addressBytes: asize))
            case .farPtr:
                let offset = UInt32(truncatingIfNeeded: readLE(osize == 2 ? 2 : 4))
                let selector = UInt16(truncatingIfNeeded: readLE(2))
                op = .farPointer(selector: selector, offset: offset)
            case .vReg:
                op = .register(vectorRegister(vecRegNumber, bytes: resolve(spec.size)))
            case .vRM:
                let bytes = resolve(spec.size)
                if rmIsRegister {
                    op = .register(vectorRegister(vecRMNumber, bytes: max(bytes, 16)))
                } else if evex && evexB {
                    inst.broadcast = true
                    op = memoryOperand(bytes: w ? 8 : 4)
                } else {
                    op = memoryOperand(bytes: bytes)
                }
            case .vRMReg:
                if !rmIsRegister { valid = false }
                op = .register(vectorRegister(vecRMNumber, bytes: max(resolve(spec.size), 16)))
            case .vVVVV:
                op = .register(vectorRegister(vvvv | (vPrime << 4), bytes: resolve(spec.size)))
            case .vIs4:
                op = .register(vectorRegister(next() >> 4, bytes: resolve(spec.size)))
            case .fixedXMM0:
                op = .register(Register(.xmm, 0))
            case .mmxReg:
                op = .register(Register(.mmx, regField))
            case .mmxRM:
                op = rmIsRegister ? .register(Register(.mmx, rmField)) : memoryOperand(bytes: resolve(spec.size))
            case .mmxRMReg:
                if !rmIsRegister { valid = false }
                op = .register(Register(.mmx, rmField))
            case .gprVVVV:
                op = .register(Register.gpr(vvvv, bytes: Int(resolve(spec.size))))
            case .kReg:
                op = .register(Register(.mask, regField))
            case .kRM:
                op = rmIsRegister ? .register(Register(.mask, rmField)) : memoryOperand(bytes: UInt16(width))
            case .kRMReg:
                if !rmIsRegister { valid = false }
                op = .register(Register(.mask, rmField))
            case .kVVVV:
                op = .register(Register(.mask, vvvv & 7))
            case .st0:
                op = .register(Register(.st, 0))
            case .stI:
                op = .register(Register(.st, rmField))
            case .vsib:
                if rmIsRegister || rmField != 4 { valid = false }
                var m = memory
                if let index = m.index {
                    m.index = vectorRegister(index.number | (vPrime << 4), bytes: vl)
                } else if rmField == 4 {
                    m.index = vectorRegister(4 | (x << 3), bytes: vl)
                }
                m.bytes = resolve(spec.size)
                op = .memory(m)
            }
            inst.append(op)
        }

        inst.length = UInt8(pos)
        if fault == .ranOut { return false }
        if fault == .tooLong { return finish(valid: false) }
        if let relative {
            var target = inst.nextAddress &+ UInt64(bitPattern: relative)
            if !mode64 { target &= osize == 2 ? 0xFFFF : 0xFFFF_FFFF }
            inst[relIndex] = .relative(target)
        }
        if evex { applyEVEX(e) }
        if evex, !rmIsRegister, dispSize == 1 { rescaleDisp8() }
        if e.mnemonic == .jcc || e.mnemonic == .setcc || e.mnemonic == .cmovcc {
            inst.condition = inst.opcode & 15
        } else if e.mnemonic == .fcmovcc {
            inst.condition = e.index
        }
        if flags.contains(.fixup) { applyPostOperandFixups(e) }
        setPrefixes(flags)
        if lock && !(flags.contains(.lockable) && isMemory(inst.operands.0)) { valid = false }
        if !valid { return finish(valid: false) }
        return true
    }

    func isMemory(_ op: Operand) -> Bool {
        if case .memory = op { return true }
        return false
    }

    /// Mask instruction width from VEX.pp and VEX.W: none → w/q, 66 → b/d, F2 → d/q.
    func maskWidth() -> UInt8 {
        switch pp {
        case 0: w ? 8 : 2
        case 1: w ? 4 : 1
        default: w ? 8 : 4
        }
    }

    /// EVEX disp8 is scaled by the memory operand size (the compressed displacement, disp8*N).
    mutating func rescaleDisp8() {
        for i in 0..<inst.operandCount {
            if case .memory(var m) = inst[i], m.bytes > 1 {
                m.displacement *= Int64(m.bytes)
                inst[i] = .memory(m)
            }
        }
    }

    mutating func applyEVEX(_ e: OpcodeEntry) {
        inst.opmask = aaa
        inst.zeroingMask = zeroing
        if e.flags.contains(.kDest), case .register = inst.operands.0 {
            inst.operands.0 = .register(Register(.mask, regField))
        }
    }

    mutating func setPrefixes(_ flags: EntryFlags) {
        if !lock && !opsize && !addrsize && rex == 0 && repByte == 0 && !vex && !evex && lastSegmentByte == 0 {
            // No prefix at all, as most instructions: nothing to record but the SSE width.
            inst.prefixes = []
            inst.segment = nil
            if inst.map != .oneByte && inst.map != .x87 && inst.map != .other { inst.vectorBytes = 16 }
            return
        }
        var p: Prefixes = []
        if lock { p.insert(.lock) }
        if opsize { p.insert(.operandSize) }
        if opsizeRepeated { p.insert(.repeatedOperandSize) }
        if addrsize { p.insert(.addressSize) }
        if rex != 0 { p.insert(.rex) }
        if w { p.insert(.rexW) }
        if vex { p.insert(.vex) }
        if evex { p.insert(.evex) }
        let usedAsMandatory = (inst.map == .map0F || inst.map == .map0F38 || inst.map == .map0F3A) && !vex && !evex
        if repByte != 0 && inst.mnemonic != .pause {
            if flags.contains(.rep) {
                p.insert(.rep)
            } else if flags.contains(.repCond) {
                p.insert(repByte == 0xF3 ? .rep : .repne)
            } else if !usedAsMandatory || legacyColumnIsShared {
                p.insert(repByte == 0xF3 ? .ignoredRep : .ignoredRepne)
            }
        }
        if flags.contains(.hint) {
            if lastSegmentByte == 0x3E { p.insert(.branchTaken) }
            if lastSegmentByte == 0x2E { p.insert(.branchNotTaken) }
        }
        if flags.contains(.notrack) && lastSegmentByte == 0x3E { p.insert(.notrack) }
        inst.prefixes = p
        inst.segment = segment
        if !vex && !evex && (inst.map == .map0F || inst.map == .map0F38 || inst.map == .map0F3A) {
            inst.vectorBytes = 16
        } else if vex || evex {
            inst.vectorBytes = UInt8(vl)
        }
    }

    /// Whether the 0F-map row was the same in every prefix column (so F2/F3 was not mandatory).
    var legacyColumnIsShared: Bool {
        let base: UnsafeMutablePointer<OpcodeEntry>
        switch inst.map {
        case .map0F: base = tables.map0F
        case .map0F38: base = tables.map0F38
        case .map0F3A: base = tables.map0F3A
        default: return true
        }
        return base[Int(inst.opcode)].mnemonic == base[legacyColumn * 256 + Int(inst.opcode)].mnemonic
            && base[Int(inst.opcode)].kind == .op
    }

    mutating func finish(valid: Bool) -> Bool {
        if fault == .ranOut { return false }
        if !valid {
            var undefined = Instruction(mnemonic: .undefined, address: inst.address, length: UInt8(min(pos, 15)))
            undefined.opcode = inst.opcode
            undefined.map = inst.map
            undefined.segment = segment
            inst = undefined
        }
        return true
    }
}
