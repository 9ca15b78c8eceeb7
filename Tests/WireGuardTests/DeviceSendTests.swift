import Packet
import Routing
@testable import WireGuard
import XCTest

/// The send path [compat src/device.c `wg_xmit`, src/send.c], behaviour doc §2.
final class DeviceSendTests: XCTestCase {
    /// §2 step 2: no peer -> drop, tx_errors, ICMP unreachable for the sender.
    func testNoPeerDropsWithIcmpUnreachableAndTxError() throws {
        let net = try makePair()
        let packet = ipv4("10.0.0.1", "10.9.9.9")
        let events = collected { net.device("A").send(packet, now: 0, into: &$0) }
        net.handle("A", events)
        XCTAssertEqual(net.actions("A"), [.droppedNoPeer])
        XCTAssertTrue(events.contains { if case .icmpUnreachable(let p) = $0 { return p == packet }; return false })
        XCTAssertEqual(net.device("A").counters.txErrors, 1)
        XCTAssertTrue(net.transmitted("A").isEmpty)
        XCTAssertEqual(net.decisions("A")[0].why,
                       "no allowed-ips entry matches 10.9.9.9: dropped, tx_errors += 1, ICMP unreachable to the sender")
    }

    /// §2 step 2: a peer without endpoint -> same ICMP and tx_errors; the packet is not staged.
    func testPeerWithoutEndpointDropsAndIsNotStaged() throws {
        let net = TestNet()
        try net.add("A", address: "192.0.2.1")
        try net.add("B", address: "192.0.2.2")
        try net.peer("A", "B", allowed: "10.0.0.0/24", endpoint: false)
        net.upAll()
        let events = collected { net.device("A").send(ipv4("10.0.0.1", "10.0.0.2"), now: 0, into: &$0) }
        net.handle("A", events)
        XCTAssertEqual(net.actions("A"), [.droppedNoEndpoint])
        XCTAssertTrue(events.contains { if case .icmpUnreachable = $0 { return true }; return false })
        XCTAssertEqual(net.device("A").counters.txErrors, 1)
        XCTAssertEqual(net.device("A").peersByKey[net.pub("B")]?.staged.count, 0)
    }

    /// §2 step 1: not IPv4/IPv6 -> tx_errors, no ICMP.
    func testNonIPPacketIsDroppedWithoutIcmp() throws {
        let net = try makePair()
        let events = collected { net.device("A").send([0x20, 1, 2, 3], now: 0, into: &$0) }
        XCTAssertFalse(events.contains { if case .icmpUnreachable = $0 { return true }; return false })
        XCTAssertEqual(net.device("A").counters.txErrors, 1)
    }

    /// §2 step 4: more than 128 staged -> the oldest is dropped and counted.
    func testStagedQueueDropsOldestBeyond128() throws {
        let net = try makePair()
        net.lose = { _, _ in true }
        for i in 0..<131 { net.send("A", ipv4("10.0.0.1", "10.0.0.2", payload: i)) }
        XCTAssertEqual(net.count("A", .droppedQueueFull), 2)
        XCTAssertEqual(net.device("A").counters.txDropped, 2)
        XCTAssertEqual(net.device("A").peersByKey[net.pub("B")]?.staged.count, 129)
        // The dropped ones are the oldest: payload 0 and 1.
        let dropped = net.decisions("A").filter { $0.action == .droppedQueueFull }.compactMap(\.packet)
        XCTAssertEqual(dropped.map(\.count), [20, 21])
        // Once the handshake gets through, the 129 survivors go out in order with counters 0...128.
        net.lose = { _, _ in false }
        net.run(until: 6 * second)
        let counters = net.decisions("A").filter { $0.action == .encrypted }.compactMap(\.counter)
        XCTAssertEqual(counters, Array(0...128))
        XCTAssertEqual(net.delivered("B").map(\.count), Array(22...150))
    }

