import XCTest
@testable import Packet
import NetAddress

/// RFC 1071 and known-packet checksums.
final class ChecksumTests: XCTestCase {
    /// RFC 1071 §3 worked example: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2 (folded).
    func testRFC1071ExampleSum() {
        let bytes: [UInt8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]
        XCTAssertEqual(InternetChecksum.finish(InternetChecksum.sum(bytes, 0..<bytes.count)), ~UInt16(0xddf2))
    }

    /// An odd trailing byte is padded with zero on the right (RFC 1071 §4.1).
    func testOddLengthPadsRight() {
        XCTAssertEqual(InternetChecksum.sum([0xab], 0..<1), 0xab00)
        XCTAssertEqual(InternetChecksum.sum([0x01, 0x02, 0x03], 0..<3), 0x0102 + 0x0300)
    }

    /// The well-known IPv4 header from Wikipedia's "IPv4 header checksum" example: 0xb861.
    func testKnownIPv4HeaderChecksum() {
        var header: [UInt8] = [0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
                               0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7]
        XCTAssertEqual(InternetChecksum.compute(header, 0..<20), 0xb861)
        header[10] = 0xb8
        header[11] = 0x61
        XCTAssertTrue(InternetChecksum.verifies(header, 0..<20))
    }

    /// Word-at-a-time summing gives the byte-pair result for every length and alignment.
    func testWideSumMatchesBytePairSum() {
        var rng = SplitMix(seed: 7)
        for length in 0..<200 {
            let bytes = (0..<(length + 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for start in 0..<3 {
                let range = start..<(start + length)
                var reference: UInt64 = 0
                var i = range.lowerBound
                while i + 1 < range.upperBound { reference += UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1]); i += 2 }
                if i < range.upperBound { reference += UInt64(bytes[i]) << 8 }
                XCTAssertEqual(InternetChecksum.finish(InternetChecksum.sum(bytes, range)),
                               InternetChecksum.finish(reference), "length \(length) start \(start)")
            }
        }
    }

    /// The 64-bit adds with end-around carry give the byte-pair result where carries are the
    /// rule (all-ones bytes, long packets, a large starting sum), and the sum comes back small
    /// enough that callers can add a few of them without wrapping.
    func testCarryHeavySumsMatchTheBytePairSum() {
        var rng = SplitMix(seed: 11)
        for length in [15, 16, 17, 31, 32, 33, 255, 1420, 1500, 9000] {
            for fill in [UInt8(0xff), 0xfe, 0x80, 0] {
                var bytes = [UInt8](repeating: fill, count: length)
                if fill == 0 { bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) | 0xf0 } }
                for initial: UInt64 in [0, 0xffff, 0xffff_ffff_ffff_ffff, rng.next()] {
                    var reference: UInt64 = initial % 0xffff
                    var i = 0
                    while i + 1 < length { reference += UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1]); i += 2 }
                    if i < length { reference += UInt64(bytes[i]) << 8 }
                    let sum = InternetChecksum.sum(bytes, 0..<length, initial: initial)
                    XCTAssertEqual(sum % 0xffff, reference % 0xffff, "length \(length) fill \(fill) initial \(initial)")
                    XCTAssertLessThan(sum, 1 << 40, "length \(length)")
                    XCTAssertEqual(InternetChecksum.finish(sum), InternetChecksum.finish(reference))
                }
            }
        }
    }

    /// The pseudo-header sum is the same however the fields are laid out (RFC 768 / RFC 8200 §8.1).
    func testPseudoHeaderMatchesExplicitLayout() throws {
        let s = try IPAddress(parsing: "2001:db8::1"), d = try IPAddress(parsing: "fe80::2")
        var explicit = s.bytes + d.bytes
        explicit += [0x00, 0x01, 0x00, 0x10, 0, 0, 0, 58]
        XCTAssertEqual(InternetChecksum.finish(InternetChecksum.pseudoHeaderSum(source: s, destination: d, protocolNumber: 58, length: 0x10010)),
                       InternetChecksum.compute(explicit, 0..<explicit.count))
    }
}

/// A tiny deterministic generator for test inputs (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
