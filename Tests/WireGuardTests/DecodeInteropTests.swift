import Foundation
import XCTest
@testable import WireGuard

/// `CaptureDecoder` on the real kernel captures with every key file, against what tshark
/// (Wireshark's dissector) showed for the same pair, recorded here: which frames validate
/// (initiation: timestamp decrypted; response: wg.handshake_ok = 1; transport: decrypted).
final class DecodeInteropTests: XCTestCase {
    static let allPing = Set(1...22)
    static let firstPingSession: Set<Int> = Set(1...12).union([15])

    /// Frames tshark validated/decrypted, per capture and key file.
    static let expectedValid: [String: [String: Set<Int>]] = [
        "wireguard-ping-tcp.pcap": [
            "wireguard-ping-tcp.i-alt.keys": allPing, "wireguard-ping-tcp.i.keys": allPing,
            "wireguard-ping-tcp.r.keys": allPing, "wireguard-psk.i.keys": [], "wireguard-psk.r.keys": [1, 13],
            "partial/ping-tcp.i-ephemeral-only.keys": [], "partial/ping-tcp.i-first-handshake-only.keys": firstPingSession,
            "partial/ping-tcp.i-no-remote-pub.keys": [],
            "partial/ping-tcp.r-first-handshake-only.keys": firstPingSession.union([13]),
            "partial/ping-tcp.r-static-only.keys": [1, 13], "partial/psk.r-duplicates.keys": [1, 13],
            "partial/psk.r-missing-psk.keys": [1, 13], "partial/psk.r-wrong-order.keys": [1, 13],
        ],
        "wireguard-psk.pcap": [
            "wireguard-ping-tcp.i-alt.keys": [3], "wireguard-ping-tcp.i.keys": [3], "wireguard-ping-tcp.r.keys": [1],
            "wireguard-psk.i.keys": [1, 2, 3, 4], "wireguard-psk.r.keys": [1, 2, 3, 4],
            "partial/ping-tcp.i-ephemeral-only.keys": [], "partial/ping-tcp.i-first-handshake-only.keys": [3],
            "partial/ping-tcp.i-no-remote-pub.keys": [3], "partial/ping-tcp.r-first-handshake-only.keys": [1],
            "partial/ping-tcp.r-static-only.keys": [1], "partial/psk.r-duplicates.keys": [1, 2, 3, 4],
            "partial/psk.r-missing-psk.keys": [1, 3], "partial/psk.r-wrong-order.keys": [1, 3],
        ],
    ]

    func testEveryCaptureWithEveryKeyFileMatchesWireshark() throws {
        for capture in Interop.captures {
            for keys in Interop.keyFiles {
                let messages = try Interop.decode(capture, keys: keys)
                let valid = Set(messages.filter(\.valid).map(\.frame))
                XCTAssertEqual(valid, Self.expectedValid[capture]?[keys], "\(capture) with \(keys)")
                for message in messages where !message.valid {
                    XCTAssertNotNil(message.note, "frame \(message.frame) must say why it was not decrypted")
                }
            }
        }
    }

