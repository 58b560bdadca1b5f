import CCPU
import IR

/// The IR → x86-64 compiler and the owner of the code it produced.
///
/// `compile`, `patchGotoTB` and `flush` are for one thread at a time (the runtime's
/// translation lock); `enter` may run on any number of threads at once.
public final class JIT {
    public let buffer: CodeBuffer
    public let entry: EntryTrampoline
    public let features: HostFeatures

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// Why the last `compile` returned nil.
    public enum CompileFailure: Sendable {
        /// The code buffer is full: flush and compile again.
        case bufferFull
        /// The block keeps more values alive than the frame has spill slots; flushing does not
        /// help (translate a shorter block or interpret this one).
        case tooManySpillSlots
    }

    public private(set) var lastFailure: CompileFailure?
    /// Labels and pending branches of the block being compiled, kept from block to block.
    private let encoderStorage = EncoderStorage()
    private let exits: ExitPaths

    /// `codeBufferBytes` is the code cache size (at most 1 GiB, so every rel32 inside it reaches);
    /// `features` defaults to what the host CPU reports.
    public init(codeBufferBytes: Int = 64 << 20, features: HostFeatures? = nil) throws {
        guard codeBufferBytes <= 1 << 30 else { throw Failure(description: "code buffer larger than 1 GiB") }
        buffer = try CodeBuffer(capacity: codeBufferBytes)
        entry = try EntryTrampoline(buffer: buffer)
        exits = ExitPaths(entry)
        let detected = HostFeatures.detect(using: buffer)
        self.features = features ?? detected
        buffer.reserveAppended()
    }

    /// Compiles `block`; nil when the code buffer is full (flush and retry) or, rarely, when the
    /// block needs more than `EntryTrampoline.spillSlots` spill slots (see `lastFailure`).
    /// The code is assembled in place, at the buffer's next free address.
    ///
    /// With `runCounter`, the block counts its runs down from the counter's value and leaves
    /// with MIMIC_EXIT_HOT when it reaches zero (the runtime's tier-up: a block translated
    /// without the optimizer is translated again, optimized, and `patchEntry` sends its callers
    /// there).
    public func compile(_ block: IRBlock, tbIndex: UInt32, runCounter: UnsafeMutablePointer<Int32>? = nil) -> CompiledBlock? {
        lastFailure = .bufferFull
        guard !buffer.isFull else { return nil }
        let arena = ScratchArena.current
        let mark = arena.mark
        defer { arena.release(to: mark) }
        let asm = X86Encoder(origin: UInt(bitPattern: buffer.nextAddress), destination: buffer.nextWritable,
                             capacity: buffer.remaining, storage: encoderStorage)
        return block.insts.withUnsafeBufferPointer { insts in
            block.temps.withUnsafeBufferPointer { temps in
                var compiler = BlockCompiler(block: block, insts: insts, temps: temps, tbIndex: tbIndex,
                                             runCounter: runCounter, asm: asm, exits: exits, features: features,
                                             arena: arena)
                guard compiler.compile() else {
                    lastFailure = .tooManySpillSlots
                    return nil
                }
                // Code that outgrew the buffer went on in the encoder's own memory: flush and retry.
                guard compiler.asm.writesInPlace else { return nil }
                let size = compiler.asm.offset
                let code = buffer.commit(size)
                lastFailure = nil
                let hostToGuest = Array(UnsafeBufferPointer(start: compiler.hostToGuest, count: compiler.hostToGuestCount))
                return CompiledBlock(entry: code, size: size, gotoTBJumpOffsets: compiler.gotoTBJumpOffsets,
                                     entryJumpOffset: compiler.entryJumpOffset, hostToGuest: hostToGuest,
                                     hostInstructionCount: compiler.asm.instructionCount)
            }
        }
    }

    /// Runs from `code` until generated code leaves; returns `tbIndex << 8 | MIMIC_EXIT_*` of the
    /// block that left (just MIMIC_EXIT_EXCEPTION for a page fault found by a bounds check or a
    /// helper that raised, which leave through shared exits; see `EntryTrampoline`).
    @inline(__always)
    public func enter(_ cpu: UnsafeMutablePointer<MimicCPUState>, _ code: UnsafeRawPointer) -> UInt64 {
        entry.enter(cpu, code)
    }

    /// Points goto_tb `slot` of `block` at `target` (another block's entry), or back at its own
    /// exit when `target` is nil. One aligned 4-byte store, so a running thread sees either the
    /// old or the new jump.
    public func patchGotoTB(_ block: CompiledBlock, slot: Int, target: UnsafeRawPointer?) {
        patchJump(at: block.entry, block.gotoTBJumpOffset(slot: slot), to: target)
    }

    /// Sends whatever enters `block` (a block compiled with a run counter) to `target` instead:
    /// its callers' chained jumps and jump-cache entries then reach the new translation.
    public func patchEntry(_ block: CompiledBlock, target: UnsafeRawPointer) {
        patchJump(at: block.entry, block.entryJumpOffset, to: target)
    }

    /// Points the `jmp rel32` at `code + offset` (none when -1) at `target`, or at the
    /// instruction after it when nil, with one aligned 4-byte store.
    private func patchJump(at code: UnsafeRawPointer, _ offset: Int, to target: UnsafeRawPointer?) {
        guard offset >= 0 else { return }
        let next = code + offset + 5
        let displacement = target.map { Int32(truncatingIfNeeded: $0 - next) } ?? 0
        let field = buffer.writableAddress(of: code + offset + 1)
        field.assumingMemoryBound(to: Int32.self).pointee = displacement
    }

    /// Forgets every compiled block (the trampoline stays).
    public func flush() { buffer.reset() }
}
