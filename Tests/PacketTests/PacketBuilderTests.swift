import XCTest
@testable import Packet

/// The packets the pipeline builds: outer UDP, ICMP unreachable (wireguard-behaviour.md §2 step 2),
/// echo request/reply, scenario `send:` packets.
final class PacketBuilderTests: XCTestCase {
    let v4a = IPAddress.v4(IPv4Address(10, 9, 0, 1)), v4b = IPAddress.v4(IPv4Address(10, 9, 0, 2))
    let v6a = IPAddress.v6(IPv6Address(high: 0x2001_0db8_0000_0000, low: 1))   // 2001:db8::1
    let v6b = IPAddress.v6(IPv6Address(high: 0x2001_0db8_0000_0000, low: 2))   // 2001:db8::2

    func testOuterUDPv4ParsesBackWithValidChecksums() throws {
        let payload: [UInt8] = [1, 0, 0, 0] + Array(repeating: 0xaa, count: 144)
        let b = PacketBuilder.udp(from: Endpoint(address: v4a, port: 51820), to: Endpoint(address: v4b, port: 51821), payload: payload)
        let (ip, ipPayload) = try IPv4Repr.parse(b)
        XCTAssertEqual(ip.protocolNumber, IPProtocol.udp)
        XCTAssertEqual(ip.ttl, 64)
        XCTAssertEqual(ip.source, IPv4Address(10, 9, 0, 1))
        let (udp, body) = try UDPRepr.parse(ipPayload, source: v4a, destination: v4b)
        XCTAssertEqual(udp.sourcePort, 51820)
        XCTAssertEqual(udp.destinationPort, 51821)
        XCTAssertEqual(body, payload)
        XCTAssertEqual(b.count, 20 + 8 + payload.count)
    }

    func testOuterUDPv6ParsesBackWithValidChecksums() throws {
        let b = PacketBuilder.udp(from: Endpoint(address: v6a, port: 1), to: Endpoint(address: v6b, port: 2), payload: [9, 9, 9], ttl: 7)
        let (ip, ipPayload) = try IPv6Repr.parse(b)
        XCTAssertEqual(ip.hopLimit, 7)
        XCTAssertEqual(ip.nextHeader, IPProtocol.udp)
        let (udp, body) = try UDPRepr.parse(ipPayload, source: v6a, destination: v6b)
        XCTAssertEqual(udp, UDPRepr(sourcePort: 1, destinationPort: 2))
        XCTAssertEqual(body, [9, 9, 9])
    }

