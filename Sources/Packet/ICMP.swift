import NetAddress

/// A checked view over an ICMP (RFC 792) or ICMPv6 (RFC 4443) message: type, code, checksum,
/// the four "rest of header" bytes, then data. Both share this layout; they differ only in the
/// checksum (ICMPv6 covers an IPv6 pseudo-header) and in the type numbers.
public struct ICMPMessage {
    public let bytes: [UInt8]
    public let range: Range<Int>
    /// "ICMP" or "ICMPv6", for errors.
    let format: String

    public init(checking bytes: [UInt8], range: Range<Int>, v6: Bool) throws {
        format = v6 ? "ICMPv6" : "ICMP"
        guard range.count >= 8 else {
            throw WireError.truncated(format, at: range.upperBound, need: 8, have: range.count, what: "a header")
        }
        self.bytes = bytes
        self.range = range
    }

    public var type: UInt8 { bytes[range.lowerBound] }
    public var code: UInt8 { bytes[range.lowerBound + 1] }
    public var checksum: UInt16 { readBE16(bytes, range.lowerBound + 2) }
    public var restOfHeader: UInt32 { readBE32(bytes, range.lowerBound + 4) }
    public var dataRange: Range<Int> { (range.lowerBound + 8)..<range.upperBound }
    public var data: [UInt8] { Array(bytes[dataRange]) }

    /// ICMP: the sum over the message is all ones. ICMPv6: the same with the pseudo-header of
    /// `source`, `destination`, the message length and next header 58 (RFC 4443 §2.3).
    public func checksumIsValid(ipv6Source: IPv6Address?, ipv6Destination: IPv6Address?) -> Bool {
        var pseudo: UInt64 = 0
        if let s = ipv6Source, let d = ipv6Destination {
            pseudo = InternetChecksum.pseudoHeaderSum(source: .v6(s), destination: .v6(d),
                                                      protocolNumber: IPProtocol.icmpv6, length: range.count)
        }
        return InternetChecksum.verifies(bytes, range, pseudoHeader: pseudo)
    }
}

/// The four ICMP header fields every message has, shared by `ICMPv4Repr` and `ICMPv6Repr`.
public struct ICMPFields: Equatable, Sendable {
    public var type: UInt8
    public var code: UInt8
    /// Bytes 4–7: identifier + sequence for echo, unused/MTU/pointer for errors.
    public var restOfHeader: UInt32
    /// Everything after the 8-byte header: echo data or the quoted offending packet.
    public var data: [UInt8]

    public init(type: UInt8, code: UInt8, restOfHeader: UInt32 = 0, data: [UInt8] = []) {
        self.type = type
        self.code = code
        self.restOfHeader = restOfHeader
        self.data = data
    }

    /// Parses a message filling all of `bytes`; `ipv6` holds the addresses of the IPv6 packet
    /// around an ICMPv6 message (its checksum covers them), nil for ICMP (v4).
    init(parsing bytes: [UInt8], ipv6: (source: IPv6Address, destination: IPv6Address)?, verifyChecksum: Bool) throws {
        let m = try ICMPMessage(checking: bytes, range: 0..<bytes.count, v6: ipv6 != nil)
        if verifyChecksum && !m.checksumIsValid(ipv6Source: ipv6?.source, ipv6Destination: ipv6?.destination) {
            throw ipv6 == nil
                ? WireError("ICMP", .badChecksum, at: 2, expected: "a checksum that sums the message to all ones")
                : WireError("ICMPv6", .badChecksum, at: 2, expected: "a checksum that verifies with the IPv6 pseudo-header")
        }
        self.init(type: m.type, code: m.code, restOfHeader: m.restOfHeader, data: m.data)
    }

    /// Identifier and sequence number, meaningful for echo messages.
    public var echoIdentifier: UInt16 { UInt16(restOfHeader >> 16) }
    public var echoSequence: UInt16 { UInt16(truncatingIfNeeded: restOfHeader) }

    func emit(pseudoHeader: UInt64) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 8)
        b[0] = type
        b[1] = code
        writeBE32(&b, 4, restOfHeader)
        b.append(contentsOf: data)
        writeBE16(&b, 2, InternetChecksum.compute(b, 0..<b.count, pseudoHeader: pseudoHeader))
        return b
    }
}

/// An ICMP (IPv4) message as a plain value; parse and emit are inverse.
public struct ICMPv4Repr: Equatable, Sendable {
    public static let echoReply: UInt8 = 0
    public static let destinationUnreachable: UInt8 = 3
    public static let echoRequest: UInt8 = 8
    public static let timeExceeded: UInt8 = 11
    /// Code 1 of Destination Unreachable: what Linux WireGuard sends when no peer matches.
    public static let hostUnreachable: UInt8 = 1

    public var fields: ICMPFields

    public init(_ fields: ICMPFields) { self.fields = fields }

    /// Error messages (RFC 1122 §3.2.2): no ICMP error may be sent in response to one. These
    /// are the types Linux's `icmp_pointers[].error` marks: 3, 4, 5, 11, 12.
    public static func isError(type: UInt8) -> Bool { [3, 4, 5, 11, 12].contains(type) }

    /// Parses a message filling all of `bytes` (an IPv4 payload).
    public static func parse(_ bytes: [UInt8], verifyChecksum: Bool = true) throws -> ICMPv4Repr {
        ICMPv4Repr(try ICMPFields(parsing: bytes, ipv6: nil, verifyChecksum: verifyChecksum))
    }

    public func emit() -> [UInt8] { fields.emit(pseudoHeader: 0) }
}

/// An ICMPv6 message as a plain value; the checksum needs the IPv6 addresses around it.
public struct ICMPv6Repr: Equatable, Sendable {
    public static let destinationUnreachable: UInt8 = 1
    public static let packetTooBig: UInt8 = 2
    public static let timeExceeded: UInt8 = 3
    public static let parameterProblem: UInt8 = 4
    public static let echoRequest: UInt8 = 128
    public static let echoReply: UInt8 = 129
    /// Code 3 of Destination Unreachable: what Linux WireGuard sends when no peer matches.
    public static let addressUnreachable: UInt8 = 3

    public var fields: ICMPFields

    public init(_ fields: ICMPFields) { self.fields = fields }

    /// RFC 4443 §2.1: types 0–127 are errors, 128–255 informational.
    public static func isError(type: UInt8) -> Bool { type < 128 }

    public static func parse(_ bytes: [UInt8], source: IPv6Address, destination: IPv6Address,
                             verifyChecksum: Bool = true) throws -> ICMPv6Repr {
        ICMPv6Repr(try ICMPFields(parsing: bytes, ipv6: (source, destination), verifyChecksum: verifyChecksum))
    }

    public func emit(source: IPv6Address, destination: IPv6Address) -> [UInt8] {
        let length = 8 + fields.data.count
        return fields.emit(pseudoHeader: InternetChecksum.pseudoHeaderSum(
            source: .v6(source), destination: .v6(destination), protocolNumber: IPProtocol.icmpv6, length: length))
    }
}
