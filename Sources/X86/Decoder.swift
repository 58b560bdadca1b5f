/// The processor mode code is decoded in: default operand and address sizes, and whether REX
/// exists (64-bit) or 0x40-0x4F are INC/DEC (32-bit).
public enum CPUMode: UInt8, Sendable {
    case long64
    case protected32
}

/// Decodes x86 machine code into `Instruction`s.
public struct Decoder: Sendable {
    public var mode: CPUMode

    public init(mode: CPUMode = .long64) { self.mode = mode }

    /// Decodes the instruction at the start of `bytes`, which sits at guest `address`.
    /// Returns nil when `bytes` ends before the instruction does (the caller raises a fetch
    /// fault); an invalid encoding decodes to mnemonic `.undefined`.
    public func decode(_ bytes: UnsafeRawBufferPointer, address: UInt64) -> Instruction? {
        nil
    }
}
