import Packet
import Pcap

/// One fuzz input through every parser in Packet and Pcap, checking properties rather than just
/// "did not crash": whatever parses must emit back to the same bytes, builders fed parsed
/// packets must produce packets that parse, and the reader may only hand out valid IP.
///
/// Shared by the libFuzzer harness (fuzz/build.sh compiles this file with fuzz/main.swift) and
/// by `FuzzCorpusReplayTests`, which replays the committed corpus in every `swift test`.
enum FuzzTarget {
    /// Property violations found for `data`; empty when all hold.
    static func run(_ data: [UInt8]) -> [String] {
        var problems: [String] = []
        checkIP(data, &problems)
        for link in [LinkType.null, .ethernet, .raw, .loop, .linuxSLL, .ipv4, .ipv6, .linuxSLL2] {
            checkFrame(data, link, &problems)
        }
        checkCapture(data, &problems)
        return problems
    }

    /// Two byte arrays equal except that a checksum field at `offset` may hold 0x0000 for
    /// 0xffff: both encode ones' complement zero and both verify.
    static func sameUpToChecksumZero(_ a: [UInt8], _ b: [UInt8], checksumAt offset: Int) -> Bool {
        guard a.count == b.count else { return false }
        if a == b { return true }
        guard offset + 1 < a.count else { return false }
        var x = a, y = b
        for k in [offset, offset + 1] { x[k] = 0; y[k] = 0 }
        let zeros: Set<UInt16> = [0, 0xffff]
        return x == y && zeros.contains(UInt16(a[offset]) << 8 | UInt16(a[offset + 1]))
            && zeros.contains(UInt16(b[offset]) << 8 | UInt16(b[offset + 1]))
    }

    static func checkIP(_ data: [UInt8], _ problems: inout [String]) {
        let summary = try? IPPacketSummary(parsing: data)
        if let s = summary, s.totalLength > data.count { problems.append("summary length \(s.totalLength) > \(data.count)") }
        if let packet = try? IPv4Packet(checking: data) {
            if summary == nil { problems.append("IPv4Packet accepts what IPPacketSummary rejects") }
            if let repr = try? IPv4Repr(packet) {
                let whole = Array(data[0..<packet.totalLength])
                if !sameUpToChecksumZero(repr.emit(payload: packet.payload), whole, checksumAt: 10) {
                    problems.append("IPv4 parse ∘ emit ≠ identity")
                }
                if repr.protocolNumber == IPProtocol.udp { checkUDP(packet.payload, .v4(repr.source), .v4(repr.destination), &problems) }
                if repr.protocolNumber == IPProtocol.icmp, let icmp = try? ICMPv4Repr.parse(packet.payload),
                   !sameUpToChecksumZero(icmp.emit(), packet.payload, checksumAt: 2) {
                    problems.append("ICMP parse ∘ emit ≠ identity")
                }
            }
        }
        if let packet = try? IPv6Packet(checking: data) {
            if summary == nil { problems.append("IPv6Packet accepts what IPPacketSummary rejects") }
            let repr = IPv6Repr(packet)
            if repr.emit(payload: packet.payload) != Array(data[0..<packet.totalLength]) { problems.append("IPv6 parse ∘ emit ≠ identity") }
            if let chain = try? packet.extensionChain(), chain.upperLayerIsPresent {
                let upper = Array(data[chain.upperOffset..<packet.totalLength])
                if chain.upperProtocol == IPProtocol.udp { checkUDP(upper, .v6(repr.source), .v6(repr.destination), &problems) }
                if chain.upperProtocol == IPProtocol.icmpv6,
                   let icmp = try? ICMPv6Repr.parse(upper, source: repr.source, destination: repr.destination),
                   !sameUpToChecksumZero(icmp.emit(source: repr.source, destination: repr.destination), upper, checksumAt: 2) {
                    problems.append("ICMPv6 parse ∘ emit ≠ identity")
                }
            }
        }
        checkBuilders(data, summary, &problems)
    }

    static func checkUDP(_ bytes: [UInt8], _ s: IPAddress, _ d: IPAddress, _ problems: inout [String]) {
        guard let datagram = try? UDPDatagram(checking: bytes, range: 0..<bytes.count),
              let repr = try? UDPRepr(datagram, source: s, destination: d) else { return }
        if repr.emit(payload: datagram.payload, source: s, destination: d) != Array(bytes[datagram.range]) {
            problems.append("UDP parse ∘ emit ≠ identity")
        }
    }

    static func checkBuilders(_ data: [UInt8], _ summary: IPPacketSummary?, _ problems: inout [String]) {
        if let reply = try? PacketBuilder.echoReply(to: data) {
            if (try? IPPacketSummary(parsing: reply)) == nil { problems.append("echo reply does not parse") }
        }
        guard let s = summary else { return }
        if let error = try? PacketBuilder.destinationUnreachable(offending: data, source: s.destination) {
            guard let e = try? IPPacketSummary(parsing: error) else { return problems.append("ICMP error does not parse") }
            if e.totalLength > (s.isIPv4 ? 576 : 1280) { problems.append("ICMP error longer than RFC allows") }
            if e.destination != s.source { problems.append("ICMP error not sent to the offender's source") }
        }
    }

    static func checkFrame(_ data: [UInt8], _ link: LinkType, _ problems: inout [String]) {
        let contents = data.withUnsafeBytes { FrameDecapsulation.locate(in: $0, linkType: link) }
        guard case .ip(let range) = contents else { return }
        guard range.lowerBound >= 0, range.upperBound <= data.count else {
            return problems.append("\(link): range \(range) outside \(data.count) bytes")
        }
        if (try? IPPacketSummary(parsing: Array(data[range]))) == nil { problems.append("\(link): located IP does not parse") }
    }

    static func checkCapture(_ data: [UInt8], _ problems: inout [String]) {
        guard let reader = try? PcapReader(bytes: data) else { return }
        var lastFrame = 0
        // Bounded: a fuzz input is small, so this ends with EOF or an error long before.
        for _ in 0..<100_000 {
            guard let packet = try? reader.next() else { return }
            if packet.frame <= lastFrame { problems.append("frame numbers not increasing") }
            lastFrame = packet.frame
            if (try? IPPacketSummary(parsing: packet.bytes)) == nil { problems.append("reader yielded non-IP bytes") }
            checkIP(packet.bytes, &problems)
        }
    }
}
