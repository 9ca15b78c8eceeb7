import Routing
import XCTest
@testable import Scenario

/// The one `wg set` reader, as wg(8) takes its arguments (the words after `wg set`).
final class WGSetArgumentsTests: XCTestCase {
    private func parse(_ line: String) throws -> WGSetArguments {
        try WGSetArguments(parsing: try ShellWords.split(line).get())
    }

    func testPeersAndTheirOptionsInOrder() throws {
        let set = try parse("wg0 peer A allowed-ips 10.0.0.0/8 endpoint 1.2.3.4:5 peer B remove peer C persistent-keepalive off preshared-key k.psk")
        XCTAssertEqual(set.interface, "wg0")
        XCTAssertEqual(set.peers.map(\.name), ["A", "B", "C"])
        XCTAssertEqual(set.peers[0].allowedIPsText, "10.0.0.0/8")
        XCTAssertEqual(set.peers[0].endpoint, "1.2.3.4:5")
        XCTAssertTrue(set.peers[1].remove)
        XCTAssertNil(set.peers[1].allowedIPs)
        XCTAssertEqual(set.peers[2].persistentKeepalive, 0)
        XCTAssertEqual(set.peers[2].presharedKey, "k.psk")
        XCTAssertEqual(try parse("wg0 peer A persistent-keepalive 25").peers[0].persistentKeepalive, 25)
    }

    /// Several values for one peer add up; the last sets "replace" [tools src/config.c].
    func testRepeatedAllowedIPsCombine() throws {
        let peer = try parse("wg0 peer A allowed-ips 10.0.0.0/8 allowed-ips +10.1.0.0/16").peers[0]
        XCTAssertEqual(peer.allowedIPs?.replacesExisting, false)
        XCTAssertEqual(peer.allowedIPs?.changes.count, 2)
        XCTAssertEqual(peer.allowedIPsText, "10.0.0.0/8 +10.1.0.0/16")
        XCTAssertEqual(try parse("wg0 peer A allowed-ips \"\"").peers[0].allowedIPs?.changes, [])
    }

    func testDeviceOptionsComeBeforeThePeers() throws {
        XCTAssertEqual(try parse("wg0 listen-port 51820 peer A").deviceOptions, ["listen-port"])
        XCTAssertThrowsError(try parse("wg0 peer A listen-port 1"))
    }

    func testMistakesAreNamed() {
        let cases: [(String, String)] = [
            ("", "interface"), ("wg0", "needs `peer"), ("wg0 allowed-ips 10.0.0.0/8", "must follow 'peer NAME'"),
            ("wg0 peer", "'peer' needs a value"), ("wg0 peer ''", "needs a name"),
            ("wg0 peer A allowed-ips", "needs a value"), ("wg0 peer A allowed-ips 10.0.0.0/33", "10.0.0.0/33"),
            ("wg0 peer A persistent-keepalive 65536", "65535"), ("wg0 peer A frobnicate", "unknown option 'frobnicate'"),
        ]
        for (line, expected) in cases {
            XCTAssertThrowsError(try parse(line), line) { error in
                let message = (error as? WGSetArguments.Problem)?.message ?? "\(error)"
                XCTAssertTrue(message.contains(expected), "\(line): \(message)")
            }
        }
    }
}
