import NetAddress

/// What routing and the decision log need from an IP packet: addresses, upper-layer protocol,
/// length and ports. Cheap enough to compute for every simulated packet.
///
/// The checks are the ones Linux WireGuard applies to a decrypted packet before delivering it
/// (`wg_packet_consume_data_done` in receive.c): enough bytes for the fixed header, the version
/// nibble, and a declared length that is at least a header and at most the bytes present.
/// Extension headers and IPv4 options are read only to find the protocol and ports; a chain the
/// kernel would still forward but that cannot be walked is recorded in `extensionChainError`.
public struct IPPacketSummary: Equatable, Sendable, CustomStringConvertible {
    public let source: IPAddress
    public let destination: IPAddress
    /// The upper-layer protocol: for IPv6 after walking the extension headers.
    public let protocolNumber: UInt8
    /// IPv4 Total Length, or 40 + IPv6 Payload Length.
    public let totalLength: Int
    /// Part of a fragmented datagram.
    public let isFragment: Bool
    /// UDP/TCP ports when the packet is a first fragment and the 4 port bytes are present.
    public let sourcePort: UInt16?
    public let destinationPort: UInt16?
    /// Why the IPv6 extension-header chain (or the IPv4 header length) could not be followed.
    public let extensionChainError: WireError?

    public var isIPv4: Bool { source.isIPv4 }

    /// "udp 10.0.0.1:5 → 10.0.0.2:53, 68 bytes", as a log line names a packet.
    public var description: String {
        func end(_ a: IPAddress, _ port: UInt16?) -> String {
            guard let port else { return a.description }
            return a.isIPv4 ? "\(a):\(port)" : "[\(a)]:\(port)"
        }
        return "\(IPProtocol.name(protocolNumber)) \(end(source, sourcePort)) → \(end(destination, destinationPort)), \(totalLength) bytes"
    }

    /// The bytes are borrowed: an initializer's parameter is otherwise taken owned, a retain at
    /// every call on the packet path (and a caller's `consuming` packet could not be lent).
    public init(parsing bytes: borrowing [UInt8]) throws {
        if let plain = Self.plainIPv4(bytes) {
            self = plain
            return
        }
        guard let first = bytes.first else {
            throw WireError.truncated("IP", at: 0, need: 1, have: 0, what: "a version nibble")
        }
        switch first >> 4 {
        case 4: self = try IPPacketSummary(v4: copy bytes)
        case 6: self = try IPPacketSummary(v6: copy bytes)
        default:
            throw WireError("IP", .unsupported, at: 0, expected: "version 4 or 6 in the high nibble, got \(first >> 4)")
        }
    }

    /// The summary of an IPv4 packet without options (the first byte 0x45) whose total length
    /// fits the bytes, read in one pass over their storage; nil for any other packet, which
    /// `init(v4:)` / `init(v6:)` then read with every check and error. The result is the one
    /// `init(v4:)` gives such a packet: a 20-byte header is never a chain error, and the ports
    /// are read when a first fragment's UDP/TCP header has its 4 port bytes within the total
    /// length. (`init(v4:)` read the header through a view and the bytes one checked subscript
    /// at a time: ~160 instructions a packet, two parses per inner packet on the event thread.)
    @inline(__always)
    private static func plainIPv4(_ bytes: borrowing [UInt8]) -> IPPacketSummary? {
        bytes.withUnsafeBufferPointer { p -> IPPacketSummary? in
            guard p.count >= 20, let b = p.baseAddress, b[0] == 0x45 else { return nil }
            let total = Int(b[2]) << 8 | Int(b[3])
            guard total >= 20, total <= p.count else { return nil }
            let fragmentField = UInt16(b[6]) << 8 | UInt16(b[7])
            let proto = b[9]
            func word(_ at: Int) -> UInt32 {
                UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
            }
            var ports: (UInt16, UInt16)?
            if fragmentField & 0x1fff == 0, proto == IPProtocol.udp || proto == IPProtocol.tcp, total >= 24 {
                let both = word(20)
                ports = (UInt16(truncatingIfNeeded: both >> 16), UInt16(truncatingIfNeeded: both))
            }
            return IPPacketSummary(source: .v4(IPv4Address(word(12))), destination: .v4(IPv4Address(word(16))),
                                   protocolNumber: proto, totalLength: total, isFragment: fragmentField & 0x3fff != 0,
                                   ports: ports, extensionChainError: nil)
        }
    }

    /// Internal (not private) so that tests can hold `plainIPv4` to it.
    init(v4 b: [UInt8]) throws {
        guard let header = IPHeaderView(b) else {
            throw WireError.truncated("IPv4", at: b.count, need: 20, have: b.count, what: "a fixed header")
        }
        let total = header.declaredLength
        guard total >= 20 else {
            throw WireError("IPv4", .malformed, at: 2, expected: "total length ≥ 20, got \(total)")
        }
        guard total <= b.count else {
            throw WireError.truncated("IPv4", at: b.count, need: total, have: b.count, what: "total length")
        }
        let ihl = Int(b[0] & 0x0f) * 4
        let fragmentField = readBE16(b, 6)
        let proto = header.protocolNumber
        var chainError: WireError?
        if ihl < 20 || ihl > total {
            chainError = WireError("IPv4", .malformed, at: 0, expected: "header length 20…\(total) bytes, got \(ihl)")
        }
        let firstFragment = fragmentField & 0x1fff == 0
        let ports = chainError == nil && firstFragment ? IPPacketSummary.ports(b, proto, ihl, total) : nil
        self.init(source: header.source, destination: header.destination,
                  protocolNumber: proto, totalLength: total, isFragment: fragmentField & 0x3fff != 0,
                  ports: ports, extensionChainError: chainError)
    }

    private init(v6 b: [UInt8]) throws {
        let packet = try IPv6Packet(checking: b)
        var proto = packet.nextHeader
        var offset = 40
        var fragment = false
        var chainError: WireError?
        do {
            let chain = try packet.extensionChain()
            proto = chain.upperProtocol
            offset = chain.upperLayerIsPresent ? chain.upperOffset : -1
            fragment = chain.fragment != nil
        } catch let error as WireError {
            chainError = error
            offset = -1
        }
        let ports = offset >= 0 ? IPPacketSummary.ports(b, proto, offset, packet.totalLength) : nil
        self.init(source: .v6(packet.source), destination: .v6(packet.destination), protocolNumber: proto,
                  totalLength: packet.totalLength, isFragment: fragment, ports: ports, extensionChainError: chainError)
    }

    private init(source: IPAddress, destination: IPAddress, protocolNumber: UInt8, totalLength: Int,
                 isFragment: Bool, ports: (UInt16, UInt16)?, extensionChainError: WireError?) {
        self.source = source
        self.destination = destination
        self.protocolNumber = protocolNumber
        self.totalLength = totalLength
        self.isFragment = isFragment
        self.sourcePort = ports?.0
        self.destinationPort = ports?.1
        self.extensionChainError = extensionChainError
    }

    private static func ports(_ b: [UInt8], _ proto: UInt8, _ offset: Int, _ end: Int) -> (UInt16, UInt16)? {
        guard proto == IPProtocol.udp || proto == IPProtocol.tcp, offset + 4 <= end else { return nil }
        return (readBE16(b, offset), readBE16(b, offset + 2))
    }
}
