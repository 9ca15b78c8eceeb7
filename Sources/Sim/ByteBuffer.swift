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
    /// move the bytes while they are copied), in 16-byte moves rather than a memmove call: the
    /// piece lies before the end, so only the last move reads past it, into bytes beyond what
    /// is counted (the buffer's storage is zeroed when made, so they are defined).
    @inline(__always)
    func appendCopy(of piece: BufferPiece) {
        assert(piece.start >= 0 && piece.count >= 0 && piece.start + piece.count <= state.pointee.count,
               "a piece outside the written bytes")
        reserve(piece.count + 16)
        let from = UnsafeRawPointer(state.pointee.base + piece.start)
        let to = UnsafeMutableRawPointer(state.pointee.base + state.pointee.count)
        var offset = 0
        while offset < piece.count {
            move16(from: from, offset, to: to, offset)
            offset += 16
        }
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
        move16(from: from, 0, to: to, 0)
        state.pointee.count += count
    }

    /// `count` bytes from `start` (outside this buffer) read exactly (`storeExact`), without a
    /// call to memmove.
    @inline(__always)
    func appendExact(_ start: UnsafePointer<UInt8>, count: Int) {
        reserve(count)
        storeExact(from: UnsafeRawPointer(start), to: UnsafeMutableRawPointer(state.pointee.base + state.pointee.count), count: count)
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

    /// Drops the bytes from `count` on.
    func removeLast(from count: Int) {
        precondition(count >= 0 && count <= state.pointee.count, "a count within the written bytes")
        state.pointee.count = count
    }

    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: state.pointee.base, count: state.pointee.count)) }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: state.pointee.base, count: state.pointee.count))
    }
}

/// A write position in a `ByteBuffer` whose room was reserved first (`ByteBuffer.cursor`): each
/// append is a store and a pointer bump, with no room check and nothing reloaded from the buffer
/// between appends, where every `ByteBuffer.append` checks the room and reloads and stores the
/// count. A decision's line is some 40 appends (docs/performance.md, session 10). `commit`
/// counts what was written; the buffer must not be used between taking a cursor and committing it.
struct ByteCursor {
    private(set) var at: UnsafeMutablePointer<UInt8>
    /// The end of the reserved room (checked by assertions only).
    let end: UnsafeMutablePointer<UInt8>

    init(at: UnsafeMutablePointer<UInt8>, end: UnsafeMutablePointer<UInt8>) {
        self.at = at
        self.end = end
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        assert(at < end, "a cursor past its reserved room")
        at.pointee = byte
        at += 1
    }

    /// A literal's bytes (a constant length: the copy is a few moves).
    @inline(__always)
    mutating func appendLiteral(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        assert(at + count <= end, "a cursor past its reserved room")
        at.update(from: text.utf8Start, count: count)
        at += count
    }

    /// `count` bytes from `start`, where the bytes up to `count` rounded up to 16 may be read (a
    /// piece of a buffer or table with 16 readable bytes behind it): 16-byte moves, no call.
    /// Writes as far, so the room must hold 16 bytes more than is counted.
    @inline(__always)
    mutating func appendPadded(_ start: UnsafePointer<UInt8>, count: Int) {
        assert(at + count + 16 <= end, "a cursor past its reserved room")
        let from = UnsafeRawPointer(start)
        let to = UnsafeMutableRawPointer(at)
        var offset = 0
        repeat {
            move16(from: from, offset, to: to, offset)
            offset &+= 16   // bounded by `count`: no overflow check per step
        } while offset < count
        at += count
    }

    /// At most 16 bytes from `start`, where 16 bytes may be read: `appendPadded` for a piece
    /// known to be short, one 16-byte move and no loop. Writes 16 bytes, so the room must hold
    /// 16 more than is counted.
    @inline(__always)
    mutating func appendShort(_ start: UnsafePointer<UInt8>, count: Int) {
        assert(count >= 0 && count <= 16 && at + 16 <= end, "appendShort moves at most 16 bytes, within the room")
        move16(from: UnsafeRawPointer(start), 0, to: UnsafeMutableRawPointer(at), 0)
        at += count
    }

