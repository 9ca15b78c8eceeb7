import XCTest
@testable import WireGuard

/// The decision log once said "retry 19 of 18": the kernel's count of retries reaches
/// MAX_TIMER_HANDSHAKES + 1 before it gives up [compat src/timers.c
/// `wg_expired_retransmit_handshake`], so the text must count to 19.
final class BombRetryCountTests: XCTestCase {
    func testTheLastRetryIsNineteenOfNineteenAndTheTimersReallyRetryNineteenTimes() throws {
        var timers = PeerTimers()
        timers.isEnabled = true
        var retries: [Int] = []
        var gaveUpAfter: Int?
        var now: Int64 = 0
        timers.handshakeInitiated(now: now, jitter: 0)
        while gaveUpAfter == nil, now < 1_000 * WireGuardConstants.rekeyTimeout {
            now += WireGuardConstants.rekeyTimeout
            switch timers.expire(now: now) {
            case .retransmitHandshake(let attempt)?:
                retries.append(attempt)
                timers.handshakeInitiated(now: now, jitter: 0)
            case .giveUp(let initiations)?:
                gaveUpAfter = initiations
            default:
                break
            }
        }
        XCTAssertEqual(retries, Array(1...19))
        XCTAssertEqual(gaveUpAfter, 20, "the first initiation and 19 retries")
        XCTAssertEqual(DecisionText.maximumRetries, retries.last)

        let key = try PublicKey(bytes: [UInt8](repeating: 7, count: 32))
        for attempt in [1, 19] {
            let decision = Decision(.handshakeInitiationSent, .tx, peer: key, reason: .initiation(.retry(attempt: attempt)))
            let text = decision.why(naming: { _ in "B" })
            XCTAssertTrue(text.hasSuffix("retry \(attempt) of 19"), text)
        }
    }
}
