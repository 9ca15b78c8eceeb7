import Foundation
import Routing
import Sim
import WireGuard
import XCTest
@testable import Scenario

/// A network assembled from wg-quick files alone: a node per file, peers matched by public key,
/// underlays from endpoints (addresses, host names) or documented addresses, notes for peers
/// outside the network, and the default pings from every node to every other node.
final class WgQuickNetworkTests: XCTestCase {
    static func key(_ n: UInt8) -> PrivateKey { WgQuickNetworkFixtures.key(n) }
    static func publicKey(_ n: UInt8) -> String { WgQuickNetworkFixtures.publicKey(n) }

    func assemble(_ files: [(String, String)], name: String = "net") throws -> Scenario {
        try WgQuickNetworkFixtures.assemble(files, name: name)
    }

    /// A hub at 203.0.113.1 and two spokes that reach it by address and by name.
    static let hub = WgQuickNetworkFixtures.hub
    static func spoke(_ n: UInt8, endpoint: String) -> String {
        """
        [Interface]
        PrivateKey = \(key(n).base64)
        Address = 10.0.0.\(n)/24
        [Peer]
        PublicKey = \(publicKey(1))
        AllowedIPs = 10.0.0.0/24
        Endpoint = \(endpoint)
        PersistentKeepalive = 25
        """
    }

    func testEachFileIsAForwardingNodeAndPeersAreMatchedByPublicKey() throws {
        let scenario = try assemble([("dir/a.conf", Self.spoke(2, endpoint: "203.0.113.1:51820")),
                                     ("dir/b.conf", Self.spoke(3, endpoint: "vpn.example.com:51820")),
                                     ("dir/hub.conf", Self.hub)])
        XCTAssertEqual(scenario.name, "net")
        XCTAssertEqual(scenario.nodes.map(\.name), ["a", "b", "hub"])
        XCTAssertEqual(scenario.nodes.map(\.forwarding), [true, true, true])
        XCTAssertEqual(scenario.nodes.map(\.underlay.description), ["192.0.2.1", "192.0.2.2", "203.0.113.1"])
        let hub = try XCTUnwrap(scenario.node(named: "hub")?.wireguard)
        XCTAssertEqual(hub.peers.map(\.peer), [.node("a"), .node("b")])
        XCTAssertEqual(hub.peers.map(\.endpoint), [nil, nil])
        let b = try XCTUnwrap(scenario.node(named: "b")?.wireguard)
        XCTAssertEqual(b.peers.map(\.peer), [.node("hub")])
        XCTAssertEqual(b.peers.first?.endpoint, .address(try Endpoint(parsing: "203.0.113.1:51820")),
                       "the host name stands for the hub, whose key the [Peer] has")
        XCTAssertEqual(scenario.notes, [])
        let description = try XCTUnwrap(scenario.description)
        XCTAssertTrue(description.contains("every node forwards packets, as a gateway with net.ipv4.ip_forward=1 does"), description)
        XCTAssertTrue(description.contains("hub  203.0.113.1  from the Endpoint at a.conf:7; vpn.example.com (b.conf:7) stands for it too"), description)
        XCTAssertTrue(description.contains("a    192.0.2.1    documented address: no file gives an endpoint for it"), description)

        let run = try ScenarioRun(scenario)
        run.run()
        let results = run.finish()
        XCTAssertEqual(results.count, 6)
        XCTAssertEqual(results.filter { !$0.passed }.map(\.line), [], "a spoke reaches the other spoke through the forwarding hub")
    }

    func testAHostNameForANodeWithoutAnAddressGivesItADocumentedOne() throws {
        let scenario = try assemble([("hub.conf", Self.hub), ("a.conf", Self.spoke(2, endpoint: "VPN.example.com:51820")),
                                     ("b.conf", Self.spoke(3, endpoint: "vpn.example.com:51820"))])
        XCTAssertEqual(scenario.nodes.map(\.underlay.description), ["192.0.2.1", "192.0.2.2", "192.0.2.3"], "file order")
        for spoke in ["a", "b"] {
            XCTAssertEqual(scenario.node(named: spoke)?.wireguard?.peers.first?.endpoint,
                           .address(try Endpoint(parsing: "192.0.2.1:51820")), spoke)
        }
        XCTAssertTrue(scenario.description?.contains("hub  192.0.2.1  documented address standing for vpn.example.com (a.conf:7)") ?? false,
                      scenario.description ?? "")
    }

    func testIPv6EndpointsGiveIPv6DocumentedAddresses() throws {
        let scenario = try assemble([("hub.conf", Self.hub), ("a.conf", Self.spoke(2, endpoint: "[2001:db8:1::1]:51820")),
                                     ("b.conf", Self.spoke(3, endpoint: "2001:db8:1::1:51820"))])
        XCTAssertEqual(scenario.nodes.map(\.underlay.description), ["2001:db8:1::1", "2001:db8::1", "2001:db8::2"])
    }

