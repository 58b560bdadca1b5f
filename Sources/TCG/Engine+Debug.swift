import CCPU
import Lifter
import X86

/// What stopped the guest for a debugger.
public enum DebugEvent: Equatable, Sendable {
    /// One instruction ran.
    case stepped
    /// The guest reached a breakpoint (rip is the breakpoint's address, its instruction not run).
    case breakpoint
    /// The debugger asked the guest to stop (rip is the next instruction to run).
    case interrupted
    /// The guest stopped by itself: halt, exception or syscall, as `Engine.run` reports it.
    case stopped(StopReason)
}

/// The engine's state while a debugger is attached.
struct DebugState {
    var breakpoints: Set<UInt64> = []
}

/// Running under a debugger. While one is attached, blocks are neither chained nor found
/// through the jump cache, so every block comes back to the debug loop; a block never runs
/// past a breakpoint (translation cuts it before the breakpoint's address), and a step runs
/// a one-instruction translation.
extension Engine {
    nonisolated(unsafe) static let emptyJumpCache: UnsafeMutablePointer<MimicJumpCacheEntry> = {
        let table = UnsafeMutablePointer<MimicJumpCacheEntry>.allocate(capacity: Engine.jumpCacheEntries)
        table.initialize(repeating: MimicJumpCacheEntry(tag: ~0, code: 0), count: Engine.jumpCacheEntries)
        return table
    }()

    public var isDebuggerAttached: Bool { debugger != nil }

    public func attachDebugger() {
        guard debugger == nil else { return }
        debugger = DebugState()
        chaining = false
        cpu.pointee.jump_cache = UInt64(UInt(bitPattern: Engine.emptyJumpCache))
        // Chains patched before now would jump past the debug loop; the translations stay.
        cache.unchainAll()
    }

    /// Forgets the breakpoints; `run()` goes on at full speed.
    public func detachDebugger() {
        guard debugger != nil else { return }
        debugger = nil
        chaining = !options.log.contains(.nochain)
        if chaining { cpu.pointee.jump_cache = UInt64(UInt(bitPattern: jumpCache)) }
    }

    public var breakpoints: Set<UInt64> { debugger?.breakpoints ?? [] }

    /// Only the translations covering `pc` are replaced: the debug loop passes over a block
    /// that runs across a breakpoint (`crossesBreakpoint`) and translates one that stops
    /// short of it in its place; nothing is flushed.
    public func insertBreakpoint(at pc: UInt64) {
        attachDebugger()
        debugger!.breakpoints.insert(pc)
    }

    public func removeBreakpoint(at pc: UInt64) {
        debugger?.breakpoints.remove(pc)
    }

    /// Runs one guest instruction.
    public func step() -> DebugEvent {
        attachDebugger()
        cpu.pointee.request = UInt64(MIMIC_REQ_NONE)
        while true {
            guard let stopped = stepOneInstruction() else { return .stepped }
            if handledCodeWrite(stopped) { continue }
            return .stopped(stopped)
        }
    }

    /// Runs until a breakpoint, until the guest stops, or until `interrupted()` (asked every
    /// few hundred blocks) returns true. The instruction at rip runs even when it has a breakpoint.
    public func resume(interrupted: () -> Bool) -> DebugEvent {
        attachDebugger()
        let traceExec = !options.log.isDisjoint(with: .blockEntry)
        var first = true
        var blocksRun = 0
        serveSystemChange()
        while true {
            let pc = cpu.pointee.rip
            if !first, debugger!.breakpoints.contains(pc) { return .breakpoint }
            blocksRun += 1
            if blocksRun & 255 == 0, interrupted() { return .interrupted }
            let (index, generation) = withCacheLock { () -> (Int32, UInt64) in
                let cached = cache.lookup(blockKey(pc)).flatMap { crossesBreakpoint(blocks[Int($0)]) ? nil : $0 }
                return (cached ?? translate(pc, maxInstructions: instructionsBeforeBreakpoint(after: pc)), cache.generation)
            }
            // System mode: the code at pc cannot be fetched (the fault is in the CPU state).
            if index < 0 { return .stopped(stop(Int32(MIMIC_EXIT_EXCEPTION))) }
            // Other threads' engines share the cache: their flushes wait for this block to end
            // (see `TranslationCache.enterCode`); after one, look the block up again.
            guard cache.enterCode(inCode, generation: generation) else { continue }
            first = false
            if traceExec { traceEntry(index) }
            cpu.pointee.exception = UInt64(MIMIC_EXC_NONE)
            cpu.pointee.request = UInt64(MIMIC_REQ_NONE)
            let reason: Int32
            if let compiled = blocks[Int(index)].compiled {
                reason = Int32(truncatingIfNeeded: jit!.enter(cpu, compiled.entry) & 0xFF)
            } else {
                reason = interpreter.run(blocks[Int(index)].interpreted!, cpu: cpu)
            }
            cache.leaveCode(inCode)
            counts.entries += 1
            switch reason {
            case Int32(MIMIC_EXIT_CHAIN0), Int32(MIMIC_EXIT_CHAIN1), Int32(MIMIC_EXIT_LOOKUP):
                continue
            case Int32(MIMIC_EXIT_HOT):
                optimizeHotBlock(index, generation: generation)
                continue
            default:
                if servedSystemRequest(reason) { continue }
                let stopped = stop(reason)
                if handledCodeWrite(stopped) {
                    if let after = stepOneInstruction() { return .stopped(after) }
                    continue
                }
                return .stopped(stopped)
            }
        }
    }

