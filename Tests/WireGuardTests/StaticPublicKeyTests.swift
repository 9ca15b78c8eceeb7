import XCTest
@testable import WireGuard

/// The static public key derivation off the packet path (`StaticPublicKey`, swift-crypto's
/// BoringSSL) gives exactly the bytes of libsodium's `crypto_scalarmult_curve25519_base`
/// (`X25519.publicKey(of:)`, what the packet path keeps using) — on random scalars, clamped or
/// not, and on the scalars whose clamped bits are the edge cases.
final class StaticPublicKeyTests: XCTestCase {
    private func assertSameAsSodium(_ key: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let derived = StaticPublicKey.derive(from: key)
        XCTAssertEqual(derived, X25519.publicKey(of: key), what, file: file, line: line)
        XCTAssertEqual(derived.count, 32, what, file: file, line: line)
    }

    func testRandomScalarsGiveLibsodiumsBytes() {
        var random = SeededRandom(seed: 11, label: "static-public-key")
        for i in 0..<3_000 {
            let raw = random.bytes(32)
            // Raw bytes (clamping left to the function) and `wg genkey`'s clamped form.
            assertSameAsSodium(raw, "raw key \(i)")
            assertSameAsSodium(PrivateKey.clamp(raw), "clamped key \(i)")
        }
    }

    func testClampingEdgeCasesGiveLibsodiumsBytes() {
        var cases: [(String, [UInt8])] = [
            ("all zero", [UInt8](repeating: 0, count: 32)),
            ("all ones", [UInt8](repeating: 0xFF, count: 32)),
            ("one", [1] + [UInt8](repeating: 0, count: 31)),
            ("low three bits set", [7] + [UInt8](repeating: 0, count: 31)),
            ("high bit set only", [UInt8](repeating: 0, count: 31) + [0x80]),
            ("bit 254 only", [UInt8](repeating: 0, count: 31) + [0x40]),
            ("bits 255 and 254", [UInt8](repeating: 0, count: 31) + [0xC0]),
            ("low bits and high bit", [0x07] + [UInt8](repeating: 0x55, count: 30) + [0x80]),
            ("bit 254 clear, rest set", [UInt8](repeating: 0xFF, count: 31) + [0xBF]),
        ]
        var random = SeededRandom(seed: 12, label: "static-public-key-edges")
        for i in 0..<200 {
            var key = random.bytes(32)
            key[0] |= 0x07      // the low bits clamping clears
            key[31] |= 0x80     // the high bit clamping clears
            if i % 2 == 0 { key[31] &= 0xBF }   // and bit 254 clamping sets, half the time
            cases.append(("random with clamped bits wrong \(i)", key))
        }
        for (what, key) in cases {
            assertSameAsSodium(key, what)
            // Keys differing only in clamped bits are the same key (RFC 7748 §5).
            XCTAssertEqual(StaticPublicKey.derive(from: key), StaticPublicKey.derive(from: PrivateKey.clamp(key)), what)
        }
    }

    func testRFC7748Vector() throws {
        // RFC 7748 §6.1: Alice's private key and public key.
        let alice = try XCTUnwrap(hexBytes("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        let alicePublic = try XCTUnwrap(hexBytes("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"))
        XCTAssertEqual(StaticPublicKey.derive(from: alice), alicePublic)
        XCTAssertEqual(try PrivateKey(bytes: alice).publicKey.bytes, alicePublic)
    }

    func testEveryPathGivesTheSameKey() throws {
        var random = SeededRandom(seed: 13, label: "static-public-key-paths")
        let keys = (0..<600).map { _ in PrivateKey.generate(using: &random) }
        let batch = PrivateKey.withPublicKeys(keys)
        let job = try XCTUnwrap(KeyPairJob(count: keys.count) { keys[$0] }.finish())
        for i in keys.indices {
            let sodium = X25519.publicKey(of: keys[i].bytes)
            XCTAssertEqual(keys[i].publicKey.bytes, sodium, "PrivateKey.publicKey \(i)")
            XCTAssertEqual(keys[i].ephemeralPublicKey.bytes, sodium, "ephemeralPublicKey \(i)")
            XCTAssertEqual(batch[i].publicKey.bytes, sodium, "withPublicKeys \(i)")
            XCTAssertEqual(job[i].publicKey.bytes, sodium, "KeyPairJob \(i)")
        }
    }

    private func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
