import NetAddress

/// A checked view over a UDP datagram (RFC 768) inside an IP payload: 8-byte header and the
/// payload its Length field declares.
public struct UDPDatagram {
    public let bytes: [UInt8]
    /// Where the UDP header starts in `bytes`.
    public let start: Int

    /// Checks `bytes[range]` holds a header and the length it declares (≥ 8, within range).
    public init(checking bytes: [UInt8], range: Range<Int>) throws {
        guard range.count >= 8 else {
            throw WireError.truncated("UDP", at: range.upperBound, need: 8, have: range.count, what: "a header")
        }
        let length = Int(readBE16(bytes, range.lowerBound + 4))
        guard length >= 8 else {
            throw WireError("UDP", .malformed, at: range.lowerBound + 4, expected: "length ≥ 8, got \(length)")
        }
        guard length <= range.count else {
            throw WireError.truncated("UDP", at: range.upperBound, need: length, have: range.count,
                                      what: "the length field's datagram")
        }
        self.bytes = bytes
        self.start = range.lowerBound
    }

    public var sourcePort: UInt16 { readBE16(bytes, start) }
    public var destinationPort: UInt16 { readBE16(bytes, start + 2) }
    public var length: Int { Int(readBE16(bytes, start + 4)) }
    public var checksum: UInt16 { readBE16(bytes, start + 6) }
    public var range: Range<Int> { start..<(start + length) }
    public var payloadRange: Range<Int> { (start + 8)..<(start + length) }
    public var payload: [UInt8] { Array(bytes[payloadRange]) }

    /// Verifies the checksum with the pseudo-header. Zero means "none" over IPv4 (RFC 768) and
    /// is accepted; over IPv6 it is invalid (RFC 8200 §8.1) and Linux's `udp6` drops it.
    public func checksumIsValid(source: IPAddress, destination: IPAddress) -> Bool {
        if checksum == 0 { return source.isIPv4 }
        let pseudo = InternetChecksum.pseudoHeaderSum(source: source, destination: destination,
                                                      protocolNumber: IPProtocol.udp, length: length)
        return InternetChecksum.verifies(bytes, range, pseudoHeader: pseudo)
    }
}

/// The plain-value form of a UDP header; the payload travels beside it.
public struct UDPRepr: Equatable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// False only for an IPv4 datagram sent without a checksum (field zero).
    public var hasChecksum = true

    public init(sourcePort: UInt16, destinationPort: UInt16) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
    }

    /// Reads and (with `verifyChecksum`) checks a datagram whose IP header named these addresses.
    public init(_ datagram: UDPDatagram, source: IPAddress, destination: IPAddress, verifyChecksum: Bool = true) throws {
        if verifyChecksum && !datagram.checksumIsValid(source: source, destination: destination) {
            throw WireError("UDP", .badChecksum, at: datagram.start + 6,
                            expected: datagram.checksum == 0 ? "a non-zero checksum over IPv6"
                                : "a checksum that verifies with the pseudo-header, got 0x\(String(datagram.checksum, radix: 16))")
        }
        sourcePort = datagram.sourcePort
        destinationPort = datagram.destinationPort
        hasChecksum = datagram.checksum != 0
    }

    /// Parses a datagram occupying all of `bytes` (an IP payload).
    public static func parse(_ bytes: [UInt8], source: IPAddress, destination: IPAddress,
                             verifyChecksum: Bool = true) throws -> (UDPRepr, payload: [UInt8]) {
        let d = try UDPDatagram(checking: bytes, range: 0..<bytes.count)
        return (try UDPRepr(d, source: source, destination: destination, verifyChecksum: verifyChecksum), d.payload)
    }

    /// Header plus payload, checksum computed; a computed zero is sent as 0xffff (RFC 768).
    public func emit(payload: [UInt8], source: IPAddress, destination: IPAddress) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 8)
        b.append(contentsOf: payload)
        emitHeader(into: &b, at: 0, payloadLength: payload.count, source: source, destination: destination)
        return b
    }

    /// Writes the header at `offset`, the payload already in place after it.
    public func emitHeader(into b: inout [UInt8], at offset: Int, payloadLength: Int,
                           source: IPAddress, destination: IPAddress) {
        let length = 8 + payloadLength
        writeBE16(&b, offset, sourcePort)
        writeBE16(&b, offset + 2, destinationPort)
        writeBE16(&b, offset + 4, UInt16(truncatingIfNeeded: length))
        writeBE16(&b, offset + 6, 0)
        guard hasChecksum || !source.isIPv4 else { return }
        let pseudo = InternetChecksum.pseudoHeaderSum(source: source, destination: destination,
                                                      protocolNumber: IPProtocol.udp, length: length)
        let sum = InternetChecksum.compute(b, offset..<(offset + length), pseudoHeader: pseudo)
        writeBE16(&b, offset + 6, sum == 0 ? 0xffff : sum)
    }
}