    /// `appendPadded` in 32-byte steps, for runs that are mostly long (a line template's
    /// constants, ~70 bytes on average): 7 instructions a step against 10 for two 16-byte
    /// steps (docs/performance.md, session 13). The bytes up to `count` rounded up to 32 may be
    /// read and are written, so the room must hold 32 bytes more than is counted.
    @inline(__always)
    mutating func appendPadded32(_ start: UnsafePointer<UInt8>, count: Int) {
        assert(at + count + 32 <= end, "a cursor past its reserved room")
        let from = UnsafeRawPointer(start)
        let to = UnsafeMutableRawPointer(at)
        var offset = 0
        repeat {
            move16(from: from, offset, to: to, offset)
            move16(from: from, offset &+ 16, to: to, offset &+ 16)
            offset &+= 32
        } while offset < count
        at += count
    }

    /// `count` bytes from `start`, read exactly (`storeExact`).
    @inline(__always)
    mutating func appendExact(_ start: UnsafePointer<UInt8>, count: Int) {
        assert(at + count <= end, "a cursor past its reserved room")
        storeExact(from: UnsafeRawPointer(start), to: UnsafeMutableRawPointer(at), count: count)
        at += count
    }

    /// `count` bytes from `start` (any memory outside the buffer).
    @inline(__always)
    mutating func append(_ start: UnsafePointer<UInt8>, count: Int) {
        assert(at + count <= end, "a cursor past its reserved room")
        at.update(from: start, count: count)
        at += count
    }
}

extension ByteBuffer {
    /// A cursor at the end of the written bytes with `room` bytes reserved behind it.
    @inline(__always)
    func cursor(reserving room: Int) -> ByteCursor {
        reserve(room)
        return ByteCursor(at: base + count, end: base + capacity)
    }

    /// Counts the bytes `cursor` (taken from this buffer) wrote.
    @inline(__always)
    func commit(_ cursor: ByteCursor) {
        advance(by: cursor.at - (base + count))
    }
}

/// Copies `count` bytes, reading exactly those: two overlapping loads of 8 (or 4, or 2) bytes for
/// a short run, 16-byte steps and an overlapping last 16 for a longer one. For words of a length
/// not known where they are written (the explanation's literals, passed through
/// `DecisionTextSink`), which a memmove call per piece cost ~25 instructions more each.
@inline(__always)
func storeExact(from: UnsafeRawPointer, to: UnsafeMutableRawPointer, count: Int) {
    if count >= 16 {
        var offset = 0
        while offset + 16 <= count {
            move16(from: from, offset, to: to, offset)
            offset += 16
        }
        if offset < count {
            let last = count - 16
            move16(from: from, last, to: to, last)
        }
    } else if count >= 8 {
        to.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
        to.storeBytes(of: from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self), toByteOffset: count - 8, as: UInt64.self)
    } else if count >= 4 {
        to.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
        to.storeBytes(of: from.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self), toByteOffset: count - 4, as: UInt32.self)
    } else if count >= 2 {
        // (A byte loop here was turned back into a memmove call by the optimizer.)
        to.storeBytes(of: from.loadUnaligned(as: UInt16.self), as: UInt16.self)
        to.storeBytes(of: from.loadUnaligned(fromByteOffset: count - 2, as: UInt16.self), toByteOffset: count - 2, as: UInt16.self)
    } else if count == 1 {
        to.storeBytes(of: from.load(as: UInt8.self), as: UInt8.self)
    }
}

/// 16 bytes from `from + fromOffset` to `to + toOffset`, unaligned: one vector load and store.
@inline(__always)
func move16(from: UnsafeRawPointer, _ fromOffset: Int, to: UnsafeMutableRawPointer, _ toOffset: Int) {
    to.storeBytes(of: from.loadUnaligned(fromByteOffset: fromOffset, as: SIMD16<UInt8>.self), toByteOffset: toOffset,
                  as: SIMD16<UInt8>.self)
}