    /// `udp` (now the payload copied and `storeUDPHeaders` before it) gives the datagram composed
    /// the long way (`UDPRepr.emit`, then the IP header's own `emit`), for IPv4, IPv6 and mixed
    /// families, every payload length up to 300 (odd ones too), and the headers stored alone at an
    /// unaligned address are the datagram's first bytes; a UDP checksum that comes out zero is sent
    /// as 0xffff by both.
    func testStoredUDPHeadersAreTheComposedDatagram() throws {
        let mapped = IPAddress.v6(IPv6Address(high: 0, low: 0xffff_0a09_0003))   // ::ffff:10.9.0.3
        let pairs: [(IPAddress, IPAddress)] = [(v4a, v4b), (v6a, v6b), (v4a, v6b), (v6a, v4b), (mapped, v4b)]
        var generator = SystemRandomNumberGenerator()
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        defer { scratch.deallocate() }
        func composed(_ from: Endpoint, _ to: Endpoint, _ payload: [UInt8], ttl: UInt8) -> [UInt8] {
            let source = PacketBuilder.aligned(from.address, to: to.address)
            let udp = UDPRepr(sourcePort: from.port, destinationPort: to.port).emit(payload: payload, source: source, destination: to.address)
            switch (source, to.address) {
            case (.v4(let s), .v4(let d)): return IPv4Repr(source: s, destination: d, protocolNumber: IPProtocol.udp, ttl: ttl).emit(payload: udp)
            case (.v6(let s), .v6(let d)): return IPv6Repr(source: s, destination: d, nextHeader: IPProtocol.udp, hopLimit: ttl).emit(payload: udp)
            default: XCTFail("families not aligned"); return []
            }
        }
        for (a, b) in pairs {
            for length in 0...300 {
                let from = Endpoint(address: a, port: UInt16.random(in: 0...UInt16.max, using: &generator))
                let to = Endpoint(address: b, port: UInt16.random(in: 0...UInt16.max, using: &generator))
                let payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let ttl = UInt8.random(in: 1...255, using: &generator)
                let built = PacketBuilder.udp(from: from, to: to, payload: payload, ttl: ttl)
                XCTAssertEqual(built, composed(from, to, payload, ttl: ttl), "\(a) → \(b), \(length) bytes")
                let headers = payload.withUnsafeBytes { PacketBuilder.storeUDPHeaders(from: from, to: to, payload: $0, ttl: ttl, at: scratch + 3) }
                XCTAssertEqual(headers, PacketBuilder.udpHeadersLength(to: b))
                XCTAssertEqual(Array(UnsafeRawBufferPointer(start: scratch + 3, count: headers)), Array(built.prefix(headers)))
                // The payload's sum handed in (a datagram captured twice) gives the same headers.
                scratch.initializeMemory(as: UInt8.self, repeating: 0, count: 64)
                let sum = payload.withUnsafeBytes { InternetChecksum.sum($0) }
                _ = payload.withUnsafeBytes {
                    PacketBuilder.storeUDPHeaders(from: from, to: to, payload: $0, payloadSum: sum, ttl: ttl, at: scratch + 3)
                }
                XCTAssertEqual(Array(UnsafeRawBufferPointer(start: scratch + 3, count: headers)), Array(built.prefix(headers)),
                               "\(a) → \(b), \(length) bytes, the payload's sum given")
            }
        }
        // A payload whose last word makes the sum all ones: the checksum computes to zero and is
        // sent as 0xffff (RFC 768).
        for (a, b) in pairs {
            let from = Endpoint(address: a, port: 51820), to = Endpoint(address: b, port: 4)
            var payload: [UInt8] = [1, 0, 0, 0, 7, 7, 0, 0]
            let first = PacketBuilder.udp(from: from, to: to, payload: payload)
            let checksumAt = PacketBuilder.udpHeadersLength(to: b) - 2
            payload[6] = first[checksumAt]
            payload[7] = first[checksumAt + 1]
            let zeroed = PacketBuilder.udp(from: from, to: to, payload: payload)
            XCTAssertEqual(Array(zeroed[checksumAt...(checksumAt + 1)]), [0xff, 0xff])
            XCTAssertEqual(zeroed, composed(from, to, payload, ttl: 64))
            let sum = payload.withUnsafeBytes { InternetChecksum.sum($0) }
            let headers = payload.withUnsafeBytes {
                PacketBuilder.storeUDPHeaders(from: from, to: to, payload: $0, payloadSum: sum, at: scratch)
            }
            XCTAssertEqual(Array(UnsafeRawBufferPointer(start: scratch, count: headers)), Array(zeroed.prefix(headers)))
        }
    }

    /// Kernel: no peer → ICMP type 3 code 1 to the sender, quoting the packet (send.c, §2 step 2).
    func testNoPeerICMPv4HostUnreachableQuotesOffender() throws {
        let offender = PacketBuilder.datagram(from: v4a, to: v4b, transport: .udp(sourcePort: 5, destinationPort: 53), payloadSize: 40)
        let router = IPAddress.v4(IPv4Address(10, 9, 0, 254))
        let b = try PacketBuilder.destinationUnreachable(offending: offender, source: router)
        let (ip, payload) = try IPv4Repr.parse(b)
        XCTAssertEqual(ip.source, IPv4Address(10, 9, 0, 254))
        XCTAssertEqual(ip.destination, IPv4Address(10, 9, 0, 1))
        XCTAssertEqual(ip.tos, 0xc0, "__icmp_send sets precedence internetwork control on errors")
        let icmp = try ICMPv4Repr.parse(payload).fields
        XCTAssertEqual(icmp.type, 3)
        XCTAssertEqual(icmp.code, 1)
        XCTAssertEqual(icmp.data, offender)
    }

