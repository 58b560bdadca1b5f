/// How an operand is found in the encoding: the letter of the Intel opcode map's operand notation.
enum OperandKind: UInt8 {
    case none
    case rm             // E: general register or memory from ModRM.rm
    case reg            // G: general register from ModRM.reg
    case mem            // M: memory from ModRM.rm; a register there is #UD
    case rmReg          // R: general register from ModRM.rm; memory there is #UD
    case rmRegAnyMod    // R in MOV to/from CRn/DRn: ModRM.mod is ignored
    case imm            // I: sign-extended from its encoded width to the operand width
    case immU           // I: zero-extended, keeps its encoded width (ports, counts, selectors)
    case one            // the constant 1 of the shift-by-one forms
    case rel            // J: branch displacement, made absolute
    case moffs          // O: absolute address of addressBytes width
    case opReg          // Z: general register from opcode bits 2-0 and REX.B
    case fixedGPR       // a named general register (number in `reg`)
    case portDX         // DX as an I/O port
    case segReg         // S: segment register from ModRM.reg
    case fixedSeg       // a named segment register (number in `reg`)
    case control        // C: control register from ModRM.reg
    case debug          // D: debug register from ModRM.reg
    case stringSrc      // X: [seg:rSI]
    case stringDst      // Y: [es:rDI]
    case xlatMem        // [seg:rBX+AL]
    case farPtr         // A: ptr16:16/32 immediate
    case vReg           // V: vector register from ModRM.reg
    case vRM            // W: vector register or memory from ModRM.rm
    case vRMReg         // U: vector register from ModRM.rm; memory is #UD
    case vVVVV          // H: vector register from VEX/EVEX.vvvv
    case vIs4           // L: vector register from imm8 bits 7-4
    case fixedXMM0      // the implicit <XMM0> of BLENDV/SHA256RNDS2
    case mmxReg         // P
    case mmxRM          // Q
    case mmxRMReg       // N
    case gprVVVV        // B: general register from VEX.vvvv
    case kReg           // mask register from ModRM.reg
    case kRM            // mask register or memory from ModRM.rm
    case kRMReg         // mask register from ModRM.rm
    case kVVVV          // mask register from VEX.vvvv
    case st0            // ST(0)
    case stI            // ST(i) from ModRM.rm
    case vsib           // memory with a vector index (gathers)
}

/// Operand size codes of the Intel opcode map.
enum OperandSize: UInt8 {
    case none   // no access width (LEA, NOP, prefetch hints, descriptors printed without size)
    case b, w, d, q
    case v      // 2, 4 or 8: the effective operand size
    case z      // 2 or 4: operand size capped at 4 (Iz, push Iz)
    case y      // 4 or 8: 8 only with REX.W / VEX.W
    case dq     // 16
    case qq     // 32
    case x      // the vector length: 16, 32 or 64
    case h      // half the vector length
    case qtr    // a quarter of the vector length
    case eighth // an eighth of the vector length
    case t      // 10 (x87 extended real, BCD)
    case p      // far pointer: 2 + operand size
    case s      // descriptor-table pointer: 10 in 64-bit mode, 6 otherwise
    case mode   // 8 in 64-bit mode, 4 otherwise (CRn, DRn)
    case e      // vector element by W: 4, or 8 with W1
    case z64    // 64 (ZMM-sized: MOVDIR64B, XSAVE areas are printed without size)
}

/// One operand slot of an opcode table row.
struct OperandSpec: Equatable {
    var kind: OperandKind
    var size: OperandSize
    var reg: UInt8 = 0

    static let none = OperandSpec(kind: .none, size: .none)

    var usesModRM: Bool {
        switch kind {
        case .rm, .reg, .mem, .rmReg, .rmRegAnyMod, .segReg, .control, .debug, .vReg, .vRM, .vRMReg,
             .mmxReg, .mmxRM, .mmxRMReg, .kReg, .kRM, .kRMReg, .stI, .vsib:
            return true
        default:
            return false
        }
    }

    /// Whether the operand gives the instruction's data width (`operandBytes`).
    var setsWidth: Bool {
        switch kind {
        case .rm, .reg, .mem, .rmReg, .opReg, .fixedGPR, .stringSrc, .stringDst, .moffs: return true
        default: return false
        }
    }
}

