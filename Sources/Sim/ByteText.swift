#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Packet
import Routing
import WireGuard

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
        out.reserve(20)
        out.advance(by: writeUnsigned(value, at: UnsafeMutableRawPointer(out.base + out.count)))
    }

    /// Writes `value` in decimal at `at` (20 bytes may be stored: `Int.min` is 20 characters) and
    /// answers its length: a templated line's packet length and frame, which are nearly always
    /// 0…9999 and written inline for those (a call into `appendUnsigned` and its wider checks
    /// cost ~35 instructions a number; docs/performance.md, session 13), straight into the
    /// composer's field slots rather than a buffer whose room and count are checked per number.
    @inline(__always)
    static func writeSmall(_ value: Int, at: UnsafeMutableRawPointer) -> Int {
        if UInt(bitPattern: value) < 10_000 { return writeShort(value, at: at) }
        if value < 0 {
            at.storeBytes(of: 0x2D, as: UInt8.self)
            return 1 + writeUnsigned(UInt64(value.magnitude), at: at + 1)
        }
        return writeUnsigned(UInt64(value), at: at)
    }

    /// `writeSmall` for an unsigned value (a templated line's counter).
    @inline(__always)
    static func writeSmall(_ value: UInt64, at: UnsafeMutableRawPointer) -> Int {
        if value < 10_000 { return writeShort(Int(truncatingIfNeeded: value), at: at) }
        return writeUnsigned(value, at: at)
    }

    /// `value`'s decimal digits at `at` (20 bytes may be stored); their count. Most numbers in the
    /// log are short (lengths, counters, frames, prefix lengths): below 10^8 they are written as
    /// one or two groups of four digits by digit pairs, with no count loop and no division but by
    /// constants. Not inlined: the templated fields' digits call it only past 9999.
    @inline(never)
    private static func writeUnsigned(_ value: UInt64, at: UnsafeMutableRawPointer) -> Int {
        if value < 100_000_000 {
            let n = Int(truncatingIfNeeded: value)
            if n < 10_000 { return writeShort(n, at: at) }
            let high = n / 10_000
            let count = writeShort(high, at: at)
            writeFour(n &- high &* 10_000, at: at + count)
            return count + 4
        }
        let digits = decimalDigitCount(value)
        writeDigits(value, count: digits, at: at.assumingMemoryBound(to: UInt8.self))
        return digits
    }

    /// Writes `n` (0…9999) without leading zeros at `at` (four bytes may be stored); its length.
    @inline(__always)
    private static func writeShort(_ n: Int, at: UnsafeMutableRawPointer) -> Int {
        if n < 10 {
            at.storeBytes(of: 0x30 &+ UInt8(truncatingIfNeeded: n), as: UInt8.self)
            return 1
        }
        if n < 100 {
            storeLE16(digitPair(n), at, at: 0)
            return 2
        }
        // Four digits with a leading zero, shifted out for three.
        let high = n / 100
        let four = UInt32(digitPair(high)) | UInt32(digitPair(n &- high &* 100)) << 16
        let three = n < 1000
        storeLE32(three ? four >> 8 : four, at, at: 0)
        return three ? 3 : 4
    }

    /// Writes `n` (0…9999) as exactly four digits at `at`.
    @inline(__always)
    private static func writeFour(_ n: Int, at: UnsafeMutableRawPointer) {
        let high = n / 100
        storeLE32(UInt32(digitPair(high)) | UInt32(digitPair(n &- high &* 100)) << 16, at, at: 0)
    }

    /// `IPProtocol.name(number)` without making a String (the decision log's `proto` field).
    @inline(__always)
    static func appendProtocolName(_ number: UInt8, to out: ByteBuffer) {
        if let name = IPProtocol.knownName(number) {
            out.appendLiteral(name)
        } else {
            appendUnsigned(UInt64(number), to: out)
        }
    }

    /// How many decimal digits `value` has (1 for 0): four digits per step, then three compares.
    @inline(__always)
    static func decimalDigitCount(_ value: UInt64) -> Int {
        var count = 1
        var rest = value
        while rest >= 10_000 {
            rest /= 10_000
            count += 4
        }
        return count + (rest >= 10 ? 1 : 0) + (rest >= 100 ? 1 : 0) + (rest >= 1000 ? 1 : 0)
    }

    /// "00", "01", … "99": the two digits of n at offset 2n. A literal, so reading it needs no
    /// lazily initialised global and no bounds check.
    private static var digitPairs: StaticString {
        """
        0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """
    }

    /// The two digits of `n` (0…99), first digit in the low byte (stores write little-endian).
    @inline(__always)
    private static func digitPair(_ n: Int) -> UInt16 {
        loadLE16(UnsafeRawPointer(digitPairs.utf8Start), at: 2 &* n)
    }

    /// Writes the last `count` decimal digits of `value` (leading zeros included) at `start`,
    /// two per division.
    @inline(__always)
    private static func writeDigits(_ value: UInt64, count: Int, at start: UnsafeMutablePointer<UInt8>) {
        var position = count
        var rest = value
        while position >= 2 {
            let pair = digitPair(Int(truncatingIfNeeded: rest % 100))
            position -= 2
            storeLE16(pair, UnsafeMutableRawPointer(start), at: position)
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

    /// Four octets: each is one 4-byte store of its three digits and a dot, shifted past its
    /// leading zeros, counted by its real length (the last octet's dot is stored, not counted).
    static func appendDottedQuad(_ value: UInt32, to out: ByteBuffer) {
        out.reserve(16)   // 15 characters; the last store writes one byte past them
        let start = UnsafeMutableRawPointer(out.base + out.count)
        var used = 0
        var shift: UInt32 = 24
        while true {
            let octet = Int((value >> shift) & 0xff)
            let hundreds = octet / 100
            let digitsAndDot = UInt32(0x30 &+ hundreds) | UInt32(digitPair(octet &- hundreds &* 100)) << 8 | 0x2E00_0000
            let leadingZeros = (octet < 100 ? 1 : 0) + (octet < 10 ? 1 : 0)
            storeLE32(digitsAndDot >> (8 * UInt32(leadingZeros)), start, at: used)
            used += 3 - leadingZeros
            if shift == 0 { break }
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
        if text.utf8.withContiguousStorageIfAvailable({ appendJSONEscaped($0, to: out) }) == nil {
            var copy = text
            copy.withUTF8 { appendJSONEscaped($0, to: out) }
        }
    }

    /// Whether a string can go into a JSON string as it is.
    static func isPlainJSON(_ text: String) -> Bool {
        if let plain = text.utf8.withContiguousStorageIfAvailable({ bytes in
            bytes.baseAddress.map { !needsJSONEscape($0, count: bytes.count) } ?? true
        }) {
            return plain
        }
        var copy = text
        return copy.withUTF8 { bytes in bytes.baseAddress.map { !needsJSONEscape($0, count: bytes.count) } ?? true }
    }

    /// UTF-8 bytes as the inside of a JSON string: copied whole when nothing needs escaping.
    static func appendJSONEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: ByteBuffer) {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return }
        if !needsJSONEscape(start, count: bytes.count) {
            out.append(start, count: bytes.count)
            return
        }
        for byte in bytes { appendEscaped(byte, to: out) }
    }

    /// Whether any byte is a control character, `"` or `\`; eight bytes per step, since almost
    /// no text in the log needs escaping and every string of every JSON line is checked.
    static func needsJSONEscape(_ start: UnsafePointer<UInt8>, count: Int) -> Bool {
        guard count >= 8 else {
            for i in 0..<count where start[i] < 0x20 || start[i] == 0x22 || start[i] == 0x5C { return true }
            return false
        }
        var i = 0
        while i + 8 <= count {
            if wordNeedsJSONEscape(UnsafeRawPointer(start + i).loadUnaligned(as: UInt64.self)) { return true }
            i += 8
        }
        // The last word again, overlapping the one before: no byte-by-byte tail.
        return i < count && wordNeedsJSONEscape(UnsafeRawPointer(start + count - 8).loadUnaligned(as: UInt64.self))
    }

    /// A byte below 0x20 (the `hasless` test), or one equal to `"` or `\` (a zero byte after
    /// XOR): each test can only err in bytes above one that truly matches, so "any byte in the
    /// word" is exact.
    @inline(__always)
    private static func wordNeedsJSONEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        let quote = (quotes &- ones) & ~quotes
        let backslash = (backslashes &- ones) & ~backslashes
        return (control | quote | backslash) & (ones &* 0x80) != 0
    }

    /// UTF-8 bytes with every newline followed by four spaces: a multi-line note stays under
    /// its decision in the text log.
    static func appendIndented(_ bytes: UnsafeBufferPointer<UInt8>, to out: ByteBuffer) {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return }
        if memchr(start, 0x0A, bytes.count) == nil {
            out.append(start, count: bytes.count)
            return
        }
        for byte in bytes {
            out.append(byte)
            if byte == 0x0A { out.appendLiteral("    ") }
        }
    }

    private static func appendEscaped(_ byte: UInt8, to out: ByteBuffer) {
        JSONEscape.append(byte) { out.append($0) }
    }
}

