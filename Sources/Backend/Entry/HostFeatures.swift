/// Optional host instructions the JIT uses when present. Each has a fallback, so tests can
/// turn them off and compare both lowerings.
public struct HostFeatures: Sendable, Equatable {
    /// SHLX/SHRX/SARX: shifts by any register, flags untouched.
    public var bmi2: Bool
    /// ANDN and TZCNT.
    public var bmi1: Bool
    /// LZCNT (AMD's ABM; Intel since Haswell).
    public var lzcnt: Bool
    /// POPCNT. Without it `ctpop` is computed with the bit-slicing sequence.
    public var popcnt: Bool

    public init(bmi2: Bool, bmi1: Bool, lzcnt: Bool, popcnt: Bool) {
        self.bmi2 = bmi2
        self.bmi1 = bmi1
        self.lzcnt = lzcnt
        self.popcnt = popcnt
    }

    /// The x86-64 baseline: none of the optional instructions.
    public static let baseline = HostFeatures(bmi2: false, bmi1: false, lzcnt: false, popcnt: false)

    /// Asks the host with CPUID, run from a stub assembled into `buffer` (Swift has no
    /// inline assembly). The stub stays in the buffer's reserved area.
    public static func detect(using buffer: CodeBuffer) -> HostFeatures {
        // void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]): out = eax, ebx, ecx, edx.
        var e = X86Encoder(origin: UInt(bitPattern: buffer.nextAddress))
        e.push(.rbx)
        e.mov(.b64, .r8, .rdx)
        e.mov(.b32, .rax, .rdi)
        e.mov(.b32, .rcx, .rsi)
        e.cpuid()
        for (i, r) in [GPR.rax, .rbx, .rcx, .rdx].enumerated() { e.mov(.b32, Mem(.r8, Int32(4 * i)), r) }
        e.pop(.rbx)
        e.ret()
        guard let code = buffer.append(e.bytes) else { return .baseline }
        let stub = unsafeBitCast(code, to: (@convention(c) (UInt32, UInt32, UnsafeMutablePointer<UInt32>) -> Void).self)
        func cpuid(_ leaf: UInt32) -> (eax: UInt32, ebx: UInt32, ecx: UInt32) {
            var out: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
            withUnsafeMutablePointer(to: &out) { stub(leaf, 0, UnsafeMutableRawPointer($0).assumingMemoryBound(to: UInt32.self)) }
            return (out.0, out.1, out.2)
        }
        let maxLeaf = cpuid(0).eax, maxExtended = cpuid(0x8000_0000).eax
        let leaf1 = cpuid(1)
        let leaf7 = maxLeaf >= 7 ? cpuid(7) : (eax: 0, ebx: 0, ecx: 0)
        let extended = maxExtended >= 0x8000_0001 ? cpuid(0x8000_0001) : (eax: 0, ebx: 0, ecx: 0)
        return HostFeatures(bmi2: leaf7.ebx & (1 << 8) != 0,
                            bmi1: leaf7.ebx & (1 << 3) != 0,
                            lzcnt: extended.ecx & (1 << 5) != 0,
                            popcnt: leaf1.ecx & (1 << 23) != 0)
    }
}
