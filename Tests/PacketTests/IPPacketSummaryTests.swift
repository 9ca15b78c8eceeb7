import NetAddress
import XCTest
@testable import Packet

/// The plain-IPv4 reading of `IPPacketSummary(parsing:)` (one pass over the bytes, for packets
/// without options) gives what the checked reading `init(v4:)` gives, summary or error.
final class IPPacketSummaryTests: XCTestCase {
    /// Every field `init(v4:)` reads, varied one at a time and together: version/IHL byte, total
    /// length against the bytes present, fragment field, protocol, and the packet's length.
    func testPlainIPv4ReadingIsTheCheckedOnes() {
        var random = SystemRandomNumberGenerator()
        var plainCases = 0
        for round in 0..<4000 {
            let length = round < 40 ? round : Int.random(in: 0...80, using: &random)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            if length > 0 { bytes[0] = [0x45, 0x45, 0x45, 0x46, 0x44, 0x4f, 0x65][round % 7] }
            if length >= 4, round % 3 != 0 {
                // A total length near the bytes present: fits, one over, or less than a header.
                let total = [length, length + 1, max(0, length - 3), 19, 20, 23, 24][round % 7]
                bytes[2] = UInt8(total >> 8); bytes[3] = UInt8(total & 0xff)
            }
            if length >= 10 { bytes[9] = [1, 6, 17, 58, bytes[9]][round % 5] }
            if length >= 8, round % 4 == 0 { bytes[6] = 0; bytes[7] = 0 }
            if length >= 8, round % 4 == 1 { bytes[6] = 0x20; bytes[7] = 0 }   // more fragments, offset 0
            let parsed = Result { try IPPacketSummary(parsing: bytes) }
            guard let first = bytes.first, first >> 4 == 4 else { continue }
            let checked = Result { try IPPacketSummary(v4: bytes) }
            switch (parsed, checked) {
            case (.success(let a), .success(let b)):
                XCTAssertEqual(a, b, "bytes \(bytes)")
                if first == 0x45 { plainCases += 1 }
            case (.failure(let a as WireError), .failure(let b as WireError)):
                XCTAssertEqual(a, b, "bytes \(bytes)")
            default:
                XCTFail("one reading failed, the other not: \(parsed) against \(checked) for \(bytes)")
            }
        }
        XCTAssertGreaterThan(plainCases, 500, "the plain reading was taken")
    }

    func testPlainIPv4UDPPortsAndAddresses() throws {
        // 45 00 | total 32 | id | flags 0 | ttl 64, udp | checksum | 10.0.0.2 | 192.168.7.9 | ports 5, 53
        let bytes: [UInt8] = [0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 2, 192, 168, 7, 9,
                              0, 5, 0, 53, 0, 12, 0, 0] + [UInt8](repeating: 0, count: 4)
        let summary = try IPPacketSummary(parsing: bytes)
        XCTAssertEqual(summary.source, .v4(IPv4Address(10, 0, 0, 2)))
        XCTAssertEqual(summary.destination, .v4(IPv4Address(192, 168, 7, 9)))
        XCTAssertEqual(summary.sourcePort, 5)
        XCTAssertEqual(summary.destinationPort, 53)
        XCTAssertEqual(summary.totalLength, 32)
        XCTAssertFalse(summary.isFragment)
        XCTAssertNil(summary.extensionChainError)
    }
}
