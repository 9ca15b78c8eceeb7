import Packet
import Routing
@testable import WireGuard
import XCTest

/// Handshakes between two Devices: behaviour doc §3.2, §4.6-4.8, §5.2.
final class DeviceHandshakeTests: XCTestCase {
    func roundTrip(psk: PresharedKey?) throws {
        let net = try makePair(psk: psk)
        let ping = ipv4("10.0.0.1", "10.0.0.2")
        net.send("A", ping)
        XCTAssertEqual(net.actions("A").prefix(4),
                       [.queued, .handshakeInitiationSent, .handshakeResponseReceived, .encrypted])
        XCTAssertEqual(net.actions("B"),
                       [.handshakeInitiationReceived, .handshakeResponseSent, .decrypted, .delivered],
                       "B knows A's endpoint from its configuration: no endpoint change")
        XCTAssertEqual(net.delivered("B"), [ping])
        // B confirmed the session with A's staged packet: it may now send under it.
        let reply = ipv4("10.0.0.2", "10.0.0.1")
        net.send("B", reply)
        XCTAssertEqual(net.delivered("A"), [reply])
        XCTAssertEqual(net.decisions("B").last { $0.action == .encrypted }?.counter, 0)
        XCTAssertNotNil(net.device("A").status(of: net.pub("B"))?.latestHandshake)
        XCTAssertNotNil(net.device("B").status(of: net.pub("A"))?.latestHandshake)
    }

    func testRoundTripWithoutPresharedKey() throws { try roundTrip(psk: nil) }

    func testRoundTripWithPresharedKey() throws {
        try roundTrip(psk: try PresharedKey(bytes: [UInt8](repeating: 0x55, count: 32)))
    }

