import NetAddress

/// A checked view over an IPv6 packet (RFC 8200): the 40-byte fixed header and the payload its
/// Payload Length field declares. Bytes beyond that (link padding) are ignored.
public struct IPv6Packet {
    public let bytes: [UInt8]

    public static let headerLength = 40

    public init(checking bytes: [UInt8]) throws {
        let f = "IPv6"
        try WireError.checkFixedIPHeader(bytes, format: f, length: 40, version: 6)
        let total = 40 + Int(readBE16(bytes, 4))
        guard total <= bytes.count else {
            throw WireError.truncated(f, at: bytes.count, need: total, have: bytes.count, what: "40 + payload length")
        }
        self.bytes = bytes
    }

    public var trafficClass: UInt8 { UInt8(truncatingIfNeeded: readBE16(bytes, 0) >> 4) }
    public var flowLabel: UInt32 { readBE32(bytes, 0) & 0x000f_ffff }
    public var payloadLength: Int { Int(readBE16(bytes, 4)) }
    public var totalLength: Int { 40 + payloadLength }
    public var nextHeader: UInt8 { bytes[6] }
    public var hopLimit: UInt8 { bytes[7] }
    public var source: IPv6Address { readIPv6Address(bytes, 8) }
    public var destination: IPv6Address { readIPv6Address(bytes, 24) }
    public var payloadRange: Range<Int> { 40..<totalLength }
    public var payload: [UInt8] { Array(bytes[payloadRange]) }

    /// Walks the extension headers to the upper-layer protocol (see `IPv6ExtensionChain`).
    public func extensionChain() throws -> IPv6ExtensionChain {
        try IPv6ExtensionChain(walking: bytes, first: nextHeader, range: payloadRange)
    }
}

/// The plain-value form of an IPv6 fixed header. Extension headers stay in the payload
/// (as on the wire); `IPv6ExtensionChain` reads them.
public struct IPv6Repr: Equatable, Sendable {
    public var trafficClass: UInt8 = 0
    /// 20 bits.
    public var flowLabel: UInt32 = 0
    public var nextHeader: UInt8
    public var hopLimit: UInt8 = 64
    public var source: IPv6Address
    public var destination: IPv6Address

    public init(source: IPv6Address, destination: IPv6Address, nextHeader: UInt8, hopLimit: UInt8 = 64) {
        self.source = source
        self.destination = destination
        self.nextHeader = nextHeader
        self.hopLimit = hopLimit
    }

    public init(_ packet: IPv6Packet) {
        trafficClass = packet.trafficClass
        flowLabel = packet.flowLabel
        nextHeader = packet.nextHeader
        hopLimit = packet.hopLimit
        source = packet.source
        destination = packet.destination
    }

    public static func parse(_ bytes: [UInt8]) throws -> (IPv6Repr, payload: [UInt8]) {
        let packet = try IPv6Packet(checking: bytes)
        return (IPv6Repr(packet), packet.payload)
    }

    public func emitHeader(into b: inout [UInt8], at offset: Int, payloadLength: Int) {
        writeBE32(&b, offset, 6 << 28 | UInt32(trafficClass) << 20 | (flowLabel & 0x000f_ffff))
        writeBE16(&b, offset + 4, UInt16(truncatingIfNeeded: payloadLength))
        b[offset + 6] = nextHeader
        b[offset + 7] = hopLimit
        writeAddress(&b, offset + 8, source)
        writeAddress(&b, offset + 24, destination)
    }

    public func emit(payload: [UInt8]) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 40)
        emitHeader(into: &b, at: 0, payloadLength: payload.count)
        b.append(contentsOf: payload)
        return b
    }
}
