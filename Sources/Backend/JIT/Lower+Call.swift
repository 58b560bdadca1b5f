import CCPU
import IR

/// `call`: a direct C-ABI call of `Helpers[imm].function(cpu, a0, a1, a2, a3)`.
extension BlockCompiler {
    /// Where helper argument `i` (after the CPU state) goes in the C ABI.
    @inline(__always) static func argumentRegister(_ i: Int) -> GPR {
        switch i {
        case 0: .rsi
        case 1: .rdx
        case 2: .rcx
        default: .r8
        }
    }

    static let argumentRegisters = RegSet(bits: 1 << 6 | 1 << 2 | 1 << 1 | 1 << 8)

    mutating func lowerCall(_ inst: Inst) {
        let helper = Helpers[Int(inst.imm)]
        let seesState = !helper.flags.isDisjoint(with: [.readsState, .writesState, .mayRaise])
        if seesState { alloc.syncGlobals(&asm) }
        alloc.evictCallerSaved(&asm)
        alloc.locked.bits |= Self.argumentRegisters.bits
        asm.mov(.b64, .rdi, .r14)
        for i in 0..<4 where !inst.input(i).isNone {
            alloc.materialize(inst.input(i), into: Self.argumentRegister(i), &asm)
        }
        emitCall(helper.function)
        if helper.flags.contains(.writesState) {
            for g in 0..<globalCount { alloc.invalidateGlobal(g) }
            asm.mov(.b64, .r15, Mem(.r14, StateField.memBase))
        }
        if helper.flags.contains(.mayRaise) {
            let raised = asm.newLabel()
            addStub(.raised(raised, pc: currentPC))
            asm.alu(.cmp, .b64, Mem(.r14, StateField.exception), imm: Int32(MIMIC_EXC_NONE))
            asm.jcc(.ne, raised)
        }
        if !inst.d0.isNone && inst.type == .i32 { asm.mov(.b32, .rax, .rax) }
        finish(inst, inst.d0.isNone ? nil : .rax)
    }

    /// A call of `function`: rel32 when the code buffer reaches it, else through rax.
    mutating func emitCall(_ function: HelperFunction) {
        let target = UInt(bitPattern: unsafeBitCast(function, to: UnsafeRawPointer.self))
        let rel = Int(bitPattern: target) - Int(bitPattern: asm.origin) - (asm.offset + 5)
        if Int64(rel).fitsInt32 {
            asm.call(absolute: target)
        } else {
            asm.movImm64(.rax, UInt64(target))
            asm.call(.rax)
        }
    }
}
