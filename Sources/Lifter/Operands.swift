import IR
import X86

/// Where an operand lives once its address is computed: RMW instructions locate their destination
/// once, read it, and write it back to the same place.
enum Location {
    case register(Register)
    /// A guest address and the access width in bytes.
    case memory(Temp, bytes: Int)
    /// An immediate or branch target, already cut to the operand width.
    case immediate(UInt64)
}

/// Values of width w live zero-extended in i64 temps; flags are computed from those.
///
/// LOCK: a locked read-modify-write is lifted as a plain load, op and store. That is exact while
/// guest threads run one at a time; running them in parallel needs atomic IR ops here.
extension BlockTranslator {
    // MARK: Constants and plain ops on i64

    mutating func constant(_ v: UInt64) -> Temp { ir.const(.i64, v) }

    /// a ∘ b; of two constants, the constant result (formulas written for a variable count or
    /// operand meet constants often, and an op not emitted costs no later stage anything).
    mutating func op(_ o: Op, _ a: Temp, _ b: Temp) -> Temp {
        if let x = ir.constValue(a), let y = ir.constValue(b) { return constant(Evaluate.pure(Inst(o, .i64), x, y, 0, 0).0) }
        return ir.binary(o, .i64, a, b)
    }
    mutating func op(_ o: Op, _ a: Temp, _ b: UInt64) -> Temp {
        if let x = ir.constValue(a) { return constant(Evaluate.pure(Inst(o, .i64), x, b, 0, 0).0) }
        return ir.binary(o, .i64, a, constant(b))
    }
    mutating func unary(_ o: Op, _ a: Temp) -> Temp {
        if let x = ir.constValue(a) { return constant(Evaluate.pure(Inst(o, .i64), x, 0, 0, 0).0) }
        return ir.unary(o, .i64, a)
    }
    mutating func setcond(_ c: Cond, _ a: Temp, _ b: Temp) -> Temp { ir.setcond(c, .i64, a, b) }
    mutating func setcond(_ c: Cond, _ a: Temp, _ b: UInt64) -> Temp { ir.setcond(c, .i64, a, constant(b)) }
    mutating func movcond(_ c: Cond, _ a: Temp, _ b: Temp, _ ifTrue: Temp, _ ifFalse: Temp) -> Temp {
        ir.movcond(c, .i64, a, b, ifTrue, ifFalse)
    }
    mutating func movcond(_ c: Cond, _ a: Temp, _ b: UInt64, _ ifTrue: Temp, _ ifFalse: Temp) -> Temp {
        ir.movcond(c, .i64, a, constant(b), ifTrue, ifFalse)
    }
    /// Bit `position` of `v` as 0 or 1.
    mutating func bit(_ v: Temp, _ position: Int) -> Temp {
        if let x = ir.constValue(v) { return constant(x >> UInt64(position) & 1) }
        return ir.extract(.i64, v, position: position, length: 1)
    }
    /// A local holding the current value of `v`, for instructions that write a register they also read.
    mutating func snapshot(_ v: Temp) -> Temp {
        guard ir.isGlobal(v) else { return v }
        let d = ir.newLocal(.i64)
        ir.mov(d, v)
        return d
    }

    static func mask(bytes: Int) -> UInt64 { bytes >= 8 ? ~0 : (1 << UInt64(8 * bytes)) - 1 }

    /// The low `bytes` of `v`, zero-extended.
    mutating func zeroExtend(_ v: Temp, from bytes: Int) -> Temp {
        if let c = ir.constValue(v) { return constant(c & Self.mask(bytes: bytes)) }
        switch bytes {
        case 1: return unary(.ext8u, v)
        case 2: return unary(.ext16u, v)
        case 4: return unary(.ext32u, v)
        default: return v
        }
    }

    /// The low `bytes` of `v`, sign-extended to 64 bits.
    mutating func signExtend(_ v: Temp, from bytes: Int) -> Temp {
        if let c = ir.constValue(v) {
            let shift = UInt64(64 - 8 * min(bytes, 8))
            return constant(UInt64(bitPattern: Int64(bitPattern: c << shift) >> Int64(shift)))
        }
        switch bytes {
        case 1: return unary(.ext8s, v)
        case 2: return unary(.ext16s, v)
        case 4: return unary(.ext32s, v)
        default: return v
        }
    }

    // MARK: General-purpose registers

