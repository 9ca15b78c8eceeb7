import Routing
import WireGuard
import XCTest
@testable import Scenario

/// `Reach` on networks of wg-quick files: the verdicts come from a real run (handshakes,
/// allowed IPs both ways, forwarding), and each failure names the decision that stopped it.
final class ReachTests: XCTestCase {
    static func key(_ n: UInt8) -> PrivateKey { WgQuickNetworkFixtures.key(n) }
    static func publicKey(_ n: UInt8) -> String { WgQuickNetworkFixtures.publicKey(n) }

    func assemble(_ files: [(String, String)], name: String = "net") throws -> Scenario {
        try WgQuickNetworkFixtures.assemble(files, name: name)
    }

    /// A hub whose spokes were given only the hub's /32: they reach the hub, not each other.
    static let hub = WgQuickNetworkFixtures.hub
    static func spoke(_ n: UInt8, allowedIPs: String) -> String {
        """
        [Interface]
        PrivateKey = \(key(n).base64)
        Address = 10.0.0.\(n)/24
        [Peer]
        PublicKey = \(publicKey(1))
        AllowedIPs = \(allowedIPs)
        Endpoint = 203.0.113.1:51820
        """
    }

    func testSpokesWithOnlyTheHubsAddressCannotReachEachOther() throws {
        let scenario = try assemble([("hub.conf", Self.hub), ("a.conf", Self.spoke(2, allowedIPs: "10.0.0.1/32")),
                                     ("b.conf", Self.spoke(3, allowedIPs: "10.0.0.1/32"))])
        let report = try Reach.check(scenario, at: 0)
        XCTAssertEqual(report.nodes, ["hub", "a", "b"])
        XCTAssertEqual(report.cells.count, 6)
        XCTAssertFalse(report.allReachable)
        for cell in report.cells {
            let spokeToSpoke = cell.from != "hub" && cell.to.node != "hub"
            XCTAssertEqual(cell.isReachable, !spokeToSpoke, "\(cell.from) → \(cell.to.node)")
            if spokeToSpoke {
                // The spoke's own wg0 finds no peer for the other spoke's address.
                XCTAssertEqual(cell.forward.action, "dropped-no-peer")
                XCTAssertEqual(cell.forward.node, cell.from)
                XCTAssertEqual(cell.reply.action, "not-sent")
                XCTAssertTrue(cell.forward.why.contains("no allowed-ips entry matches \(cell.to.address)"), cell.forward.why)
            }
        }
        XCTAssertTrue(report.text.contains("✗ forward dropped-no-peer"), report.text)
        XCTAssertTrue(report.text.contains("a → b 10.0.0.3, forward: "), report.text)
    }

    func testTheFixedHubReachesEverywhere() throws {
        let scenario = try assemble([("hub.conf", Self.hub), ("a.conf", Self.spoke(2, allowedIPs: "10.0.0.0/24")),
                                     ("b.conf", Self.spoke(3, allowedIPs: "10.0.0.0/24"))])
        let report = try Reach.check(scenario, at: 0)
        XCTAssertEqual(report.cells.count, 6)
        XCTAssertTrue(report.allReachable, report.text)
    }

    /// Two routers, each with a LAN the other's AllowedIPs carry: every tunnel address and both
    /// LANs (their first hosts, answered by the router) work both ways.
    func testSiteToSitePairReachesTunnelAddressesAndLANs() throws {
        func site(_ n: UInt8, other: UInt8, endpoint: String?) -> String {
            """
            [Interface]
            PrivateKey = \(Self.key(n).base64)
            Address = 10.255.0.\(n)/30
            ListenPort = 51820
            [Peer]
            PublicKey = \(Self.publicKey(other))
            AllowedIPs = 10.255.0.\(other)/32, 192.168.\(other)0.0/24
            \(endpoint.map { "Endpoint = \($0)" } ?? "")
            """
        }
        let scenario = try assemble([("east.conf", site(1, other: 2, endpoint: nil)),
                                     ("west.conf", site(2, other: 1, endpoint: "198.51.100.1:51820"))])
        let report = try Reach.check(scenario, at: 0)
        XCTAssertEqual(report.targets.map(\.label), ["10.255.0.1", "192.168.10.1 (LAN 192.168.10.0/24)",
                                                     "10.255.0.2", "192.168.20.1 (LAN 192.168.20.0/24)"])
        XCTAssertEqual(report.addedAddresses.map(\.address.description), ["192.168.10.1", "192.168.20.1"])
        XCTAssertEqual(report.cells.count, 4)
        XCTAssertTrue(report.allReachable, report.text)
        XCTAssertFalse(report.text.contains("why:"))
    }

    /// A prefix a node only passes on (the hub's route to a spoke's LAN, in the other spoke's
    /// AllowedIPs) is not that node's LAN; the tunnel subnet and default routes are none either.
    func testLANsAreThePrefixesANodeDoesNotPassOn() throws {
        let hub = Self.hub.replacingOccurrences(of: "AllowedIPs = 10.0.0.3/32", with: "AllowedIPs = 10.0.0.3/32, 192.168.3.0/24")
        let scenario = try assemble([("hub.conf", hub), ("a.conf", Self.spoke(2, allowedIPs: "0.0.0.0/0, 192.168.3.0/24")),
                                     ("b.conf", Self.spoke(3, allowedIPs: "10.0.0.0/24"))])
        let lans = Reach.targets(of: scenario).filter { $0.lan != nil }
        XCTAssertEqual(lans, [Reach.Target(node: "b", address: try IPAddress(parsing: "192.168.3.1"),
                                           lan: try IPPrefix(parsing: "192.168.3.0/24"))])
        XCTAssertEqual(Reach.firstHost(of: try IPPrefix(parsing: "fd00:1::/64")), try IPAddress(parsing: "fd00:1::1"))
        XCTAssertEqual(Reach.firstHost(of: try IPPrefix(parsing: "192.168.9.9/32")), try IPAddress(parsing: "192.168.9.9"))
    }

    func testAPeerThatDoesNotListTheOtherBackNamesTheDroppedHandshake() throws {
        // b does not list a: a's handshake initiations are refused at b, so a's ping stays queued.
        let a = Self.spoke(2, allowedIPs: "10.0.0.0/24").replacingOccurrences(of: Self.publicKey(1), with: Self.publicKey(3))
            .replacingOccurrences(of: "203.0.113.1", with: "203.0.113.3")
        let b = """
        [Interface]
        PrivateKey = \(Self.key(3).base64)
        Address = 10.0.0.3/24
        ListenPort = 51820
        """
        let report = try Reach.check(try assemble([("a.conf", a), ("b.conf", b)]), at: 0)
        let cell = try XCTUnwrap(report.cells.first { $0.from == "a" })
        XCTAssertFalse(cell.forward.isDelivered)
        XCTAssertEqual(cell.forward.node, "b", "\(cell.forward)")
        XCTAssertTrue(cell.forward.action.hasPrefix("dropped-"), "\(cell.forward)")
    }
}