    /// The instruction at rip on its own (see `stepWithoutMarkingCode`); in system mode the
    /// code must be fetchable first, and a change of mode or mappings it makes is served.
    private func stepOneInstruction() -> StopReason? {
        serveSystemChange()
        if system != nil, !systemCodeIsFetchable(cpu.pointee.rip) { return stop(Int32(MIMIC_EXIT_EXCEPTION)) }
        let stopped = stepWithoutMarkingCode()
        if system != nil, stopped == .halt, cpu.pointee.request == UInt64(MIMIC_REQ_SYSTEM) {
            cpu.pointee.request = UInt64(MIMIC_REQ_NONE)
            serveSystemChange()
            return nil
        }
        return stopped
    }

    /// A write to a page holding translated code: the translations go (as in `run()`).
    private func handledCodeWrite(_ stopped: StopReason) -> Bool {
        guard case .exception(vector: Int(MIMIC_EXC_PF), let errorCode, let address) = stopped,
              errorCode & 2 != 0, memory.isCodeWriteFault(address) else { return false }
        memory.releaseCode(page: Int(address >> UInt64(MIMIC_PAGE_SHIFT)))
        counts.codeInvalidations += 1
        return true
    }

    private func crossesBreakpoint(_ tb: TranslationBlock) -> Bool {
        debugger!.breakpoints.contains { $0 > tb.guestPC && $0 < tb.guestEnd }
    }

    /// How many instructions from `pc` come before the nearest breakpoint after it; nil when
    /// no breakpoint is within a block's reach.
    private func instructionsBeforeBreakpoint(after pc: UInt64) -> Int? {
        let reach = UInt64(16 * options.maxBlockInstructions)
        guard let next = debugger!.breakpoints.filter({ $0 > pc && $0 - pc < reach }).min() else { return nil }
        let code: UnsafeRawBufferPointer, decoder: Decoder
        if let system {
            code = systemCode(system, at: pc).0
            decoder = Decoder(mode: LifterOptions.system(flags: system.translationFlags.pointee).0)
        } else {
            guard pc < UInt64(memory.size) else { return nil }
            code = UnsafeRawBufferPointer(start: memory.base + Int(pc), count: memory.size - Int(pc))
            decoder = Decoder(mode: .long64)
        }
        var offset = 0
        var count = 0
        while pc + UInt64(offset) < next, count < options.maxBlockInstructions, offset < code.count {
            let bytes = UnsafeRawBufferPointer(rebasing: code[offset..<min(code.count, offset + 15)])
            guard let insn = decoder.decode(bytes, address: pc + UInt64(offset)), insn.length > 0 else { break }
            offset += Int(insn.length)
            count += 1
        }
        return max(1, count)
    }
}

extension Engine {
    /// EFLAGS as the guest reads it with PUSHF; setting it splits it into the state's parts.
    public var guestEFLAGS: UInt64 {
        get { CPULog.eflags(cpu) }
        set {
            let status: UInt64 = 0x8D5  // CF PF AF ZF SF OF
            cpu.pointee.flags = newValue & status
            cpu.pointee.df = newValue >> 10 & 1
            cpu.pointee.eflags_rest = newValue & ~(status | 1 << 10) | 2
        }
    }
}
