import CNativeRunner
#if canImport(Glibc)
import Glibc
#endif

/// The real CPU: runs a snippet at `Layout.code` through the C native runner.
enum NativeCPU {
    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    /// Maps the fixed code and data regions (once per process).
    static func setUp() throws {
        let error = native_runner_setup()
        if error != 0 {
            throw SetupError(description: "native runner cannot map its fixed regions at 0x\(hex(Layout.code)): \(String(cString: strerror(error)))")
        }
    }

    /// Instructions this CPU lacks (it would run them as something else, or raise #UD), so it
    /// cannot be the oracle for them.
    static let unsupportedMnemonics: Set<Mnemonic> = {
        func cpuid(_ leaf: UInt32) -> [UInt32] {
            var out = [UInt32](repeating: 0, count: 4)
            native_cpuid(leaf, 0, &out)
            return out
        }
        let none: [UInt32] = [0, 0, 0, 0]
        let basic = cpuid(1)
        let structured = cpuid(0)[0] >= 7 ? cpuid(7) : none
        let extended = cpuid(0x8000_0000)[0] >= 0x8000_0001 ? cpuid(0x8000_0001) : none
        var missing: Set<Mnemonic> = []
        if extended[2] & 1 << 5 == 0 { missing.insert(.lzcnt) }                     // ABM: else BSR
        if structured[1] & 1 << 3 == 0 { missing.formUnion([.tzcnt, .andn, .bextr, .blsi, .blsmsk, .blsr]) }   // BMI1
        if structured[1] & 1 << 8 == 0 { missing.formUnion([.bzhi, .mulx, .pdep, .pext, .rorx, .sarx, .shlx, .shrx]) } // BMI2
        if structured[1] & 1 << 19 == 0 { missing.formUnion([.adcx, .adox]) }       // ADX
        if basic[2] & 1 << 22 == 0 { missing.insert(.movbe) }
        if basic[2] & 1 << 20 == 0 { missing.insert(.crc32) }                        // SSE4.2
        if basic[2] & 1 << 13 == 0 { missing.insert(.cmpxchg16b) }                   // CX16
        return missing
    }()

    /// Runs `code` from `input` with the data region holding `data`. A snippet that runs to its
    /// end reports rip as `Layout.code + code.count + 1`, where Mimic stops after the HLT that
    /// ends the same snippet there.
    /// `vector`, an FXSAVE image, is loaded before the snippet when given, and the outcome then
    /// carries the image the snippet ended with.
    static func run(code: [UInt8], input: MachineState, data: [UInt8], vector: [UInt8]? = nil) -> Outcome {
        precondition(data.count == Layout.dataSize)
        let region = native_data_region()!
        data.withUnsafeBytes { region.update(from: $0.bindMemory(to: UInt8.self).baseAddress!, count: data.count) }

        var state = NativeState()
        withUnsafeMutableBytes(of: &state.gpr) { raw in
            for i in 0..<16 { raw.storeBytes(of: input.gpr[i], toByteOffset: i * 8, as: UInt64.self) }
        }
        state.rflags = input.flags.rflagsImage
        var result = NativeResult()
        var vectorOut = [UInt8](repeating: 0, count: Int(NATIVE_FXSAVE_SIZE))
        let status = code.withUnsafeBufferPointer { code in
            guard let vector else { return native_run(code.baseAddress, code.count, &state, &result) }
            return native_run_vector(code.baseAddress, code.count, &state, vector, &result, &vectorOut)
        }

        let after = Array(UnsafeBufferPointer(start: region, count: Layout.dataSize))
        if status != 0 {
            return Outcome(state: input, stop: .other("native run failed: \(String(cString: strerror(status)))"), data: after)
        }
        var final = MachineState()
        withUnsafeBytes(of: result.state.gpr) { raw in
            for i in 0..<16 { final.gpr[i] = raw.load(fromByteOffset: i * 8, as: UInt64.self) }
        }
        final.flags = Flags(rflags: result.state.rflags)
        final.rip = result.state.rip
        let stop: Stop
        switch result.signal {
        case 0:
            stop = .end
            final.rip += 1
        case SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP:
            let vector = Int(result.trapno)
            stop = .fault(vector: vector, address: vector == 14 ? result.fault_address : nil)
        default:
            stop = .other("signal \(result.signal)")
        }
        return Outcome(state: final, stop: stop, data: after, vector: vector == nil ? nil : vectorOut)
    }
}
