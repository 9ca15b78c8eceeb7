import Routing

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
        state = .allocate(capacity: 1)
        state.initialize(to: State(base: .allocate(capacity: initial), count: 0, capacity: initial))
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
        fresh.update(from: state.pointee.base, count: state.pointee.count)
        state.pointee.base.deallocate()
        state.pointee.base = fresh
        state.pointee.capacity = newCapacity
    }

    /// Counts `n` bytes already written past the end through `base` (after `reserve`).
    @inline(__always)
    func advance(by n: Int) { state.pointee.count += n }

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

    public func removeAll() { state.pointee.count = 0 }

    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: state.pointee.base, count: state.pointee.count)) }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: state.pointee.base, count: state.pointee.count))
    }
}

/// Text fields written straight into a `ByteBuffer`: decimal integers, dotted quads, prefixes,
/// endpoints, JSON strings (RFC 8259 escaping).
enum ByteText {
    static func appendInteger<I: BinaryInteger>(_ value: I, to out: ByteBuffer) {
        if value < 0 {
            out.append(0x2D)
            appendUnsigned(UInt64(value.magnitude), to: out)
        } else {
            appendUnsigned(UInt64(value), to: out)
        }
    }

    static func appendUnsigned(_ value: UInt64, to out: ByteBuffer) {
        if value < 10 {
            out.append(0x30 &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var digits = 2
        var limit: UInt64 = 100
        while digits < 20 && value >= limit {
            digits += 1
            limit = limit &* 10
        }
        out.reserve(digits)
        writeDigits(value, count: digits, at: out.base + out.count)
        out.advance(by: digits)
    }

    /// "00" … "99": two digits per division.
    private static let digitPairs: [UInt16] = (0..<100).map { (n: Int) -> UInt16 in
        UInt16(0x30 + n / 10) | UInt16(0x30 + n % 10) << 8
    }

    /// Writes the last `count` decimal digits of `value` (leading zeros included) at `start`.
    @inline(__always)
    private static func writeDigits(_ value: UInt64, count: Int, at start: UnsafeMutablePointer<UInt8>) {
        let pairs = digitPairs
        var position = count
        var rest = value
        while position >= 2 {
            let pair = pairs[Int(rest % 100)]
            position -= 2
            UnsafeMutableRawPointer(start + position).storeBytes(of: pair.littleEndian, as: UInt16.self)
            rest /= 100
        }
        if position == 1 { start.pointee = 0x30 &+ UInt8(truncatingIfNeeded: rest % 10) }
    }

    /// `s.nnnnnnnnn` for nanoseconds.
    static func appendSeconds(_ t: Int64, to out: ByteBuffer) {
        if t < 0 { out.append(0x2D) }
        let magnitude = t.magnitude
        appendUnsigned(UInt64(magnitude / 1_000_000_000), to: out)
        out.append(0x2E)
        out.reserve(9)
        writeDigits(UInt64(magnitude % 1_000_000_000), count: 9, at: out.base + out.count)
        out.advance(by: 9)
    }

    static func appendAddress(_ address: IPAddress, to out: ByteBuffer) {
        switch address {
        case .v4(let a):
            appendDottedQuad(a.value, to: out)
        case .v6(let a):
            out.append(a.description)
        }
    }

    /// Each octet's decimal digits (low three bytes, first digit lowest) and their count (top
    /// byte): a dotted quad is four table reads and four 4-byte stores.
    private static let octetText: [UInt32] = (0..<256).map { (n: Int) -> UInt32 in
        let digits = Array(String(n).utf8)
        var packed = UInt32(digits.count) << 24
        for (i, digit) in digits.enumerated() { packed |= UInt32(digit) << (8 * UInt32(i)) }
        return packed
    }

    static func appendDottedQuad(_ value: UInt32, to out: ByteBuffer) {
        out.reserve(16)   // 15 characters; the last store writes one byte past them
        let table = octetText
        let start = UnsafeMutableRawPointer(out.base + out.count)
        var used = 0
        var shift: UInt32 = 24
        while true {
            let text = table[Int((value >> shift) & 0xff)]
            start.storeBytes(of: text.littleEndian, toByteOffset: used, as: UInt32.self)
            used += Int(text >> 24)
            if shift == 0 { break }
            start.storeBytes(of: 0x2E, toByteOffset: used, as: UInt8.self)
            used += 1
            shift -= 8
        }
        out.advance(by: used)
    }

    static func appendPrefix(_ prefix: IPPrefix, to out: ByteBuffer) {
        appendAddress(prefix.address, to: out)
        out.append(0x2F)
        appendUnsigned(UInt64(prefix.length), to: out)
    }

    /// `1.2.3.4:51820` or `[2001:db8::1]:51820`.
    static func appendEndpoint(_ endpoint: Endpoint, to out: ByteBuffer) {
        if endpoint.address.isIPv4 {
            appendAddress(endpoint.address, to: out)
        } else {
            out.append(0x5B); appendAddress(endpoint.address, to: out); out.append(0x5D)
        }
        out.append(0x3A)
        appendUnsigned(UInt64(endpoint.port), to: out)
    }

    /// A quoted JSON string: `"`, `\` and control characters escaped; other UTF-8 bytes as is.
    static func appendJSONString(_ text: String, to out: ByteBuffer) {
        out.append(0x22)
        appendJSONContent(text, to: out)
        out.append(0x22)
    }

    /// The inside of a JSON string (no quotes), escaped.
    static func appendJSONContent(_ text: String, to out: ByteBuffer) {
        var text = text
        text.withUTF8 { utf8 in
            var plain = true
            for byte in utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                plain = false
                break
            }
            if plain {
                out.append(UnsafeRawBufferPointer(utf8))
                return
            }
            for byte in utf8 { appendEscaped(byte, to: out) }
        }
    }

    private static func appendEscaped(_ byte: UInt8, to out: ByteBuffer) {
        switch byte {
        case 0x22: out.append(0x5C); out.append(0x22)
        case 0x5C: out.append(0x5C); out.append(0x5C)
        case 0x0A: out.append(0x5C); out.append(0x6E)
        case 0x0D: out.append(0x5C); out.append(0x72)
        case 0x09: out.append(0x5C); out.append(0x74)
        case 0..<0x20:
            let hex: StaticString = "0123456789abcdef"
            let digits = hex.utf8Start
            out.append(0x5C); out.append(0x75); out.append(0x30); out.append(0x30)
            out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 0xf)])
        default:
            out.append(byte)
        }
    }
}

