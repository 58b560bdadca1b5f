import CCPU
import IR
@testable import Backend

/// Runs hand-built IR blocks on a JIT: a CPU state, 64 KiB of guest memory and a jump cache.
/// Globals g0-g3 are i64 at gpr[0...3], g4-g7 are i32 at the low halves of gpr[4...7].
final class JITHarness {
    let jit: JIT
    let cpu: UnsafeMutablePointer<MimicCPUState>
    let memory: UnsafeMutableRawPointer
    let memorySize = 1 << 16
    let jumpCache: UnsafeMutablePointer<MimicJumpCacheEntry>
    let jumpCacheEntries = 256

    static let gprOffset = MemoryLayout<MimicCPUState>.offset(of: \.gpr)!
    /// Eight globals on the GPR slots, then the program counter that `goto_tb` writes.
    static let layout = GlobalLayout((0..<8).map {
        GlobalLayout.Global(name: "g\($0)", offset: gprOffset + 8 * $0, type: $0 < 4 ? .i64 : .i32)
    } + [GlobalLayout.Global(name: "pc", offset: MemoryLayout<MimicCPUState>.offset(of: \.rip)!, type: .i64)],
    programCounter: 8)

    init(features: HostFeatures? = nil) throws {
        jit = try JIT(codeBufferBytes: 4 << 20, features: features)
        cpu = .allocate(capacity: 1)
        cpu.initialize(to: MimicCPUState())
        memory = .allocate(byteCount: memorySize, alignment: 4096)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: memorySize)
        jumpCache = .allocate(capacity: jumpCacheEntries)
        jumpCache.initialize(repeating: MimicJumpCacheEntry(tag: ~0, code: 0), count: jumpCacheEntries)
        reset()
    }

    deinit {
        cpu.deallocate()
        memory.deallocate()
        jumpCache.deallocate()
    }

    func reset() {
        cpu.pointee = MimicCPUState()
        cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
        mimic_set_guest_memory(cpu, memory, UInt64(memorySize))
        cpu.pointee.jump_cache = UInt64(UInt(bitPattern: jumpCache))
        cpu.pointee.jump_cache_mask = UInt64(jumpCacheEntries - 1)
    }

    func newBlock(pc: UInt64 = 0x1000) -> IRBlock { IRBlock(layout: Self.layout, guestPC: pc) }

    subscript(gpr i: Int) -> UInt64 {
        get { withUnsafeBytes(of: cpu.pointee.gpr) { $0.load(fromByteOffset: 8 * i, as: UInt64.self) } }
        set { withUnsafeMutableBytes(of: &cpu.pointee.gpr) { $0.storeBytes(of: newValue, toByteOffset: 8 * i, as: UInt64.self) } }
    }

    func compile(_ block: IRBlock, tbIndex: UInt32 = 7) throws -> CompiledBlock {
        try block.verify()
        if let compiled = jit.compile(block, tbIndex: tbIndex) { return compiled }
        jit.flush()
        guard let compiled = jit.compile(block, tbIndex: tbIndex) else { throw JIT.Failure(description: "compile failed") }
        return compiled
    }

    /// Compiles and runs `block`; returns the exit value.
    @discardableResult
    func run(_ block: IRBlock, tbIndex: UInt32 = 7) throws -> UInt64 {
        let compiled = try compile(block, tbIndex: tbIndex)
        return jit.enter(cpu, compiled.entry)
    }
}
