import NetAddress
import Sim
import XCTest
@testable import Scenario

/// Event command lines: `wg set` in wg(8)'s forms, `wg show`, `ip route`, `ip link`.
final class CommandLineParserTests: XCTestCase {
    let parser = CommandLineParser(nodeNames: ["ABCD", "EFGH"], directory: "/nonexistent",
                                   location: SourceLocation(file: "s.yaml", line: 7))
    static let key = "KLdcB5O21sJDx8JfMYO6REPFPa01x1m92goDKu/6QlY="

    func updates(_ line: String) throws -> [PeerUpdate] {
        guard case .wgSet(let u) = try parser.parse(line) else { XCTFail("not wg set: \(line)"); return [] }
        return u
    }

    func testSeedThreadCommandsNameThePeerByNodeOrKey() throws {
        let byName = try updates("wg set wg0 peer ABCD allowed-ips 192.168.32.19/32")
        XCTAssertEqual(byName.first?.peer, .node("ABCD"))
        XCTAssertEqual(byName.first?.allowedIPsText, "192.168.32.19/32")
        XCTAssertEqual(try updates("wg set wg0 peer \(Self.key) remove").first?.remove, true)
        XCTAssertEqual(try updates("wg set wg0 peer @EFGH persistent-keepalive off").first?.persistentKeepalive, 0)
    }

    func testAllowedIPsInEveryFormAndSeveralPeersInOneCommand() throws {
        let u = try updates("wg set wg0 peer ABCD allowed-ips \"\" peer EFGH allowed-ips +10.0.0.0/8,-10.1.0.0/16 endpoint ABCD:51820")
        XCTAssertEqual(u.count, 2)
        XCTAssertEqual(u[0].allowedIPsText, "")
        XCTAssertNotNil(u[0].allowedIPs)
        XCTAssertEqual(u[1].allowedIPsText, "+10.0.0.0/8,-10.1.0.0/16")
        XCTAssertEqual(u[1].endpoint, .node("ABCD"))
        XCTAssertEqual(try updates("wg set wg0 peer ABCD endpoint [2001:db8::1]:51820").first?.endpoint,
                       .address(try Endpoint(parsing: "[2001:db8::1]:51820")))
        XCTAssertEqual(try updates("wg set wg0 peer ABCD preshared-key /dev/null").first?.presharedKey?.bytes,
                       [UInt8](repeating: 0, count: 32))
    }

    func testIpRouteAndLinkAndShow() throws {
        guard case .routeAdd(let r) = try parser.parse("ip route add 10.99.0.0/16 dev wg0 metric 5") else { return XCTFail() }
        XCTAssertEqual(r.prefix.description, "10.99.0.0/16")
        XCTAssertEqual(r.device, "wg0")
        XCTAssertEqual(r.metric, 5)
        guard case .routeDelete(let d) = try parser.parse("ip route del default via 192.0.2.1") else { return XCTFail() }
        XCTAssertEqual(d.prefix.length, 0)
        XCTAssertEqual(d.via?.description, "192.0.2.1")
        guard case .linkState("wg0", false) = try parser.parse("ip link set dev wg0 down") else { return XCTFail() }
        guard case .wgShow = try parser.parse("wg show wg0") else { return XCTFail() }
    }

    func testBadCommandsAreRefusedWithTheEventLine() {
        for bad in ["wg set wg1 peer ABCD", "wg set wg0 allowed-ips 10.0.0.0/8", "wg set wg0 peer XYZ",
                    "wg set wg0 peer ABCD allowed-ips 10.0.0.0/99", "wg set wg0 peer ABCD persistent-keepalive -1",
                    "wg set wg0 peer ABCD endpoint nowhere", "wg set wg0 listen-port 1", "ip route add 10.0.0.0/8",
                    "ip link set wg0 sideways", "ping 10.0.0.1", "wg set wg0 peer 'ABCD"] {
            XCTAssertThrowsError(try parser.parse(bad), bad) { error in
                XCTAssertEqual((error as? ScenarioError)?.line, 7, bad)
            }
        }
    }
}
