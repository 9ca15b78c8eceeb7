import XCTest
@testable import Packet

/// RFC 8200: fixed header round trip and the extension-header walk.
final class IPv6Tests: XCTestCase {
    let a = IPv6Address(high: 0x2001_0db8_0000_0000, low: 1), b = IPv6Address(high: 0x2001_0db8_0000_0000, low: 2)

    func testRoundTripWithTrafficClassAndFlowLabel() throws {
        var repr = IPv6Repr(source: a, destination: b, nextHeader: 17, hopLimit: 9)
        repr.trafficClass = 0xb8
        repr.flowLabel = 0xabcde
        let bytes = repr.emit(payload: [1, 2])
        let (parsed, payload) = try IPv6Repr.parse(bytes)
        XCTAssertEqual(parsed, repr)
        XCTAssertEqual(parsed.emit(payload: payload), bytes)
    }

    /// Hop-by-Hop, Destination Options, Routing, Fragment and AH are walked to UDP.
    func testExtensionChainWalksToUpperLayer() throws {
        let hopByHop: [UInt8] = [60, 0, 1, 4, 0, 0, 0, 0]
        let destination: [UInt8] = [43, 1] + [UInt8](repeating: 0, count: 14)          // 16 bytes
        let routing: [UInt8] = [51, 0, 0, 0, 0, 0, 0, 0]
        let ah: [UInt8] = [44, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]                          // (1 + 2) × 4
        let fragment: [UInt8] = [17, 0, 0, 0, 0, 0, 0, 7]
        let udp = UDPRepr(sourcePort: 7, destinationPort: 9).emit(payload: [1], source: .v6(a), destination: .v6(b))
        let bytes = IPv6Repr(source: a, destination: b, nextHeader: 0).emit(payload: hopByHop + destination + routing + ah + fragment + udp)
        let chain = try IPv6Packet(checking: bytes).extensionChain()
        XCTAssertEqual(chain.headers.map(\.type), [0, 60, 43, 51, 44])
        XCTAssertEqual(chain.upperProtocol, 17)
        XCTAssertEqual(chain.upperOffset, 40 + 8 + 16 + 8 + 12 + 8)
        XCTAssertEqual(chain.fragment, .init(offset: 0, moreFragments: false, identification: 7))
        let summary = try IPPacketSummary(parsing: bytes)
        XCTAssertEqual(summary.protocolNumber, 17)
        XCTAssertEqual(summary.destinationPort, 9)
        XCTAssertTrue(summary.isFragment)
    }

    /// A non-first fragment has no upper-layer header to read.
    func testLaterFragmentHasNoUpperLayer() throws {
        let fragment: [UInt8] = [17, 0, 0x05, 0x01, 0, 0, 0, 7]   // offset 160, M set
        let bytes = IPv6Repr(source: a, destination: b, nextHeader: 44).emit(payload: fragment + [1, 2, 3, 4])
        let chain = try IPv6Packet(checking: bytes).extensionChain()
        XCTAssertEqual(chain.fragment?.offset, 160)
        XCTAssertEqual(chain.fragment?.moreFragments, true)
        XCTAssertFalse(chain.upperLayerIsPresent)
        XCTAssertNil(try IPPacketSummary(parsing: bytes).sourcePort)
    }

    /// RFC 8200 §4.1: Hop-by-Hop only right after the fixed header.
    func testLateHopByHopIsMalformed() {
        let bytes = IPv6Repr(source: a, destination: b, nextHeader: 60).emit(payload: [0, 0, 0, 0, 0, 0, 0, 0] + [59, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertThrowsError(try IPv6Packet(checking: bytes).extensionChain()) {
            XCTAssertEqual(($0 as? WireError)?.offset, 48)
        }
    }

    /// A header whose length runs past the payload is truncated; the summary keeps the
    /// addresses (the kernel would still route it) and records why the walk stopped.
    func testTruncatedExtensionHeader() throws {
        let bytes = IPv6Repr(source: a, destination: b, nextHeader: 60).emit(payload: [17, 4, 0, 0, 0, 0, 0, 0])
        XCTAssertThrowsError(try IPv6Packet(checking: bytes).extensionChain()) {
            XCTAssertEqual(($0 as? WireError)?.kind, .truncated)
        }
        let summary = try IPPacketSummary(parsing: bytes)
        XCTAssertEqual(summary.destination, .v6(b))
        XCTAssertEqual(summary.extensionChainError?.kind, .truncated)
    }

    func testMalformedFixedHeader() {
        let good = IPv6Repr(source: a, destination: b, nextHeader: 59).emit(payload: [1, 2, 3])
        XCTAssertEqual((try? IPv6Packet(checking: Array(good.prefix(39)))) == nil, true)
        var long = good; long[5] = 4
        XCTAssertThrowsError(try IPv6Packet(checking: long)) { XCTAssertEqual(($0 as? WireError)?.kind, .truncated) }
        var v4 = good; v4[0] = 0x40
        XCTAssertThrowsError(try IPv6Packet(checking: v4)) { XCTAssertEqual(($0 as? WireError)?.offset, 0) }
    }
}
