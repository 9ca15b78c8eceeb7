import XCTest
@testable import WireGuard

/// Every primitive against its published vector [wireguard-behaviour.md §7.1–§7.4].
final class CryptoTests: XCTestCase {
    // RFC 7693 Appendix B and the empty-input digest.
    func testBlake2sRFC7693Abc() {
        XCTAssertEqual(hex(Blake2s.hash(Array("abc".utf8))),
                       "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982")
        XCTAssertEqual(hex(Blake2s.hash([])), "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9")
    }

    // zinc selftest vectors: unkeyed and keyed (key 00..1f) over inputs 00, 00 01, …
    func testBlake2sZincSelftestVectors() {
        let unkeyed = ["69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9",
                       "e34d74dbaf4ff4c6abd871cc220451d2ea2648846c7757fbaac82fe51ad64bea",
                       "ddad9ab15dac4549ba42f49d262496bef6c0bae1dd342a8808f8ea267c6e210c"]
        let keyed = ["48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49",
                     "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1",
                     "6bb71300644cd3991b26ccd4d274acd1adeab8b1d7914546c1198bbe9fc9d803"]
        for length in 0..<3 {
            let input = sequence(from: 0, count: length)
            XCTAssertEqual(hex(Blake2s.hash(input)), unkeyed[length], "unkeyed length \(length)")
            let mac = Blake2s.digest(outputLength: 32, key: sequence(from: 0, count: 32), parts: [input])
            XCTAssertEqual(hex(mac), keyed[length], "keyed length \(length)")
        }
    }

    // Streaming over parts equals hashing the concatenation (HASH(H || data) is computed in parts).
    func testBlake2sPartsEqualConcatenation() {
        let a = sequence(from: 1, count: 70), b = sequence(from: 9, count: 13)
        XCTAssertEqual(Blake2s.hash(a, b), Blake2s.hash(a + b))
    }

    // MAC is BLAKE2s with digest length 16, not a truncation of the 32-byte keyed digest (§7.1).
    func testMacIsSixteenByteDigestNotTruncation() {
        let key = sequence(from: 0, count: 32)
        let mac = Blake2s.mac(key: key, [0])
        XCTAssertEqual(mac.count, 16)
        XCTAssertNotEqual(mac, Array(Blake2s.digest(outputLength: 32, key: key, parts: [[0]]).prefix(16)))
    }

    // wireguard-go device/kdf_test.go vectors for KDF1/2/3.
    func testKDFVectorsFromWireguardGo() {
        let cases: [(key: String, input: String, t: [String])] = [
            ("test-key", "test-input", ["6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
                                        "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
                                        "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24"]),
            ("wireguard", "wireguard", ["491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
                                        "1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
                                        "31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160"]),
            ("", "", ["8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
                      "58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
                      "0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e"]),
        ]
        for c in cases {
            let (t1, t2, t3) = KDF.kdf3(key: Array(c.key.utf8), input: Array(c.input.utf8))
            XCTAssertEqual([hex(t1), hex(t2), hex(t3)], c.t, "KDF3(\(c.key), \(c.input))")
            let (u1, u2) = KDF.kdf2(key: Array(c.key.utf8), input: Array(c.input.utf8))
            XCTAssertEqual([hex(u1), hex(u2)], Array(c.t.prefix(2)))
            XCTAssertEqual(hex(KDF.kdf1(key: Array(c.key.utf8), input: Array(c.input.utf8))), c.t[0])
        }
    }

    // HMAC hashes keys longer than the 64-byte block first (zinc `blake2s_hmac`).
    func testHmacLongKeyIsHashedFirst() {
        let long = sequence(from: 3, count: 100)
        XCTAssertEqual(KDF.hmac(key: long, [1, 2, 3]), KDF.hmac(key: Blake2s.hash(long), [1, 2, 3]))
    }

    // Noise constants C0 and H0 (§4.1, §7.3).
    func testConstructionAndIdentifierHashes() {
        XCTAssertEqual(hex(SymmetricState.initialChainingKey),
                       "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36")
        XCTAssertEqual(hex(SymmetricState.initialHash),
                       "2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3")
    }

    static let sunscreen = Array(("Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
        + "for the future, sunscreen would be it.").utf8)

