@testable import WireGuard
import XCTest

/// The five per-peer timers [compat src/timers.c], behaviour doc §5.2, in virtual time.
final class TimersTests: XCTestCase {
    let s = WireGuardConstants.nanosecondsPerSecond

    func enabled() -> PeerTimers {
        var t = PeerTimers()
        t.isEnabled = true
        return t
    }

    func testNothingIsArmedWhileDisabled() {
        var t = PeerTimers()
        t.persistentKeepaliveInterval = 25 * s
        t.handshakeInitiated(now: 0, jitter: 0)
        t.sessionDerived(now: 0)
        t.dataSent(now: 0, jitter: 0)
        t.dataReceived(now: 0)
        t.traversal(now: 0)
        XCTAssertNil(t.nextDeadline)
    }

    func testRetransmitAfterRekeyTimeoutPlusJitterAndGiveUpAfter20Initiations() {
        var t = enabled()
        var now: Int64 = 0
        var initiations = 1
        t.handshakeInitiated(now: now, jitter: 123)
        XCTAssertEqual(t.nextDeadline, 5 * s + 123)
        XCTAssertNil(t.expire(now: 5 * s + 122), "not due before REKEY_TIMEOUT + jitter")
        while true {
            now = t.nextDeadline!
            let e = t.expire(now: now)
            if case .retransmitHandshake(let attempt) = e {
                XCTAssertEqual(attempt, initiations)
                initiations += 1
                t.handshakeInitiated(now: now, jitter: 0)
            } else {
                XCTAssertEqual(e, .giveUp(initiations: 20))
                break
            }
        }
        XCTAssertEqual(initiations, 20, "MAX_TIMER_HANDSHAKES = 18: first + 19 retries")
        XCTAssertEqual(now, 5 * s + 123 + 19 * 5 * s, "about 100 s")
        XCTAssertEqual(t.deadline(.zeroKeyMaterial), now + 540 * s, "give-up arms zero-key-material")
        XCTAssertFalse(t.isPending(.retransmitHandshake))
    }

    func testGiveUpKeepsAPendingZeroKeyMaterialAndCancelsSendKeepalive() {
        var t = enabled()
        t.sessionDerived(now: 0)
        t.dataReceived(now: 0)
        for _ in 0..<19 { t.handshakeInitiated(now: 0, jitter: 0); _ = t.expire(now: 5 * s) }
        t.handshakeInitiated(now: 0, jitter: 0)
        XCTAssertEqual(t.expire(now: 5 * s), .giveUp(initiations: 20))
        XCTAssertEqual(t.deadline(.zeroKeyMaterial), 540 * s, "not pushed back")
        XCTAssertFalse(t.isPending(.sendKeepalive))
    }

    func testHandshakeCompleteCancelsRetransmitAndResetsAttempts() {
        var t = enabled()
        t.handshakeInitiated(now: 0, jitter: 0)
        _ = t.expire(now: 5 * s)
        XCTAssertEqual(t.handshakeAttempts, 1)
        t.handshakeInitiated(now: 5 * s, jitter: 0)
        t.handshakeComplete()
        XCTAssertEqual(t.handshakeAttempts, 0)
        XCTAssertFalse(t.isPending(.retransmitHandshake))
    }

    func testReplyKeepaliveAfterDataReceivedAndNeedAnother() {
        var t = enabled()
        t.dataReceived(now: 1 * s)
        XCTAssertEqual(t.deadline(.sendKeepalive), 11 * s)
        t.dataReceived(now: 3 * s)
        XCTAssertEqual(t.deadline(.sendKeepalive), 11 * s, "not pushed back")
        XCTAssertTrue(t.needAnotherKeepalive)
        XCTAssertEqual(t.expire(now: 11 * s), .sendKeepalive)
        t.anyAuthenticatedPacketSent()   // the keepalive itself
        t.sendKeepaliveDone(now: 11 * s)
        XCTAssertEqual(t.deadline(.sendKeepalive), 21 * s, "re-armed once for the flagged data")
        XCTAssertFalse(t.needAnotherKeepalive)
    }

    func testAnyAuthenticatedPacketSentCancelsReplyKeepalive() {
        var t = enabled()
        t.dataReceived(now: 0)
        t.anyAuthenticatedPacketSent()
        XCTAssertNil(t.nextDeadline)
    }

    func testNewHandshakeFifteenSecondsAfterUnansweredData() {
        var t = enabled()
        t.dataSent(now: 2 * s, jitter: 7)
        XCTAssertEqual(t.deadline(.newHandshake), 17 * s + 7)
        t.dataSent(now: 4 * s, jitter: 0)
        XCTAssertEqual(t.deadline(.newHandshake), 17 * s + 7, "only if not already pending")
        XCTAssertEqual(t.expire(now: 17 * s + 7), .newHandshake)
    }

    func testAnyAuthenticatedPacketReceivedCancelsNewHandshake() {
        var t = enabled()
        t.dataSent(now: 0, jitter: 0)
        t.anyAuthenticatedPacketReceived()
        XCTAssertNil(t.nextDeadline)
    }

    func testZeroKeyMaterialIsRearmedOnEverySessionDerived() {
        var t = enabled()
        t.sessionDerived(now: 0)
        t.sessionDerived(now: 100 * s)
        XCTAssertEqual(t.deadline(.zeroKeyMaterial), 640 * s)
        XCTAssertEqual(t.expire(now: 640 * s), .zeroKeyMaterial)
    }

    func testPersistentKeepaliveIsPushedBackByTrafficAndOffWhenZero() {
        var t = enabled()
        t.traversal(now: 0)
        XCTAssertNil(t.nextDeadline, "interval 0: off")
        t.persistentKeepaliveInterval = 25 * s
        t.traversal(now: 0)
        t.traversal(now: 10 * s)
        XCTAssertEqual(t.deadline(.persistentKeepalive), 35 * s)
        t.persistentKeepaliveInterval = 0
        XCTAssertNil(t.expire(now: 35 * s), "turned off since it was armed")
        XCTAssertNil(t.nextDeadline)
    }

    func testEarliestDueTimerFiresFirstAndStopAllClears() {
        var t = enabled()
        t.persistentKeepaliveInterval = 3 * s
        t.traversal(now: 0)
        t.dataReceived(now: 0)
        XCTAssertEqual(t.expire(now: 20 * s), .persistentKeepalive)
        XCTAssertEqual(t.expire(now: 20 * s), .sendKeepalive)
        XCTAssertNil(t.expire(now: 20 * s))
        t.sessionDerived(now: 0)
        t.stopAll()
        XCTAssertNil(t.nextDeadline)
    }

    func testJitterStaysBelowAThirdOfASecond() {
        var r = SeededRandom(seed: 3, label: "jitter")
        for _ in 0..<1000 {
            let j = r.rekeyTimeoutJitter()
            XCTAssertTrue((0..<333_333_334).contains(j))
        }
    }
}
