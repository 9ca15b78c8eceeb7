@testable import WireGuard
import XCTest

/// `PeersByKey` finds, replaces and removes peers the same way below and above its linear limit.
final class PeersByKeyTests: XCTestCase {
    private func key(_ n: Int) -> PublicKey {
        var random = SeededRandom(seed: 3, label: "peer \(n)")
        return PublicKey(unchecked: random.bytes(32))
    }

    func testLookupsAgreeBelowAndAboveTheLinearLimit() {
        var peers = PeersByKey()
        let count = PeersByKey.linearLimit * 3
        var made: [Peer] = []
        for n in 0..<count {
            let peer = Peer(publicKey: key(n), serial: n, now: 0)
            made.append(peer)
            peers[peer.publicKey] = peer
            XCTAssertEqual(peers.count, n + 1)
            for m in 0...n { XCTAssertTrue(peers[key(m)] === made[m], "peer \(m) after \(n + 1) added") }
            XCTAssertNil(peers[key(count + 1)])
        }
        peers[key(2)] = nil
        XCTAssertNil(peers[key(2)])
        XCTAssertEqual(peers.count, count - 1)
        let replacement = Peer(publicKey: key(5), serial: 99, now: 0)
        peers[key(5)] = replacement
        XCTAssertTrue(peers[key(5)] === replacement)
        XCTAssertEqual(peers.count, count - 1)
    }

    func testRemovalBelowTheLimitKeepsTheOthers() {
        var peers = PeersByKey()
        let made = (0..<3).map { Peer(publicKey: key($0), serial: $0, now: 0) }
        for peer in made { peers[peer.publicKey] = peer }
        peers[key(1)] = nil
        peers[key(7)] = nil   // not there: nothing changes
        XCTAssertEqual(peers.count, 2)
        XCTAssertTrue(peers[key(0)] === made[0])
        XCTAssertNil(peers[key(1)])
        XCTAssertTrue(peers[key(2)] === made[2])
    }

    func testManyRemovalsAboveTheLimitKeepEveryOtherPeerFindable() {
        var peers = PeersByKey()
        let made = (0..<40).map { Peer(publicKey: key($0), serial: $0, now: 0) }
        for peer in made { peers[peer.publicKey] = peer }
        var left = Set(0..<40)
        // The last peer, one in the middle, the first: each removal moves the last into the hole.
        for n in [39, 17, 0, 38, 5, 6, 20, 1] {
            peers[key(n)] = nil
            left.remove(n)
            XCTAssertEqual(peers.count, left.count)
            for m in 0..<40 {
                if left.contains(m) { XCTAssertTrue(peers[key(m)] === made[m], "peer \(m) after removing \(n)") } else { XCTAssertNil(peers[key(m)]) }
            }
        }
        peers[key(17)] = made[17]
        XCTAssertTrue(peers[key(17)] === made[17])
        XCTAssertEqual(peers.count, left.count + 1)
    }

    /// Room reserved before a hub's peers are added (`Device.reservePeerCapacity`), below the
    /// linear limit with peers already there: every peer found as without, removals too.
    func testReservedRoomFindsEveryPeerAsWithout() {
        var reserved = PeersByKey(), plain = PeersByKey()
        let made = (0..<40).map { Peer(publicKey: key($0), serial: $0, now: 0) }
        for peer in made[..<3] { reserved[peer.publicKey] = peer; plain[peer.publicKey] = peer }
        reserved.reserveCapacity(40)
        reserved.reserveCapacity(10)   // less than held or reserved: nothing changes
        for m in 0..<3 { XCTAssertTrue(reserved[key(m)] === made[m]) }
        for peer in made[3...] { reserved[peer.publicKey] = peer; plain[peer.publicKey] = peer }
        for n in [39, 0, 17] { reserved[key(n)] = nil; plain[key(n)] = nil }
        XCTAssertEqual(reserved.count, plain.count)
        for m in 0..<42 {
            XCTAssertTrue(reserved[key(m)] === plain[key(m)], "peer \(m)")
        }
    }
}