    // RFC 8439 §2.8.2. Its nonce's first word is 07000000, which WireGuard's counter nonce never
    // has, so this checks libsodium's IETF construction directly; the next test ties our
    // counter-nonce wrapper to that construction.
    func testChaCha20Poly1305RFC8439() throws {
        let key = sequence(from: 0x80, count: 32)
        let aad = bytes(hex: "50515253c0c1c2c3c4c5c6c7")
        let nonce = bytes(hex: "070000004041424344454647")
        let sealed = try rawIETFSeal(key: key, nonce: nonce, plaintext: Self.sunscreen, ad: aad)
        XCTAssertEqual(hex(Array(sealed.prefix(16))), "d31a8d34648e60db7b86afbc53ef7ec2")
        XCTAssertEqual(hex(Array(sealed.suffix(16))), "1ae10b594f09e26a7e902ecbd0600691")
    }

    // WireGuard's nonce: 4 zero bytes then the little-endian counter (§2 step 10).
    func testAEADNonceIsZeroWordThenLittleEndianCounter() throws {
        let key = sequence(from: 0x80, count: 32)
        let counter: UInt64 = 0x0102030405060708
        let ours = try AEAD.seal(key: key, counter: counter, plaintext: [1, 2, 3], ad: [9])
        let raw = try rawIETFSeal(key: key, nonce: bytes(hex: "000000000807060504030201"), plaintext: [1, 2, 3], ad: [9])
        XCTAssertEqual(ours, raw)
        XCTAssertEqual(try AEAD.open(key: key, counter: counter, ciphertext: ours, ad: [9]), [1, 2, 3])
        XCTAssertThrowsError(try AEAD.open(key: key, counter: counter + 1, ciphertext: ours, ad: [9]))
        XCTAssertThrowsError(try AEAD.open(key: key, counter: counter, ciphertext: ours, ad: [8]))
    }

    // draft-irtf-cfrg-xchacha-03 §2.2.1.
    func testHChaCha20DraftVector() throws {
        let out = try XAEAD.hChaCha20(key: sequence(from: 0, count: 32),
                                      input: bytes(hex: "000000090000004a0000000031415927"))
        XCTAssertEqual(hex(out), "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc")
    }

    // draft-irtf-cfrg-xchacha-03 §A.3.1.
    func testXChaCha20Poly1305DraftVector() throws {
        let key = sequence(from: 0x80, count: 32), nonce = sequence(from: 0x40, count: 24)
        let aad = bytes(hex: "50515253c0c1c2c3c4c5c6c7")
        let sealed = try XAEAD.seal(key: key, nonce: nonce, plaintext: Self.sunscreen, ad: aad)
        XCTAssertEqual(hex(Array(sealed.prefix(16))), "bd6d179d3e83d43b9576579493c0e939")
        XCTAssertEqual(hex(Array(sealed.suffix(16))), "c0875924c1c7987947deafd8780acf49")
        XCTAssertEqual(try XAEAD.open(key: key, nonce: nonce, ciphertext: sealed, ad: aad), Self.sunscreen)
        XCTAssertThrowsError(try XAEAD.open(key: key, nonce: nonce, ciphertext: sealed, ad: []))
    }

    // RFC 7748 §6.1.
    func testX25519RFC7748() throws {
        let alice = try PrivateKey(bytes: bytes(hex: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        let bob = try PrivateKey(bytes: bytes(hex: "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
        XCTAssertEqual(hex(alice.publicKey.bytes), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        XCTAssertEqual(hex(bob.publicKey.bytes), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        XCTAssertEqual(hex(try X25519.sharedSecret(privateKey: alice, publicKey: bob.publicKey)), shared)
        XCTAssertEqual(hex(try X25519.sharedSecret(privateKey: bob, publicKey: alice.publicKey)), shared)
    }

    // An all-zero DH result aborts (kernel `mix_dh`): the zero point is of low order.
    func testX25519LowOrderPointIsRejected() throws {
        let alice = try PrivateKey(bytes: sequence(from: 1, count: 32))
        let zeroPoint = try PublicKey(bytes: [UInt8](repeating: 0, count: 32))
        XCTAssertThrowsError(try X25519.sharedSecret(privateKey: alice, publicKey: zeroPoint)) {
            XCTAssertEqual($0 as? CryptoError, .zeroSharedSecret)
        }
    }

    func testWrongKeyLengthIsATypedError() {
        XCTAssertThrowsError(try AEAD.seal(key: [1, 2], counter: 0, plaintext: [], ad: [])) {
            XCTAssertEqual($0 as? CryptoError, .wrongLength(what: "ChaCha20-Poly1305 key", expected: 32, actual: 2))
        }
    }
}
