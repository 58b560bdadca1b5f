import TCG

/// Guest code the engine tests loop over: `blocks` blocks of `add rax, rcx ; jmp next`, then
/// `dec r8 ; jnz` back to the first, then (with `storingSum`) `mov [rbx], rax`, and `hlt`:
/// r8 rounds of rcx added once per block.
enum ChainedLoop {
    static func code(blocks: Int, storingSum: Bool) -> [UInt8] {
        var code: [UInt8] = []
        for _ in 0..<blocks { code += [0x48, 0x01, 0xC8, 0xEB, 0x00] }
        let loopLength = code.count
        code += [0x49, 0xFF, 0xC8]
        code += [0x0F, 0x85] + withUnsafeBytes(of: Int32(-(loopLength + 3 + 6)).littleEndian, Array.init)
        if storingSum { code += [0x48, 0x89, 0x03] }
        return code + [0xF4]
    }

    /// A JIT engine with the 200-block loop at 0x1000 in fresh guest memory, tiering up after
    /// `runsBeforeOptimizing` runs.
    static func tierUpEngine(runsBeforeOptimizing: Int, storingSum: Bool) throws -> (GuestMemory, Engine) {
        let memory = try GuestMemory(size: 1 << 20)
        memory.write(code(blocks: 200, storingSum: storingSum), at: 0x1000)
        var options = EngineOptions()
        options.runsBeforeOptimizing = runsBeforeOptimizing
        return (memory, try Engine(memory: memory, accel: .jit, options: options))
    }
}
