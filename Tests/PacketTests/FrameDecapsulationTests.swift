import XCTest
@testable import Packet

/// Link-layer stripping on raw frames (the reader's tests cover it through libpcap files).
final class FrameDecapsulationTests: XCTestCase {
    let ip = PacketBuilder.echoRequest(from: .v4(IPv4Address(10, 0, 0, 1)), to: .v4(IPv4Address(10, 0, 0, 2)),
                                       identifier: 1, sequence: 1, payloadSize: 4)

    private func locate(_ frame: [UInt8], _ link: LinkType) -> FrameContents {
        frame.withUnsafeBytes { FrameDecapsulation.locate(in: $0, linkType: link) }
    }

    func testShortLinkHeadersAreReportedWithSizes() {
        XCTAssertEqual(locate([1, 2, 3], .ethernet), .skipped(.shortLinkHeader(need: 14, have: 3)))
        XCTAssertEqual(locate([0, 0, 0], .null), .skipped(.shortLinkHeader(need: 4, have: 3)))
        XCTAssertEqual(locate([UInt8](repeating: 0, count: 15), .linuxSLL), .skipped(.shortLinkHeader(need: 16, have: 15)))
        XCTAssertEqual(locate([UInt8](repeating: 0, count: 19), .linuxSLL2), .skipped(.shortLinkHeader(need: 20, have: 19)))
    }

    /// A VLAN tag with nothing after it is a short header, not an out-of-bounds read.
    func testDanglingVLANTag() {
        let frame: [UInt8] = [UInt8](repeating: 0, count: 12) + [0x81, 0x00, 0, 5]
        XCTAssertEqual(locate(frame, .ethernet), .skipped(.shortLinkHeader(need: 18, have: 16)))
    }

    /// EtherType values below 0x0600 are IEEE 802.3 lengths (LLC frames such as STP).
    func test8023LengthFieldIsNotIP() {
        let frame = [UInt8](repeating: 0, count: 12) + [0x00, 0x26] + [UInt8](repeating: 0, count: 38)
        XCTAssertEqual(locate(frame, .ethernet), .skipped(.notIP("IEEE 802.3 length field 38 (LLC frame)")))
    }

    func testRawVersionNibbleDecides() {
        XCTAssertEqual(locate(ip, .raw), .ip(0..<ip.count))
        XCTAssertEqual(locate([0x10] + ip.dropFirst(), .raw), .skipped(.malformedIP("version nibble 1 is neither 4 nor 6")))
        XCTAssertEqual(locate(ip, .ipv6), .skipped(.malformedIP("link layer announces IPv6 but the version nibble is 4")))
    }

    func testUnknownLoopbackFamily() {
        XCTAssertEqual(locate([17, 0, 0, 0] + ip, .null), .skipped(.notIP("loopback address family 17")))
    }

    func testLinkTypeValuesMatchTcpdumpOrg() {
        for (dlt, link) in [(0, LinkType.null), (1, .ethernet), (12, .raw), (14, .raw), (101, .raw), (108, .loop),
                            (113, .linuxSLL), (228, .ipv4), (229, .ipv6), (276, .linuxSLL2)] {
            XCTAssertEqual(LinkType(dlt: dlt), link)
        }
        XCTAssertNil(LinkType(dlt: 147))
        XCTAssertEqual(LinkType.raw.fileValue, 101)
    }
}
