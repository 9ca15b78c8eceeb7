/// IPv4 and IPv6 addresses as plain values, shared by every layer that names a host.
///
/// Addresses are held as integers in numeric (big-endian) order so that "bit k from the most
/// significant end" is a shift, which is how the kernel's AllowedIPs trie reads keys.
/// Text forms follow `inet_pton`/`inet_ntop` (glibc): dotted quads without leading zeros, and
/// RFC 5952 compressed lowercase IPv6 with the embedded-IPv4 forms glibc prints.

/// Why an address or prefix could not be read.
public struct AddressParseError: Error, Equatable, CustomStringConvertible {
    public let input: String
    public let reason: String
    public init(_ input: String, _ reason: String) {
        self.input = input
        self.reason = reason
    }
    public var description: String { "invalid address '\(input)': \(reason)" }
}

/// An IPv4 address.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Reads four big-endian bytes; nil when fewer than four are given.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count >= 4 else { return nil }
        var v: UInt32 = 0
        for b in bytes.prefix(4) { v = v << 8 | UInt32(b) }
        value = v
    }

    /// Parses a dotted quad as `inet_pton(AF_INET)` does: four decimal parts, no leading zeros.
    public init(parsing text: String) throws {
        if let value = IPv4Address.dottedQuadValue(text) {
            self.value = value
            return
        }
        throw IPv4Address.parseError(text)
    }

    /// `dottedQuadValue` of a String's bytes, read in place.
    @inline(__always)
    static func dottedQuadValue(_ text: String) -> UInt32? {
        var text = text
        return text.withUTF8 { dottedQuadValue($0) }
    }

    /// The value of `text` when it is a dotted quad `inet_pton(AF_INET)` accepts (four parts of
    /// one to three ASCII digits, no leading zero, each at most 255), else nil. One pass over the
    /// bytes with no allocation: loading a 100,000-peer scenario reads hundreds of thousands of
    /// these, and the Character-level checks in `parseError` dominated it.
    @inline(__always)
    static func dottedQuadValue<Bytes: Sequence>(_ text: Bytes) -> UInt32? where Bytes.Element == UInt8 {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in text {
            let digit = byte &- UInt8(ascii: "0")
            if digit < 10 {
                guard digits < 3, !(digits == 1 && part == 0) else { return nil }   // too long; leading zero
                part = part &* 10 &+ UInt32(digit)
                digits += 1
            } else if byte == UInt8(ascii: "."), digits > 0, dots < 3, part <= 255 {
                value = value << 8 | part
                part = 0
                digits = 0
                dots += 1
            } else {
                return nil
            }
        }
        guard dots == 3, digits > 0, part <= 255 else { return nil }
        return value << 8 | part
    }

    /// Why `text` is not a dotted quad, in words (only called once `dottedQuadValue` said no).
    private static func parseError(_ text: String) -> AddressParseError {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else {
            return AddressParseError(text, "an IPv4 address has four dot-separated parts")
        }
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return AddressParseError(text, "'\(part)' is not a decimal number from 0 to 255")
            }
            guard !(part.count > 1 && part.first == "0") else {
                return AddressParseError(text, "'\(part)' has a leading zero")
            }
            guard let n = UInt32(part), n <= 255 else {
                return AddressParseError(text, "'\(part)' is larger than 255")
            }
        }
        return AddressParseError(text, "not a dotted quad")
    }

    public var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    public var description: String {
        "\(value >> 24).\((value >> 16) & 0xff).\((value >> 8) & 0xff).\(value & 0xff)"
    }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }
}

