import XCTest
@testable import Packet

/// UDP (RFC 768, RFC 8200 §8.1), ICMP (RFC 792) and ICMPv6 (RFC 4443): round trips and checksums.
final class TransportTests: XCTestCase {
    let s4 = IPAddress.v4(IPv4Address(192, 0, 2, 1)), d4 = IPAddress.v4(IPv4Address(192, 0, 2, 2))
    let s6 = IPv6Address(high: 0xfe80 << 48, low: 1), d6 = IPv6Address(high: 0xfe80 << 48, low: 2)

    func testUDPRoundTripBothFamilies() throws {
        for (s, d) in [(s4, d4), (IPAddress.v6(s6), IPAddress.v6(d6))] {
            let repr = UDPRepr(sourcePort: 51820, destinationPort: 4500)
            let bytes = repr.emit(payload: [1, 2, 3], source: s, destination: d)
            let (parsed, payload) = try UDPRepr.parse(bytes, source: s, destination: d)
            XCTAssertEqual(parsed, repr)
            XCTAssertEqual(parsed.emit(payload: payload, source: s, destination: d), bytes)
        }
    }

    /// Zero means "no checksum" over IPv4 and is invalid over IPv6.
    func testUDPZeroChecksum() throws {
        var repr = UDPRepr(sourcePort: 1, destinationPort: 2)
        repr.hasChecksum = false
        let bytes = repr.emit(payload: [7], source: s4, destination: d4)
        XCTAssertEqual(Array(bytes[6...7]), [0, 0])
        XCTAssertEqual(try UDPRepr.parse(bytes, source: s4, destination: d4).0, repr)
        XCTAssertThrowsError(try UDPRepr.parse(bytes, source: .v6(s6), destination: .v6(d6))) {
            XCTAssertEqual(($0 as? WireError)?.kind, .badChecksum)
        }
    }

    /// RFC 768: a computed checksum of zero is transmitted as all ones.
    func testUDPComputedZeroIsSentAsAllOnes() throws {
        // Choose the payload so the checksum comes out zero: make the sum all ones.
        let repr = UDPRepr(sourcePort: 0, destinationPort: 0)
        let probe = repr.emit(payload: [0, 0], source: s4, destination: d4)
        let field = UInt16(probe[6]) << 8 | UInt16(probe[7])
        let bytes = repr.emit(payload: [UInt8(field >> 8), UInt8(field & 0xff)], source: s4, destination: d4)
        XCTAssertEqual(Array(bytes[6...7]), [0xff, 0xff])
        XCTAssertNoThrow(try UDPRepr.parse(bytes, source: s4, destination: d4))
    }

    func testUDPLengthErrors() {
        let bytes = UDPRepr(sourcePort: 1, destinationPort: 2).emit(payload: [1, 2, 3], source: s4, destination: d4)
        XCTAssertThrowsError(try UDPRepr.parse(Array(bytes.prefix(7)), source: s4, destination: d4)) {
            XCTAssertEqual(($0 as? WireError)?.kind, .truncated)
        }
        var short = bytes; short[5] = 7
        XCTAssertThrowsError(try UDPRepr.parse(short, source: s4, destination: d4)) {
            XCTAssertEqual(($0 as? WireError)?.offset, 4)
        }
        var long = bytes; long[5] = 30
        XCTAssertThrowsError(try UDPRepr.parse(long, source: s4, destination: d4)) {
            XCTAssertEqual(($0 as? WireError)?.kind, .truncated)
        }
    }

    /// An echo request with id 1, seq 1 and no data has checksum 0xf7fd, worked by hand:
    /// 0x0800 + 0x0001 + 0x0001 = 0x0802, complemented.
    func testICMPKnownChecksum() throws {
        let bytes: [UInt8] = [8, 0, 0xf7, 0xfd, 0, 1, 0, 1]
        let repr = try ICMPv4Repr.parse(bytes)
        XCTAssertEqual(repr.fields.echoIdentifier, 1)
        XCTAssertEqual(repr.emit(), bytes)
        var bad = bytes; bad[3] = 0xfe
        XCTAssertThrowsError(try ICMPv4Repr.parse(bad)) { XCTAssertEqual(($0 as? WireError)?.offset, 2) }
        XCTAssertThrowsError(try ICMPv4Repr.parse([8, 0, 0])) { XCTAssertEqual(($0 as? WireError)?.kind, .truncated) }
    }

    /// ICMPv6 covers the pseudo-header: the same message under other addresses fails.
    func testICMPv6PseudoHeaderChecksum() throws {
        let repr = ICMPv6Repr(ICMPFields(type: 128, code: 0, restOfHeader: 0x0001_0002, data: [0xde, 0xad]))
        let bytes = repr.emit(source: s6, destination: d6)
        XCTAssertEqual(try ICMPv6Repr.parse(bytes, source: s6, destination: d6), repr)
        XCTAssertThrowsError(try ICMPv6Repr.parse(bytes, source: d6, destination: IPv6Address(high: 0, low: 9)))
        let pseudo = InternetChecksum.pseudoHeaderSum(source: .v6(s6), destination: .v6(d6), protocolNumber: 58, length: bytes.count)
        XCTAssertTrue(InternetChecksum.verifies(bytes, 0..<bytes.count, pseudoHeader: pseudo))
    }

    func testErrorTypeClassification() {
        XCTAssertEqual((0...18).filter { ICMPv4Repr.isError(type: UInt8($0)) }, [3, 4, 5, 11, 12])
        XCTAssertTrue(ICMPv6Repr.isError(type: 1))
        XCTAssertFalse(ICMPv6Repr.isError(type: 128))
    }
}
