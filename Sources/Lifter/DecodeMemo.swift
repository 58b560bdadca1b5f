#if canImport(Glibc)
import Glibc
#endif
import X86

/// The instructions the flag look-ahead decoded, kept per thread for the translations that
/// follow: the successor a block looked at is usually translated soon after (execution goes
/// there next), and its first instructions are then copied instead of decoded again.
///
/// An entry is used only where the bytes at its address are still its encoding (compared
/// every time: code may have been rewritten or remapped since) and at least one byte more is
/// fetchable than it is long: a decode that succeeded depends on nothing else, save the one
/// byte after fifteen that makes an over-long encoding #UD rather than a fetch fault.
struct DecodeMemo {
    struct Entry {
        var address: UInt64
        var encoding: Encoding
        var mode: CPUMode
        var insn: Instruction
    }

    /// Up to 15 instruction bytes, zero-padded.
    struct Encoding: Equatable {
        var low: UInt64 = 0
        var high: UInt64 = 0

        init() {}

        @inline(__always)
        init(_ bytes: UnsafeRawPointer, count: Int) {
            withUnsafeMutableBytes(of: &self) { $0.baseAddress!.copyMemory(from: bytes, byteCount: count) }
        }
    }

    static let entryCount = 128
    let entries: UnsafeMutablePointer<Entry>

    /// The calling thread's memo.
    static var current: DecodeMemo {
        if let p = pthread_getspecific(key) { return DecodeMemo(entries: p.assumingMemoryBound(to: Entry.self)) }
        let entries = UnsafeMutablePointer<Entry>.allocate(capacity: entryCount)
        // Length 0 marks an empty entry: every decoded instruction has at least one byte.
        entries.initialize(repeating: Entry(address: 0, encoding: Encoding(), mode: .long64,
                                            insn: Instruction(mnemonic: .undefined, address: 0, length: 0)),
                           count: entryCount)
        pthread_setspecific(key, entries)
        return DecodeMemo(entries: entries)
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { p in p?.assumingMemoryBound(to: Entry.self).deallocate() }
        return key
    }()

    @inline(__always)
    static func slot(_ address: UInt64) -> Int {
        Int(truncatingIfNeeded: (address &* 0x9E37_79B9_7F4A_7C15) >> 57)
    }

    /// Copies the instruction decoded earlier at `address` from `bytes` (the fetchable code from
    /// there on, `available` bytes) into `insn`; false when there is none.
    @inline(__always)
    func recall(_ address: UInt64, mode: CPUMode, bytes: UnsafeRawPointer, available: Int, into insn: inout Instruction) -> Bool {
        let e = entries + Self.slot(address)
        let length = Int(e.pointee.insn.length)
        guard e.pointee.address == address, length > 0, available > length, e.pointee.mode == mode,
              e.pointee.encoding == Encoding(bytes, count: length) else { return false }
        insn = e.pointee.insn
        return true
    }

    /// Keeps `insn`, just decoded from `bytes`.
    @inline(__always)
    func remember(_ insn: Instruction, mode: CPUMode, bytes: UnsafeRawPointer) {
        let e = entries + Self.slot(insn.address)
        e.pointee.address = insn.address
        e.pointee.mode = mode
        e.pointee.encoding = Encoding(bytes, count: Int(insn.length))
        e.pointee.insn = insn
    }
}

