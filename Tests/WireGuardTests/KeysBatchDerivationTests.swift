import XCTest
@testable import WireGuard

/// Public keys derived ahead of use, many at once (`PrivateKey.withPublicKeys`), as a large
/// network build does: the same bytes `wg pubkey` gives (one `crypto_scalarmult_base` per key).
final class KeysBatchDerivationTests: XCTestCase {
    func testBatchDerivationGivesEachKeysOwnPublicKey() {
        var random = SeededRandom(seed: 7, label: "batch-keys")
        // Enough keys for several parallel chunks, plus one unclamped key (X25519 clamps it).
        var keys = (0..<1_000).map { _ in PrivateKey.generate(using: &random) }
        keys.append(PrivateKey(unchecked: [UInt8](repeating: 0xFF, count: 32)))
        let prepared = PrivateKey.withPublicKeys(keys)
        XCTAssertEqual(prepared.count, keys.count)
        for (key, withPublic) in zip(keys, prepared) {
            XCTAssertEqual(withPublic.bytes, key.bytes)
            XCTAssertEqual(withPublic.publicKey.bytes, X25519.publicKey(of: key.bytes))
        }
    }

    func testKnownPublicKeyDoesNotChangeIdentity() throws {
        let key = try PrivateKey(base64: "qFI4Vp6uRIqcPgrfAPfP8eDJ3ptRexqWdAmd2rigc0E=")
        let prepared = try XCTUnwrap(PrivateKey.withPublicKeys([key]).first)
        XCTAssertEqual(prepared, key)
        XCTAssertEqual(Set([prepared, key]).count, 1)
        XCTAssertEqual(prepared.publicKey, key.publicKey)
        XCTAssertEqual(prepared.description, key.description)
    }

    func testEmptyBatch() {
        XCTAssertEqual(PrivateKey.withPublicKeys([]), [])
    }
}
