import NetAddress
import Sim
import XCTest
@testable import Scenario

/// wg-quick `.conf` files as wg(8)/wg-quick read them: case-insensitive keys, `#` comments,
/// comma lists, AllowedIPs lines that accumulate; errors name the file and line.
final class WgQuickConfigTests: XCTestCase {
    func parse(_ text: String) throws -> WireGuardInterface {
        try WgQuickConfig.parse(text, file: "n.conf", nodeNames: ["hub", "n"], directory: "/nonexistent")
    }

    func testEveryKeyIsReadAndAllowedIPsLinesAccumulate() throws {
        let wg = try parse("""
        [Interface]
        PrivateKey = SAANRurSicGCBznn9oh3XpJJFFVKI88LlSNBFDz/QUg=
        listenport = 51999   # keys are case-insensitive
        Address = 10.0.0.2/24, fd00::2/64
        MTU = 1380
        DNS = 10.0.0.1

        [peer]
        PublicKey = @hub
        PresharedKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
        AllowedIPs = 10.0.0.0/24
        AllowedIPs = 192.168.0.0/16, fd00::/64
        Endpoint = 203.0.113.1:51820
        PersistentKeepalive = 25
        """)
        XCTAssertNotNil(wg.privateKey)
        XCTAssertEqual(wg.listenPort, 51999)
        XCTAssertEqual(wg.addresses.map(\.description), ["10.0.0.2/24", "fd00::2/64"])
        XCTAssertEqual(wg.mtu, 1380)
        XCTAssertEqual(wg.peers.count, 1)
        let peer = try XCTUnwrap(wg.peers.first)
        XCTAssertEqual(peer.peer, .node("hub"))
        XCTAssertEqual(peer.allowedIPs.map(\.description), ["10.0.0.0/24", "192.168.0.0/16", "fd00::/64"])
        XCTAssertEqual(peer.endpoint, .address(try Endpoint(parsing: "203.0.113.1:51820")))
        XCTAssertEqual(peer.persistentKeepalive, 25)
        XCTAssertNotNil(peer.presharedKey)
    }

    func testEndpointMayNameANodeAndPrivateKeyMayBeDerived() throws {
        let wg = try parse("[Interface]\nAddress = 10.0.0.2/32\n[Peer]\nPublicKey = @hub\nEndpoint = hub:51820\n")
        XCTAssertNil(wg.privateKey)
        XCTAssertEqual(wg.peers.first?.endpoint, .node("hub"))
    }

    func testErrorsNameTheLine() {
        let cases: [(String, Int, String)] = [
            ("[Interface]\nAddress = 10.0.0.2/33\n", 2, "Address '10.0.0.2/33'"),
            ("[Interface]\nPrivateKey = short\n", 2, "PrivateKey"),
            ("[Interface]\n[Peer]\nPublicKey = @nobody\n", 3, "no node named 'nobody'"),
            ("[Interface]\n[Peer]\nAllowedIPs = 10.0.0.0/8\n", 2, "[Peer] needs a PublicKey"),
            ("[Interface]\nTable = sometimes\n", 2, "Table must be off, auto, main or a table number"),
            ("Address = 10.0.0.1\n", 1, "before any [Interface]"),
            ("[Interface]\n[Interface]\n", 2, "a second [Interface]"),
            ("[Peer]\nPublicKey = @hub\n", 1, "no [Interface] section"),
            ("[Interface]\n[Peer]\nPublicKey = @hub\nPersistentKeepalive = often\n", 4, "PersistentKeepalive"),
        ]
        for (text, line, fragment) in cases {
            XCTAssertThrowsError(try parse(text), text) { error in
                let e = error as? ScenarioError
                XCTAssertEqual(e?.file, "n.conf", text)
                XCTAssertEqual(e?.line, line, "\(text) → \(String(describing: e))")
                XCTAssertTrue(e?.message.contains(fragment) ?? false, "\(text) → \(String(describing: e))")
            }
        }
    }
}