/// An IPv6 address, as two 64-bit halves in numeric order.
public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Reads sixteen big-endian bytes; nil when fewer are given.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count >= 16 else { return nil }
        self.init(joining: bytes.prefix(16))
    }

    /// The eight 16-bit groups, most significant first.
    public var groups: [UInt16] { split(into: UInt16.self) }

    /// Joins eight groups, most significant first; missing ones count as zero.
    public init(groups: [UInt16]) { self.init(joining: groups.prefix(8)) }

    /// The sixteen bytes, most significant first (network order).
    public var bytes: [UInt8] { split(into: UInt8.self) }

    /// The address as big-endian units of `Unit`'s width (bytes, 16-bit groups).
    private func split<Unit: FixedWidthInteger>(into _: Unit.Type) -> [Unit] {
        let perHalf = 64 / Unit.bitWidth
        return (0..<(2 * perHalf)).map { i in
            Unit(truncatingIfNeeded: (i < perHalf ? high : low) >> UInt64(64 - Unit.bitWidth * (i % perHalf + 1)))
        }
    }

    /// The inverse of `split`: `units` most significant first, missing trailing ones zero.
    private init<Units: Collection>(joining units: Units) where Units.Element: FixedWidthInteger {
        let width = Units.Element.bitWidth, perHalf = 64 / width
        var halves: (UInt64, UInt64) = (0, 0)
        var position = 0
        for unit in units.prefix(2 * perHalf) {
            let shifted = UInt64(truncatingIfNeeded: unit) << UInt64(64 - width * (position % perHalf + 1))
            if position < perHalf { halves.0 |= shifted } else { halves.1 |= shifted }
            position += 1
        }
        self.init(high: halves.0, low: halves.1)
    }

    /// Parses RFC 4291 text: up to eight hex groups, one `::`, an optional trailing dotted quad.
    public init(parsing text: String) throws {
        guard !text.isEmpty else { throw AddressParseError(text, "empty") }
        let halves = IPv6Address.split(text, on: "::")
        guard halves.count <= 2 else { throw AddressParseError(text, "'::' may appear only once") }
        func groups(_ s: String, allowIPv4Tail: Bool) throws -> [UInt16] {
            if s.isEmpty { return [] }
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt16] = []
            for (i, part) in parts.enumerated() {
                if i == parts.count - 1, allowIPv4Tail, part.contains(".") {
                    let v4 = try IPv4Address(parsing: String(part))
                    out.append(UInt16(v4.value >> 16))
                    out.append(UInt16(v4.value & 0xffff))
                    continue
                }
                guard !part.isEmpty else { throw AddressParseError(text, "empty group") }
                guard part.count <= 4, let g = UInt16(part, radix: 16), part.allSatisfy({ $0.isHexDigit }) else {
                    throw AddressParseError(text, "'\(part)' is not a group of one to four hex digits")
                }
                out.append(g)
            }
            return out
        }
        if halves.count == 1 {
            let g = try groups(halves[0], allowIPv4Tail: true)
            guard g.count == 8 else { throw AddressParseError(text, "an IPv6 address without '::' has eight groups") }
            self.init(groups: g)
        } else {
            let head = try groups(halves[0], allowIPv4Tail: false)
            let tail = try groups(halves[1], allowIPv4Tail: true)
            guard head.count + tail.count <= 7 else { throw AddressParseError(text, "too many groups") }
            self.init(groups: head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail)
        }
    }

    private static func split(_ text: String, on separator: String) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while let r = rest.firstRange(of: separator) {
            pieces.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        pieces.append(String(rest))
        return pieces
    }

    /// RFC 5952 text as glibc's `inet_ntop` prints it.
    public var description: String {
        let g = groups
        // Longest run of at least two zero groups; the first wins a tie.
        var bestStart = -1, bestLength = 0, i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8 && g[j] == 0 { j += 1 }
                if j - i > bestLength && j - i >= 2 { bestStart = i; bestLength = j - i }
                i = j
            } else { i += 1 }
        }
        let embedsIPv4 = bestStart == 0 && (bestLength == 6 || (bestLength == 5 && g[5] == 0xffff))
        var text = ""
        var k = 0
        while k < 8 {
            if k == bestStart {
                text += (k == 0 ? "::" : ":")
                k += bestLength
                continue
            }
            if embedsIPv4 && k == 6 {
                text += IPv4Address(UInt32(g[6]) << 16 | UInt32(g[7])).description
                break
            }
            text += String(g[k], radix: 16)
            if k < 7 { text += ":" }
            k += 1
        }
        return text
    }

    public static func < (a: IPv6Address, b: IPv6Address) -> Bool {
        (a.high, a.low) < (b.high, b.low)
    }
}

/// An address of either family.
public enum IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses either family; text containing ':' is IPv6, as the `wg` tool decides.
    public init(parsing text: String) throws {
        if let value = IPv4Address.dottedQuadValue(text) {   // the common case, without a scan for ':'
            self = .v4(IPv4Address(value))
            return
        }
        if text.isEmpty { throw AddressParseError(text, "empty") }
        if text.contains(":") {
            self = .v6(try IPv6Address(parsing: text))
        } else {
            self = .v4(try IPv4Address(parsing: text))
        }
    }

    /// Parses `text` up to its first '/' as an address (all of `text` when it has none) and
    /// returns it with the text after that slash: the shape of allowed IPs (`10.0.0.0/8`) and
    /// interface addresses (`10.0.0.1/24`), whose readers decide what the suffix means. A dotted
    /// quad is read straight from the bytes, without making a String of it.
    public static func parsingAddress(beforeSlashIn text: String) throws -> (address: IPAddress, afterSlash: Substring?) {
        var text = text
        // The slash's byte offset, and the dotted quad before it when there is one.
        let found = text.withUTF8 { bytes -> (slash: Int, value: UInt32?)? in
            guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else { return nil }
            return (slash, IPv4Address.dottedQuadValue(UnsafeBufferPointer(rebasing: bytes[..<slash])))
        }
        guard let found else { return (try IPAddress(parsing: text), nil) }
        let slash = text.utf8.index(text.utf8.startIndex, offsetBy: found.slash)
        let afterSlash = text[text.utf8.index(after: slash)...]
        if let value = found.value { return (.v4(IPv4Address(value)), afterSlash) }
        return (try IPAddress(parsing: String(text[..<slash])), afterSlash)
    }

    /// Reads 4 bytes as IPv4 or 16 bytes as IPv6.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4:
            guard let a = IPv4Address(bytes: bytes) else { return nil }
            self = .v4(a)
        case 16:
            guard let a = IPv6Address(bytes: bytes) else { return nil }
            self = .v6(a)
        default: return nil
        }
    }

    public var isIPv4: Bool { if case .v4 = self { return true } else { return false } }
    /// 32 or 128.
    public var bitWidth: Int { isIPv4 ? 32 : 128 }

    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): return a.bytes
        case .v6(let a): return a.bytes
        }
    }

    public var description: String {
        switch self {
        case .v4(let a): return a.description
        case .v6(let a): return a.description
        }
    }

    /// IPv4 sorts before IPv6, then numerically.
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): return x < y
        case (.v6(let x), .v6(let y)): return x < y
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }
}