// The operand notation of the Intel opcode map (SDM vol. 2, appendix A.2), as table vocabulary.
let Eb = OperandSpec(kind: .rm, size: .b), Ew = OperandSpec(kind: .rm, size: .w)
let Ed = OperandSpec(kind: .rm, size: .d), Eq = OperandSpec(kind: .rm, size: .q)
let Ev = OperandSpec(kind: .rm, size: .v), Ey = OperandSpec(kind: .rm, size: .y)
let Gb = OperandSpec(kind: .reg, size: .b), Gw = OperandSpec(kind: .reg, size: .w)
let Gd = OperandSpec(kind: .reg, size: .d), Gq = OperandSpec(kind: .reg, size: .q)
let Gv = OperandSpec(kind: .reg, size: .v), Gy = OperandSpec(kind: .reg, size: .y)
let Gz = OperandSpec(kind: .reg, size: .z)
let M = OperandSpec(kind: .mem, size: .none), Mb = OperandSpec(kind: .mem, size: .b)
let Mw = OperandSpec(kind: .mem, size: .w), Md = OperandSpec(kind: .mem, size: .d)
let Mq = OperandSpec(kind: .mem, size: .q), Mv = OperandSpec(kind: .mem, size: .v)
let My = OperandSpec(kind: .mem, size: .y), Mdq = OperandSpec(kind: .mem, size: .dq)
let Mx = OperandSpec(kind: .mem, size: .x), Mp = OperandSpec(kind: .mem, size: .p)
let Ms = OperandSpec(kind: .mem, size: .s), Mt = OperandSpec(kind: .mem, size: .t)
let M64 = OperandSpec(kind: .mem, size: .z64)
let Rv = OperandSpec(kind: .rmReg, size: .v), Ry = OperandSpec(kind: .rmReg, size: .y)
let Rd = OperandSpec(kind: .rmReg, size: .d), Rq = OperandSpec(kind: .rmReg, size: .q)
let Rmode = OperandSpec(kind: .rmRegAnyMod, size: .mode)
let Cmode = OperandSpec(kind: .control, size: .mode), Dmode = OperandSpec(kind: .debug, size: .mode)
let Sw = OperandSpec(kind: .segReg, size: .w)
let Ib = OperandSpec(kind: .imm, size: .b), Iz = OperandSpec(kind: .imm, size: .z)
let Iv = OperandSpec(kind: .imm, size: .v), Iw = OperandSpec(kind: .immU, size: .w)
let Ub = OperandSpec(kind: .immU, size: .b)   // an unsigned imm8 (counts, ports, selectors)
let I1 = OperandSpec(kind: .one, size: .b)
let Jb = OperandSpec(kind: .rel, size: .b), Jz = OperandSpec(kind: .rel, size: .z)
let Ob = OperandSpec(kind: .moffs, size: .b), Ov = OperandSpec(kind: .moffs, size: .v)
let Zb = OperandSpec(kind: .opReg, size: .b), Zv = OperandSpec(kind: .opReg, size: .v)
let Zy = OperandSpec(kind: .opReg, size: .y)
let AL = OperandSpec(kind: .fixedGPR, size: .b, reg: 0), CL = OperandSpec(kind: .fixedGPR, size: .b, reg: 1)
let AX = OperandSpec(kind: .fixedGPR, size: .w, reg: 0), eAX = OperandSpec(kind: .fixedGPR, size: .z, reg: 0)
let rAX = OperandSpec(kind: .fixedGPR, size: .v, reg: 0), DX = OperandSpec(kind: .portDX, size: .w, reg: 2)
let Xb = OperandSpec(kind: .stringSrc, size: .b), Xv = OperandSpec(kind: .stringSrc, size: .v)
let Xz = OperandSpec(kind: .stringSrc, size: .z)
let Yb = OperandSpec(kind: .stringDst, size: .b), Yv = OperandSpec(kind: .stringDst, size: .v)
let Yz = OperandSpec(kind: .stringDst, size: .z)
let Ap = OperandSpec(kind: .farPtr, size: .p)
let ES = OperandSpec(kind: .fixedSeg, size: .w, reg: 0), CS = OperandSpec(kind: .fixedSeg, size: .w, reg: 1)
let SS = OperandSpec(kind: .fixedSeg, size: .w, reg: 2), DS = OperandSpec(kind: .fixedSeg, size: .w, reg: 3)
let FS = OperandSpec(kind: .fixedSeg, size: .w, reg: 4), GS = OperandSpec(kind: .fixedSeg, size: .w, reg: 5)
let ST0 = OperandSpec(kind: .st0, size: .none), STi = OperandSpec(kind: .stI, size: .none)

// Vector operands: V/W/U/H at vector length (x), fixed 128 bits (dq), or scalar element widths.
let Vx = OperandSpec(kind: .vReg, size: .x), Vdq = OperandSpec(kind: .vReg, size: .dq)
let Vqq = OperandSpec(kind: .vReg, size: .qq), Vh = OperandSpec(kind: .vReg, size: .h)
let Wx = OperandSpec(kind: .vRM, size: .x), Wdq = OperandSpec(kind: .vRM, size: .dq)
let Wqq = OperandSpec(kind: .vRM, size: .qq), Wh = OperandSpec(kind: .vRM, size: .h)
let Wqtr = OperandSpec(kind: .vRM, size: .qtr), W8th = OperandSpec(kind: .vRM, size: .eighth)
let Wb = OperandSpec(kind: .vRM, size: .b), Ww = OperandSpec(kind: .vRM, size: .w)
let Wd = OperandSpec(kind: .vRM, size: .d), Wq = OperandSpec(kind: .vRM, size: .q)
let We = OperandSpec(kind: .vRM, size: .e)
let Ux = OperandSpec(kind: .vRMReg, size: .x), Udq = OperandSpec(kind: .vRMReg, size: .dq)
let Hx = OperandSpec(kind: .vVVVV, size: .x), Hdq = OperandSpec(kind: .vVVVV, size: .dq)
let Lx = OperandSpec(kind: .vIs4, size: .x), XMM0 = OperandSpec(kind: .fixedXMM0, size: .dq)
let Pq = OperandSpec(kind: .mmxReg, size: .q), Qq = OperandSpec(kind: .mmxRM, size: .q)
let Qd = OperandSpec(kind: .mmxRM, size: .d), Nq = OperandSpec(kind: .mmxRMReg, size: .q)
let By = OperandSpec(kind: .gprVVVV, size: .y)
let KG = OperandSpec(kind: .kReg, size: .none), KE = OperandSpec(kind: .kRM, size: .none)
let KR = OperandSpec(kind: .kRMReg, size: .none), KH = OperandSpec(kind: .kVVVV, size: .none)
let VSIB = OperandSpec(kind: .vsib, size: .e)
