import Routing
@testable import WireGuard
import XCTest

/// The receive path in the order of behaviour doc §3.1 [compat src/receive.c].
final class DeviceReceiveTests: XCTestCase {
    /// Establishes A <-> B and returns the net with the log cleared.
    func established() throws -> TestNet {
        let net = try makePair()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.delivered("B").count, 1)
        net.clearLog()
        return net
    }

    /// §3.1 step 12: an inner source that looks up to another peer (or to none) is dropped.
    func testSpoofedInnerSourceIsDroppedBySourceCheck() throws {
        let net = try established()
        net.send("A", ipv4("10.0.0.99", "10.0.0.2"))
        XCTAssertEqual(net.actions("B"), [.decrypted, .droppedSrcNotAllowed])
        XCTAssertTrue(net.delivered("B").isEmpty)
        XCTAssertEqual(net.device("B").counters.rxErrors, 1)
        XCTAssertEqual(net.device("B").counters.rxFrameErrors, 1)
        XCTAssertEqual(net.decisions("B").last?.why,
                       "inner source 10.0.0.99 matches no allowed-ips entry of sender \(net.pub("A").base64): dropped (rx_errors += 1)")
    }

    /// The kernel selftest: a second peer claiming the /32 makes the first peer's packet fail.
    func testSourceOwnedByAnotherPeerIsDropped() throws {
        let net = TestNet()
        try net.add("n1", address: "192.0.2.1")
        try net.add("n2", address: "192.0.2.2")
        try net.add("n3", address: "192.0.2.3")
        try net.peer("n1", "n2", allowed: "192.168.241.0/24")
        try net.peer("n2", "n1", allowed: "192.168.241.1/32")
        net.upAll()
        net.send("n2", ipv4("192.168.241.2", "192.168.241.1"))
        XCTAssertEqual(net.delivered("n1").count, 1)
        try net.peer("n1", "n3", allowed: "192.168.241.2/32")
        net.clearLog()
        net.send("n2", ipv4("192.168.241.2", "192.168.241.1"))
        XCTAssertEqual(net.actions("n1"), [.decrypted, .droppedSrcNotAllowed])
        let drop = try XCTUnwrap(net.decisions("n1").last)
        XCTAssertEqual(drop.prefix, try IPPrefix(parsing: "192.168.241.2/32"))
        XCTAssertEqual(drop.reason, .sourceNotAllowed(source: try IPAddress(parsing: "192.168.241.2"), owner: net.pub("n3")))
    }

    /// §3.1 step 5 / §8.4: roaming happens before the source check, so even a packet then
    /// dropped by it moves the endpoint (the kernel's crypto-RP selftest).
    func testRoamingUpdatesEndpointEvenForAPacketDroppedBySourceCheck() throws {
        let net = try established()
        let a = net.node("A")
        let spoofed = collected { net.device("A").send(ipv4("10.0.0.99", "10.0.0.2"), now: net.now, into: &$0) }
        let datagram = try XCTUnwrap(spoofed.compactMap { e -> [UInt8]? in
            if case .transmit(let d, _, _) = e { return d }
            return nil
        }.first)
        let roamed = Endpoint(address: try IPAddress(parsing: "198.51.100.7"), port: 40000)
        net.deliver(datagram, from: "A", to: net.node("B").endpoint, sourceOverride: roamed)
        XCTAssertEqual(net.actions("B"), [.decrypted, .endpointUpdated, .droppedSrcNotAllowed])
        XCTAssertEqual(net.device("B").status(of: a.device.publicKey)?.endpoint, roamed)
    }

    /// §3.3: replayed, unauthenticated or unknown-index packets do not move the endpoint.
    func testReplayIsDroppedAndDoesNotRoam() throws {
        let net = try established()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        let data = try XCTUnwrap(net.transmitted("A").last)
        net.clearLog()
        let elsewhere = Endpoint(address: try IPAddress(parsing: "198.51.100.8"), port: 1)
        net.deliver(data, from: "A", to: net.node("B").endpoint, sourceOverride: elsewhere)
        XCTAssertEqual(net.actions("B"), [.droppedReplay])
        XCTAssertEqual(net.decisions("B")[0].counter, 1)
        XCTAssertEqual(net.device("B").status(of: net.pub("A"))?.endpoint, net.node("A").endpoint)
    }

    func testTamperedMessageFailsAuthenticationAndDoesNotRoam() throws {
        let net = try established()
        net.autoDeliver = false
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        var data = net.inFlight.removeFirst().datagram
        data[20] ^= 1
        let elsewhere = Endpoint(address: try IPAddress(parsing: "198.51.100.8"), port: 1)
        net.deliver(data, from: "A", to: net.node("B").endpoint, sourceOverride: elsewhere)
        XCTAssertEqual(net.decisions("B").map(\.reason.invalidReason), [.authenticationFailed])
        XCTAssertEqual(net.device("B").status(of: net.pub("A"))?.endpoint, net.node("A").endpoint)
    }

    func testUnknownReceiverIndexAndBadSizesAreInvalid() throws {
        let net = try established()
        var data = [UInt8](repeating: 0, count: 48)
        data[0] = 4
        data[4] = 0xAB
        net.deliver(data, from: "A", to: net.node("B").endpoint)
        var wrongSize = [UInt8](repeating: 0, count: 100)
        wrongSize[0] = 1
        net.deliver(wrongSize, from: "A", to: net.node("B").endpoint)
        var reserved = [UInt8](repeating: 0, count: 48)
        reserved[0] = 4; reserved[2] = 1
        net.deliver(reserved, from: "A", to: net.node("B").endpoint)
        net.deliver([4, 0, 0, 0, 1], from: "A", to: net.node("B").endpoint)
        XCTAssertEqual(net.decisions("B").map(\.reason.invalidReason),
                       [.unknownIndex(0xAB), .wrongLength(type: 1, length: 100), .unknownType(0x0001_0004),
                        .wrongLength(type: 4, length: 5)])
    }

    /// Out-of-order delivery within the window is accepted once each.
    func testReorderedPacketsAreAcceptedOnce() throws {
        let net = try established()
        net.autoDeliver = false
        for i in 0..<5 { net.send("A", ipv4("10.0.0.1", "10.0.0.2", payload: i)) }
        let batch = net.inFlight
        net.inFlight = []
        for i in [4, 0, 3, 1, 2, 2] { net.deliver(batch[i].datagram, from: "A", to: batch[i].to) }
        XCTAssertEqual(net.delivered("B").map(\.count), [24, 20, 23, 21, 22])
        XCTAssertEqual(net.count("B", .droppedReplay), 1)
    }

    /// §3.5: a keepalive is authenticated, counted (32 bytes), not delivered, not source-checked,
    /// and does not arm the reply keepalive.
    func testKeepaliveHandling() throws {
        let net = try established()
        // B got data from A at t=0, so it owes a keepalive at 10 s; A answers nothing to it.
        let before = try XCTUnwrap(net.device("A").status(of: net.pub("B"))?.rxBytes)
        net.run(until: 10 * second)
        XCTAssertEqual(net.actions("B"), [.keepaliveSent])
        XCTAssertEqual(net.actions("A"), [.keepaliveReceived])
        XCTAssertEqual(net.device("A").status(of: net.pub("B"))?.rxBytes, before + 32)
        XCTAssertTrue(net.delivered("A").isEmpty)
        XCTAssertFalse(net.device("A").peersByKey[net.pub("B")]!.timers.isPending(.sendKeepalive),
                       "no keepalive ping-pong")
        net.run(until: 100 * second)
        XCTAssertEqual(net.count("A", .keepaliveSent) + net.count("B", .keepaliveSent), 1)
    }

    /// §3.1 step 11: inner length checks.
    func testInnerPacketLengthChecks() throws {
        let net = try established()
        var bad = ipv4("10.0.0.1", "10.0.0.2", payload: 4)
        bad[3] = 200   // tot_len beyond the decrypted bytes
        net.send("A", bad)
        XCTAssertEqual(net.decisions("B").last?.reason.invalidReason, .innerBadLength(declared: 200, actual: 32))
        XCTAssertEqual(net.device("B").counters.rxLengthErrors, 1)
        // A decrypted payload that is not IP (sealed directly under A's session).
        let a = net.device("A")
        let keypair = try XCTUnwrap(a.peersByKey[net.pub("B")]?.keypairs.current)
        let message = try a.seal([0x20] + [UInt8](repeating: 0, count: 19), keypair: keypair, counter: keypair.sendCounter)
        keypair.sendCounter += 1
        net.deliver(message, from: "A", to: net.node("B").endpoint)
        XCTAssertEqual(net.decisions("B").last?.reason.invalidReason, .innerNotIP)
        XCTAssertEqual(net.device("B").counters.rxFrameErrors, 1)
        XCTAssertTrue(net.delivered("B").isEmpty)
    }

    /// IPv6 inner packets use the v6 trie both ways.
    func testIPv6RoundTrip() throws {
        let net = TestNet()
        try net.add("A", address: "2001:db8::1")
        try net.add("B", address: "2001:db8::2")
        try net.peer("A", "B", allowed: "fd00::2/128")
        try net.peer("B", "A", allowed: "fd00::1/128")
        net.upAll()
        let packet = try ipv6("fd00::1", "fd00::2", payload: 13)
        net.send("A", packet)
        XCTAssertEqual(net.delivered("B"), [packet])
        XCTAssertEqual(net.transmitted("A").last?.count, 16 + 64 + 16)
    }

    /// Bad input never crashes: random datagrams (random and valid types, exact and wrong sizes,
    /// live receiver indices) and authentic messages carrying random inner bytes.
    func testRandomInputNeverCrashesAndIsAccountedFor() throws {
        let net = try established()
        let a = net.device("A"), b = net.device("B")
        let keypair = try XCTUnwrap(a.peersByKey[net.pub("B")]?.keypairs.current)
        var random = SeededRandom(seed: 5, label: "fuzz")
        let sizes = [0, 1, 3, 4, 31, 32, 33, 47, 48, 64, 92, 148, 200]
        for i in 0..<3000 {
            var datagram = random.bytes(sizes[Int(random.next() % UInt64(sizes.count))])
            if datagram.count >= 4, i % 2 == 0 {
                datagram[0] = UInt8(1 + random.next() % 4)
                datagram[1] = 0; datagram[2] = 0; datagram[3] = 0
                if datagram[0] == 4, datagram.count >= 8, i % 4 == 0 {
                    withUnsafeBytes(of: keypair.remoteIndex.littleEndian) { datagram.replaceSubrange(4..<8, with: $0) }
                }
            }
            let events = collected { b.receive(datagram, from: net.node("A").endpoint, now: net.now, into: &$0) }
            XCTAssertFalse(events.contains { if case .deliver = $0 { return true }; return false })
        }
        for _ in 0..<500 {
            let inner = random.bytes(Int(random.next() % 80))
            let message = try a.seal(inner, keypair: keypair, counter: keypair.sendCounter)
            keypair.sendCounter += 1
            _ = collected { b.receive(message, from: net.node("A").endpoint, now: net.now, into: &$0) }
        }
        for _ in 0..<500 {   // and random "packets" from the host stack into wg0
            var packet = random.bytes(Int(random.next() % 60))
            if !packet.isEmpty, random.next() % 2 == 0 { packet[0] = random.next() % 2 == 0 ? 0x45 : 0x60 }
            _ = collected { a.send(packet, now: net.now, into: &$0) }
        }
        let counters = b.counters
        XCTAssertEqual(counters.rxErrors, counters.rxFrameErrors + counters.rxLengthErrors)
        XCTAssertGreaterThan(counters.rxErrors, 0)
    }
}