    /// The register's value, zero-extended from its width.
    mutating func readGPR(_ r: Register) -> Temp {
        let g = Self.global(of: r)
        switch r.file {
        case .gpr64: return g
        case .gpr32: return unary(.ext32u, g)
        case .gpr16: return unary(.ext16u, g)
        case .gpr8: return unary(.ext8u, g)
        case .gpr8High: return ir.extract(.i64, g, position: 8, length: 8)
        default: return constant(0)  // excluded by `hasOnlyGeneralOperands`
        }
    }

    /// A value whose low bits (the register's width) are the register's; the bits above are
    /// whatever the 64-bit register holds. For consumers that look only at the low bits (a
    /// result that its write cuts to the width, a flags op, a store), this spares the
    /// zero-extension `readGPR` makes. AH..BH still need their byte moved down.
    mutating func readGPRLow(_ r: Register) -> Temp {
        switch r.file {
        case .gpr64, .gpr32, .gpr16, .gpr8: return Self.global(of: r)
        default: return readGPR(r)
        }
    }

    /// Writes the low bits of `v` to the register: 8- and 16-bit writes keep the other bits,
    /// 32-bit writes zero the upper half.
    mutating func writeGPR(_ r: Register, _ v: Temp) {
        let g = Self.global(of: r)
        switch r.file {
        case .gpr64: ir.mov(g, v)
        case .gpr32: ir.emit(Inst(.ext32u, .i64, d0: g, a0: v))
        case .gpr16: deposit(into: g, v, position: 0, length: 16)
        case .gpr8: deposit(into: g, v, position: 0, length: 8)
        case .gpr8High: deposit(into: g, v, position: 8, length: 8)
        default: break
        }
    }

    /// As `writeGPR`, for the instruction's last use of `v`: where the op just emitted made
    /// `v`, that op writes the register itself (a 64-bit one, or a 32-bit one when the op's
    /// result is already zero-extended from 32 bits) instead of a local and a copy.
    mutating func writeGPRLast(_ r: Register, _ v: Temp) {
        switch r.file {
        case .gpr64:
            if ir.redirectLastResult(v, to: Self.global(of: r)) { return }
        case .gpr32:
            if let last = ir.insts.last, Self.zeroExtends32(last), ir.redirectLastResult(v, to: Self.global(of: r)) { return }
        default:
            break
        }
        writeGPR(r, v)
    }

    /// Whether the op's result has no bit set above bit 31.
    static func zeroExtends32(_ inst: Inst) -> Bool {
        switch inst.op {
        case .ext8u, .ext16u, .ext32u: return true
        case .load: return !inst.memOp.signed && inst.memOp.bytes <= 4
        default: return false
        }
    }

    /// As `write`, for the instruction's last use of `v` (see `writeGPRLast`).
    mutating func writeLast(_ l: Location, _ v: Temp) {
        if case .register(let r) = l {
            writeGPRLast(r, v)
        } else {
            write(l, v)
        }
    }

    /// The value the whole 64-bit register holds after writing `v` to `r` (see `writeGPR`).
    mutating func mergedGPR(_ r: Register, _ v: Temp) -> Temp {
        let g = Self.global(of: r)
        switch r.file {
        case .gpr32: return zeroExtend(v, from: 4)
        case .gpr16: return ir.deposit(.i64, g, v, position: 0, length: 16)
        case .gpr8: return ir.deposit(.i64, g, v, position: 0, length: 8)
        case .gpr8High: return ir.deposit(.i64, g, v, position: 8, length: 8)
        default: return v
        }
    }

    /// The 64-bit register global a register operand is part of (AH is part of RAX).
    static func global(of r: Register) -> Temp {
        X86Globals.gpr(r.file == .gpr8High ? Int(r.number & 3) : Int(r.number & 15))
    }

    mutating func deposit(into g: Temp, _ v: Temp, position: Int, length: Int) {
        ir.emit(Inst(.deposit, .i64, d0: g, a0: g, a1: v, imm: Int64(position | length << 8)))
    }

    /// General-purpose register `number` at `bytes` width (AL..R15B for 1, never AH..BH).
    mutating func readGPR(number: Int, bytes: Int) -> Temp { readGPR(Register.gpr(UInt8(number), bytes: bytes)) }
    mutating func writeGPR(number: Int, bytes: Int, _ v: Temp) { writeGPR(Register.gpr(UInt8(number), bytes: bytes), v) }

