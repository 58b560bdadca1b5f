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

    @usableFromInline var chunks: [(base: UnsafeMutableRawPointer, size: Int)] = []
    @usableFromInline var chunk = 0
    @usableFromInline var offset = 0
    static let chunkBytes = 256 << 10

    private init() {
        chunks.append((UnsafeMutableRawPointer.allocate(byteCount: Self.chunkBytes, alignment: 16), Self.chunkBytes))
    }

    deinit { for c in chunks { c.base.deallocate() } }

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

    @inlinable public var mark: Mark { Mark(chunk: chunk, offset: offset) }

    /// Frees everything allocated since `mark`.
    @inlinable public func release(to mark: Mark) {
        chunk = mark.chunk
        offset = mark.offset
    }

    /// `count` values of a trivial type, each `value`, valid until the arena is released past
    /// this point.
    @inlinable
    public func allocate<T>(_ type: T.Type, count: Int, repeating value: T) -> UnsafeMutableBufferPointer<T> {
        let bytes = (max(count, 1) * MemoryLayout<T>.stride + 15) & ~15
        if offset + bytes > chunks[chunk].size { nextChunk(bytes) }
        let p = (chunks[chunk].base + offset).bindMemory(to: T.self, capacity: count)
        offset += bytes
        p.initialize(repeating: value, count: count)
        return UnsafeMutableBufferPointer(start: p, count: count)
    }

    @usableFromInline @inline(never)
    func nextChunk(_ bytes: Int) {
        chunk += 1
        offset = 0
        if chunk < chunks.count, chunks[chunk].size >= bytes { return }
        let size = max(Self.chunkBytes, bytes)
        let fresh = (UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16), size)
        if chunk < chunks.count {
            chunks[chunk].base.deallocate()
            chunks[chunk] = fresh
        } else {
            chunks.append(fresh)
        }
    }
}
