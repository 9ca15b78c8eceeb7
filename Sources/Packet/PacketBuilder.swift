import NetAddress

/// Why `PacketBuilder.destinationUnreachable` produced no packet although the input was
/// well-formed: the rules under which Linux (`__icmp_send`, `icmp6_send`) stays silent.
public struct ICMPErrorSuppressed: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public var description: String { "no ICMP error sent: \(reason)" }
}

/// What a scenario `send:` event asks for above IP (docs/scenario-reference.md, "Events").
public enum InnerTransport: Equatable, Sendable {
    case udp(sourcePort: UInt16, destinationPort: UInt16)
    /// One TCP segment with PSH|ACK, sequence and acknowledgement numbers zero.
    case tcp(sourcePort: UInt16, destinationPort: UInt16)
    /// An echo request (ICMP over IPv4, ICMPv6 over IPv6).
    case icmp(identifier: UInt16, sequence: UInt16)
    /// Any other protocol number, with a zero-filled payload behind the IP header.
    case other(protocolNumber: UInt8)
}

/// Builds the complete IP packets the pipeline sends: outer UDP datagrams around WireGuard
/// messages, ICMP errors for packets without a peer, echo traffic, and scenario test packets.
/// Checksums are always filled in; IPv4 identification is 0 and DF clear so output is
/// deterministic (Linux would pick an ID with `ip_select_ident`).
///
/// Where a builder takes two addresses of different families, the packet takes the family of
/// the destination and the source is mapped: IPv4 to IPv4-mapped IPv6 (`::ffff:a.b.c.d`), IPv6
/// to its embedded IPv4 when it is IPv4-mapped, else to the unspecified address.
public enum PacketBuilder {
    /// The largest quote Linux puts in an ICMP error: 576 − 20 − 8 (`__icmp_send`, RFC 1812
    /// §4.3.2.3) and 1280 − 40 − 8 (`icmp6_send`, RFC 4443 §2.4(c)).
    public static let maximumQuoteV4 = 548
    public static let maximumQuoteV6 = 1232

    /// The IP and UDP headers' length in the datagram `udp` makes to `destination` (28 or 48
    /// bytes): its size without building it.
    @inlinable
    public static func udpHeadersLength(to destination: IPAddress) -> Int { destination.isIPv4 ? 28 : 48 }

    /// IPv4/IPv6 + UDP around `payload`: the outer datagram carrying a WireGuard message.
    public static func udp(from: Endpoint, to: Endpoint, payload: [UInt8], ttl: UInt8 = 64) -> [UInt8] {
        let headerLength = udpHeadersLength(to: to.address)
        // The payload written straight into the one allocation and the headers stored before it
        // (`zeroedCount`: not the unspecialised allocation of `unsafeUninitializedCapacity`,
        // measured ~580 instructions a datagram against ~250).
        return [UInt8](zeroedCount: headerLength + payload.count) { base in
            payload.withUnsafeBytes { p in
                if let source = p.baseAddress { (base + headerLength).update(from: source.assumingMemoryBound(to: UInt8.self), count: p.count) }
                storeUDPHeaders(from: from, to: to, payload: p, ttl: ttl, at: UnsafeMutableRawPointer(base))
            }
        }
    }