    func testMismatchedPresharedKeysNeverCompleteAHandshake() throws {
        let net = TestNet()
        try net.add("A", address: "192.0.2.1")
        try net.add("B", address: "192.0.2.2")
        try net.peer("A", "B", allowed: "10.0.0.2/32", psk: try PresharedKey(bytes: [UInt8](repeating: 1, count: 32)))
        try net.peer("B", "A", allowed: "10.0.0.1/32")
        net.upAll()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.count("B", .handshakeResponseSent), 1, "B cannot tell: the PSK only enters the response")
        XCTAssertEqual(net.count("A", .handshakeResponseReceived), 0)
        XCTAssertEqual(net.count("A", .droppedInvalid), 1)
        XCTAssertTrue(net.delivered("B").isEmpty)
    }

    /// §4.8 / §8.6: the responder's keypair waits in `next`; it cannot send before it receives.
    func testResponderDoesNotSendBeforeKeyConfirmation() throws {
        let net = try makePair()
        net.autoDeliver = false
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.step()   // initiation reaches B, B's response is now in flight to A
        let response = net.inFlight.removeFirst()
        XCTAssertEqual(response.datagram.count, 92)
        net.send("B", ipv4("10.0.0.2", "10.0.0.1"))
        XCTAssertEqual(net.actions("B").last, .queued, "no current keypair yet: staged")
        XCTAssertTrue(net.inFlight.isEmpty, "and no crossing initiation within REKEY_TIMEOUT of the response")
        net.deliver(response.datagram, from: "B", to: response.to)
        net.flush()   // A's staged ping confirms; B then sends its staged packet
        net.flush()
        XCTAssertEqual(net.delivered("B").count, 1)
        XCTAssertEqual(net.delivered("A").count, 1)
    }

    /// §2 step 6 `keep_key_fresh`: the initiator of a session starts a new handshake when it
    /// sends on a 120 s old key; with nothing staged it confirms the new session with a
    /// keepalive (§3.2).
    func testRekeyAfterTimeAndKeepaliveAsKeyConfirmation() throws {
        let net = try makePair()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.run(until: 119 * second)
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.count("A", .handshakeInitiationSent), 1, "119 s: no rekey yet")
        net.run(until: 120 * second)
        net.clearLog()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.actions("A"), [.encrypted, .rekey, .handshakeInitiationSent, .handshakeResponseReceived,
                                          .keepaliveSent])
        XCTAssertEqual(net.decisions("A").last?.reason, .keepalive(.keyConfirmation))
        XCTAssertEqual(net.delivered("B").count, 1, "the packet still went under the old key")
        // B's next keypair is confirmed by A's keepalive.
        XCTAssertEqual(net.actions("B").suffix(1), [.keepaliveReceived])
        XCTAssertNotNil(net.device("B").peersByKey[net.pub("A")]?.keypairs.previous)
    }

    func testLostInitiationIsRetriedAfterRekeyTimeoutPlusJitter() throws {
        let net = try makePair()
        var lost = 0
        net.lose = { from, d in
            if from == "A", d.count == 148, lost == 0 { lost += 1; return true }
            return false
        }
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertTrue(net.delivered("B").isEmpty)
        let retryAt = try XCTUnwrap(net.device("A").nextTimerDeadline)
        XCTAssertGreaterThanOrEqual(retryAt, 5 * second)
        XCTAssertLessThan(retryAt, 5 * second + 333_333_334)
        net.run(until: retryAt)
        XCTAssertEqual(net.delivered("B").count, 1, "the staged packet follows the retried handshake")
        let retry = net.decisions("A").filter { $0.action == .handshakeInitiationSent }.last
        XCTAssertEqual(retry?.reason.initiationTrigger, .retry(attempt: 1))
    }

    func testLostResponseIsRecoveredByTheInitiatorsRetry() throws {
        let net = try makePair()
        var dropResponses = true
        net.lose = { from, d in from == "B" && d.count == 92 && dropResponses }
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        dropResponses = false
        net.run(until: 6 * second)
        XCTAssertEqual(net.delivered("B").count, 1)
        XCTAssertEqual(net.count("B", .handshakeInitiationReceived), 2)
    }

    /// Crossing initiations (reordering): each side consumes the other's; only the response to
    /// the still-pending initiation is accepted; traffic still flows.
    func testCrossingInitiationsConverge() throws {
        let net = try makePair()
        net.autoDeliver = false
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.send("B", ipv4("10.0.0.2", "10.0.0.1"))
        XCTAssertEqual(net.inFlight.count, 2)
        net.autoDeliver = true
        net.flush()
        net.run(until: 12 * second)
        XCTAssertEqual(net.delivered("B").count, 1)
        XCTAssertEqual(net.delivered("A").count, 1)
    }

    /// §4.4: an initiation replayed later carries an old timestamp and is dropped.
    func testReplayedInitiationIsDropped() throws {
        let net = try makePair()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        let initiation = try XCTUnwrap(net.transmitted("A").first { $0.count == 148 })
        net.clearLog()
        net.now += 3 * second
        net.deliver(initiation, from: "A", to: net.node("B").endpoint)
        XCTAssertEqual(net.decisions("B").map(\.reason.invalidReason), [.timestampReplay])
    }

    /// §4.4: a second (newer) initiation within 20 ms of the last consumed one is a flood.
    func testInitiationFloodWithin20ms() throws {
        let net = try makePair()
        net.autoDeliver = false
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.step()
        net.inFlight.removeAll()
        // A second initiation, 10 ms later, with a newer timestamp (whitening: 2^24 ns steps).
        net.now += 10 * millisecond
        _ = collected { net.device("A").down(now: net.now, into: &$0) }
        _ = collected { net.device("A").up(now: net.now, into: &$0) }
        net.now += 30 * millisecond
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        let second = net.inFlight.removeFirst()
        net.now -= 25 * millisecond   // deliver it 15 ms after the first was consumed
        net.clearLog()
        net.deliver(second.datagram, from: "A", to: second.to)
        XCTAssertEqual(net.decisions("B").map(\.reason.invalidReason), [.initiationFlood])
        net.now += 25 * millisecond
        net.deliver(second.datagram, from: "A", to: second.to)
        XCTAssertEqual(net.decisions("B").last?.action, .handshakeResponseSent)
    }

    /// §2 step 6 / §5.2: at most one initiation per REKEY_TIMEOUT per peer.
    func testInitiationsAreRateLimitedToOnePerRekeyTimeout() throws {
        let net = try makePair()
        net.lose = { from, d in from == "A" && d.count == 148 }
        for i in 0..<10 {
            net.now = Int64(i) * 400 * millisecond
            net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        }
        XCTAssertEqual(net.count("A", .handshakeInitiationSent), 1)
        XCTAssertEqual(net.count("A", .queued), 10)
    }

    /// §3.2 / §4.5: under load a handshake without a valid mac2 gets a cookie reply; the retry
    /// carries mac2 and succeeds.
    func testUnderLoadCookieRoundTrip() throws {
        let net = try makePair()
        net.device("B").underLoad = true
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.actions("B"), [.cookieReplySent])
        XCTAssertEqual(net.actions("A"), [.queued, .handshakeInitiationSent, .cookieReplyReceived])
        net.run(until: 6 * second)
        XCTAssertEqual(net.delivered("B").count, 1, "the retransmitted initiation carries mac2")
        XCTAssertEqual(net.count("B", .cookieReplySent), 1)
        XCTAssertEqual(net.count("B", .handshakeInitiationReceived), 1)
    }

    /// The initiator under load answers the response with a cookie reply too; the responder
    /// stores it and its next response (to the retried initiation) carries mac2.
    func testUnderLoadInitiatorCookiesTheResponse() throws {
        let net = try makePair()
        net.device("A").underLoad = true
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.actions("A"), [.queued, .handshakeInitiationSent, .cookieReplySent])
        XCTAssertEqual(net.actions("B"), [.handshakeInitiationReceived, .handshakeResponseSent, .cookieReplyReceived])
        net.run(until: 6 * second)
        XCTAssertEqual(net.count("A", .handshakeResponseReceived), 1)
        XCTAssertEqual(net.delivered("B").count, 1)
    }

    /// Under load a spoofed source cannot get past the cookie: the reply goes to the datagram's
    /// source, and mac2 is bound to the source address and port.
    func testCookieIsBoundToTheSourceEndpoint() throws {
        let net = try makePair()
        net.device("B").underLoad = true
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.run(until: 5 * second + 400 * millisecond)
        XCTAssertEqual(net.count("B", .handshakeInitiationReceived), 1)
        // The same cookie does not help a message from another port.
        let initiation = try XCTUnwrap(net.transmitted("A").last { $0.count == 148 })
        net.clearLog()
        net.deliver(initiation, from: "A", to: net.node("B").endpoint,
                    sourceOverride: Endpoint(address: net.node("A").endpoint.address, port: 999))
        XCTAssertEqual(net.actions("B"), [.cookieReplySent])
    }

    /// The under-load state sticks for 1 s after it was last seen (kernel `last_under_load`).
    func testUnderLoadSticksForOneSecond() throws {
        let net = try makePair()
        let b = net.device("B")
        b.underLoad = true
        XCTAssertTrue(b.isUnderLoad(now: 10 * second))
        b.underLoad = false
        XCTAssertTrue(b.isUnderLoad(now: 10 * second + 999 * millisecond))
        XCTAssertFalse(b.isUnderLoad(now: 11 * second))
    }

    /// Under load with valid mac2: more than 5 initiations per source in a burst are dropped.
    func testUnderLoadRateLimiterDropsBursts() throws {
        let net = try makePair()
        net.device("B").underLoad = true
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.run(until: 5 * second + 400 * millisecond)   // cookie obtained, handshake done
        XCTAssertEqual(net.count("B", .handshakeInitiationReceived), 1)
        // Five more initiations from A at once, each newer; the limiter already spent one token.
        net.clearLog()
        let a = net.device("A")
        for _ in 1...6 {
            net.now += 1 * millisecond
            _ = collected { a.down(now: net.now, into: &$0) }
            _ = collected { a.up(now: net.now, into: &$0) }
            net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        }
        XCTAssertGreaterThan(net.decisions("B").filter { $0.reason.invalidReason == .rateLimited }.count, 0)
    }

    /// Sender indices are random 32-bit values, fresh per handshake message, unique per device.
    func testSenderIndicesAreFreshPerHandshake() throws {
        let net = try makePair()
        net.lose = { from, d in from == "A" && d.count == 148 }
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.run(until: 30 * second)
        let indices = net.transmitted("A").filter { $0.count == 148 }.map { readLE32($0, 4) }
        XCTAssertGreaterThan(indices.count, 4)
        XCTAssertEqual(Set(indices).count, indices.count)
    }

    /// Key log: the static key once per device, then per handshake message the ephemeral key and
    /// the PSK right after it when one is set.
    func testKeyLogSecretsForWireshark() throws {
        let psk = try PresharedKey(bytes: [UInt8](repeating: 7, count: 32))
        let net = try makePair(psk: psk)
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        func secrets(_ name: String) -> [KeyLogEntry] {
            net.log.compactMap { e in
                guard e.node == name, case .secret(let s) = e.event else { return nil }
                return s
            }
        }
        XCTAssertEqual(secrets("A").map(\.kind), [.localStaticPrivate, .localEphemeralPrivate, .presharedKey])
        XCTAssertEqual(secrets("B").map(\.kind), [.localStaticPrivate, .localEphemeralPrivate, .presharedKey])
        XCTAssertEqual(secrets("A")[0].key, TestNet.key("A").bytes)
        XCTAssertEqual(secrets("A")[2].key, psk.bytes)
        net.now += 200 * second
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(secrets("A").filter { $0.kind == .localStaticPrivate }.count, 1, "static key logged once")
        XCTAssertEqual(secrets("A").filter { $0.kind == .localEphemeralPrivate }.count, 2)
    }
}

extension DecisionReason {
    var invalidReason: InvalidReason? {
        if case .invalid(let r) = self { return r }
        return nil
    }

    var initiationTrigger: InitiationTrigger? {
        if case .initiation(let t) = self { return t }
        return nil
    }
}
