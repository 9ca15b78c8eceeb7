import XCTest
@testable import WireGuard

/// Key pairs derived on other threads while the caller works on (`KeyPairJob`): the same
/// private keys the function gives and the same public keys one `crypto_scalarmult_base` each
/// gives, in position order, whichever thread derived which.
final class KeyPairJobTests: XCTestCase {
    private static func key(_ i: Int) -> PrivateKey {
        var random = SeededRandom(seed: 3, label: "job-key-\(i)")
        return PrivateKey.generate(using: &random)
    }

    func testJobGivesEachPositionItsKeyPair() throws {
        // Several chunks, the last one partial.
        let count = 3 * 256 + 17
        let job = KeyPairJob(count: count) { Self.key($0) }
        let pairs = try XCTUnwrap(job.finish())
        XCTAssertEqual(pairs.count, count)
        for (i, pair) in pairs.enumerated() {
            let expected = Self.key(i)
            XCTAssertEqual(pair.bytes, expected.bytes)
            XCTAssertEqual(pair.publicKey.bytes, X25519.publicKey(of: expected.bytes))
        }
        XCTAssertNil(job.finish(), "the pairs are handed over once")
    }

    func testEmptyJobFinishesAtOnce() throws {
        let job = KeyPairJob(count: 0) { Self.key($0) }
        XCTAssertEqual(try XCTUnwrap(job.finish()).count, 0)
    }

    func testCancelledJobStillFinishesOnTheAskingThread() throws {
        // A run with another seed cancels the scenario's job; a later run with the file's seed
        // may still take it.
        let count = 5 * 256
        let job = KeyPairJob(count: count) { Self.key($0) }
        job.cancel()
        let pairs = try XCTUnwrap(job.finish())
        XCTAssertEqual(pairs.count, count)
        for i in [0, 255, 256, count - 1] {
            XCTAssertEqual(pairs[i].bytes, Self.key(i).bytes)
            XCTAssertEqual(pairs[i].publicKey.bytes, X25519.publicKey(of: Self.key(i).bytes))
        }
    }

    func testCancelledOrDroppedJobStopsWithoutFinishing() {
        let cancelled = KeyPairJob(count: 4_096) { Self.key($0) }
        cancelled.cancel()
        // Dropped while its workers may still be running: they stop at their next chunk and
        // the buffers go with the last of them (no crash, no leak checked here beyond that).
        for _ in 0..<4 { _ = KeyPairJob(count: 1_024) { Self.key($0) } }
    }

    func testPairsTakenOneByOneAreTheFinishedOnes() throws {
        // A build takes pairs in about position order, the hub's own first, then its peers'.
        let count = 6 * 256 + 5
        let job = KeyPairJob(count: count) { Self.key($0) }
        for i in [0, count - 1, 300, 299, 256, 1_000] + Array(0..<count) {
            let pair = try XCTUnwrap(job.pair(at: i), "pair \(i)")
            XCTAssertEqual(pair.bytes, Self.key(i).bytes, "private key \(i)")
            XCTAssertEqual(pair.publicKey.bytes, X25519.publicKey(of: Self.key(i).bytes), "public key \(i)")
        }
        // A public key taken before is carried again (one array for both holders); a wrong one is not.
        let first = try XCTUnwrap(job.pair(at: 5))
        XCTAssertEqual(job.pair(at: 5, knownPublicKey: first.publicKey)?.publicKey, first.publicKey)
        XCTAssertEqual(job.pair(at: 6, knownPublicKey: first.publicKey)?.publicKey.bytes, X25519.publicKey(of: Self.key(6).bytes))
        XCTAssertNil(job.pair(at: count), "out of range")
        job.close()
        XCTAssertNil(job.pair(at: 0), "closed: the buffers are gone")
        XCTAssertNil(job.finish(), "closed: nothing to hand over")
    }

    func testPairOfACancelledJobIsDerivedByTheAskingThread() throws {
        let count = 4 * 256
        let job = KeyPairJob(count: count) { Self.key($0) }
        job.cancel()
        let last = try XCTUnwrap(job.pair(at: count - 1))
        XCTAssertEqual(last.publicKey.bytes, X25519.publicKey(of: Self.key(count - 1).bytes))
        // Closing derives whatever was left and frees it.
        job.close()
    }
}
