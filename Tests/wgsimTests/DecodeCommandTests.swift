import Foundation
import XCTest

/// `wgsim decode` end to end on the interop captures (values as tshark showed them).
final class DecodeCommandTests: XCTestCase {
    /// Tests/Fixtures/interop of this package (origin and licence in the README there).
    var interop: String { CLIRunner.packageRoot.appendingPathComponent("Tests/Fixtures/interop").path }

    /// Every fixture these tests read must exist: a missing one fails here with its path, and
    /// the tests that use it fail on the decoder's exit status instead of trapping.
    func testTheInteropFixturesArePresent() {
        for name in ["wireguard-psk.pcap", "wireguard-psk.r.keys", "wireguard-ping-tcp.pcap", "wireguard-ping-tcp.i.keys",
                     "wireguard-ping-tcp-dsb.pcapng", "partial/ping-tcp.r-static-only.keys"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: interop + "/" + name), "interop fixture missing: \(interop)/\(name)")
        }
    }

    func testJsonLinesForThePskCapture() throws {
        let result = try CLIRunner.run(["decode", interop + "/wireguard-psk.pcap", "--keys",
                                        interop + "/wireguard-psk.r.keys", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 4 else { return XCTFail("expected 4 decoded frames, got \(lines.count): \(result.stderr)") }
        // wg.sender of frame 1 is 0x... as tshark prints it; JSON carries the unsigned integer.
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["valid"] as? Bool, true, line)
            XCTAssertEqual(object["keepalive"] as? Bool, false, line)
        }
        XCTAssertTrue(lines[0].hasPrefix("{\"frame\":1,\"type\":\"initiation\",\"sender\":"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("{\"frame\":2,\"type\":\"response\",\"sender\":"), lines[1])
        XCTAssertTrue(result.stderr.contains("handshake messages validated 4/4"), result.stderr)
    }

    func testTextLinesForThePingCaptureIncludeInnerPackets() throws {
        let result = try CLIRunner.run(["decode", interop + "/wireguard-ping-tcp.pcap", "--keys",
                                        interop + "/wireguard-ping-tcp.i.keys"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 22 else { return XCTFail("expected 22 decoded frames, got \(lines.count): \(result.stderr)") }
        XCTAssertEqual(lines[2], "frame 3 transport receiver=0xab7df406 counter=0 decrypted 10.10.0.2 -> 10.10.0.1 proto 1 len 84")
        XCTAssertEqual(lines[8], "frame 9 transport receiver=0xab7df406 counter=3 keepalive decrypted")
        XCTAssertEqual(lines[21],
                       "frame 22 transport receiver=0x26de9eb9 counter=3 decrypted 178.21.112.251 -> 10.10.0.1 proto 6 len 1420")
        XCTAssertTrue(result.stderr.contains("transport messages decrypted 18/18"), result.stderr)
    }

    // Partial keys: the messages that cannot be decrypted say so, in the line and the summary.
    func testPartialKeysAreReportedHonestly() throws {
        let result = try CLIRunner.run(["decode", interop + "/wireguard-ping-tcp.pcap", "--keys",
                                        interop + "/partial/ping-tcp.r-static-only.keys", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        guard lines.count == 22 else { return XCTFail("expected 22 decoded frames, got \(lines.count): \(result.stderr)") }
        XCTAssertTrue(lines[2].contains("\"valid\":false"))
        XCTAssertTrue(lines[2].contains("\"note\":\"the handshake of frame 1 was not validated"))
        XCTAssertTrue(result.stderr.contains("handshake messages validated 2/4; transport messages decrypted 0/18"),
                      result.stderr)
    }

    func testMissingFilesAreBadInput() throws {
        let noCapture = try CLIRunner.run(["decode", "/nonexistent.pcap", "--keys", interop + "/wireguard-psk.r.keys"])
        XCTAssertEqual(noCapture.status, 2)
        XCTAssertTrue(noCapture.stderr.contains("/nonexistent.pcap"), noCapture.stderr)
        let noKeys = try CLIRunner.run(["decode", interop + "/wireguard-psk.pcap", "--keys", "/nonexistent.keys"])
        XCTAssertEqual(noKeys.status, 2)
        XCTAssertTrue(noKeys.stderr.contains("/nonexistent.keys"), noKeys.stderr)
        let notACapture = try CLIRunner.run(["decode", interop + "/wireguard-psk.r.keys"])
        XCTAssertEqual(notACapture.status, 2)
    }
}

extension DecodeCommandTests {
    // Like Wireshark, keys embedded in the pcapng's Decryption Secrets Block are used.
    func testPcapngWithEmbeddedSecretsNeedsNoKeyFile() throws {
        let result = try CLIRunner.run(["decode", interop + "/wireguard-ping-tcp-dsb.pcapng"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("using 4 keys from its Decryption Secrets Block"), result.stderr)
        XCTAssertTrue(result.stderr.contains("handshake messages validated 4/4; transport messages decrypted 18/18"),
                      result.stderr)
    }
}
