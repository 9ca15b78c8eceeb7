import NetAddress
import XCTest
@testable import Packet

/// The one header view every hop reads: the fixed header's fields, nil for anything shorter than
/// that version's fixed header or with another version nibble.
final class IPHeaderViewTests: XCTestCase {
    func testIPv4FieldsAreReadFromTheirOffsets() throws {
        // 45 00 | 00 1c total 28 | id, flags | ttl 64, proto 17 | checksum | 10.0.0.2 | 192.168.7.9
        let bytes: [UInt8] = [0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 2, 192, 168, 7, 9] + [UInt8](repeating: 0, count: 8)
        let header = try XCTUnwrap(IPHeaderView(bytes))
        XCTAssertEqual(header.version, 4)
        XCTAssertEqual(header.source, .v4(IPv4Address(10, 0, 0, 2)))
        XCTAssertEqual(header.destination, .v4(IPv4Address(192, 168, 7, 9)))
        XCTAssertEqual(header.protocolNumber, 17)
        XCTAssertEqual(header.declaredLength, 28)
        XCTAssertEqual(header.capturedLength, 28)
        XCTAssertTrue(header.declaredLengthFits)
        XCTAssertFalse(IPHeaderView(Array(bytes.prefix(27)))!.declaredLengthFits, "declares one byte more than present")
        var short = bytes
        short[3] = 19
        XCTAssertFalse(IPHeaderView(short)!.declaredLengthFits, "declares less than a fixed header")
        XCTAssertNil(IPHeaderView(Array(bytes.prefix(19))))
    }

    func testIPv6FieldsAreReadFromTheirOffsets() throws {
        var bytes: [UInt8] = [0x60, 0, 0, 0, 0, 8, 58, 64]          // payload 8, next header ICMPv6
        bytes += [0xfd] + [UInt8](repeating: 0, count: 14) + [2]     // fd00::2
        bytes += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [7]   // 2001:db8::7
        bytes += [UInt8](repeating: 0, count: 8)
        let header = try XCTUnwrap(IPHeaderView(bytes))
        XCTAssertEqual(header.version, 6)
        XCTAssertEqual("\(header.source)", "fd00::2")
        XCTAssertEqual("\(header.destination)", "2001:db8::7")
        XCTAssertEqual(header.protocolNumber, 58)
        XCTAssertEqual(header.declaredLength, 48)
        XCTAssertTrue(header.declaredLengthFits)
        XCTAssertNil(IPHeaderView(Array(bytes.prefix(39))))
    }

    func testOtherVersionsAndEmptyBytesHaveNoHeader() {
        XCTAssertNil(IPHeaderView([]))
        XCTAssertNil(IPHeaderView([0x55] + [UInt8](repeating: 0, count: 59)))
        XCTAssertNil(IPHeaderView([0x00] + [UInt8](repeating: 0, count: 59)))
    }
}
