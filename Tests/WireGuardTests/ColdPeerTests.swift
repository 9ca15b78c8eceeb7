import Packet
import Routing
@testable import WireGuard
import XCTest

/// A peer that never handshakes carries no handshake state (`PeerActiveState`) and no MAC1
/// key: a hub holds one such peer per client. The first handshake makes them, and the bytes on
/// the wire are those of an eagerly prepared peer (the handshake tests check the messages).
final class ColdPeerTests: XCTestCase {
    private func peer(_ net: TestNet, _ device: String, _ other: String) throws -> Peer {
        try XCTUnwrap(net.device(device).peersByKey[net.pub(other)])
    }

    /// Devices A and B; B a peer of A (and not the other way round).
    private func aPeeringB() throws -> TestNet {
        let net = TestNet()
        try net.add("A", address: "192.0.2.1")
        try net.add("B", address: "192.0.2.2")
        try net.peer("A", "B", allowed: "10.0.0.2/32")
        return net
    }

    /// Devices A, B and C; A and B peers of each other.
    private func threeDevices() throws -> TestNet {
        let net = TestNet()
        try net.add("A", address: "192.0.2.1")
        try net.add("B", address: "192.0.2.2")
        try net.add("C", address: "192.0.2.3")
        try net.peer("A", "B", allowed: "10.0.0.2/32")
        try net.peer("B", "A", allowed: "10.0.0.1/32")
        return net
    }

    func testConfiguredPeersStayColdUntilTheyHandshake() throws {
        let net = try threeDevices()
        try net.peer("A", "C", allowed: "10.0.0.3/32")
        net.upAll()
        XCTAssertFalse(try peer(net, "A", "B").hasActiveState)
        XCTAssertFalse(try peer(net, "B", "A").hasActiveState)

        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.delivered("B").count, 1)
        XCTAssertTrue(try peer(net, "A", "B").hasActiveState, "the initiator's pending handshake and MAC1")
        XCTAssertTrue(try peer(net, "B", "A").hasActiveState, "the responder's timestamp and flood check")
        XCTAssertFalse(try peer(net, "A", "C").hasActiveState, "a peer nothing was sent to stays cold")

        // Interface down clears every peer's handshake: that must not warm the cold ones.
        _ = collected { net.device("A").down(now: net.now, into: &$0) }
        XCTAssertFalse(try peer(net, "A", "C").hasActiveState)
        XCTAssertEqual(try peer(net, "A", "B").handshakeIndex, nil)
    }

    func testColdPeerReadsAsZeroedHandshake() throws {
        let net = try aPeeringB()
        let cold = try peer(net, "A", "B")
        guard case .zeroed = cold.handshake else { return XCTFail("a cold peer has no pending handshake") }
        XCTAssertNil(cold.latestTimestamp)
        XCTAssertNil(cold.lastInitiationConsumption)
        XCTAssertNil(cold.staticShared)
        XCTAssertNil(cold.cookie.lastMac1Sent)
        XCTAssertFalse(cold.hasActiveState, "reading does not make the record")
    }

    func testADeviceChecksHandshakesWithAGuardMadeByTheFirstOne() throws {
        let net = try threeDevices()
        try net.peer("C", "A", allowed: "10.0.0.1/32")
        net.upAll()
        for name in ["A", "B", "C"] { XCTAssertFalse(net.device(name).hasHandshakeGuard, name) }
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.delivered("B").count, 1, "the handshake and the packet went through")
        XCTAssertTrue(net.device("B").hasHandshakeGuard, "B checked the initiation's MAC1")
        XCTAssertTrue(net.device("A").hasHandshakeGuard, "A checked the response's MAC1")
        XCTAssertFalse(net.device("C").hasHandshakeGuard, "C received nothing")
        XCTAssertNil(net.device("C").lastUnderLoad)
        XCTAssertFalse(net.device("C").hasHandshakeGuard, "reading does not make the guard")
    }

    /// Writing a cold peer's "nothing yet" values (as interface down, up and a configuration
    /// without a preshared key do) leaves it cold; the first real value makes the state, and
    /// every field reads back what was written.
    func testZeroWritesLeaveAPeerColdAndRealValuesWarmIt() throws {
        let net = try aPeeringB()
        let cold = try peer(net, "A", "B")
        cold.rxBytes = 0
        cold.txBytes += 0
        cold.presharedKey = .zero
        cold.cachedCandidates = nil
        cold.resetLastSentHandshake(now: 5)
        XCTAssertFalse(cold.hasActiveState)
        XCTAssertEqual(cold.rxBytes, 0)
        XCTAssertEqual(cold.presharedKey, .zero)
        XCTAssertTrue(cold.mayInitiate(now: 0), "a new peer may initiate at once")
        XCTAssertTrue(cold.staged.isEmpty)

        let psk = try PresharedKey(bytes: [UInt8](repeating: 9, count: 32))
        cold.presharedKey = psk
        XCTAssertTrue(cold.hasActiveState)
        XCTAssertEqual(cold.presharedKey, psk)
        cold.txBytes += 148
        XCTAssertEqual(cold.txBytes, 148)
        cold.lastSentHandshake = 10 * WireGuardConstants.nanosecondsPerSecond
        XCTAssertFalse(cold.mayInitiate(now: 10 * WireGuardConstants.nanosecondsPerSecond + WireGuardConstants.rekeyTimeout - 1))
        XCTAssertTrue(cold.mayInitiate(now: 10 * WireGuardConstants.nanosecondsPerSecond + WireGuardConstants.rekeyTimeout))
        cold.resetLastSentHandshake(now: 11 * WireGuardConstants.nanosecondsPerSecond)
        XCTAssertTrue(cold.mayInitiate(now: 11 * WireGuardConstants.nanosecondsPerSecond))
    }

    /// Staging a packet is not a write to the active state (the queue is the peer's own).
    func testStagingLeavesTheActiveStateAlone() throws {
        let net = try aPeeringB()
        let peer = try peer(net, "A", "B")
        XCTAssertFalse(peer.hasActiveState)
        _ = peer.staged.append(StagedPacket(packet: [1], context: .none, prefix: nil, candidates: []))
        XCTAssertFalse(peer.hasActiveState)
        XCTAssertEqual(peer.staged.count, 1)
    }
}
