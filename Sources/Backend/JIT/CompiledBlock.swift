/// One translation block's host code, as the runtime keeps it.
public struct CompiledBlock: @unchecked Sendable {
    /// Where the code starts (in the executable view of the code buffer).
    public var entry: UnsafeRawPointer
    /// Bytes of host code, out-of-line exits included.
    public var size: Int
    /// For goto_tb slots 0 and 1: the offset from `entry` of the patchable `jmp rel32`
    /// (its displacement is at +1 and 4-byte aligned), or -1 when the block has no such slot.
    public var gotoTBJumpOffsets: (Int, Int)
    /// The offset from `entry` of the `jmp rel32` that tier-up patches (see `JIT.patchEntry`),
    /// or -1 when the block was compiled without a run counter.
    public var entryJumpOffset: Int
    /// One entry per guest instruction, sorted by host offset: where its host code starts.
    public var hostToGuest: [(hostOffset: UInt32, guestPC: UInt64)]
    public var hostInstructionCount: Int

    public init(entry: UnsafeRawPointer, size: Int, gotoTBJumpOffsets: (Int, Int), entryJumpOffset: Int = -1,
                hostToGuest: [(hostOffset: UInt32, guestPC: UInt64)], hostInstructionCount: Int) {
        self.entry = entry
        self.size = size
        self.gotoTBJumpOffsets = gotoTBJumpOffsets
        self.entryJumpOffset = entryJumpOffset
        self.hostToGuest = hostToGuest
        self.hostInstructionCount = hostInstructionCount
    }

    public func gotoTBJumpOffset(slot: Int) -> Int { slot == 0 ? gotoTBJumpOffsets.0 : gotoTBJumpOffsets.1 }

    /// The guest instruction whose host code contains `hostAddress` (for a fault inside the
    /// block), or nil when the address is outside the block or before its first instruction.
    public func guestPC(atHost hostAddress: UnsafeRawPointer) -> UInt64? {
        let offset = hostAddress - entry
        guard offset >= 0, offset < size else { return nil }
        var result: UInt64?
        for entry in hostToGuest {
            if Int(entry.hostOffset) > offset { break }
            result = entry.guestPC
        }
        return result
    }
}