    /// Frame-by-frame fields for the ping/TCP capture with the responder's keys, as tshark
    /// printed them (wg.type, wg.sender, wg.receiver, wg.counter, inner ip.src/ip.dst/ip.proto/ip.len).
    func testPingTcpFieldsMatchTshark() throws {
        let messages = try Interop.decode("wireguard-ping-tcp.pcap", keys: "wireguard-ping-tcp.r.keys")
        XCTAssertEqual(messages.count, 22)
        let rows = messages.map { m -> String in
            var s = "\(m.frame) \(m.type.rawValue) \(m.sender.map { hex32($0) } ?? "-") \(m.receiver.map { hex32($0) } ?? "-")"
            s += " \(m.counter.map(String.init) ?? "-")"
            if let i = m.inner { s += " \(i.source)>\(i.destination) \(i.protocolNumber) \(i.length)" }
            if m.keepalive { s += " keepalive" }
            return s
        }
        XCTAssertEqual(rows, [
            "1 1 0x30d037d8 - -", "2 2 0xab7df406 0x30d037d8 -",
            "3 4 - 0xab7df406 0 10.10.0.2>10.10.0.1 1 84", "4 4 - 0x30d037d8 0 10.10.0.1>10.10.0.2 1 84",
            "5 4 - 0xab7df406 1 10.10.0.2>10.10.0.1 1 84", "6 4 - 0x30d037d8 1 10.10.0.1>10.10.0.2 1 84",
            "7 4 - 0xab7df406 2 10.10.0.2>10.10.0.1 1 84", "8 4 - 0x30d037d8 2 10.10.0.1>10.10.0.2 1 84",
            "9 4 - 0xab7df406 3 keepalive", "10 4 - 0x30d037d8 3 10.10.0.1>1.1.1.1 17 59",
            "11 4 - 0x30d037d8 4 10.10.0.1>1.1.1.1 17 59", "12 4 - 0xab7df406 4 1.1.1.1>10.10.0.1 17 75",
            "13 1 0xbffd41c5 - -", "14 2 0x26de9eb9 0xbffd41c5 -",
            "15 4 - 0xab7df406 5 1.1.1.1>10.10.0.1 17 87", "16 4 - 0x26de9eb9 0 keepalive",
            "17 4 - 0xbffd41c5 0 10.10.0.1>178.21.112.251 6 60", "18 4 - 0x26de9eb9 1 178.21.112.251>10.10.0.1 6 44",
            "19 4 - 0xbffd41c5 1 10.10.0.1>178.21.112.251 6 40", "20 4 - 0xbffd41c5 2 10.10.0.1>178.21.112.251 6 256",
            "21 4 - 0x26de9eb9 2 178.21.112.251>10.10.0.1 6 40", "22 4 - 0x26de9eb9 3 178.21.112.251>10.10.0.1 6 1420",
        ])
    }

    // The pcapng copy holds the same frames; with the initiator's key file it decrypts the same.
    func testPcapngCopyDecodesLikeThePcap() throws {
        let pcapng = try Interop.decode("wireguard-ping-tcp-dsb.pcapng", keys: "wireguard-ping-tcp.i.keys")
        let pcap = try Interop.decode("wireguard-ping-tcp.pcap", keys: "wireguard-ping-tcp.i.keys")
        XCTAssertEqual(pcapng.map(\.jsonLine), pcap.map(\.jsonLine))
    }

    // Partial keys are reported honestly: the note says what is missing.
    func testStaticOnlyKeysExplainWhatIsMissing() throws {
        let messages = try Interop.decode("wireguard-ping-tcp.pcap", keys: "partial/ping-tcp.r-static-only.keys")
        XCTAssertEqual(messages[1].note, "needs the initiator's ephemeral and static private keys, or the responder's ephemeral private key")
        XCTAssertEqual(messages[2].note, "the handshake of frame 1 was not validated, so there are no transport keys")
        let none = try Interop.decode("wireguard-ping-tcp.pcap", keys: "partial/ping-tcp.i-no-remote-pub.keys")
        XCTAssertEqual(none[0].note, "mac1 matches no static public key in the key log")
    }
}

extension DecodeInteropTests {
    // The pcapng's Decryption Secrets Block holds the initiator's keys in their unclamped form
    // (the same bytes as i-alt.keys). Wireshark decrypts the whole capture from it alone.
    func testDecryptionSecretsBlockYieldsTheInitiatorsKeys() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Interop.path("wireguard-ping-tcp-dsb.pcapng"))))
        XCTAssertTrue(EmbeddedKeyLog.isPcapng(bytes))
        let embedded = KeyLog(parsing: EmbeddedKeyLog.extract(fromPcapng: bytes))
        let file = KeyLog(parsing: try String(contentsOfFile: Interop.path("wireguard-ping-tcp.i-alt.keys"), encoding: .utf8))
        XCTAssertEqual(embedded.entries.map(\.key), file.entries.map(\.key))
        XCTAssertEqual(EmbeddedKeyLog.extract(fromPcapng: Array(bytes.prefix(100))), "")
        let pcap = Array(try Data(contentsOf: URL(fileURLWithPath: Interop.path("wireguard-psk.pcap"))))
        XCTAssertFalse(EmbeddedKeyLog.isPcapng(pcap))
    }

    func testCorruptPcapngNeverCrashes() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Interop.path("wireguard-ping-tcp-dsb.pcapng"))))
        var random = SeededRandom(seed: 5, label: "pcapng fuzz")
        for _ in 0..<200 {
            var damaged = bytes
            for _ in 0..<4 { damaged[Int(random.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: random.next()) }
            _ = EmbeddedKeyLog.extract(fromPcapng: Array(damaged.prefix(Int(random.next() % UInt64(damaged.count)))))
        }
    }
}