    /// RFC 1812 §4.3.2.3 / __icmp_send: the whole error stays within 576 bytes.
    func testICMPv4QuoteCappedAt576ByteDatagram() throws {
        let offender = PacketBuilder.datagram(from: v4a, to: v4b, transport: .udp(sourcePort: 5, destinationPort: 53), payloadSize: 1400)
        let b = try PacketBuilder.destinationUnreachable(offending: offender, source: v4b)
        XCTAssertEqual(b.count, 576)
        XCTAssertEqual(Array(b[28...]), Array(offender.prefix(548)))
    }

    /// Kernel: no peer (IPv6) → ICMPv6 type 1 code 3, quote within the 1280-byte minimum MTU.
    func testNoPeerICMPv6AddressUnreachableWithin1280Bytes() throws {
        let offender = PacketBuilder.datagram(from: v6a, to: v6b, transport: .tcp(sourcePort: 5, destinationPort: 80), payloadSize: 1400)
        let b = try PacketBuilder.destinationUnreachable(offending: offender, source: v6b)
        XCTAssertEqual(b.count, 1280)
        let (ip, payload) = try IPv6Repr.parse(b)
        guard case .v6(let s) = v6b, case .v6(let d) = v6a else { return XCTFail("families") }
        XCTAssertEqual(ip.source, s)
        XCTAssertEqual(ip.destination, d)
        let icmp = try ICMPv6Repr.parse(payload, source: s, destination: d).fields
        XCTAssertEqual(icmp.type, 1)
        XCTAssertEqual(icmp.code, 3)
        XCTAssertEqual(icmp.data, Array(offender.prefix(1232)))
    }

    /// RFC 1122 §3.2.2: never an ICMP error about an ICMP error.
    func testNoICMPErrorAboutAnICMPError() throws {
        let offender = PacketBuilder.datagram(from: v4a, to: v4b, transport: .udp(sourcePort: 5, destinationPort: 53), payloadSize: 8)
        let error = try PacketBuilder.destinationUnreachable(offending: offender, source: v4b)
        XCTAssertThrowsError(try PacketBuilder.destinationUnreachable(offending: error, source: v4a)) {
            XCTAssertTrue($0 is ICMPErrorSuppressed, "\($0)")
        }
        let echo = PacketBuilder.echoRequest(from: v4a, to: v4b, identifier: 1, sequence: 1, payloadSize: 8)
        XCTAssertNoThrow(try PacketBuilder.destinationUnreachable(offending: echo, source: v4b))
    }

    func testEchoRequestAndReplyRoundTripV4() throws {
        let request = PacketBuilder.echoRequest(from: v4a, to: v4b, identifier: 0x1234, sequence: 7, payloadSize: 56)
        XCTAssertEqual(request.count, 84)
        let reply = try PacketBuilder.echoReply(to: request)
        let (ip, payload) = try IPv4Repr.parse(reply)
        XCTAssertEqual(IPAddress.v4(ip.source), v4b)
        XCTAssertEqual(IPAddress.v4(ip.destination), v4a)
        let icmp = try ICMPv4Repr.parse(payload).fields
        XCTAssertEqual(icmp.type, ICMPv4Repr.echoReply)
        XCTAssertEqual(icmp.echoIdentifier, 0x1234)
        XCTAssertEqual(icmp.echoSequence, 7)
        XCTAssertEqual(icmp.data, (0..<56).map { UInt8($0) })
    }

