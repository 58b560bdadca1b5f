import Backend
import IR
import Lifter
import X86

/// What the logs and the explain recorder see of one translation: the guest instructions, the
/// IR before and after the optimizer, the host code. Gathered as the block is translated and
/// published once it is in the cache, so a translation that is retried (full code buffer)
/// is shown once.
struct TranslationObserver {
    let pc: UInt64
    /// The per-block log items that apply to this block (after `-dfilter`).
    let items: LogItems
    let recorder: TranslationRecorder?
    private var instructions: [Instruction] = []
    private var unoptimized: IRBlock?
    private var optimized: IRBlock?
    private var compiled: CompiledBlock?

    init(_ options: EngineOptions, pc: UInt64) {
        self.pc = pc
        items = options.logFilter.contains(pc) ? options.log.intersection(LogItems.translation) : []
        recorder = options.recorder
    }

    var wantsInstructions: Bool { items.contains(.inAsm) || recorder != nil }

    mutating func lifted(_ block: LiftedBlock) {
        if let kept = block.instructions { instructions = kept }
        if items.contains(.op) || recorder != nil { unoptimized = block.ir }
    }

    mutating func optimized(_ ir: IRBlock) {
        if items.contains(.opOpt) || recorder != nil { optimized = ir }
    }

    mutating func compiled(_ block: CompiledBlock) {
        compiled = block
    }

    /// Writes the block's logs and hands it to the recorder.
    func publish(to sink: LogSink, end: UInt64, executions: UnsafePointer<UInt64>?) {
        if items.contains(.inAsm) { sink.write(BlockLog.guestInstructions(instructions)) }
        if items.contains(.op), let unoptimized { sink.write(BlockLog.ir("OP", unoptimized)) }
        if items.contains(.opOpt), let optimized { sink.write(BlockLog.ir("OP after optimization", optimized)) }
        if items.contains(.outAsm), let compiled { sink.write(BlockLog.hostCode(compiled)) }
        if let recorder, let unoptimized, let optimized {
            recorder.records.append(TranslationRecord(
                guestPC: pc, guestEnd: end, instructions: instructions, unoptimized: unoptimized,
                optimized: optimized, hostCode: compiled.map(HostCode.disassemble), executions: executions))
        }
    }
}

/// For `mimic explain`: every block the engine translated, each stage kept.
public final class TranslationRecorder: @unchecked Sendable {
    public internal(set) var records: [TranslationRecord] = []
    public init() {}
}

/// One translation as the explain page shows it.
public struct TranslationRecord {
    public var guestPC: UInt64
    /// The address after the block's last instruction.
    public var guestEnd: UInt64
    public var instructions: [Instruction]
    public var unoptimized: IRBlock
    public var optimized: IRBlock
    /// The host code cut at guest instructions; nil under the interpreter.
    public var hostCode: [HostCode.Group]?
    /// The block's execution counter (with `EngineOptions.countExecutions`), valid while the
    /// engine lives.
    public var executions: UnsafePointer<UInt64>?

    /// How many times the block ran (0 when the engine did not count).
    public var executionCount: UInt64 { executions?.pointee ?? 0 }
}