    func testAPeerWhoseKeyIsNoFilesIsOutsideTheNetworkAndSaidSo() throws {
        let outsider = Self.publicKey(9)
        let text = Self.spoke(2, endpoint: "203.0.113.1:51820") + "\n[Peer]\nPublicKey = \(outsider)\nAllowedIPs = 10.9.0.0/24\nEndpoint = far.example.net:51820\n"
        let scenario = try assemble([("a.conf", text), ("hub.conf", Self.hub)])
        XCTAssertEqual(scenario.notes.map(\.description),
                       ["note: a.conf:10: PublicKey \(outsider) is no file's: a peer outside this network, where nothing answers",
                        "note: hub.conf:9: PublicKey \(Self.publicKey(3)) is no file's: a peer outside this network, where nothing answers"])
        let peer = try XCTUnwrap(scenario.node(named: "a")?.wireguard?.peers.last)
        XCTAssertEqual(peer.peer, .key(try PublicKey(base64: outsider)))
        XCTAssertEqual(peer.endpoint, .address(try Endpoint(parsing: "192.0.2.2:51820")), "after every node's address")
        XCTAssertTrue(scenario.description?.contains("far.example.net  192.0.2.2    documented address of a host outside the network (a.conf:12): nothing answers there") ?? false,
                      scenario.description ?? "")
    }

    func testAFileWithManyNotesOrHostsShowsTwentyAndCountsTheRest() throws {
        var hub = "[Interface]\nPrivateKey = \(Self.key(1).base64)\nAddress = 10.0.0.1/16\n"
        for n in 0..<25 {
            hub += "[Peer]\nPublicKey = \(Self.publicKey(UInt8(100 + n)))\nAllowedIPs = 10.0.\(n + 2).0/24\nEndpoint = h\(n).example.net:51820\n"
        }
        let scenario = try assemble([("hub.conf", hub)])
        XCTAssertEqual(scenario.notes.count, Scenario.notesShownPerFile + 1)
        XCTAssertEqual(scenario.notes.last?.description, "note: hub.conf:85: and 5 more notes about hub.conf from here on (the first 20 are shown)")
        let description = try XCTUnwrap(scenario.description)
        XCTAssertTrue(description.contains("  h19.example.net  192.0.2.21  documented address of a host outside the network (hub.conf:83)"), description)
        XCTAssertFalse(description.contains("h20.example.net"), description)
        XCTAssertTrue(description.contains("  (and 5 more host names outside the network)\n"), description)
    }

    func testOneSidedPeersOwnKeysAndUnsetListenPortsAreNoted() throws {
        // b lists the hub, the hub does not list b; a lists itself; the hub listens on whatever wg picks.
        let hub = "[Interface]\nPrivateKey = \(Self.key(1).base64)\nAddress = 10.0.0.1/24\n[Peer]\nPublicKey = \(Self.publicKey(2))\nAllowedIPs = 10.0.0.2/32\n"
        let a = Self.spoke(2, endpoint: "hub:51820") + "\n[Peer]\nPublicKey = \(Self.publicKey(2))\nAllowedIPs = 10.0.0.99/32\n"
        let scenario = try assemble([("a.conf", a), ("b.conf", Self.spoke(3, endpoint: "203.0.113.1:51820")), ("hub.conf", hub)])
        XCTAssertEqual(scenario.node(named: "a")?.wireguard?.peers.count, 1, "the own-key peer is ignored, as the kernel ignores it")
        XCTAssertEqual(scenario.node(named: "a")?.wireguard?.peers.first?.endpoint, .address(try Endpoint(parsing: "203.0.113.1:51820")),
                       "`hub:PORT` names the node; the port is kept")
        XCTAssertEqual(scenario.notes.map(\.description), [
            "note: a.conf:7: Endpoint: hub.conf gives no ListenPort, so wg would listen on a random port there; wgsim's hub listens on 51820",
            "note: a.conf:10: this [Peer] has the file's own public key; the kernel ignores such a peer, and so does wgsim",
            "note: b.conf:5: this is hub (hub.conf), which has no [Peer] with b's public key: hub drops b's handshakes",
            "note: b.conf:7: Endpoint: hub.conf gives no ListenPort, so wg would listen on a random port there; wgsim's hub listens on 51820",
        ])
    }

