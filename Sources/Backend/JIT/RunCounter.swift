import CCPU

extension BlockCompiler {
    /// The start of a block compiled with a run counter: a `jmp rel32` to the next instruction
    /// (tier-up points it at the block's optimized translation, `JIT.patchEntry`), then the
    /// count: one more run, and at zero the block leaves at once with MIMIC_EXIT_HOT and rip at
    /// its first instruction. Nothing is live yet, so rax is free.
    mutating func emitRunCounter(_ counter: UnsafeMutablePointer<Int32>) {
        asm.align(4, remainder: 3)
        entryJumpOffset = asm.offset
        asm.jmp(absolute: asm.origin + UInt(asm.offset + 5))
        asm.movImm64(.rax, UInt64(UInt(bitPattern: counter)))
        asm.alu(.sub, .b32, Mem(.rax), imm: 1)
        let counting = asm.newLabel()
        asm.jcc(.ne, counting, short: true)
        if programCounterOffset == StateField.rip {
            asm.loadImmediate(.rsi, guestPC)
            asm.loadImmediate(.rax, exitValue(Int32(MIMIC_EXIT_HOT)))
            asm.jmp(absolute: exits.pcExit)
        } else {
            asm.movImm64(.rax, guestPC)
            asm.mov(.b64, Mem(.r14, programCounterOffset), .rax)
            emitExit(Int32(MIMIC_EXIT_HOT))
        }
        asm.bind(counting)
    }
}
