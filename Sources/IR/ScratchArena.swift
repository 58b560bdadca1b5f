#if canImport(Glibc)
import Glibc
#endif

/// Per-thread memory for the working arrays of the translator's per-block passes (liveness,
/// dead code, register allocation). A block needs a dozen arrays sized by its temps and ops;
/// allocating them as Swift arrays costs a malloc, a free and a generic-metadata lookup each,
/// more than the passes' own work on a typical five-instruction block. Here they are carved
/// from chunks that live as long as the thread and are handed back all at once.
///
///     let arena = ScratchArena.current
///     let mark = arena.mark
///     defer { arena.release(to: mark) }
///     let live = arena.allocate(UInt64.self, count: n, repeating: 0)
public final class ScratchArena {
    public struct Mark: Sendable {
        @usableFromInline var chunk: Int
        @usableFromInline var offset: Int
        @inlinable init(chunk: Int, offset: Int) {
            self.chunk = chunk
            self.offset = offset
        }
    }

    /// The bump pointer, kept behind a pointer: a class's stored `var`s are checked for
    /// exclusive access at run time on every touch, which costs more than the allocation.
    @usableFromInline struct Cursor {
        @usableFromInline var chunk: Int
        @usableFromInline var offset: Int
        /// The current chunk's memory and size.
        @usableFromInline var base: UnsafeMutableRawPointer
        @usableFromInline var size: Int
    }

    @usableFromInline let cursor: UnsafeMutablePointer<Cursor>
    /// Every chunk so far; only the slow paths touch it.
    var chunks: [(base: UnsafeMutableRawPointer, size: Int)] = []
    static let chunkBytes = 256 << 10

    private init() {
        let first = UnsafeMutableRawPointer.allocate(byteCount: Self.chunkBytes, alignment: 16)
        chunks.append((first, Self.chunkBytes))
        cursor = .allocate(capacity: 1)
        cursor.initialize(to: Cursor(chunk: 0, offset: 0, base: first, size: Self.chunkBytes))
    }

    deinit {
        for c in chunks { c.base.deallocate() }
        cursor.deallocate()
    }

    /// The calling thread's arena.
    public static var current: ScratchArena {
        if let p = pthread_getspecific(key) { return Unmanaged<ScratchArena>.fromOpaque(p).takeUnretainedValue() }
        let arena = ScratchArena()
        pthread_setspecific(key, Unmanaged.passRetained(arena).toOpaque())
        return arena
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { p in if let p { Unmanaged<ScratchArena>.fromOpaque(p).release() } }
        return key
    }()

    @inlinable public var mark: Mark { Mark(chunk: cursor.pointee.chunk, offset: cursor.pointee.offset) }

    /// Frees everything allocated since `mark`.
    @inlinable public func release(to mark: Mark) {
        if mark.chunk != cursor.pointee.chunk { enterChunk(mark.chunk) }
        cursor.pointee.offset = mark.offset
    }

    /// `count` values of a trivial type, each `value`, valid until the arena is released past
    /// this point.
    @inlinable
    public func allocate<T>(_ type: T.Type, count: Int, repeating value: T) -> UnsafeMutableBufferPointer<T> {
        let p = allocateUninitialized(type, count: count)
        p.initialize(repeating: value)
        return p
    }

    /// `count` values of a trivial type, not initialized.
    @inlinable
    public func allocateUninitialized<T>(_ type: T.Type, count: Int) -> UnsafeMutableBufferPointer<T> {
        let bytes = (max(count, 1) * MemoryLayout<T>.stride + 15) & ~15
        if cursor.pointee.offset + bytes > cursor.pointee.size { nextChunk(bytes) }
        let p = (cursor.pointee.base + cursor.pointee.offset).bindMemory(to: T.self, capacity: count)
        cursor.pointee.offset += bytes
        return UnsafeMutableBufferPointer(start: p, count: count)
    }

    @usableFromInline @inline(never)
    func enterChunk(_ index: Int) {
        cursor.pointee.chunk = index
        cursor.pointee.base = chunks[index].base
        cursor.pointee.size = chunks[index].size
    }

    @usableFromInline @inline(never)
    func nextChunk(_ bytes: Int) {
        let next = cursor.pointee.chunk + 1
        if next == chunks.count || chunks[next].size < bytes {
            let size = max(Self.chunkBytes, bytes)
            let fresh = (UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16), size)
            if next < chunks.count {
                chunks[next].base.deallocate()
                chunks[next] = fresh
            } else {
                chunks.append(fresh)
            }
        }
        enterChunk(next)
        cursor.pointee.offset = 0
    }
}
