import Routing
@testable import WireGuard
import XCTest

/// Timer rules at the device level, in virtual time [compat src/timers.c], behaviour doc §5.2.
final class DeviceTimerTests: XCTestCase {
    func established() throws -> TestNet {
        let net = try makePair()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.delivered("B").count, 1)
        return net
    }

    /// §1.11 / §5.2: persistent keepalive 0 -> n while up sends a keepalive at once (here it
    /// first needs a handshake, and goes out as its confirmation).
    func testPersistentKeepaliveTurnedOnSendsAtOnce() throws {
        let net = try makePair()
        try net.peer("A", "B", allowed: "10.0.0.2/32", keepalive: 25)
        XCTAssertEqual(net.actions("A"), [.handshakeInitiationSent, .handshakeResponseReceived, .keepaliveSent])
        XCTAssertEqual(net.actions("B").last, .keepaliveReceived)
        // Setting it again (n -> m) sends nothing at once.
        net.clearLog()
        try net.peer("A", "B", allowed: "10.0.0.2/32", keepalive: 30)
        XCTAssertTrue(net.actions("A").isEmpty)
    }

    /// Persistent keepalive fires after `interval` with no authenticated packet either way.
    func testPersistentKeepaliveIntervalIsPushedBackByTraffic() throws {
        let net = try established()
        try net.peer("A", "B", allowed: "10.0.0.2/32", keepalive: 25)
        net.clearLog()
        net.run(until: 20 * second)
        // A sends data at 20 s; B's reply keepalive at 30 s is the last packet either way, so
        // A's persistent keepalive is due at 55 s.
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.clearLog()
        net.run(until: 55 * second - 1)
        XCTAssertEqual(net.actions("B"), [.keepaliveSent])
        XCTAssertEqual(net.count("A", .keepaliveSent), 0)
        net.run(until: 55 * second)
        XCTAssertEqual(net.count("A", .keepaliveSent), 1)
        let sent = try XCTUnwrap(net.decisions("A").first { $0.action == .keepaliveSent })
        XCTAssertEqual(sent.reason, .keepalive(.persistent(seconds: 25)))
    }

    /// `wg_open`: bringing wg0 up sends a keepalive to every peer with persistent keepalive.
    func testInterfaceUpSendsKeepaliveForPersistentPeers() throws {
        let net = TestNet()
        try net.add("A", address: "192.0.2.1")
        try net.add("B", address: "192.0.2.2")
        try net.peer("A", "B", allowed: "10.0.0.2/32", keepalive: 10)
        try net.peer("B", "A", allowed: "10.0.0.1/32")
        XCTAssertTrue(net.log.isEmpty, "nothing is sent while down")
        net.handle("B", collected { net.device("B").up(now: 0, into: &$0) })
        net.handle("A", collected { net.device("A").up(now: 0, into: &$0) })
        XCTAssertEqual(net.actions("A").last, .keepaliveSent)
        XCTAssertEqual(net.decisions("A").last?.reason, .keepalive(.keyConfirmation),
                       "the staged keepalive waited for the handshake and confirms it")
    }

    /// New-handshake timer: data sent and nothing heard for 15 s + jitter -> initiation.
    func testNewHandshakeAfterFifteenSecondsWithoutReply() throws {
        let net = try established()
        net.lose = { from, _ in from == "B" }   // B's answers are lost from now on
        net.clearLog()
        net.now = 30 * second
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        let deadline = try XCTUnwrap(net.device("A").peersByKey[net.pub("B")]?.timers.deadline(.newHandshake))
        XCTAssertGreaterThanOrEqual(deadline, 45 * second)
        XCTAssertLessThan(deadline, 45 * second + 333_333_334)
        net.run(until: deadline)
        let initiation = try XCTUnwrap(net.decisions("A").last)
        XCTAssertEqual(initiation.action, .handshakeInitiationSent)
        XCTAssertEqual(initiation.reason.initiationTrigger, .noReplyToData)
    }

    /// Give up after 20 initiations (~100 s): staged packets purged and counted, then keys
    /// wiped 540 s later.
    func testGiveUpAfterTwentyAttemptsThenZeroKeyMaterial() throws {
        let net = try established()
        net.lose = { _, _ in true }
        net.now = 200 * second   // the session is older than REJECT_AFTER_TIME
        net.clearLog()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        net.run(until: 400 * second)
        XCTAssertEqual(net.count("A", .handshakeInitiationSent), 20)
        let gaveUp = try XCTUnwrap(net.decisions("A").first { $0.action == .handshakeGaveUp })
        XCTAssertEqual(gaveUp.reason, .gaveUp(initiations: 20, purged: 2))
        XCTAssertEqual(net.device("A").counters.txDropped, 2)
        let initiations = net.decisions("A").filter { $0.action == .handshakeInitiationSent }
        XCTAssertEqual(initiations.last?.reason.initiationTrigger, .retry(attempt: 19))
        let peer = try XCTUnwrap(net.device("A").peersByKey[net.pub("B")])
        // zero-key-material was armed when the session was derived at t = 0 (540 s) and is not
        // pushed back by the give-up.
        XCTAssertEqual(peer.timers.deadline(.zeroKeyMaterial), 540 * second)
        net.run(until: 540 * second)
        XCTAssertEqual(net.actions("A").last, .sessionExpired)
        XCTAssertTrue(peer.keypairs.all.isEmpty)
        XCTAssertTrue(net.device("A").indexTable.isEmpty, "indices unregistered")
    }

    /// Retransmits are spaced REKEY_TIMEOUT + jitter apart, jitter in [0, 333 ms).
    func testRetransmitSpacing() throws {
        let net = try makePair()
        net.lose = { _, _ in true }
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        var times: [Int64] = [0]
        for _ in 0..<5 {
            let deadline = try XCTUnwrap(net.device("A").nextTimerDeadline)
            net.run(until: deadline)
            times.append(deadline)
        }
        for (a, b) in zip(times, times.dropFirst()) {
            XCTAssertTrue((5 * second)..<(5 * second + 333_333_334) ~= b - a, "\(b - a)")
        }
    }

    /// Receive-side keep_key_fresh: our own session at 165 s gets one last-minute initiation.
    func testLastMinuteRekeyOnReceive() throws {
        let net = try established()
        net.now = 165 * second - 1
        net.clearLog()
        net.send("B", ipv4("10.0.0.2", "10.0.0.1"))
        XCTAssertEqual(net.count("A", .handshakeInitiationSent), 0)
        net.now = 165 * second
        net.lose = { from, _ in from == "A" }
        net.send("B", ipv4("10.0.0.2", "10.0.0.1"))
        XCTAssertEqual(net.count("A", .rekey), 1)
        XCTAssertEqual(net.decisions("A").first { $0.action == .rekey }?.reason, .rekey(.lastMinute))
        net.now = 171 * second
        net.send("B", ipv4("10.0.0.2", "10.0.0.1"))
        XCTAssertEqual(net.count("A", .rekey), 1, "once per session")
    }

    /// REKEY_AFTER_MESSAGES: sending past 2^60 asks for a new handshake.
    func testRekeyAfterMessages() throws {
        let net = try established()
        let keypair = try XCTUnwrap(net.device("A").peersByKey[net.pub("B")]?.keypairs.current)
        keypair.sendCounter = WireGuardConstants.rekeyAfterMessages
        net.clearLog()
        net.now = 6 * second
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.actions("A").prefix(2), [.encrypted, .rekey])
        XCTAssertEqual(net.decisions("A")[1].reason, .rekey(.rekeyAfterMessages))
    }

    /// REJECT_AFTER_MESSAGES: an exhausted send counter makes the key invalid; a receive
    /// counter at the limit makes the receiving key unusable.
    func testRejectAfterMessagesBothWays() throws {
        let net = try established()
        let a = net.device("A")
        let keypair = try XCTUnwrap(a.peersByKey[net.pub("B")]?.keypairs.current)
        let last = WireGuardConstants.rejectAfterMessages - 1
        net.deliver(try a.seal(ipv4("10.0.0.1", "10.0.0.2"), keypair: keypair, counter: last), from: "A",
                    to: net.node("B").endpoint)
        XCTAssertEqual(net.delivered("B").count, 2, "the last valid counter is accepted")
        net.clearLog()
        net.deliver(try a.seal(ipv4("10.0.0.1", "10.0.0.2"), keypair: keypair, counter: last - 1), from: "A",
                    to: net.node("B").endpoint)
        XCTAssertEqual(net.decisions("B").map(\.reason.invalidReason), [.keyUnusable])
        keypair.sendCounter = WireGuardConstants.rejectAfterMessages
        net.clearLog()
        net.now = 6 * second
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.decisions("A").first?.reason, .staged(.exhausted))
        XCTAssertFalse(keypair.sendingValid)
        XCTAssertEqual(net.count("A", .handshakeInitiationSent), 1)
    }

    /// `wg_stop`: down purges staged packets (tx_dropped), clears keys, stops timers, and resets
    /// the initiation rate limit so the first packet after `up` initiates at once.
    func testDownClearsEverythingAndUpStartsFresh() throws {
        let net = try established()
        net.lose = { _, _ in true }
        net.now = 1 * second
        _ = collected { net.device("A").down(now: net.now, into: &$0) }
        XCTAssertNil(net.device("A").nextTimerDeadline)
        XCTAssertTrue(net.device("A").indexTable.isEmpty)
        _ = collected { net.device("A").up(now: net.now, into: &$0) }
        net.clearLog()
        net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
        XCTAssertEqual(net.actions("A"), [.queued, .handshakeInitiationSent])
        _ = collected { net.device("A").down(now: net.now, into: &$0) }
        XCTAssertEqual(net.device("A").counters.txDropped, 1)
    }

    /// Same seeds, same inputs: identical bytes (determinism).
    func testSameSeedsGiveIdenticalDatagrams() throws {
        func run() throws -> [[UInt8]] {
            let net = try makePair()
            net.send("A", ipv4("10.0.0.1", "10.0.0.2"))
            net.run(until: 30 * second)
            return net.transmitted("A") + net.transmitted("B")
        }
        XCTAssertEqual(try run(), try run())
    }
}
