import Packet
@testable import Sim
import XCTest

/// `StagedTrace.fingerprint`: the pre-filter of the staged-trace search must never rule out an
/// equal packet (equal bytes, equal fingerprint), and should tell apart the packets a trace
/// stages together (same size, other identification or destination).
final class StagedTraceTests: XCTestCase {
    func testEqualPacketsInSeparateBuffersHaveEqualFingerprints() {
        let packet = PacketBuilder.echoRequest(from: .v4(IPv4Address(10, 0, 0, 1)), to: .v4(IPv4Address(10, 0, 0, 2)),
                                               identifier: 7, sequence: 1, payloadSize: 56)
        let copy = Array(packet[...])
        XCTAssertEqual(StagedTrace.fingerprint(of: packet), StagedTrace.fingerprint(of: copy))
        XCTAssertEqual(StagedTrace.fingerprint(of: [1, 2, 3]), StagedTrace.fingerprint(of: [1, 2, 3]))
        XCTAssertEqual(StagedTrace.fingerprint(of: []), StagedTrace.fingerprint(of: []))
    }

    func testSameSizedPacketsToOtherDestinationsDiffer() {
        let a = PacketBuilder.echoRequest(from: .v4(IPv4Address(10, 0, 0, 1)), to: .v4(IPv4Address(10, 0, 0, 2)),
                                          identifier: 7, sequence: 1, payloadSize: 56)
        let b = PacketBuilder.echoRequest(from: .v4(IPv4Address(10, 0, 0, 1)), to: .v4(IPv4Address(10, 0, 0, 3)),
                                          identifier: 7, sequence: 1, payloadSize: 56)
        XCTAssertEqual(a.count, b.count)
        XCTAssertNotEqual(StagedTrace.fingerprint(of: a), StagedTrace.fingerprint(of: b))
        XCTAssertNotEqual(StagedTrace.fingerprint(of: [1, 2, 3]), StagedTrace.fingerprint(of: [1, 2, 4]))
    }
}
