#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Where the UART's transmitter sends bytes.
public protocol SerialOutput: AnyObject {
    func write(_ byte: UInt8)
    func flush()
}

/// What the UART's receiver sees next from the outside world.
public enum SerialInputEvent: Equatable {
    case byte(UInt8)
    case nothingYet
    case endOfInput
}

/// Where the UART's receiver gets bytes. `peek` must not block: the vCPU polls it.
public protocol SerialInput: AnyObject {
    func peek() -> SerialInputEvent
    /// Consumes the byte `peek` returned.
    func consume()
}

/// Host standard output, line-buffered so a chatty guest does not cost one syscall per byte.
public final class StandardOutputSink: SerialOutput {
    private var buffer: [UInt8] = []
    public init() { buffer.reserveCapacity(4096) }
    public func write(_ byte: UInt8) {
        buffer.append(byte)
        if byte == 0x0A || buffer.count >= 4096 { flush() }
    }
    public func flush() {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + done, $0.count - done) }
            if n <= 0 { if n < 0 && errno == EINTR { continue }; break }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Collects everything the guest transmits; for tests and for comparing accelerators.
public final class CapturedOutput: SerialOutput, @unchecked Sendable {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ byte: UInt8) { bytes.append(byte) }
    public func flush() {}
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A fixed input followed by end of input; for tests.
public final class BufferedInput: SerialInput {
    private let bytes: [UInt8]
    private var next = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public convenience init(_ text: String) { self.init(Array(text.utf8)) }
    public func peek() -> SerialInputEvent { next < bytes.count ? .byte(bytes[next]) : .endOfInput }
    public func consume() { if next < bytes.count { next += 1 } }
}

/// No input ever arrives, and the line never closes (the UART's receiver is idle).
public final class NoInput: SerialInput {
    public init() {}
    public func peek() -> SerialInputEvent { .nothingYet }
    public func consume() {}
}

/// Host standard input, read by a background thread so the vCPU never blocks on it.
public final class StandardInputSource: SerialInput, @unchecked Sendable {
    private let lock = NSLock()
    private var queue: [UInt8] = []
    private var head = 0
    private var ended = false

    public init() {
        // The thread keeps the source alive: a read blocked on the terminal cannot be cancelled.
        let thread = Thread { self.pump() }
        thread.stackSize = 64 << 10
        thread.start()
    }

    private func pump() {
        Interruption.blockInCurrentThread()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            lock.lock()
            if n <= 0 { ended = true; lock.unlock(); return }
            queue.append(contentsOf: chunk[0..<n])
            lock.unlock()
        }
    }

    public func peek() -> SerialInputEvent {
        lock.lock(); defer { lock.unlock() }
        if head < queue.count { return .byte(queue[head]) }
        return ended ? .endOfInput : .nothingYet
    }

    public func consume() {
        lock.lock(); defer { lock.unlock() }
        if head < queue.count { head += 1 }
        if head == queue.count { queue.removeAll(keepingCapacity: true); head = 0 }
    }
}