    func testDefaultPingsGoFromEveryNodeToEveryOtherNodesAddressesOfEachFamily() throws {
        func node(_ n: UInt8, _ addresses: String) -> String {
            "[Interface]\nPrivateKey = \(Self.key(n).base64)\nAddress = \(addresses)\n"
        }
        let scenario = try assemble([("a.conf", node(1, "10.0.0.1/24")), ("b.conf", node(2, "10.0.0.2/24, fd00::2/64")),
                                     ("c.conf", node(3, "10.0.0.3/24\nAddress = fd00::3/64"))])
        let pings: [String] = scenario.events.map { event in
            guard case .ping(let node, let destination, nil, 1, _, 56) = event.action else { return "not a ping" }
            return "\(TimeText.shortest(event.at)) \(node) → \(destination) (\(event.location))"
        }
        XCTAssertEqual(pings, [
            "1s a → 10.0.0.2 (b.conf:3)", "2s a → 10.0.0.3 (c.conf:3)",
            "3s b → 10.0.0.1 (a.conf:3)", "4s b → 10.0.0.3 (c.conf:3)", "5s b → fd00::3 (c.conf:4)",
            "6s c → 10.0.0.1 (a.conf:3)", "7s c → 10.0.0.2 (b.conf:3)", "8s c → fd00::2 (b.conf:3)",
        ], "a has no IPv6 tunnel address, so it pings no IPv6 address")
        XCTAssertEqual(scenario.expectations.count, 8)
        guard case .decisions(let filter, let action, nil) = scenario.expectations[4].kind else { return XCTFail("a decision expectation") }
        XCTAssertEqual(action, "delivered")
        XCTAssertEqual(filter.summary, "node=b iface=wg0 dir=rx src=fd00::3 proto=icmpv6 after=5s before=6s")
        XCTAssertEqual(scenario.expectations[4].note, "b → c fd00::3: echo reply")
        XCTAssertEqual(scenario.duration, 13_000_000_000, "5 s after the last ping")
        XCTAssertTrue(scenario.description?.contains("no events given: 8 pings, one a second from 1s") ?? false)

        // No peers: every ping fails, and each failure says which pair.
        let run = try ScenarioRun(scenario)
        run.run()
        let results = run.finish()
        XCTAssertEqual(results.filter(\.passed).count, 0)
        XCTAssertTrue(results[0].line.hasPrefix("FAIL b.conf:3: node=a iface=wg0 dir=rx src=10.0.0.2"), results[0].line)
    }

    func testFilesThatCannotFormANetworkAreRefusedNamingTheFile() {
        let cases: [([(String, String)], String, Int?, String)] = [
            ([("a.conf", "[Interface]\nAddress = 10.0.0.1/24\n")], "a.conf", 1, "no PrivateKey"),
            ([("a.conf", Self.hub), ("b.conf", Self.hub)], "b.conf", 2, "the same PrivateKey as a.conf:2"),
            ([("my site.conf", Self.hub)], "my site.conf", nil, "'my site' is not a name wg-quick takes"),
            ([("x/a.conf", Self.hub), ("y/a.conf", Self.spoke(2, endpoint: "192.0.2.9:1"))], "y/a.conf", nil, "a second file named a.conf"),
            ([("a.conf", Self.spoke(2, endpoint: "203.0.113.1:51820") + "\nbogus\n")], "a.conf", 9, "expected `Key = Value`"),
        ]
        for (files, file, line, fragment) in cases {
            XCTAssertThrowsError(try assemble(files), fragment) { error in
                let e = error as? ScenarioError
                XCTAssertEqual(e?.file, file, "\(String(describing: e))")
                XCTAssertEqual(e?.line, line, "\(String(describing: e))")
                XCTAssertTrue(e?.message.contains(fragment) ?? false, "\(String(describing: e))")
            }
        }
    }

    func testAFolderIsReadInNameOrderAndNamesTheRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-net-\(getpid())/office_vpn")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub.conf"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try Self.spoke(2, endpoint: "203.0.113.1:51820").write(to: folder.appendingPathComponent("spoke.conf"), atomically: true, encoding: .utf8)
        try Self.hub.write(to: folder.appendingPathComponent("hub.conf"), atomically: true, encoding: .utf8)
        try "not a node".write(to: folder.appendingPathComponent("README.txt"), atomically: true, encoding: .utf8)
        try "[Interface]\n".write(to: folder.appendingPathComponent(".backup.conf"), atomically: true, encoding: .utf8)

        XCTAssertTrue(NetworkAssembly.isNetwork([folder.path]))
        XCTAssertFalse(NetworkAssembly.isNetwork(["s.yaml"]))
        XCTAssertTrue(NetworkAssembly.isNetwork(["a.conf"]))
        let scenario = try NetworkAssembly.load([folder.path])
        XCTAssertEqual(scenario.name, "office_vpn")
        XCTAssertEqual(scenario.nodes.map(\.name), ["hub", "spoke"])
        XCTAssertEqual(scenario.file, folder.path)
        let byFiles = try NetworkAssembly.load([folder.appendingPathComponent("spoke.conf").path, folder.appendingPathComponent("hub.conf").path])
        XCTAssertEqual(byFiles.name, "spoke", "the first file's stem")
        XCTAssertEqual(byFiles.nodes.map(\.name), ["spoke", "hub"], "files given by name keep their order")

        let empty = folder.appendingPathComponent("sub.conf")
        XCTAssertThrowsError(try NetworkAssembly.load([empty.path])) { error in
            XCTAssertTrue((error as? ScenarioError)?.message.hasPrefix("no .conf files in this folder") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try NetworkAssembly.load([folder.path, folder.appendingPathComponent("hub.conf").path])) { error in
            XCTAssertTrue((error as? ScenarioError)?.message.contains("is a folder: give one folder") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try NetworkAssembly.load([folder.appendingPathComponent("hub.conf").path, "s.yaml"])) { error in
            XCTAssertTrue((error as? ScenarioError)?.message.contains("is not a .conf file") ?? false, "\(error)")
        }
    }
}