    /// The reply is built from the request in place (no parsed copy of its ICMP message): it must
    /// be byte for byte what the general builders make of the parsed request, TOS kept, and a
    /// request with a bad ICMP checksum, a short ICMP header or another type gets no reply.
    func testEchoReplyV4IsTheComposedReplyAndRefusesBrokenRequests() throws {
        for size in [0, 1, 7, 56, 1372] {
            var request = PacketBuilder.echoRequest(from: v4a, to: v4b, identifier: 0xbeef, sequence: UInt16(size), payloadSize: size)
            request[1] = 0xb8   // a TOS the reply must keep
            request[10] = 0; request[11] = 0
            let headerChecksum = InternetChecksum.compute(request, 0..<20)
            request[10] = UInt8(headerChecksum >> 8); request[11] = UInt8(headerChecksum & 0xff)
            let reply = try PacketBuilder.echoReply(to: request)
            var ip = IPv4Repr(source: IPv4Address(10, 9, 0, 2), destination: IPv4Address(10, 9, 0, 1), protocolNumber: IPProtocol.icmp)
            ip.tos = 0xb8
            let (_, icmp) = try IPv4Repr.parse(request)
            let fields = try ICMPv4Repr.parse(icmp).fields
            let expected = ip.emit(payload: ICMPv4Repr(ICMPFields(type: ICMPv4Repr.echoReply, code: 0, restOfHeader: fields.restOfHeader,
                                                                  data: fields.data)).emit())
            XCTAssertEqual(reply, expected, "payload size \(size)")
        }
        let request = PacketBuilder.echoRequest(from: v4a, to: v4b, identifier: 1, sequence: 1, payloadSize: 16)
        var badChecksum = request
        badChecksum[20 + 8] ^= 0x01
        XCTAssertThrowsError(try PacketBuilder.echoReply(to: badChecksum)) { error in
            XCTAssertEqual((error as? WireError)?.kind, .badChecksum)
        }
        // A 4-byte ICMP message (total length 24, header checksum fixed up).
        var short = Array(request[0..<24])
        short[2] = 0; short[3] = 24
        short[10] = 0; short[11] = 0
        let c = InternetChecksum.compute(short, 0..<20)
        short[10] = UInt8(c >> 8); short[11] = UInt8(c & 0xff)
        XCTAssertThrowsError(try PacketBuilder.echoReply(to: short)) { error in
            XCTAssertEqual((error as? WireError)?.kind, .truncated)
        }
        XCTAssertThrowsError(try PacketBuilder.echoReply(to: try PacketBuilder.echoReply(to: request)), "a reply is not a request")
    }

