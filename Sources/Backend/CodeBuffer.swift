#if canImport(Glibc)
import Glibc
#endif

/// Executable memory that is never writable and executable at the same time in any mapping.
///
/// One memfd holds the code; it is mapped twice: a read-write view where the JIT writes and
/// patches, and a read-execute view where the code runs (the "split W^X" layout). Both views
/// show the same pages, so a write through one is visible through the other at once; x86 keeps
/// instruction fetch coherent with stores, so no cache maintenance is needed.
///
/// Allocation is a bump pointer; `reset()` forgets every block (a full flush).
public final class CodeBuffer {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Where code is written.
    public let writable: UnsafeMutableRawPointer
    /// Where the same code runs.
    public let executable: UnsafeRawPointer
    public let capacity: Int
    /// Bytes handed out so far.
    public private(set) var used = 0
    /// Bytes at the start that survive `reset()` (the entry trampoline lives there).
    public private(set) var reserved = 0
    private let fd: Int32

    /// Blocks start at this alignment (a cache-line fraction that keeps branch targets aligned).
    public static let blockAlignment = 16

    public init(capacity requested: Int = 64 << 20) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        capacity = max(page, (requested + page - 1) / page * page)
        // memfd_create is not exported by the Glibc module (it needs _GNU_SOURCE), so it is
        // looked up in libc at run time.
        typealias MemfdCreate = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32
        guard let symbol = dlsym(nil, "memfd_create") else { throw Failure(description: "memfd_create not available") }
        let memfdCreate = unsafeBitCast(symbol, to: MemfdCreate.self)
        let MFD_CLOEXEC: UInt32 = 1
        fd = memfdCreate("mimic-code", MFD_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "memfd_create: \(String(cString: strerror(errno)))") }
        guard ftruncate(fd, off_t(capacity)) == 0 else {
            close(fd)
            throw Failure(description: "ftruncate: \(String(cString: strerror(errno)))")
        }
        let rw = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let rw, rw != MAP_FAILED else {
            close(fd)
            throw Failure(description: "mmap rw: \(String(cString: strerror(errno)))")
        }
        let rx = mmap(nil, capacity, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0)
        guard let rx, rx != MAP_FAILED else {
            munmap(rw, capacity)
            close(fd)
            throw Failure(description: "mmap rx: \(String(cString: strerror(errno)))")
        }
        writable = rw
        executable = UnsafeRawPointer(rx)
    }

    deinit {
        munmap(writable, capacity)
        munmap(UnsafeMutableRawPointer(mutating: executable), capacity)
        close(fd)
    }

    /// The executable address the next allocation will start at.
    public var nextAddress: UnsafeRawPointer { executable + alignedUsed }

    public var remaining: Int { capacity - alignedUsed }

    /// True when not even an empty block would fit.
    public var isFull: Bool { remaining <= 0 }

    private var alignedUsed: Int { min(capacity, (used + Self.blockAlignment - 1) & ~(Self.blockAlignment - 1)) }

    /// Copies `code` in at `nextAddress` and returns its executable address, or nil when it does
    /// not fit. The code must have been assembled for that address.
    public func append(_ code: [UInt8]) -> UnsafeRawPointer? {
        guard code.count <= remaining else { return nil }
        code.withUnsafeBytes { nextWritable.copyMemory(from: $0.baseAddress!, byteCount: code.count) }
        return commit(code.count)
    }

    /// The writable alias of `nextAddress`: code may be assembled in place there (at most
    /// `remaining` bytes) and then taken with `commit`.
    public var nextWritable: UnsafeMutableRawPointer { writable + alignedUsed }

    /// Takes the `count` bytes written at `nextWritable` as one block; returns its executable
    /// address.
    public func commit(_ count: Int) -> UnsafeRawPointer {
        let start = alignedUsed
        precondition(count >= 0 && count <= capacity - start, "more code than the buffer holds")
        used = start + count
        return executable + start
    }

    /// Makes everything appended so far survive `reset()`.
    public func reserveAppended() { reserved = used }

    /// Forgets every block appended since the last `reserveAppended()`.
    public func reset() { used = reserved }

    /// The writable alias of an executable address inside the buffer.
    @inline(__always)
    public func writableAddress(of code: UnsafeRawPointer) -> UnsafeMutableRawPointer {
        writable + (code - executable)
    }

    public func contains(_ code: UnsafeRawPointer) -> Bool {
        code >= executable && code < executable + capacity
    }
}
