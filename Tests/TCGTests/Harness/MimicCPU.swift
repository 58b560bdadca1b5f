import CCPU
import TCG

/// What runs a snippet under Mimic: the JIT with the optimizer (the translation a hot block
/// gets), the JIT without it (every block's first translation, see
/// `EngineOptions.runsBeforeOptimizing`), and the IR interpreter.
enum Backend: String, CaseIterable {
    case tcg
    case tcgUnoptimized = "tcg-unoptimized"
    case interp

    var accel: Accel { self == .interp ? .interp : .jit }
}

/// Mimic: runs the same snippet, followed by HLT, at the same guest address, on a fresh engine
/// and guest memory per run (no translation survives from one snippet to the next).
enum MimicCPU {
    /// `vector`, an FXSAVE image, sets the guest's x87, XMM and MXCSR state when given, and the
    /// outcome then carries the image of the state at the end. `atomicLocks` lifts locked
    /// instructions as host atomics (`EngineOptions.atomicLocks`).
    static func run(code: [UInt8], input: MachineState, data: [UInt8], backend: Backend, vector: [UInt8]? = nil,
                    atomicLocks: Bool = false) -> Outcome {
        let memory: GuestMemory
        let engine: Engine
        do {
            memory = try GuestMemory(size: Layout.guestMemorySize)
            var engineOptions = MimicCPU.options
            engineOptions.atomicLocks = atomicLocks
            // A snippet's blocks run a few times at most: tier-up never comes.
            engineOptions.runsBeforeOptimizing = backend == .tcgUnoptimized ? Int(Int32.max) : 0
            engine = try Engine(memory: memory, accel: backend.accel, options: engineOptions)
        } catch {
            return Outcome(state: input, stop: .other("cannot start Mimic: \(error)"), data: data)
        }
        memory.write(code + [0xF4], at: Layout.code)
        memory.write(data, at: Layout.data)

        let cpu = engine.cpu
        withUnsafeMutableBytes(of: &cpu.pointee.gpr) { raw in
            for i in 0..<16 { raw.storeBytes(of: input.gpr[i], toByteOffset: i * 8, as: UInt64.self) }
        }
        cpu.pointee.rip = Layout.code
        let status: [(Flags, UInt64)] = [(.cf, 0), (.pf, 2), (.af, 4), (.zf, 6), (.sf, 7), (.of, 11)]
        cpu.pointee.flags = status.reduce(0) { $0 | bit(input.flags, $1.0) << $1.1 }
        cpu.pointee.df = bit(input.flags, .df)
        cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
        if let vector { VectorImage.store(vector, into: cpu) }

        let reason = engine.run()

        var final = MachineState()
        withUnsafeBytes(of: cpu.pointee.gpr) { raw in
            for i in 0..<16 { final.gpr[i] = raw.load(fromByteOffset: i * 8, as: UInt64.self) }
        }
        final.rip = cpu.pointee.rip
        let state = cpu.pointee
        let named: [(Flags, UInt64)] = status.map { ($0.0, state.flags >> $0.1 & 1) } + [(.df, state.df)]
        final.flags = Flags(named.filter { $0.1 != 0 }.map(\.0))
        let stop: Stop
        switch reason {
        case .halt:
            stop = .end
        case .exception(let vector, _, let address):
            stop = .fault(vector: vector, address: vector == 14 ? address : nil)
        case .syscall:
            stop = .other("syscall")
        }
        return Outcome(state: final, stop: stop, data: memory.read(Layout.dataSize, at: Layout.data),
                       vector: vector == nil ? nil : VectorImage.load(from: cpu))
    }

    /// Snippets are tiny: a small code buffer keeps a fresh engine per case cheap.
    private static let options: EngineOptions = {
        var options = EngineOptions()
        options.codeBufferBytes = 1 << 20
        return options
    }()

    private static func bit(_ flags: Flags, _ flag: Flags) -> UInt64 { flags.contains(flag) ? 1 : 0 }
}
