import XCTest
@testable import Packet

/// RFC 791 header: view checks, repr round trips, options, fragments, typed errors.
final class IPv4Tests: XCTestCase {
    let a = IPv4Address(10, 0, 0, 1), b = IPv4Address(10, 0, 0, 2)

    func testRoundTripWithEveryFieldSet() throws {
        var repr = IPv4Repr(source: a, destination: b, protocolNumber: 47, ttl: 3)
        repr.tos = 0xb8
        repr.identification = 0xbeef
        repr.reservedFlag = true
        repr.dontFragment = true
        repr.moreFragments = true
        repr.fragmentOffset = 0x1abc
        repr.options = [0x94, 0x04, 0x00, 0x00]   // Router Alert (RFC 2113)
        let bytes = repr.emit(payload: [1, 2, 3])
        XCTAssertEqual(bytes.count, 24 + 3)
        let (parsed, payload) = try IPv4Repr.parse(bytes)
        XCTAssertEqual(parsed, repr)
        XCTAssertEqual(payload, [1, 2, 3])
        XCTAssertEqual(parsed.emit(payload: payload), bytes, "parse ∘ emit = identity")
    }

    /// Fragments are recognised: MF or a non-zero offset.
    func testFragmentRecognition() throws {
        var first = IPv4Repr(source: a, destination: b, protocolNumber: 17)
        first.moreFragments = true
        var later = first
        later.moreFragments = false
        later.fragmentOffset = 185
        let whole = IPv4Repr(source: a, destination: b, protocolNumber: 17)
        XCTAssertTrue(try IPv4Packet(checking: first.emit(payload: [0])).isFragment)
        XCTAssertTrue(try IPv4Packet(checking: later.emit(payload: [0])).isFragment)
        XCTAssertFalse(try IPv4Packet(checking: whole.emit(payload: [0])).isFragment)
        XCTAssertTrue(try IPPacketSummary(parsing: later.emit(payload: [0, 0, 0, 0])).isFragment)
        XCTAssertNil(try IPPacketSummary(parsing: later.emit(payload: [0, 0, 0, 0])).destinationPort, "no ports in a later fragment")
    }

    func testTrailingPaddingIsNotPayload() throws {
        let bytes = IPv4Repr(source: a, destination: b, protocolNumber: 1).emit(payload: [9]) + [0, 0, 0]
        let (_, payload) = try IPv4Repr.parse(bytes)
        XCTAssertEqual(payload, [9])
    }

    func testMalformedInputsNameOffsetAndExpectation() {
        let good = IPv4Repr(source: a, destination: b, protocolNumber: 1).emit(payload: [1, 2, 3, 4])
        func error(_ bytes: [UInt8]) -> WireError? {
            do { _ = try IPv4Repr.parse(bytes); return nil } catch { return error as? WireError }
        }
        XCTAssertEqual(error(Array(good.prefix(19)))?.kind, .truncated)
        XCTAssertEqual(error(Array(good.prefix(19)))?.offset, 19)
        var v5 = good; v5[0] = 0x55
        XCTAssertEqual(error(v5)?.offset, 0)
        XCTAssertEqual(error(v5)?.kind, .malformed)
        var ihl = good; ihl[0] = 0x44
        XCTAssertEqual(error(ihl)?.expected, "header length ≥ 5 words, got 4")
        var long = good; long[3] = 200
        XCTAssertEqual(error(long)?.kind, .truncated)
        var short = good; short[3] = 10
        XCTAssertEqual(error(short)?.offset, 2)
        var sum = good; sum[10] ^= 1
        XCTAssertEqual(error(sum)?.kind, .badChecksum)
        XCTAssertEqual(error(sum)?.offset, 10)
        XCTAssertNotNil(try? IPv4Repr.parse(sum, verifyChecksum: false))
    }

    /// Options: TLV lengths must be ≥ 2 and end inside the header (RFC 791 §3.1).
    func testBadOptionLengthIsMalformedAtItsOffset() {
        var repr = IPv4Repr(source: a, destination: b, protocolNumber: 1)
        repr.options = [0x01, 0x07, 0x09, 0x00]   // NOP, then record route claiming 9 bytes in 3
        let bytes = repr.emit(payload: [])
        XCTAssertThrowsError(try IPv4Packet(checking: bytes)) {
            XCTAssertEqual(($0 as? WireError)?.offset, 22)
        }
        repr.options = [0x01, 0x00, 0x07, 0x01]   // end-of-list stops the walk: the rest is padding
        XCTAssertNoThrow(try IPv4Packet(checking: repr.emit(payload: [])))
    }
}
