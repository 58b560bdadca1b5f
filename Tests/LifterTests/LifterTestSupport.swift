import CCPU
import Glibc
import IR
import Interpreter
@testable import Lifter
import X86

/// Hand-built instructions for lifting without the decoder.
enum Build {
    static func r(_ n: UInt8, _ bytes: Int) -> Operand { .register(Register.gpr(n, bytes: bytes)) }
    static let cl = Operand.register(Register(.gpr8, 1))
    static func m(_ bytes: Int, base: Register? = .rbx, index: Register? = nil, scale: UInt8 = 1,
                  displacement: Int64 = 0, segment: Segment? = nil) -> Operand {
        .memory(MemoryOperand(base: base, index: index, scale: scale, displacement: displacement, segment: segment,
                              bytes: UInt16(bytes), addressBytes: 8))
    }
    static func imm(_ v: Int64, _ bytes: UInt8 = 1) -> Operand { .immediate(v, bytes: bytes) }

    static func insn(_ mnemonic: Mnemonic, _ operands: [Operand], bytes: Int = 8, condition: UInt8 = 0,
                     prefixes: Prefixes = [], address: UInt64 = 0x1000, length: UInt8 = 4) -> Instruction {
        var i = Instruction(mnemonic: mnemonic, address: address, length: length)
        for o in operands { i.append(o) }
        i.operandBytes = UInt8(bytes)
        i.condition = condition
        i.prefixes = prefixes
        return i
    }

    /// Lifts `list` as consecutive instructions (their addresses are reassigned).
    static func lift(_ list: [Instruction], mode: CPUMode = .long64) -> LiftedBlock {
        var byAddress: [UInt64: Instruction] = [:]
        var address: UInt64 = 0x1000
        for var i in list {
            i.address = address
            byAddress[address] = i
            address += UInt64(i.length)
        }
        return Lifter(mode: mode).translate(pc: 0x1000, fetchLimit: address, maxInstructions: 512,
                                            keepInstructions: false) { byAddress[$0] }
    }
}

/// Checks the IR rule the lifter keeps: a local is used only in the basic block that defines it.
func localsStayInTheirBasicBlock(_ block: IRBlock) -> String? {
    var defined = Set<UInt32>()
    for (n, inst) in block.insts.enumerated() {
        let info = inst.op.info
        for i in 0..<info.ins {
            let t = inst.input(i)
            if t.isNone || block.isGlobal(t) || block.isConst(t) { continue }
            if !defined.contains(t.index) { return "op \(n) \(block.text(of: inst)) uses \(block.name(of: t)) from another basic block" }
        }
        if info.flags.contains(.basicBlockEnd) { defined.removeAll() }
        for o in 0..<info.outs where !inst.output(o).isNone { defined.insert(inst.output(o).index) }
    }
    return nil
}

/// A CPU state with 64 KiB of guest memory at address 0, for running lifted blocks.
final class TestMachine {
    let cpu: UnsafeMutablePointer<MimicCPUState>
    let memory: UnsafeMutableRawPointer
    let memorySize: Int

    /// Guest memory is `memorySize` zeroed bytes at guest address 0, mapped lazily.
    init(memorySize: Int = 0x10000) {
        self.memorySize = memorySize
        cpu = .allocate(capacity: 1)
        cpu.initialize(to: MimicCPUState())
        memory = mmap(nil, memorySize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)!
        mimic_set_guest_memory(cpu, memory, UInt64(memorySize))
        cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
        cpu.pointee.eflags_rest = 2
    }

    deinit {
        cpu.deallocate()
        munmap(memory, memorySize)
    }

    subscript(gpr n: Int) -> UInt64 {
        get { withUnsafeBytes(of: cpu.pointee.gpr) { $0.load(fromByteOffset: n * 8, as: UInt64.self) } }
        set { withUnsafeMutableBytes(of: &cpu.pointee.gpr) { $0.storeBytes(of: newValue, toByteOffset: n * 8, as: UInt64.self) } }
    }

    func load64(_ address: Int) -> UInt64 { memory.loadUnaligned(fromByteOffset: address, as: UInt64.self) }
    func store64(_ address: Int, _ v: UInt64) { memory.storeBytes(of: v, toByteOffset: address, as: UInt64.self) }

    /// Status flags as an EFLAGS-style mask (CF 0, PF 2, AF 4, ZF 6, SF 7, OF 11).
    var flags: UInt64 {
        get { cpu.pointee.flags }
        set { cpu.pointee.flags = newValue & 0x8D5 }
    }

    /// Runs `list` lifted as one block; returns the exit reason.
    @discardableResult
    func run(_ list: [Instruction]) -> Int32 {
        let block = Build.lift(list)
        return Interpreter().run(InterpretedBlock(block.ir), cpu: cpu)
    }
}