    // MARK: Addresses

    /// The effective address (no segment base): base + index * scale + displacement, cut to the
    /// address size. `stackPointer` stands in for RSP as base (POP computes its destination
    /// address with RSP already incremented).
    mutating func effectiveAddress(_ m: MemoryOperand, stackPointer: Temp? = nil) -> Temp {
        var displacement = UInt64(bitPattern: m.displacement)
        var sum: Temp? = nil
        if let base = m.base {
            if base.file == .rip {
                displacement &+= insn.nextAddress
            } else if base.number == 4, let sp = stackPointer {
                sum = sp
            } else {
                sum = X86Globals.gpr(Int(base.number & 15))
            }
        }
        if let index = m.index {
            var scaled = X86Globals.gpr(Int(index.number & 15))
            if m.scale > 1 { scaled = op(.shl, scaled, UInt64(m.scale.trailingZeroBitCount)) }
            sum = sum.map { op(.add, $0, scaled) } ?? scaled
        }
        var address: Temp
        if let s = sum {
            address = displacement == 0 ? s : op(.add, s, displacement)
        } else {
            address = constant(displacement)
        }
        if addressBytes(m) == 4 { address = zeroExtend(address, from: 4) }
        return address
    }

    func addressBytes(_ m: MemoryOperand) -> Int {
        if mode == .protected32 { return 4 }
        return m.addressBytes == 4 || insn.addressBytes == 4 ? 4 : 8
    }

    /// The address generated code accesses: the effective address plus the FS or GS base when
    /// the instruction names that segment (the other bases are zero in 64-bit mode).
    mutating func linearAddress(_ m: MemoryOperand, stackPointer: Temp? = nil) -> Temp {
        let ea = effectiveAddress(m, stackPointer: stackPointer)
        return addSegmentBase(ea, m.segment ?? insn.segment)
    }

    mutating func addSegmentBase(_ address: Temp, _ segment: Segment?) -> Temp {
        switch segment {
        case .fs?: return op(.add, address, X86Globals.fsBase)
        case .gs?: return op(.add, address, X86Globals.gsBase)
        default: return address
        }
    }

    // MARK: Operands

    /// Locates operand `o` at width `bytes` (a memory operand that carries its own width uses it).
    mutating func locate(_ o: Operand, bytes: Int) -> Location {
        switch o {
        case .register(let r): return .register(r)
        case .memory(let m): return .memory(linearAddress(m), bytes: m.bytes != 0 ? Int(m.bytes) : bytes)
        case .immediate(let v, _): return .immediate(UInt64(bitPattern: v) & Self.mask(bytes: bytes))
        case .relative(let target): return .immediate(target)
        case .none, .farPointer: return .immediate(0)
        }
    }

    /// Operand `i` of the instruction at width `bytes`.
    mutating func locate(operand i: Int, bytes: Int) -> Location { locate(insn[i], bytes: bytes) }

    mutating func read(_ l: Location) -> Temp {
        switch l {
        case .register(let r): return readGPR(r)
        case .memory(let address, let bytes): return load(address, bytes: bytes)
        case .immediate(let v): return constant(v)
        }
    }

    /// As `read`, where only the operand's low `bytes` matter (see `readGPRLow`).
    mutating func readLow(_ l: Location) -> Temp {
        if case .register(let r) = l { return readGPRLow(r) }
        return read(l)
    }

    mutating func write(_ l: Location, _ v: Temp) {
        switch l {
        case .register(let r): writeGPR(r, v)
        case .memory(let address, let bytes): store(address, bytes: bytes, v)
        case .immediate: break
        }
    }

    /// Width in bytes of a located operand.
    func width(_ l: Location, default bytes: Int) -> Int {
        switch l {
        case .register(let r): return r.gprBytes
        case .memory(_, let b): return b
        case .immediate: return bytes
        }
    }

    mutating func load(_ address: Temp, bytes: Int, signed: Bool = false) -> Temp {
        ir.load(.i64, MemOp(bytes: bytes, signed: signed), address: address)
    }

    mutating func store(_ address: Temp, bytes: Int, _ v: Temp) {
        ir.store(.i64, MemOp(bytes: bytes), address: address, v)
    }

    /// The instruction's operand size in bytes.
    var operandBytes: Int { Int(insn.operandBytes) }
}
