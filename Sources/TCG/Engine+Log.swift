import CCPU
import X86

/// The run-time log items: `exec` and `cpu` at block entry, `int` and `unimp` when the guest stops.
extension Engine {
    /// `-d exec,cpu`: the block about to be entered from the loop. Chained jumps between blocks
    /// do not come back here; `-d nochain` makes every block come back.
    @inline(never)
    func traceEntry(_ index: Int32) {
        let pc = blocks[Int(index)].guestPC
        guard options.logFilter.contains(pc) else { return }
        var text = ""
        if options.log.contains(.exec) { text += "Trace: [block \(index)] 0x" + String(pc, radix: 16) + "\n" }
        if options.log.contains(.cpu) { text += CPULog.registers(cpu) }
        options.logSink.write(text)
    }

    /// `-d int` for an exception that stops the run, and `-d unimp` when it is the #UD of an
    /// instruction the decoder knows but the translator does not implement.
    @inline(never)
    func logException(vector: Int, errorCode: UInt64, address: UInt64) {
        let pc = cpu.pointee.rip
        // A write to translated code is the engine's own business (see `run()`), not the guest's.
        if vector == Int(MIMIC_EXC_PF), errorCode & 2 != 0, memory.isCodeWriteFault(address) { return }
        if options.log.contains(.int) {
            options.logSink.write(LogText.exception(vector: vector, errorCode: CPULog.hasErrorCode(vector) ? errorCode : nil,
                                                    pc: pc, faultAddress: vector == Int(MIMIC_EXC_PF) ? address : nil))
        }
        if options.log.contains(.unimp), vector == Int(MIMIC_EXC_UD), pc < UInt64(memory.size) {
            let bytes = UnsafeRawBufferPointer(start: memory.base + Int(pc), count: min(15, memory.size - Int(pc)))
            if let insn = Decoder(mode: .long64).decode(bytes, address: pc) {
                switch insn.mnemonic {
                case .undefined, .ud0, .ud1, .ud2: break
                default: options.logSink.write("unimplemented: instruction at 0x" + String(pc, radix: 16) + ": " + insn.intelSyntax + "\n")
                }
            }
        }
    }
}

/// The `cpu` log's register dump.
enum CPULog {
    static func registers(_ cpu: UnsafeMutablePointer<MimicCPUState>) -> String {
        let names = ["RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP",
                     "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15"]
        let order = [MIMIC_RAX, MIMIC_RBX, MIMIC_RCX, MIMIC_RDX, MIMIC_RSI, MIMIC_RDI, MIMIC_RBP, MIMIC_RSP,
                     MIMIC_R8, MIMIC_R9, MIMIC_R10, MIMIC_R11, MIMIC_R12, MIMIC_R13, MIMIC_R14, MIMIC_R15]
        var out = ""
        withUnsafeBytes(of: cpu.pointee.gpr) { gpr in
            for (i, name) in names.enumerated() {
                let value = gpr.load(fromByteOffset: 8 * Int(order[i]), as: UInt64.self)
                out += name + "=" + LogText.hex(value, width: 16) + (i % 4 == 3 ? "\n" : " ")
            }
        }
        let eflags = eflags(cpu)
        out += "RIP=" + LogText.hex(cpu.pointee.rip, width: 16) + " RFL=" + LogText.hex(eflags, width: 8)
            + " [" + flagLetters(eflags) + "]\n"
        out += "FS_BASE=" + LogText.hex(cpu.pointee.fs_base, width: 16) + " GS_BASE=" + LogText.hex(cpu.pointee.gs_base, width: 16) + "\n"
        return out
    }

    /// EFLAGS as the guest would read it with PUSHF.
    static func eflags(_ cpu: UnsafeMutablePointer<MimicCPUState>) -> UInt64 {
        cpu.pointee.flags | cpu.pointee.df << 10 | cpu.pointee.eflags_rest | 2
    }

    /// DF OF SF ZF AF PF CF, a letter when set and `-` when clear.
    static func flagLetters(_ eflags: UInt64) -> String {
        let flags: [(Character, Int)] = [("D", 10), ("O", 11), ("S", 7), ("Z", 6), ("A", 4), ("P", 2), ("C", 0)]
        return String(flags.map { eflags >> UInt64($0.1) & 1 == 1 ? $0.0 : "-" })
    }

    /// The exceptions that push an error code (Intel SDM Vol. 3A, Table 6-1).
    static func hasErrorCode(_ vector: Int) -> Bool {
        switch vector {
        case 8, 10, 11, 12, 13, 14, 17, 21: true
        default: false
        }
    }
}