    /// §2 step 7: padding to 16 capped at the MTU; the kernel's table of wire sizes.
    func testPaddingAndWireSizes() throws {
        let net = try makePair()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))   // establishes the session
        for (length, wire) in [(20, 64), (21, 64), (84, 128), (1419, 1452), (1420, 1452)] {
            net.clearLog()
            net.send("A", ipv4("10.0.0.1", "10.0.0.2", payload: length - 20))
            XCTAssertEqual(net.transmitted("A").map(\.count), [wire], "\(length)-byte packet")
            XCTAssertEqual(net.delivered("B").first?.count, length, "padding removed on receive")
        }
    }

    /// §2 step 7: a 1297-byte packet on a 1299 MTU pads to 1299 (the kernel selftest row).
    func testPaddingCappedAtASmallerMTU() throws {
        let net = try makePair()
        net.device("A").mtu = 1299
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.clearLog()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2", payload: 1277))
        XCTAssertEqual(net.transmitted("A").map(\.count), [1331])
    }

    /// Counters are consecutive from 0 and the receiver index is the peer's sender index.
    func testCountersAndReceiverIndex() throws {
        let net = try makePair()
        for _ in 0..<3 { net.send("A", ipv4("10.0.0.1", "10.0.0.2")) }
        let sealed = net.decisions("A").filter { $0.action == .encrypted }
        XCTAssertEqual(sealed.compactMap(\.counter), [0, 1, 2])
        let response = try XCTUnwrap(net.transmitted("B").first { $0.count == 92 })
        XCTAssertEqual(sealed.first?.receiverIndex, readLE32(response, 4))
        XCTAssertEqual(net.transmitted("A").filter { $0.count == 64 }.map { readLE32($0, 4) },
                       Array(repeating: readLE32(response, 4), count: 3))
    }

    /// tx_bytes: the UDP payload of every message sent, handshakes included (§2 step 9).
    func testTxAndRxBytes() throws {
        let net = try makePair()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        let a = try XCTUnwrap(net.device("A").status(of: net.pub("B")))
        XCTAssertEqual(a.txBytes, 148 + 64)
        XCTAssertEqual(a.rxBytes, 92)
        let b = try XCTUnwrap(net.device("B").status(of: net.pub("A")))
        XCTAssertEqual(b.rxBytes, 148 + 64)
        XCTAssertEqual(b.txBytes, 92)
    }

    /// The seed thread: most specific match wins, and the decision says so.
    func testDecisionExplainsMostSpecificMatch() throws {
        let net = TestNet()
        try net.add("server", address: "203.0.113.1")
        try net.add("ABCD", address: "203.0.113.2")
        try net.add("EFGH", address: "203.0.113.3")
        try net.peer("server", "ABCD", allowed: "192.168.32.0/24")
        try net.peer("server", "EFGH", allowed: "192.168.32.19/32")
        try net.peer("EFGH", "server", allowed: "192.168.0.0/16")
        try net.peer("ABCD", "server", allowed: "192.168.0.0/16")
        net.upAll()
        net.send("server", ipv4("192.168.0.1", "192.168.32.19"))
        let queued = try XCTUnwrap(net.decisions("server").first)
        XCTAssertEqual(queued.action, .queued)
        XCTAssertEqual(queued.peer, net.pub("EFGH"))
        XCTAssertEqual(queued.prefix, try IPPrefix(parsing: "192.168.32.19/32"))
        XCTAssertEqual(queued.candidates.map(\.prefix), [try IPPrefix(parsing: "192.168.32.0/24")])
        let names = [net.pub("ABCD"): "ABCD", net.pub("EFGH"): "EFGH"]
        let why = queued.why { names[$0] ?? "?" }
        XCTAssertTrue(why.hasPrefix("192.168.32.19 matched 192.168.32.19/32 (EFGH); also matched 192.168.32.0/24 (ABCD) — most specific wins"), why)
        XCTAssertEqual(net.delivered("EFGH").count, 1)
        XCTAssertEqual(net.delivered("ABCD").count, 0)
    }

    /// §2 step 5: a current key 180 s old is not used; the packet is staged and a handshake
    /// starts.
    func testKeyOlderThanRejectAfterTimeIsNotUsed() throws {
        let net = try makePair()
        net.send("B", ipv4("10.0.0.2", "10.0.0.1"))   // B initiates, so A never rekeys on its own
        net.now = 180 * second
        net.clearLog()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.decisions("A").first?.reason, .staged(.expired))
        XCTAssertEqual(net.count("A", .handshakeInitiationSent), 1)
        XCTAssertEqual(net.delivered("B").count, 1, "delivered under the new session")
    }

    /// Only `current` sends; a responder (B) keeps using its confirmed key.
    func testResponderSessionSendsOnlyAfterConfirmation() throws {
        let net = try makePair()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        let bPeer = try XCTUnwrap(net.device("B").peersByKey[net.pub("A")])
        XCTAssertNotNil(bPeer.keypairs.current)
        XCTAssertNil(bPeer.keypairs.next)
        XCTAssertFalse(bPeer.keypairs.current!.isInitiator)
    }

    /// A send on a down interface does nothing but say so.
    func testSendWhileDown() throws {
        let net = try makePair()
        _ = collected { net.device("A").down(now: 0, into: &$0) }
        let events = collected { net.device("A").send(ipv4("10.0.0.1", "10.0.0.2"), now: 0, into: &$0) }
        XCTAssertEqual(events.count, 1)
    }
}