    /// Stores at `base` the IP and UDP headers that `udp(from:to:payload:ttl:)` puts before
    /// `payload` (`udpHeadersLength(to:)` bytes, returned), the UDP checksum computed over
    /// `payload` where it lies: a capture writes them straight into its output buffer, followed
    /// by the payload, without building the datagram (docs/performance.md, session 10).
    /// `base` need not be aligned. The checksum is RFC 768's over the pseudo-header (RFC 8200
    /// §8.1 for IPv6), a computed zero sent as 0xffff, as `UDPRepr.emitHeader` does.
    ///
    /// `payloadSum`, when given, is `InternetChecksum.sum(payload)`, computed once by a caller
    /// that writes the same payload more than once (a datagram's sender and receiver captures):
    /// the payload is then not read. The pseudo-header and UDP header are never all zero, so the
    /// folded checksum is the same whichever way the payload's sum was added in.
    @discardableResult
    public static func storeUDPHeaders(from: Endpoint, to: Endpoint, payload: UnsafeRawBufferPointer, payloadSum: UInt64? = nil,
                                       ttl: UInt8 = 64, at base: UnsafeMutableRawPointer) -> Int {
        let udpLength = 8 + payload.count
        let length16 = UInt16(truncatingIfNeeded: udpLength)
        let header = UInt64(from.port) &+ UInt64(to.port) &+ UInt64(length16)
        @inline(__always) func payloadChecksum(initial: UInt64) -> UInt16 {
            // A given sum is folded to a few bits over 32 (as `InternetChecksum.sum` leaves it),
            // so adding the headers' words to it cannot wrap.
            InternetChecksum.finish(payloadSum.map { $0 &+ initial } ?? InternetChecksum.sum(payload, initial: initial))
        }
        if case .v4(let s) = from.address, case .v4(let d) = to.address {
            // Every datagram of an IPv4 underlay: the pseudo-header's words summed here, and the
            // IPv4 header stored from its fields (no `IPv4Repr` made and destroyed).
            let pseudo = UInt64(s.value >> 16) &+ UInt64(s.value & 0xffff) &+ UInt64(d.value >> 16) &+ UInt64(d.value & 0xffff)
                &+ UInt64(IPProtocol.udp) &+ UInt64(udpLength >> 16) &+ UInt64(udpLength & 0xffff)
            let sum = payloadChecksum(initial: pseudo &+ header)
            let udp = base + 20
            udp.storeBytes(of: (UInt32(from.port) << 16 | UInt32(to.port)).bigEndian, toByteOffset: 0, as: UInt32.self)
            udp.storeBytes(of: (UInt32(length16) << 16 | UInt32(sum == 0 ? 0xffff : sum)).bigEndian, toByteOffset: 4, as: UInt32.self)
            IPv4Repr.storePlainHeader(at: base, tos: 0, identification: 0, flags: 0, ttl: ttl, protocolNumber: IPProtocol.udp,
                                      source: s, destination: d, payloadLength: udpLength)
            return 28
        }
        let source = aligned(from.address, to: to.address)
        let ipLength = to.address.isIPv4 ? 20 : 40
        // The UDP header's words (its checksum field zero) added to the payload's sum: the header
        // is 8 bytes, so the payload's 16-bit words line up as they do in the datagram.
        let pseudo = InternetChecksum.pseudoHeaderSum(source: source, destination: to.address,
                                                      protocolNumber: IPProtocol.udp, length: udpLength)
        let sum = payloadChecksum(initial: pseudo &+ header)
        let checksum = sum == 0 ? 0xffff : sum
        let udp = base + ipLength
        udp.storeBytes(of: (UInt32(from.port) << 16 | UInt32(to.port)).bigEndian, toByteOffset: 0, as: UInt32.self)
        udp.storeBytes(of: (UInt32(length16) << 16 | UInt32(checksum)).bigEndian, toByteOffset: 4, as: UInt32.self)
        switch to.address {
        case .v4(let d):
            IPv4Repr(source: v4(source), destination: d, protocolNumber: IPProtocol.udp, ttl: ttl)
                .storePlainHeader(at: base, payloadLength: udpLength)
        case .v6(let d):
            let s = v6(source)
            base.storeBytes(of: (UInt32(6) << 28).bigEndian, toByteOffset: 0, as: UInt32.self)
            base.storeBytes(of: (UInt32(length16) << 16 | UInt32(IPProtocol.udp) << 8 | UInt32(ttl)).bigEndian,
                            toByteOffset: 4, as: UInt32.self)
            base.storeBytes(of: s.high.bigEndian, toByteOffset: 8, as: UInt64.self)
            base.storeBytes(of: s.low.bigEndian, toByteOffset: 16, as: UInt64.self)
            base.storeBytes(of: d.high.bigEndian, toByteOffset: 24, as: UInt64.self)
            base.storeBytes(of: d.low.bigEndian, toByteOffset: 32, as: UInt64.self)
        }
        return ipLength + 8
    }

