import CCPU
import Foundation

/// A guest program for the execution benchmarks: position-independent 64-bit code that ends
/// with HLT, loaded at `loadAddress`, with the guest instructions one run executes counted from
/// the program's structure (not measured), so every backend and the native run are held to the
/// same count.
struct GuestProgram {
    let name: String
    let code: [UInt8]
    /// Where the code stops: each of these bytes is a HLT, which the native copy turns into RET.
    let haltOffsets: [Int]
    /// RCX on entry, the loop count (registers not named here start at zero).
    let rcx: UInt64
    /// Other registers on entry, by number (`MIMIC_RAX`...), for the guest run only.
    var otherRegisters: [(register: Int32, value: UInt64)] = []
    let instructions: Int
    let expectedRAX: UInt64
    /// Guest memory the program needs, code and data.
    let memoryBytes: Int
    /// A fixed host mapping the native run needs, for code that addresses data absolutely.
    let nativeData: (address: UInt64, bytes: Int)?

    static let loadAddress: UInt64 = 0x10000
    static let stackTop: UInt64 = 0x80000

    /// The code with RET where it halts, to be called as a C function.
    var nativeCode: [UInt8] {
        var bytes = code
        for offset in haltOffsets { bytes[offset] = 0xC3 }
        return bytes
    }

    /// `l: add rax, rcx; dec rcx; jnz l; hlt`: the triangular number of RCX, 3 instructions an iteration,
    /// all in one block chained to itself.
    static func countingLoop(iterations n: UInt64) -> GuestProgram {
        GuestProgram(
            name: "add/dec/jnz loop",
            code: [
                0x48, 0x01, 0xC8,  // l: add rax, rcx
                0x48, 0xFF, 0xC9,  //    dec rcx
                0x75, 0xF8,        //    jnz l
                0xF4,              //    hlt
            ],
            haltOffsets: [8], rcx: n, instructions: 3 * Int(n) + 1, expectedRAX: n * (n + 1) / 2,
            memoryBytes: 1 << 20, nativeData: nil)
    }

    /// A loop that calls a function every iteration: the call is a chained direct jump, the RET an
    /// indirect one through the jump cache. 5 instructions an iteration.
    static func callLoop(iterations n: UInt64) -> GuestProgram {
        GuestProgram(
            name: "call/ret loop",
            code: [
                0xE8, 0x06, 0x00, 0x00, 0x00,  // l: call f
                0x48, 0xFF, 0xC9,              //    dec rcx
                0x75, 0xF6,                    //    jnz l
                0xF4,                          //    hlt
                0x48, 0x01, 0xC8,              // f: add rax, rcx
                0xC3,                          //    ret
            ],
            haltOffsets: [10], rcx: n, instructions: 5 * Int(n) + 1, expectedRAX: n * (n + 1) / 2,
            memoryBytes: 1 << 20, nativeData: nil)
    }

    /// guest-images/demo/sieve.S (the `mimic demo` guest): counts the primes below 2,000,000 in a
    /// byte array at 0x100000. Mostly the inner loop `cmp; jae; mov byte; add; jmp`, in blocks
    /// chained to each other, with memory stores.
    static func sieve() throws -> GuestProgram {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../guest-images/demo/sieve.S").standardizedFileURL
        let code = try assemble(source)
        guard code.last == 0xF4 else { throw ProgramError(description: "\(source.path) does not end with HLT") }
        let limit = 2_000_000
        return GuestProgram(
            name: "sieve", code: code, haltOffsets: [code.count - 1], rcx: 0,
            instructions: sieveInstructions(below: limit), expectedRAX: 148_933,
            memoryBytes: 4 << 20, nativeData: (0x100000, 0x200000))
    }

    /// The instructions sieve.S executes for `n`, following its control flow: REP STOSB counts
    /// once (as a CPU's instructions-retired counter counts it).
    static func sieveInstructions(below n: Int) -> Int {
        var composite = [Bool](repeating: false, count: n)
        var count = 9  // mov edi; mov esi; mov rcx; mov al; push; rep stosb; pop; xor; mov ebx
        for i in 2..<n {
            count += 4  // outer: cmp rbx, rsi; jae; cmp byte [rdi+rbx], 0; je
            if !composite[i] {
                count += 3  // inc rax; mov rcx, rbx; imul rcx, rbx
                var multiple = i * i
                while multiple < n {
                    composite[multiple] = true
                    count += 5  // inner: cmp rcx, rsi; jae; mov byte; add rcx, rbx; jmp inner
                    multiple += i
                }
                count += 2  // the inner loop's last cmp; jae
            }
            count += 2  // next: inc rbx; jmp outer
        }
        return count + 3  // cmp rbx, rsi; jae done; hlt
    }

    /// The .text of `source` assembled with GNU as, as guest-images/demo/Makefile does.
    static func assemble(_ source: URL) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mimic-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let object = directory.appendingPathComponent("code.o").path, binary = directory.appendingPathComponent("code.bin").path
        for (tool, arguments) in [("as", ["--64", "-o", object, source.path]),
                                  ("objcopy", ["-O", "binary", "-j", ".text", object, binary])] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + arguments
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw ProgramError(description: "\(tool) failed on \(source.path)") }
        }
        guard let data = FileManager.default.contents(atPath: binary) else { throw ProgramError(description: "no output from objcopy") }
        return [UInt8](data)
    }

    struct ProgramError: Error, CustomStringConvertible { var description: String }
}

extension GuestProgram {
    /// Two blocks `distance` bytes apart that jump to each other until RCX reaches zero:
    /// `dec rcx; jz halt; jmp other` in each, 3 instructions a transition. The jump is direct
    /// (chained by the engine) or through a register (RDX holds B, RBX holds A), which goes
    /// through the jump cache.
    static func pingPong(transitions n: UInt64, distance: Int, indirect: Bool) -> GuestProgram {
        func block(at offset: Int, to target: Int, register: UInt8) -> [UInt8] {
            if indirect {
                return [0x48, 0xFF, 0xC9, 0x74, 0x02, 0xFF, 0xE0 | register, 0xF4]  // dec rcx; jz +2; jmp reg; hlt
            }
            let displacement = Int32(target - (offset + 10))
            return [0x48, 0xFF, 0xC9, 0x74, 0x05, 0xE9] + withUnsafeBytes(of: displacement.littleEndian) { Array($0) } + [0xF4]
        }
        let a = block(at: 0, to: distance, register: 2)       // jmp rdx
        let b = block(at: distance, to: 0, register: 3)       // jmp rbx
        var code = [UInt8](repeating: 0xCC, count: distance + b.count)
        code.replaceSubrange(0..<a.count, with: a)
        code.replaceSubrange(distance..<distance + b.count, with: b)
        let memory = (Int(loadAddress) + code.count + (1 << 20) - 1) / (1 << 20) * (1 << 20)
        return GuestProgram(
            name: "ping-pong", code: code, haltOffsets: [a.count - 1, distance + b.count - 1], rcx: n,
            otherRegisters: [(Int32(MIMIC_RBX), loadAddress), (Int32(MIMIC_RDX), loadAddress + UInt64(distance))],
            instructions: 3 * Int(n), expectedRAX: 0, memoryBytes: max(memory, 1 << 20), nativeData: nil)
    }
}