/// `wg set` semantics on the device (behaviour doc §1.11).
final class DeviceConfigurationTests: XCTestCase {
    func testOwnPublicKeyIsIgnoredAndPeersKeepCreationOrder() throws {
        let net = TestNet()
        let a = try net.add("A", address: "192.0.2.1")
        try net.add("B", address: "192.0.2.2")
        try net.add("C", address: "192.0.2.3")
        XCTAssertTrue(collected { a.setPeer(a.publicKey, now: 0, into: &$0) }.isEmpty)
        XCTAssertTrue(a.peers.isEmpty)
        try net.peer("A", "C", allowed: "10.0.0.3/32")
        try net.peer("A", "B", allowed: "10.0.0.2/32")
        XCTAssertEqual(a.peers, [net.pub("C"), net.pub("B")])
    }

    func testAllowedIPsReplaceMovesPrefixBetweenPeers() throws {
        let net = TestNet()
        let a = try net.add("A", address: "192.0.2.1")
        try net.add("B", address: "192.0.2.2")
        try net.add("C", address: "192.0.2.3")
        try net.peer("A", "B", allowed: "10.0.0.0/24,10.1.0.0/16")
        try net.peer("A", "C", allowed: "10.1.0.0/16")
        XCTAssertEqual(a.status(of: net.pub("B"))?.allowedIPs, [try IPPrefix(parsing: "10.0.0.0/24")])
        XCTAssertEqual(a.status(of: net.pub("C"))?.allowedIPs, [try IPPrefix(parsing: "10.1.0.0/16")])
        _ = collected { a.setPeer(net.pub("B"), now: 0, into: &$0) }   // no allowed-ips: untouched
        XCTAssertEqual(a.status(of: net.pub("B"))?.allowedIPs.count, 1)
        try net.peer("A", "B", allowed: "")
        XCTAssertEqual(a.status(of: net.pub("B"))?.allowedIPs, [])
    }

    func testRemovePeerDropsItsRoutesSessionsAndStagedPackets() throws {
        let net = try makePair()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.lose = { _, _ in true }
        net.now = 200 * second
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        let a = net.device("A")
        let events = collected { a.removePeer(net.pub("B"), now: net.now, into: &$0) }
        XCTAssertTrue(events.contains { if case .decision(let d) = $0 { return d.action == .sessionExpired }; return false })
        XCTAssertNil(a.status(of: net.pub("B")))
        XCTAssertNil(a.allowedIPs.lookup(try IPAddress(parsing: "10.0.0.2")))
        XCTAssertEqual(a.counters.txDropped, 1)
        XCTAssertTrue(a.indexTable.isEmpty)
        XCTAssertNil(a.nextTimerDeadline)
    }

    /// `wg set … peer B remove` then `wg set … peer B allowed-ips …` [compat src/netlink.c
    /// `set_peer`]: the re-added key is a fresh peer that owns the prefixes again, so both the
    /// destination lookup and the source check (`lookup_src`) answer it, not the removed one.
    func testReAddedPeerOwnsItsAllowedIPsAgainBothWays() throws {
        let net = try makePair()
        let a = net.device("A")
        _ = collected { a.removePeer(net.pub("B"), now: net.now, into: &$0) }
        try net.peer("A", "B", allowed: "10.0.0.2/32")
        XCTAssertEqual(a.allowedIPs.lookup(try IPAddress(parsing: "10.0.0.2")), net.pub("B"))
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.send("B", ipv4("10.0.0.2", "10.0.0.1"))
        XCTAssertEqual(net.delivered("B").count, 1)
        XCTAssertEqual(net.delivered("A").count, 1)
        XCTAssertEqual(net.count("A", .droppedSrcNotAllowed), 0)
    }

    /// Changing the private key expires the sending halves; the next packet needs a handshake.
    func testNewPrivateKeyExpiresSessions() throws {
        let net = try makePair()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        var r = SeededRandom(seed: 9, label: "new")
        _ = collected { net.device("A").setPrivateKey(PrivateKey.generate(using: &r), now: net.now, into: &$0) }
        net.clearLog()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.decisions("A").first?.reason, .staged(.sendingInvalid))
    }
}
