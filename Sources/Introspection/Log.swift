#if canImport(Glibc)
import Glibc
#endif

/// The process-wide log: what `-d`, `-D` and `-dfilter` asked for, for every component that
/// logs (the engine, the Linux syscall layer, the KVM accelerator, the machine). The command
/// line configures it once, before any guest runs.
public enum Log {
    nonisolated(unsafe) public private(set) static var items: LogItems = []
    nonisolated(unsafe) public private(set) static var sink: LogSink = .standardError
    nonisolated(unsafe) public private(set) static var filter: AddressFilter = .everything

    public static func configure(items: LogItems, sink: LogSink, filter: AddressFilter = .everything) {
        Log.items = items
        Log.sink = sink
        Log.filter = filter
    }

    @inline(__always)
    public static func isEnabled(_ item: LogItems) -> Bool { items.contains(item) }

    /// Writes `text` when `item` is enabled; the text is not built otherwise.
    @inline(__always)
    public static func write(_ item: LogItems, _ text: @autoclosure () -> String) {
        if items.contains(item) { sink.write(text()) }
    }

    /// `-d unimp`: something the guest used that Mimic does not implement, e.g.
    /// `Log.unimplemented("syscall 442 (unknown) at 0x401234")`.
    public static func unimplemented(_ what: @autoclosure () -> String) {
        if items.contains(.unimp) { sink.write("unimplemented: " + what() + "\n") }
    }

    /// `-d int`: an exception or interrupt delivered to (or stopping) the guest.
    public static func exception(vector: Int, errorCode: UInt64?, pc: UInt64, faultAddress: UInt64? = nil) {
        if items.contains(.int) {
            sink.write(LogText.exception(vector: vector, errorCode: errorCode, pc: pc, faultAddress: faultAddress))
        }
    }
}

/// Texts shared by the components that log.
public enum LogText {
    /// The exception's mnemonic from the Intel SDM's table of exceptions and interrupts.
    public static func vectorName(_ vector: Int) -> String {
        switch vector {
        case 0: "#DE"
        case 1: "#DB"
        case 2: "NMI"
        case 3: "#BP"
        case 4: "#OF"
        case 5: "#BR"
        case 6: "#UD"
        case 7: "#NM"
        case 8: "#DF"
        case 10: "#TS"
        case 11: "#NP"
        case 12: "#SS"
        case 13: "#GP"
        case 14: "#PF"
        case 16: "#MF"
        case 17: "#AC"
        case 18: "#MC"
        case 19: "#XM"
        case 20: "#VE"
        case 21: "#CP"
        default: vector < 32 ? "reserved" : "interrupt"
        }
    }

    public static func exception(vector: Int, errorCode: UInt64?, pc: UInt64, faultAddress: UInt64?) -> String {
        var line = "Exception: vector \(vector) (\(vectorName(vector))) at pc 0x" + String(pc, radix: 16)
        if let errorCode { line += " error code 0x" + String(errorCode, radix: 16) }
        if let faultAddress { line += " address 0x" + String(faultAddress, radix: 16) }
        return line + "\n"
    }

    public static func hex(_ v: UInt64, width: Int) -> String {
        let s = String(v, radix: 16)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// The monotonic clock in nanoseconds, for components that time themselves without the engine.
public enum MonotonicNanoseconds {
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
