@testable import WireGuard
import XCTest

/// The kernel's `counter_validate` [compat src/receive.c], behaviour doc §3.4.
final class ReplayWindowTests: XCTestCase {
    let window = WireGuardConstants.counterWindowSize   // 8128
    let limit = WireGuardConstants.rejectAfterMessages

    func testKernelConstantsFor64BitHosts() {
        XCTAssertEqual(window, 8128)
        XCTAssertEqual(limit, 18_446_744_073_709_543_486)
        XCTAssertEqual(limit, 0xFFFF_FFFF_FFFF_E03E)
    }

    func testNonceZeroIsAcceptedOnceThenIsADuplicate() {
        var w = ReplayWindow()
        XCTAssertNil(w.highestAccepted)
        XCTAssertTrue(w.validate(0))
        XCTAssertFalse(w.validate(0))
        XCTAssertEqual(w.highestAccepted, 0)
        XCTAssertEqual(w.counter, 1, "the kernel keeps highest accepted + 1")
    }

    func testInOrderAndDuplicates() {
        var w = ReplayWindow()
        for n in 0..<1000 as Range<UInt64> { XCTAssertTrue(w.validate(n)) }
        for n in 0..<1000 as Range<UInt64> { XCTAssertFalse(w.validate(n), "duplicate \(n)") }
    }

    func testReorderedWithinWindowAcceptedOnce() {
        var w = ReplayWindow()
        XCTAssertTrue(w.validate(10))
        XCTAssertTrue(w.validate(3))
        XCTAssertTrue(w.validate(7))
        XCTAssertFalse(w.validate(3))
        XCTAssertTrue(w.validate(0))
        XCTAssertEqual(w.highestAccepted, 10)
    }

    /// Reject if `n + 1 + WINDOW < counter`: with newest N the oldest acceptable is N - WINDOW.
    func testWindowEdgeExactly() {
        var w = ReplayWindow()
        let newest: UInt64 = 20_000
        XCTAssertTrue(w.validate(newest))
        XCTAssertFalse(w.validate(newest - window - 1), "one beyond the window")
        XCTAssertTrue(w.validate(newest - window), "the oldest nonce inside the window")
        XCTAssertFalse(w.validate(newest - window), "and only once")
        XCTAssertTrue(w.validate(newest - 1))
    }

    func testJumpFurtherThanTheRingClearsEverything() {
        var w = ReplayWindow()
        for n in 0..<200 as Range<UInt64> { XCTAssertTrue(w.validate(n)) }
        XCTAssertTrue(w.validate(1_000_000))
        // Stale bits from the old words must not make fresh nonces look replayed.
        XCTAssertTrue(w.validate(1_000_000 - 64))
        XCTAssertTrue(w.validate(1_000_000 - 8000))
        XCTAssertFalse(w.validate(199), "far behind the window")
    }

    /// Nonce 62 sets bit 63 of ring word 0; nonce 62 + 8192 maps to the same bit of word 128,
    /// which is ring slot 0 again: the advance must clear it first.
    func testAdvanceClearsReusedRingWords() {
        var w = ReplayWindow()
        XCTAssertTrue(w.validate(62))
        XCTAssertTrue(w.validate(62 + 8192))
        XCTAssertFalse(w.validate(62 + 8192))
        XCTAssertFalse(w.validate(62), "now far outside the window")
    }

    func testWrappingRingWithSteadyTrafficNeverFalselyRejects() {
        var w = ReplayWindow()
        var n: UInt64 = 0
        while n < 40_000 {
            XCTAssertTrue(w.validate(n + 1))
            XCTAssertTrue(w.validate(n), "late by one at \(n)")
            n += 2
        }
    }

    /// Counter limits: nonces at or above REJECT_AFTER_MESSAGES never pass; the last valid one
    /// does, after which the keypair counts as exhausted (counter == limit).
    func testCounterLimits() {
        var w = ReplayWindow()
        XCTAssertFalse(w.validate(limit))
        XCTAssertFalse(w.validate(UInt64.max))
        XCTAssertTrue(w.validate(limit - 1))
        XCTAssertEqual(w.counter, limit)
        XCTAssertFalse(w.validate(limit - 1))
        XCTAssertTrue(w.validate(limit - 2), "still inside the window")
    }

    /// Against a naive model: accept iff below the limit, never seen, and no more than WINDOW
    /// behind the newest accepted nonce. Random walks with small steps, reorders and big jumps.
    func testDifferentialAgainstNaiveModel() {
        var random = SeededRandom(seed: 11, label: "replay")
        for _ in 0..<20 {
            var w = ReplayWindow()
            var seen = Set<UInt64>()
            var newest: UInt64?
            var base: UInt64 = random.next() % 2 == 0 ? 0 : random.next() % 1_000_000
            for _ in 0..<3000 {
                let r = random.next() % 100
                let n: UInt64
                switch r {
                case 0..<60: n = base + random.next() % 200
                case 60..<90:
                    let back = random.next() % 9000, top = newest ?? base
                    n = top >= back ? top - back : 0
                case 90..<97: n = base + 64 * (random.next() % 300)
                default: n = base + random.next() % 100_000
                }
                if n > base + 100 { base = n - 100 }
                let inWindow = newest.map { $0 < window || n >= $0 - window } ?? true
                let expected = n < limit && !seen.contains(n) && inWindow
                XCTAssertEqual(w.validate(n), expected, "nonce \(n), newest \(String(describing: newest))")
                if expected { seen.insert(n); newest = max(newest ?? 0, n) }
            }
        }
    }

    /// The kernel's `counter_validate` written plainly over a full 128-word ring, against the
    /// window (which keeps word 0 inline and grows the rest): same answers for random nonces
    /// that advance, repeat, fall behind and jump.
    func testAgreesWithAFullRingModelOnRandomNonces() {
        struct FullRing {
            var counter: UInt64 = 0
            var words = [UInt64](repeating: 0, count: 128)
            mutating func validate(_ nonce: UInt64) -> Bool {
                let limit = WireGuardConstants.rejectAfterMessages
                if counter >= limit &+ 1 || nonce >= limit { return false }
                let shifted = nonce + 1
                if WireGuardConstants.counterWindowSize + shifted < counter { return false }
                let index = shifted >> 6
                if shifted > counter {
                    let current = counter >> 6
                    let toClear = min(index - current, 128)
                    var i: UInt64 = 1
                    while i <= toClear { words[Int((current + i) & 127)] = 0; i += 1 }
                    counter = shifted
                }
                let bit: UInt64 = 1 << (shifted & 63)
                let slot = Int(index & 127)
                if words[slot] & bit != 0 { return false }
                words[slot] |= bit
                return true
            }
        }
        var random = SeededRandom(seed: 14, label: "replay-window-test")
        for round in 0..<20 {
            var model = FullRing()
            var window = ReplayWindow()
            var newest: UInt64 = 0
            for step in 0..<5_000 {
                let r = random.bytes(4).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let nonce: UInt64
                switch r % 10 {
                case 0, 1, 2, 3: nonce = newest + 1 + r % 3                          // ahead
                case 4, 5: nonce = newest &- min(newest, (r >> 4) % 300)                // a little behind
                case 6: nonce = newest &- min(newest, (r >> 4) % 9_000)                  // near the edge
                case 7: nonce = newest + (r >> 4) % 20_000                               // a jump
                default: nonce = newest                                                  // a repeat
                }
                XCTAssertEqual(window.validate(nonce), model.validate(nonce), "round \(round), step \(step), nonce \(nonce)")
                XCTAssertEqual(window.counter, model.counter)
                newest = max(newest, nonce)
            }
        }
    }
}
