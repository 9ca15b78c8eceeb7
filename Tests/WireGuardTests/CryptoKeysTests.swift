import XCTest
@testable import WireGuard

/// Keys and their base64 form, as `wg genkey` / `wg pubkey` handle them.
final class CryptoKeysTests: XCTestCase {
    // A key from the interop captures' key logs and its public key as `wg pubkey` prints it.
    func testBase64RoundTripAndPublicKey() throws {
        let key = try PrivateKey(base64: "qFI4Vp6uRIqcPgrfAPfP8eDJ3ptRexqWdAmd2rigc0E=")
        XCTAssertEqual(key.base64, "qFI4Vp6uRIqcPgrfAPfP8eDJ3ptRexqWdAmd2rigc0E=")
        XCTAssertEqual(key.publicKey.base64, try PublicKey(base64: key.publicKey.base64).base64)
        XCTAssertEqual(PresharedKey.zero.base64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    }

    func testBadBase64IsATypedError() {
        for text in ["", "abc", "qFI4Vp6uRIqcPgrfAPfP8eDJ3ptRexqWdAmd2rigc0E", "qFI4Vp6uRIqcPgrfAPfP8eDJ3ptRexqWdAmd2rigc0F=",
                     "qFI4Vp6uRIqcPgrfAPfP8eDJ3ptRexqWdAmd2rigc0!=", "qFI4Vp6uRIqcPgrfAPfP8eDJ3ptRexqWdAmd2rigc0E=="] {
            XCTAssertThrowsError(try PrivateKey(base64: text), text) { XCTAssertTrue($0 is KeyError) }
        }
        XCTAssertThrowsError(try PublicKey(bytes: [1])) { XCTAssertEqual($0 as? KeyError, .wrongLength(1)) }
    }

    // `wg genkey` clamps: bits 0–2 and 255 clear, bit 254 set.
    func testGeneratedKeysAreClampedAndSeedDeterministic() {
        var a = SeededRandom(seed: 1, label: "keys"), b = SeededRandom(seed: 1, label: "keys")
        let k1 = PrivateKey.generate(using: &a), k2 = PrivateKey.generate(using: &b)
        XCTAssertEqual(k1, k2)
        XCTAssertEqual(k1.bytes[0] & 7, 0)
        XCTAssertEqual(k1.bytes[31] & 0xC0, 0x40)
    }

    // X25519 clamps internally: keys differing only in clamped bits have one public key.
    func testClampedBitsDoNotChangeThePublicKey() throws {
        var raw = sequence(from: 0x30, count: 32)
        let clamped = try PrivateKey(bytes: PrivateKey.clamp(raw))
        raw[0] |= 7
        raw[31] |= 0x80
        XCTAssertEqual(try PrivateKey(bytes: raw).publicKey, clamped.publicKey)
    }

    func testPublicKeysOrderBytewise() throws {
        let low = try PublicKey(bytes: [0] + [UInt8](repeating: 0xff, count: 31))
        let high = try PublicKey(bytes: [1] + [UInt8](repeating: 0, count: 31))
        XCTAssertLessThan(low, high)
    }

    func testPrivateKeyDescriptionNeverShowsTheSecret() throws {
        let key = try PrivateKey(base64: "qFI4Vp6uRIqcPgrfAPfP8eDJ3ptRexqWdAmd2rigc0E=")
        XCTAssertFalse(String(describing: key).contains(key.base64))
    }
}