    /// The reply's ICMP checksum is updated from the request's (RFC 1624) rather than summed:
    /// over requests whose words sum every way (codes other than 0, data of every length up to
    /// 70 bytes in several patterns, identifiers and sequences that make the reply's words all
    /// zero or sum to 0xffff, where the update gives way to a sum) it must be the checksum that
    /// summing the reply gives, and the whole reply the composed one.
    func testEchoReplyChecksumFromTheRequestsIsTheSummedOne() throws {
        var fallbacks = 0, updates = 0
        let patterns: [(Int) -> UInt8] = [{ _ in 0 }, { _ in 0xff }, { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) },
                                          { $0 % 2 == 0 ? 0xff : 0x00 }]
        let headers: [(code: UInt8, identifier: UInt16, sequence: UInt16)] = [
            (0, 0, 0), (0, 0xffff, 0), (0, 0x00ff, 0xff00), (3, 0, 0), (0xff, 0x1234, 0xfedc), (0, 0xf7ff, 0x0800)]
        for length in 0...70 {
            for (p, pattern) in patterns.enumerated() {
                for header in headers {
                    var request = PacketBuilder.echoRequest(from: v4a, to: v4b, identifier: header.identifier,
                                                            sequence: header.sequence, payloadSize: length)
                    for k in 0..<length { request[28 + k] = pattern(k) }
                    request[21] = header.code
                    request[22] = 0; request[23] = 0
                    let c = InternetChecksum.compute(request, 20..<request.count)
                    request[22] = UInt8(c >> 8); request[23] = UInt8(c & 0xff)
                    let reply = try PacketBuilder.echoReply(to: request)
                    let (_, icmp) = try IPv4Repr.parse(request)
                    let fields = try ICMPv4Repr.parse(icmp).fields
                    let ip = IPv4Repr(source: IPv4Address(10, 9, 0, 2), destination: IPv4Address(10, 9, 0, 1), protocolNumber: IPProtocol.icmp)
                    let expected = ip.emit(payload: ICMPv4Repr(ICMPFields(type: ICMPv4Repr.echoReply, code: 0,
                                                                          restOfHeader: fields.restOfHeader, data: fields.data)).emit())
                    XCTAssertEqual(reply, expected, "length \(length), pattern \(p), header \(header)")
                    var zeroed = reply
                    zeroed[22] = 0; zeroed[23] = 0
                    let summed = InternetChecksum.compute(zeroed, 20..<zeroed.count)
                    if let updated = PacketBuilder.replyChecksum(request: request, icmpAt: 20) {
                        XCTAssertEqual(updated, summed, "length \(length), pattern \(p), header \(header)")
                        updates += 1
                    } else {
                        fallbacks += 1
                    }
                }
            }
        }
        // Both ways were taken: the all-zero replies and those summing to 0xffff are summed.
        XCTAssertGreaterThan(fallbacks, 0)
        XCTAssertGreaterThan(updates, 1000)
        // The header is read in place, not through `IPv4Repr`: a bad header checksum still gets
        // no reply, with `IPv4Repr`'s error.
        var badHeader = PacketBuilder.echoRequest(from: v4a, to: v4b, identifier: 1, sequence: 1, payloadSize: 16)
        badHeader[10] ^= 0x01
        var expected: Error?
        do { _ = try IPv4Repr(try IPv4Packet(checking: badHeader)) } catch { expected = error }
        XCTAssertThrowsError(try PacketBuilder.echoReply(to: badHeader)) { error in
            XCTAssertEqual("\(error)", expected.map { "\($0)" })
            XCTAssertEqual((error as? WireError)?.kind, .badChecksum)
        }
    }

    /// An option-less IPv4 header is written by a word-at-a-time path: every field and the
    /// checksum must read back as set, for varied field values.
    func testIPv4HeaderWithoutOptionsReadsBackWithValidChecksum() throws {
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {   // xorshift64: varied values, the same on every run
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        for _ in 0..<500 {
            var ip = IPv4Repr(source: IPv4Address(UInt32(truncatingIfNeeded: next())),
                              destination: IPv4Address(UInt32(truncatingIfNeeded: next())),
                              protocolNumber: UInt8(truncatingIfNeeded: next()), ttl: UInt8(truncatingIfNeeded: next() | 1))
            ip.tos = UInt8(truncatingIfNeeded: next())
            ip.identification = UInt16(truncatingIfNeeded: next())
            ip.dontFragment = next() & 1 == 1
            ip.reservedFlag = next() & 1 == 1
            let payload = [UInt8](repeating: 0x5a, count: Int(next() % 65))
            let bytes = ip.emit(payload: payload)
            let packet = try IPv4Packet(checking: bytes)
            XCTAssertTrue(packet.checksumIsValid)
            XCTAssertEqual(try IPv4Repr(packet), ip)
            XCTAssertEqual(packet.totalLength, 20 + payload.count)
        }
    }

    func testEchoRequestAndReplyRoundTripV6() throws {
        let request = PacketBuilder.echoRequest(from: v6a, to: v6b, identifier: 9, sequence: 3, payloadSize: 10)
        let reply = try PacketBuilder.echoReply(to: request)
        let summary = try IPPacketSummary(parsing: reply)
        XCTAssertEqual(summary.source, v6b)
        XCTAssertEqual(summary.destination, v6a)
        XCTAssertEqual(summary.protocolNumber, IPProtocol.icmpv6)
        XCTAssertEqual(reply[40], ICMPv6Repr.echoReply)
        XCTAssertThrowsError(try PacketBuilder.echoReply(to: reply), "a reply is not a request")
    }

    func testSendEventPacketsCarryTheirTransport() throws {
        let tcp = PacketBuilder.datagram(from: v4a, to: v4b, transport: .tcp(sourcePort: 1000, destinationPort: 80), payloadSize: 12)
        let s = try IPPacketSummary(parsing: tcp)
        XCTAssertEqual(s.protocolNumber, IPProtocol.tcp)
        XCTAssertEqual(s.destinationPort, 80)
        XCTAssertEqual(s.totalLength, 20 + 20 + 12)
        let pseudo = InternetChecksum.pseudoHeaderSum(source: v4a, destination: v4b, protocolNumber: 6, length: 32)
        XCTAssertTrue(InternetChecksum.verifies(tcp, 20..<tcp.count, pseudoHeader: pseudo))
        XCTAssertEqual(s.description, "tcp 10.9.0.1:1000 → 10.9.0.2:80, 52 bytes")
        let other = PacketBuilder.datagram(from: v6a, to: v6b, transport: .other(protocolNumber: 132), payloadSize: 4)
        XCTAssertEqual(try IPPacketSummary(parsing: other).protocolNumber, 132)
    }
}
