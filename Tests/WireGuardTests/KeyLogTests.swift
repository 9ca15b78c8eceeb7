import XCTest
@testable import WireGuard

/// Key-log parsing with Wireshark's rules (packet-wireguard.c `wg_keylog_process_lines`) and emission.
final class KeyLogTests: XCTestCase {
    let key = "YDCttCs9e1J52/g9vEnwJJa+2x6RqaayAYMpSVQfGEY="

    func testBothSpacingFormsParse() {
        let log = KeyLog(parsing: "REMOTE_STATIC_PUBLIC_KEY=\(key)\n  LOCAL_EPHEMERAL_PRIVATE_KEY = \(key)\r\n")
        XCTAssertEqual(log.entries.map(\.kind), [.remoteStaticPublic, .localEphemeralPrivate])
        XCTAssertEqual(log.entries.map(\.lineNumber), [1, 2])
        XCTAssertEqual(Base64.encode(log.entries[0].key), key)
        XCTAssertTrue(log.ignoredLines.isEmpty)
    }

    // Wireshark ignores, without failing, anything that is not TYPE=44-char-base64.
    func testBadLinesAreIgnoredAndListed() {
        let text = ["# comment", "UNKNOWN_KEY=\(key)", "PRESHARED_KEY=short", "PRESHARED_KEY=\(key) ",
                    "\tPRESHARED_KEY=\(key)", "=\(key)", "PRESHARED_KEY \(key)"].joined(separator: "\n")
        let log = KeyLog(parsing: text)
        XCTAssertEqual(log.entries, [])
        XCTAssertEqual(log.ignoredLines.map(\.number), [1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(log.ignoredLines[1].reason, "unknown key type UNKNOWN_KEY")
    }

    // GLib's decoder accepts non-canonical trailing bits (psk.r-duplicates.keys has "xxx…x=").
    func testNonCanonicalBase64IsAcceptedLikeGlib() {
        let log = KeyLog(parsing: "PRESHARED_KEY=" + String(repeating: "x", count: 43) + "=\n")
        XCTAssertEqual(log.entries.count, 1)
        XCTAssertEqual(log.entries.first?.key.count, 32)
    }

    // A PSK belongs to the ephemeral line just before it; a second PSK in a row is ignored.
    func testPresharedKeyLinksToThePrecedingEphemeralLine() throws {
        let text = try String(contentsOfFile: Interop.path("partial/psk.r-wrong-order.keys"), encoding: .utf8)
        let keys = DecodeKeys(KeyLog(parsing: text))
        let second = try PrivateKey(base64: "+MHo9sfkjPsjCx7lbVhRLDvMxYvTirOQFDSdzAW6kUQ=").publicKey
        let first = try PrivateKey(base64: "8G1N3LnEqYC7+NW/b6mqceVUIGBMAZSm+IpwG1U0j0w=").publicKey
        XCTAssertEqual(keys.ephemeral(second.bytes)?.presharedKeys.map(\.base64), ["//////////////////////////////////////////8="])
        XCTAssertEqual(keys.ephemeral(first.bytes)?.presharedKeys.count, 0)
        XCTAssertEqual(keys.unusedLines.map(\.number), [6])
    }

    // A public key line then the matching private key line make one static entry with both.
    func testStaticPrivateKeyCompletesAnEarlierPublicEntry() throws {
        let privateKey = try PrivateKey(base64: "cFIxTUyBs1Qil414hBwEgvasEax8CKJ5IS5ZougplWs=")
        let text = "REMOTE_STATIC_PUBLIC_KEY=\(privateKey.publicKey.base64)\nLOCAL_STATIC_PRIVATE_KEY=\(privateKey.base64)\n"
        let keys = DecodeKeys(KeyLog(parsing: text))
        XCTAssertEqual(keys.statics.count, 1)
        XCTAssertEqual(keys.statics.first?.privateKey, privateKey)
    }

    func testEmitThenParseRoundTrips() throws {
        let entries = [KeyLogEntry.localStatic(try PrivateKey(base64: key)), .remoteStatic(try PublicKey(base64: key)),
                       .localEphemeral(try PrivateKey(base64: key)), .preshared(.zero)]
        let text = KeyLog.emit(entries)
        XCTAssertEqual(text.split(separator: "\n").first, "LOCAL_STATIC_PRIVATE_KEY = \(key)")
        XCTAssertEqual(KeyLog(parsing: text).entries.map(\.key), entries.map(\.key))
        XCTAssertEqual(KeyLog(parsing: text).entries.map(\.kind), entries.map(\.kind))
    }

    func testArbitraryTextNeverCrashes() {
        var random = SeededRandom(seed: 3, label: "keylog fuzz")
        for _ in 0..<300 {
            let raw = random.bytes(Int(random.next() % 120))
            _ = KeyLog(parsing: String(decoding: raw, as: UTF8.self))
        }
    }
}