    /// ICMP Destination Unreachable / Host Unreachable (type 3 code 1) for IPv4, ICMPv6
    /// Destination Unreachable / Address Unreachable (type 1 code 3) for IPv6, from `source` to
    /// the offender's source, quoting the offender up to `maximumQuoteV4`/`V6` bytes. This is
    /// what Linux WireGuard sends when no peer's allowed IPs match (send.c / device.c `wg_xmit`).
    /// Throws `WireError` for bytes that are not an IP packet and `ICMPErrorSuppressed` where
    /// the kernel sends nothing (see `ICMPErrorRules`).
    public static func destinationUnreachable(offending: [UInt8], source: IPAddress) throws -> [UInt8] {
        let summary = try IPPacketSummary(parsing: offending)
        let quote = Array(offending[0..<min(summary.totalLength, offending.count)])
        switch summary.destination {
        case .v4:
            try ICMPErrorRules.checkV4(offending, summary)
            let icmp = ICMPv4Repr(ICMPFields(type: ICMPv4Repr.destinationUnreachable, code: ICMPv4Repr.hostUnreachable,
                                             data: Array(quote.prefix(maximumQuoteV4)))).emit()
            var ip = IPv4Repr(source: v4(aligned(source, to: summary.source)), destination: v4(summary.source),
                              protocolNumber: IPProtocol.icmp)
            // __icmp_send: errors carry the offender's TOS bits with precedence "internetwork control".
            ip.tos = offending[1] & 0x1e | 0xc0
            return ip.emit(payload: icmp)
        case .v6:
            try ICMPErrorRules.checkV6(offending, summary)
            let from = v6(aligned(source, to: summary.source)), to = v6(summary.source)
            let icmp = ICMPv6Repr(ICMPFields(type: ICMPv6Repr.destinationUnreachable, code: ICMPv6Repr.addressUnreachable,
                                             data: Array(quote.prefix(maximumQuoteV6)))).emit(source: from, destination: to)
            return IPv6Repr(source: from, destination: to, nextHeader: IPProtocol.icmpv6).emit(payload: icmp)
        }
    }

    /// An ICMP/ICMPv6 echo request whose data byte k is k mod 256 (ping's pattern, without the
    /// wall-clock timestamp ping puts first, so output stays deterministic).
    public static func echoRequest(from: IPAddress, to: IPAddress, identifier: UInt16, sequence: UInt16,
                                   payloadSize: Int) -> [UInt8] {
        let size = clampPayload(payloadSize, headers: (to.isIPv4 ? 20 : 40) + 8)
        let data = (0..<size).map { UInt8(truncatingIfNeeded: $0) }
        return echo(from: aligned(from, to: to), to: to, request: true,
                    rest: UInt32(identifier) << 16 | UInt32(sequence), data: data, tos: 0)
    }

    /// The reply a host's stack gives to an echo request: addresses swapped, identifier,
    /// sequence and data echoed, TOS/traffic class kept (`icmp_reply`, `icmpv6_echo_reply`).
    public static func echoReply(to request: [UInt8]) throws -> [UInt8] {
        guard let first = request.first, first >> 4 == 4 || first >> 4 == 6 else {
            throw WireError("IP", .unsupported, at: 0, expected: "an IPv4 or IPv6 echo request")
        }
        if first >> 4 == 4 {
            let packet = try IPv4Packet(checking: request)
            // The header's fields are read in place: `IPv4Repr(packet)` also copied the options
            // into an array of their own (~260 instructions a reply, even for none), which the
            // reply drops. A bad header checksum still throws `IPv4Repr`'s error.
            if !packet.checksumIsValid { _ = try IPv4Repr(packet) }
            guard !packet.isFragment, packet.protocolNumber == IPProtocol.icmp else {
                throw WireError("IPv4", .unsupported, at: 9, expected: "an unfragmented ICMP packet")
            }
            // The ICMP message is read where it lies (no copy of it, nor of its data), with the
            // checks and errors `ICMPv4Repr.parse(packet.payload)` has.
            let range = packet.payloadRange
            guard range.count >= 8 else {
                throw WireError.truncated("ICMP", at: range.count, need: 8, have: range.count, what: "a header")
            }
            guard InternetChecksum.verifies(request, range) else {
                throw WireError("ICMP", .badChecksum, at: 2, expected: "a checksum that sums the message to all ones")
            }
            let type = request[range.lowerBound]
            guard type == ICMPv4Repr.echoRequest else {
                throw WireError("ICMP", .unsupported, at: packet.headerLength, expected: "type 8 (echo request), got \(type)")
            }
            return echoV4(from: packet.destination, to: packet.source, request: false, rest: readBE32(request, range.lowerBound + 4),
                          data: request, range: (range.lowerBound + 8)..<range.upperBound, tos: packet.tos,
                          checksum: replyChecksum(request: request, icmpAt: range.lowerBound))
        }
        let packet = try IPv6Packet(checking: request)
        let chain = try packet.extensionChain()
        guard chain.fragment == nil, chain.upperProtocol == IPProtocol.icmpv6 else {
            throw WireError("IPv6", .unsupported, at: 6, expected: "an unfragmented ICMPv6 packet")
        }
        let body = Array(request[chain.upperOffset..<packet.totalLength])
        let icmp: ICMPFields
        do {
            icmp = try ICMPv6Repr.parse(body, source: packet.source, destination: packet.destination).fields
        } catch let error as WireError {
            throw error.shifted(by: chain.upperOffset)
        }
        guard icmp.type == ICMPv6Repr.echoRequest else {
            throw WireError("ICMPv6", .unsupported, at: chain.upperOffset, expected: "type 128 (echo request), got \(icmp.type)")
        }
        return echo(from: .v6(packet.destination), to: .v6(packet.source), request: false, rest: icmp.restOfHeader,
                    data: icmp.data, tos: packet.trafficClass)
    }

