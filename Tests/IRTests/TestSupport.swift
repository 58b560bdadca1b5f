import CCPU
import IR
import Interpreter

/// A layout of four i64 globals on the first GPR slots of the CPU state, for hand-built blocks.
let testLayout: GlobalLayout = {
    let base = MemoryLayout<MimicCPUState>.offset(of: \MimicCPUState.gpr)!
    return GlobalLayout((0..<4).map { GlobalLayout.Global(name: "g\($0)", offset: base + 8 * $0, type: .i64) })
}()

/// A CPU state with 4 KiB of guest memory, freed by `deinit`.
final class TestMachine {
    let cpu = UnsafeMutablePointer<MimicCPUState>.allocate(capacity: 1)
    let memory = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)

    init() {
        cpu.initialize(to: MimicCPUState())
        cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
        mimic_set_guest_memory(cpu, memory, 4096)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: 4096)
    }

    deinit {
        cpu.deallocate()
        memory.deallocate()
    }

    subscript(global i: Int) -> UInt64 {
        get { withUnsafeBytes(of: cpu.pointee.gpr) { $0.load(fromByteOffset: 8 * i, as: UInt64.self) } }
        set { withUnsafeMutableBytes(of: &cpu.pointee.gpr) { $0.storeBytes(of: newValue, toByteOffset: 8 * i, as: UInt64.self) } }
    }

    /// Interprets `block` and returns the exit reason.
    func run(_ block: IRBlock) -> Int32 {
        Interpreter().run(InterpretedBlock(block), cpu: cpu)
    }
}
