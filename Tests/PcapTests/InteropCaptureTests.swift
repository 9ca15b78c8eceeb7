import XCTest
import Packet
import Pcap

/// The real kernel WireGuard captures in Tests/Fixtures/interop (origin and licence in the
/// README there): read through libpcap as pcap and as pcapng, down to UDP with verified checksums.
final class InteropCaptureTests: XCTestCase {
    struct MissingFixture: Error, CustomStringConvertible {
        var description: String
    }

    /// The fixture's path under Tests/Fixtures/interop of this package. A missing file is an
    /// error that names it, so the test fails (never skips) on an incomplete checkout.
    static func interop(_ name: String) throws -> String {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = packageRoot.appendingPathComponent("Tests/Fixtures/interop").appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw MissingFixture(description: "interop fixture missing: \(path) (see Tests/Fixtures/interop/README.md)")
        }
        return path
    }

    func testPingTCPPcapHas22WireGuardDatagramsWithOffloadedUDPChecksums() throws {
        let reader = try PcapReader(path: try Self.interop("wireguard-ping-tcp.pcap"))
        XCTAssertEqual(reader.linkType, .ethernet)
        let packets = try reader.readAll()
        XCTAssertEqual(packets.count, 22)
        XCTAssertEqual(packets.map(\.frame), Array(1...22))
        XCTAssertEqual(reader.skippedCount, 0)
        // tshark: frame 1 at 1532126321.356858000, IP length 176, 10.9.0.1:43462 → 10.9.0.2:51820.
        XCTAssertEqual(packets.first?.timestamp, 1_532_126_321_356_858_000)
        XCTAssertEqual(packets.first?.bytes.count, 176)
        let peers: Set<IPAddress> = [.v4(IPv4Address(10, 9, 0, 1)), .v4(IPv4Address(10, 9, 0, 2))]
        for p in packets {
            let summary = try IPPacketSummary(parsing: p.bytes)
            XCTAssertEqual(summary.protocolNumber, IPProtocol.udp)
            XCTAssertTrue(peers.contains(summary.source) && peers.contains(summary.destination))
            XCTAssertTrue(summary.sourcePort == 51820 || summary.destinationPort == 51820)
            // The IPv4 header checksum verifies (tshark agrees). The UDP checksum does not: the
            // sender offloaded it (CHECKSUM_PARTIAL), so the field holds only the folded
            // pseudo-header sum the kernel leaves for the NIC; tshark also reports it as bad.
            let (ip, payload) = try IPv4Repr.parse(p.bytes)
            let source = IPAddress.v4(ip.source), destination = IPAddress.v4(ip.destination)
            XCTAssertThrowsError(try UDPRepr.parse(payload, source: source, destination: destination))
            let (_, message) = try UDPRepr.parse(payload, source: source, destination: destination, verifyChecksum: false)
            let pseudo = InternetChecksum.pseudoHeaderSum(source: source, destination: destination, protocolNumber: 17, length: payload.count)
            XCTAssertEqual(UInt16(payload[6]) << 8 | UInt16(payload[7]), ~InternetChecksum.finish(pseudo), "frame \(p.frame)")
            XCTAssertTrue((1...4).contains(message.first ?? 0), "WireGuard message type in frame \(p.frame)")
            XCTAssertEqual(ip.emit(payload: payload), p.bytes, "parse ∘ emit = identity on frame \(p.frame)")
        }
        XCTAssertEqual(packets.first?.bytes.dropFirst(28).first, 1, "frame 1 is a handshake initiation")
    }

    /// The pcapng (with a Decryption Secrets Block libpcap skips) holds the same packets.
    func testPingTCPPcapngMatchesThePcap() throws {
        let pcap = try PcapReader(path: try Self.interop("wireguard-ping-tcp.pcap")).readAll()
        let pcapng = try PcapReader(path: try Self.interop("wireguard-ping-tcp-dsb.pcapng")).readAll()
        XCTAssertEqual(pcapng, pcap)
    }

    func testPSKCaptureHasFourHandshakeMessages() throws {
        let packets = try PcapReader(path: try Self.interop("wireguard-psk.pcap")).readAll()
        XCTAssertEqual(packets.count, 4)
        XCTAssertEqual(packets.map { $0.bytes.count }, [176, 120, 176, 120])
        XCTAssertEqual(packets.map { $0.bytes[28] }, [1, 2, 1, 2])
        XCTAssertEqual(packets.last?.timestamp, 1_533_079_228_554_869_000)
    }
}
