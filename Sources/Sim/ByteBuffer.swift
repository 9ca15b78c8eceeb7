/// A run of bytes in a `ByteBuffer`, by offset, so it stays valid when the buffer grows.
struct BufferPiece {
    var start = 0
    var count = 0
}

/// A growable byte buffer written through a raw pointer: appending a field costs a bounds check
/// and a copy, without an array's uniqueness checks. Its state lives behind a `let` pointer, so
/// appends also skip the runtime exclusivity checks a class's `var` properties would need. The
/// decision log is the largest output of a long run; every field of it is written here.
public final class ByteBuffer {
    private struct State {
        var base: UnsafeMutablePointer<UInt8>
        var count: Int
        var capacity: Int
    }

    private let state: UnsafeMutablePointer<State>

    public init(capacity: Int = 4096) {
        let initial = max(64, capacity)
        // Zeroed, so a 16-byte move out of the buffer's tail (`appendShort`) reads defined bytes.
        let base = UnsafeMutablePointer<UInt8>.allocate(capacity: initial)
        base.initialize(repeating: 0, count: initial)
        state = .allocate(capacity: 1)
        state.initialize(to: State(base: base, count: 0, capacity: initial))
    }

    deinit {
        state.pointee.base.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    public var count: Int { state.pointee.count }
    public var isEmpty: Bool { state.pointee.count == 0 }
    var base: UnsafeMutablePointer<UInt8> { state.pointee.base }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    func reserve(_ extra: Int) {
        if state.pointee.count + extra > state.pointee.capacity { grow(state.pointee.count + extra) }
    }

    private func grow(_ needed: Int) {
        var newCapacity = state.pointee.capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        fresh.initialize(repeating: 0, count: newCapacity)
        fresh.update(from: state.pointee.base, count: state.pointee.count)
        state.pointee.base.deallocate()
        state.pointee.base = fresh
        state.pointee.capacity = newCapacity
    }

    /// Counts `n` bytes already written past the end through `base` (after `reserve`).
    @inline(__always)
    func advance(by n: Int) {
        assert(n >= 0 && state.pointee.count + n <= state.pointee.capacity, "advanced past the reserved room")
        state.pointee.count += n
    }

    /// The bytes that may be written or read from `base` (the 16-byte moves read up to here).
    var capacity: Int { state.pointee.capacity }

    @inline(__always)
    public func append(_ byte: UInt8) {
        reserve(1)
        state.pointee.base[state.pointee.count] = byte
        state.pointee.count += 1
    }

    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(state.pointee.base + state.pointee.count).copyMemory(from: source, byteCount: bytes.count)
        state.pointee.count += bytes.count
    }

    public func append(_ text: String) {
        // Native and small strings give their UTF-8 without a copy or a uniqueness check.
        if text.utf8.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) == nil {
            var copy = text
            copy.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Appends a copy of a piece of this same buffer (room is made first, so growing cannot
    /// move the bytes while they are copied).
    @inline(__always)
    func appendCopy(of piece: BufferPiece) {
        assert(piece.start >= 0 && piece.count >= 0 && piece.start + piece.count <= state.pointee.count,
               "a piece outside the written bytes")
        reserve(piece.count)
        (state.pointee.base + state.pointee.count).update(from: state.pointee.base + piece.start, count: piece.count)
        state.pointee.count += piece.count
    }

    /// At most 16 bytes from `start`, where 16 bytes may be read (a piece of another buffer
    /// with room reserved behind it): one 16-byte move instead of a call to memmove, counted by
    /// its real length.
    @inline(__always)
    func appendShort(_ start: UnsafePointer<UInt8>, count: Int) {
        assert(count >= 0 && count <= 16, "appendShort moves at most 16 bytes")
        reserve(16)
        let to = UnsafeMutableRawPointer(state.pointee.base + state.pointee.count)
        let from = UnsafeRawPointer(start)
        to.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
        to.storeBytes(of: from.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
        state.pointee.count += count
    }

    /// A literal's bytes: no String to look into, and inlined into the caller.
    @inline(__always)
    func appendLiteral(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        reserve(count)
        (state.pointee.base + state.pointee.count).update(from: text.utf8Start, count: count)
        state.pointee.count += count
    }

    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// `count` bytes from `start`, which must not point into this buffer (a growth would move them).
    @inline(__always)
    func append(_ start: UnsafePointer<UInt8>, count: Int) {
        assert(count >= 0)
        assert(start + count <= UnsafePointer(state.pointee.base) || start >= UnsafePointer(state.pointee.base + state.pointee.capacity),
               "bytes inside this buffer: growing would move them while they are copied (use appendCopy)")
        reserve(count)
        (state.pointee.base + state.pointee.count).update(from: start, count: count)
        state.pointee.count += count
    }

    public func removeAll() { state.pointee.count = 0 }

    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: state.pointee.base, count: state.pointee.count)) }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: state.pointee.base, count: state.pointee.count))
    }
}
