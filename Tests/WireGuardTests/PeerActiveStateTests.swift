@testable import WireGuard
import XCTest

/// `PeerActiveState` keeps its times without optionals and the pending initiation in a box:
/// what is read back is what was written, "never" included, and zeroing drops the initiation.
final class PeerActiveStateTests: XCTestCase {
    private let key = PublicKey(unchecked: [UInt8](repeating: 7, count: 32))

    func testTimesReadBackAsWrittenAndNilStaysNil() {
        let record = PeerActiveState(remoteStatic: key)
        XCTAssertNil(record.latestHandshake)
        XCTAssertNil(record.lastInitiationConsumption)
        for t in [Int64(0), 1, -5, Int64.max, Int64.min + 1] {
            record.latestHandshake = t
            record.lastInitiationConsumption = t
            XCTAssertEqual(record.latestHandshake, t)
            XCTAssertEqual(record.lastInitiationConsumption, t)
        }
        record.latestHandshake = nil
        record.lastInitiationConsumption = nil
        XCTAssertNil(record.latestHandshake)
        XCTAssertNil(record.lastInitiationConsumption)
        XCTAssertNil(record.handshakeIndex)
        for index in [UInt32(0), 1, .max] {
            record.handshakeIndex = index
            XCTAssertEqual(record.handshakeIndex, index)
        }
        record.handshakeIndex = nil
        XCTAssertNil(record.handshakeIndex)
    }

    func testTheInitiationIsKeptUntilZeroed() {
        let record = PeerActiveState(remoteStatic: key)
        guard case .zeroed = record.handshake else { return XCTFail("a new record has no initiation") }
        let sent = InitiatorHandshake(chainingKey: [1], hash: [2], ephemeralPrivate: PrivateKey(unchecked: [UInt8](repeating: 3, count: 32)),
                                      localIndex: 42, remoteStatic: key)
        record.handshake = .createdInitiation(sent)
        guard case .createdInitiation(let kept) = record.handshake else { return XCTFail("the initiation is kept") }
        XCTAssertEqual(kept.localIndex, 42)
        XCTAssertEqual(kept.chainingKey, [1])
        XCTAssertEqual(kept.hash, [2])
        record.handshake = .zeroed
        guard case .zeroed = record.handshake else { return XCTFail("zeroing drops it") }
    }
}