    /// A test packet for a scenario `send:` event: IP header, the transport header the event
    /// names, and `payloadSize` zero bytes of payload (clamped so the packet fits 65535 bytes).
    public static func datagram(from: IPAddress, to: IPAddress, transport: InnerTransport, payloadSize: Int,
                                ttl: UInt8 = 64) -> [UInt8] {
        let source = aligned(from, to: to)
        let ipLength = to.isIPv4 ? 20 : 40
        switch transport {
        case .udp(let sp, let dp):
            let size = clampPayload(payloadSize, headers: ipLength + 8)
            let payload = [UInt8](repeating: 0, count: size)
            return udp(from: Endpoint(address: source, port: sp), to: Endpoint(address: to, port: dp), payload: payload, ttl: ttl)
        case .tcp(let sp, let dp):
            let size = clampPayload(payloadSize, headers: ipLength + 20)
            var b = [UInt8](repeating: 0, count: ipLength + 20 + size)
            TCPSegmentHeader(sourcePort: sp, destinationPort: dp).emit(into: &b, at: ipLength, source: source, destination: to)
            emitIPHeader(into: &b, source: source, destination: to, protocolNumber: IPProtocol.tcp, ttl: ttl)
            return b
        case .icmp(let id, let seq):
            let size = clampPayload(payloadSize, headers: ipLength + 8)
            return echo(from: source, to: to, request: true, rest: UInt32(id) << 16 | UInt32(seq),
                        data: [UInt8](repeating: 0, count: size), tos: 0, ttl: ttl)
        case .other(let number):
            let size = clampPayload(payloadSize, headers: ipLength)
            var b = [UInt8](repeating: 0, count: ipLength + size)
            emitIPHeader(into: &b, source: source, destination: to, protocolNumber: number, ttl: ttl)
            return b
        }
    }

    // MARK: - Helpers

    private static func echo(from: IPAddress, to: IPAddress, request: Bool, rest: UInt32, data: [UInt8],
                             tos: UInt8, ttl: UInt8 = 64) -> [UInt8] {
        switch (from, to) {
        case (.v4(let s), .v4(let d)):
            return echoV4(from: s, to: d, request: request, rest: rest, data: data, range: data.indices, tos: tos, ttl: ttl)
        default:
            let s = v6(from), d = v6(to)
            let icmp = ICMPv6Repr(ICMPFields(type: request ? ICMPv6Repr.echoRequest : ICMPv6Repr.echoReply,
                                             code: 0, restOfHeader: rest, data: data)).emit(source: s, destination: d)
            var ip = IPv6Repr(source: s, destination: d, nextHeader: IPProtocol.icmpv6, hopLimit: ttl)
            ip.trafficClass = tos
            return ip.emit(payload: icmp)
        }
    }

    /// The checksum of the echo reply to a verified echo request whose ICMP message starts at
    /// `icmpAt`, updated from the request's by RFC 1624 (eqn. 3) instead of summed again over the
    /// whole message: the reply is the request's message with its first word (type 8 and the
    /// code) replaced by type 0 code 0. nil where the update could differ from summing the reply
    /// (then `echoV4` sums it).
    ///
    /// Why it is the same value: the request verified, so its words sum to 0 modulo 0xffff and
    /// those other than the checksum to -HC; the reply's words then sum to -HC - m + 0 (m: the
    /// request's first word) modulo 0xffff, and ~HC ≡ -HC, ~m ≡ -m. A sum of words folded with
    /// end-around carry (`InternetChecksum.finish`) is 0 only when every word is 0 and 0xffff
    /// when it is ≡ 0 otherwise; every other value is its own residue. So for a non-zero residue
    /// the summed reply's checksum is ~residue; for residue 0 (all-zero reply words, or a sum of
    /// 0xffff) the answer depends on the words, and nil sends the caller to sum them.
    static func replyChecksum(request: [UInt8], icmpAt offset: Int) -> UInt16? {
        let requestChecksum = readBE16(request, offset + 2)
        let firstWord = readBE16(request, offset)
        let replyFirstWord = UInt16(ICMPv4Repr.echoReply) << 8
        let residue = (Int(~requestChecksum) + Int(~firstWord) + Int(replyFirstWord)) % 0xffff
        return residue == 0 ? nil : ~UInt16(residue)
    }

    /// An IPv4 ICMP echo message whose data is `data[range]`: the bytes of
    /// `IPv4Repr.emit(payload: ICMPv4Repr(...).emit())`, written into one buffer of the final size
    /// (those two each allocate and grow an array per packet).
    private static func echoV4(from s: IPv4Address, to d: IPv4Address, request: Bool, rest: UInt32, data: [UInt8],
                               range: Range<Int>, tos: UInt8, ttl: UInt8 = 64, checksum: UInt16? = nil) -> [UInt8] {
        var ip = IPv4Repr(source: s, destination: d, protocolNumber: IPProtocol.icmp, ttl: ttl)
        ip.tos = tos
        let icmpStart = 20
        let total = icmpStart + 8 + range.count
        var b = [UInt8](zeroedCount: total) { base in
            data.withUnsafeBufferPointer { p in
                if let source = p.baseAddress { (base + icmpStart + 8).update(from: source + range.lowerBound, count: range.count) }
            }
        }
        b[icmpStart] = request ? ICMPv4Repr.echoRequest : ICMPv4Repr.echoReply
        writeBE32(&b, icmpStart + 4, rest)
        writeBE16(&b, icmpStart + 2, checksum ?? InternetChecksum.compute(b, icmpStart..<b.count))
        ip.emitHeader(into: &b, at: 0, payloadLength: b.count - icmpStart)
        return b
    }

    /// Writes an IPv4 or IPv6 header at the start of `b`, whose remaining bytes are the payload.
    private static func emitIPHeader(into b: inout [UInt8], source: IPAddress, destination: IPAddress,
                                     protocolNumber: UInt8, ttl: UInt8) {
        switch destination {
        case .v4(let d):
            IPv4Repr(source: v4(source), destination: d, protocolNumber: protocolNumber, ttl: ttl)
                .emitHeader(into: &b, at: 0, payloadLength: b.count - 20)
        case .v6(let d):
            IPv6Repr(source: v6(source), destination: d, nextHeader: protocolNumber, hopLimit: ttl)
                .emitHeader(into: &b, at: 0, payloadLength: b.count - 40)
        }
    }

    private static func clampPayload(_ size: Int, headers: Int) -> Int {
        min(max(size, 0), 65535 - headers)
    }

    /// `address` in the family of `other` (see the type's comment).
    static func aligned(_ address: IPAddress, to other: IPAddress) -> IPAddress {
        switch (address, other) {
        case (.v4(let a), .v6):
            return .v6(IPv6Address(high: 0, low: 0xffff_0000_0000 | UInt64(a.value)))
        case (.v6(let a), .v4):
            if a.high == 0 && a.low >> 32 == 0xffff { return .v4(IPv4Address(UInt32(truncatingIfNeeded: a.low))) }
            return .v4(IPv4Address(0))
        default:
            return address
        }
    }

    private static func v4(_ a: IPAddress) -> IPv4Address {
        if case .v4(let x) = aligned(a, to: .v4(IPv4Address(0))) { return x }
        return IPv4Address(0)
    }

    private static func v6(_ a: IPAddress) -> IPv6Address {
        if case .v6(let x) = aligned(a, to: .v6(IPv6Address(high: 0, low: 0))) { return x }
        return IPv6Address(high: 0, low: 0)
    }
}
