import NetAddress
@testable import Report
import Routing
import Sim
import XCTest

/// The collector against a real simulation: the seed lesson's commands, then a removal.
final class DrawCollectorTests: XCTestCase {
    typealias F = DrawFixtures
    static let second: Int64 = 1_000_000_000

    private func node(_ name: String, _ underlay: String, _ address: String, _ peers: [PeerSpec]) throws -> NodeSpec {
        NodeSpec(name: name, underlay: try IPAddress(parsing: underlay),
                 wireguard: InterfaceSpec(addresses: [try InterfaceAddress(parsing: address)], peers: peers))
    }

    private func wgSet(_ peer: String, _ allowed: String?, remove: Bool = false) throws -> SimAction {
        .wgSet(node: "server", peer: .node(peer), allowedIPs: try allowed.map { try AllowedIPsUpdate(parsing: $0) }, endpoint: nil,
               persistentKeepalive: nil, presharedKey: nil, remove: remove)
    }

    private func seedRun() throws -> RunSnapshot {
        let nodes = [
            try node("server", "203.0.113.1", "192.168.0.1/16", [PeerSpec(peer: .node("ABCD"), endpoint: .node("ABCD")),
                                                                  PeerSpec(peer: .node("EFGH"), endpoint: .node("EFGH"))]),
            try node("ABCD", "198.51.100.10", "192.168.32.1/24", [PeerSpec(peer: .node("server"), allowedIPs: [F.prefix("192.168.0.0/16")])]),
            try node("EFGH", "198.51.100.20", "192.168.32.19/32", [PeerSpec(peer: .node("server"), allowedIPs: [F.prefix("192.168.0.0/16")])]),
        ]
        let links = [LinkSpec(between: ("server", "ABCD"), properties: LinkProperties(latency: 20_000_000, loss: 0.5))]
        let sim = try Simulation(seed: 7, startUnixNanoseconds: 1_467_743_400_000_000_000, nodes: nodes, links: links)
        let collector = RunSnapshotCollector(name: "seed", simulation: sim, nodes: nodes, links: links)
        sim.onDecision = { collector.observe($0) }
        sim.schedule(inFileOrder: [
            (0, try wgSet("ABCD", "192.168.32.19/32")),
            (Self.second, try wgSet("EFGH", "192.168.32.19/32")),
            (5 * Self.second, try wgSet("ABCD", "192.168.32.0/24")),
            (6 * Self.second, try wgSet("EFGH", nil, remove: true)),
            (6 * Self.second, .wgShow(node: "server")),
        ])
        sim.run(until: 7 * Self.second)
        return collector.snapshot(end: sim.now)
    }

    func testTablesAtSetUpAndAfterEachChangeWithTheMove() throws {
        let snapshot = try seedRun()
        let server = snapshot.tables(of: "server")
        XCTAssertEqual(server.map(\.t), [0, Self.second, 5 * Self.second, 6 * Self.second])
        func describe(_ table: PeerTableSnapshot) -> String {
            table.entries.map { "\($0.prefix) \($0.owner)" + ($0.movedFrom.map { " from \($0)" } ?? "") }.joined(separator: ", ")
        }
        XCTAssertEqual(server.map(describe), [
            "192.168.32.19/32 ABCD",
            "192.168.32.19/32 EFGH from ABCD",
            "192.168.32.0/24 ABCD, 192.168.32.19/32 EFGH",
            "192.168.32.0/24 ABCD",
        ])
        XCTAssertEqual(server.map(\.decisionIndex), [0, 1, server[2].decisionIndex, server[3].decisionIndex])
        XCTAssertNotNil(server[3].decisionIndex, "the removal's own config decision")
        XCTAssertEqual(snapshot.tables(of: "ABCD").map(describe), ["192.168.0.0/16 server"])
        XCTAssertEqual(snapshot.table(of: "server", at: 3 * Self.second)?.t, Self.second)
        XCTAssertEqual(snapshot.table(of: "server", at: 5 * Self.second)?.match(try IPAddress(parsing: "192.168.32.19"))?.owner, "EFGH")
        XCTAssertEqual(snapshot.moves.map { "\($0.prefix) \($0.from)→\($0.to) \($0.t)" }, ["192.168.32.19/32 ABCD→EFGH 1000000000"])
        XCTAssertEqual(snapshot.owners, ["ABCD", "server", "EFGH"])
    }

    func testTopologyFromTheSpecsAndPeers() throws {
        let snapshot = try seedRun()
        XCTAssertEqual(snapshot.nodes.map(\.name), ["server", "ABCD", "EFGH"])
        XCTAssertEqual(snapshot.nodes.first?.wireGuardAddresses, ["192.168.0.1/16"])
        XCTAssertEqual(snapshot.links, [TopologyLink(a: "server", b: "ABCD", latency: 20_000_000, jitter: 0, loss: 0.5, up: true)])
        XCTAssertEqual(snapshot.peers["server"], ["ABCD", "EFGH"], "EFGH was a peer before its removal")
        // After the removal the server gives EFGH nothing, and EFGH still sends the /16 to it.
        let efgh = snapshot.tunnels(at: 7 * Self.second).first { $0.b == "EFGH" }
        XCTAssertEqual(efgh?.aAllowedIPs, [])
        XCTAssertEqual(efgh?.bAllowedIPs, [F.prefix("192.168.0.0/16")])
    }

    func testCurrentTableNamesOwnersAsTheLogDoes() throws {
        let nodes = [try node("a", "198.51.100.1", "10.0.0.1/24", [PeerSpec(peer: .node("b"), allowedIPs: [F.prefix("10.0.0.2/32")])]),
                     try node("b", "198.51.100.2", "10.0.0.2/24", [])]
        let sim = try Simulation(seed: 1, startUnixNanoseconds: 0, nodes: nodes)
        let table = try XCTUnwrap(RunSnapshotCollector.currentTable(of: "a", in: sim))
        XCTAssertEqual(table.entries, [PeerTableEntry(prefix: F.prefix("10.0.0.2/32"), owner: "b")])
        XCTAssertNil(RunSnapshotCollector.currentTable(of: "nobody", in: sim))
    }

    /// Nodes with equal small tables and peer sets (a hub's clients) are told apart by node and
    /// time only; a node changed several times keeps each table, and the rows count each prefix once.
    func testEqualTablesOfManyNodesStayTheirsAndRowsAreCountedOnce() throws {
        let snapshot = try seedRun()
        XCTAssertEqual(snapshot.tables(of: "ABCD").map(\.node), ["ABCD"])
        XCTAssertEqual(snapshot.tables(of: "EFGH").map(\.node), ["EFGH"])
        XCTAssertEqual(snapshot.tables(of: "ABCD").first?.entries, snapshot.tables(of: "EFGH").first?.entries)
        XCTAssertEqual(snapshot.peers["ABCD"], ["server"])
        XCTAssertEqual(snapshot.peers["EFGH"], ["server"])
        XCTAssertTrue(snapshot.tables(of: "nobody").isEmpty)
        XCTAssertNil(snapshot.table(of: "nobody", at: 0))
        // server: 192.168.32.19/32 and 192.168.32.0/24 over its four tables; ABCD and EFGH one each.
        XCTAssertEqual(snapshot.ownershipRowCount, 4)
        let kept = snapshot.keepingRows(3)
        XCTAssertEqual(kept.ownershipRowCount, 3)
        XCTAssertEqual(kept.tables(of: "server").count, 4, "every table of a kept node, cut to the kept rows")
        XCTAssertEqual(kept.nodes.map(\.name), ["server", "ABCD"])
        XCTAssertTrue(kept.tables(of: "EFGH").isEmpty)
        // A table given the same prefix twice counts it once.
        let prefix = F.prefix("10.0.0.0/8")
        let doubled = RunSnapshot(name: "d", nodes: [TopologyNode(name: "a", underlay: try IPAddress(parsing: "192.0.2.1"), wireGuardAddresses: [],
                                                                  hasWireGuard: true)],
                                  links: [], tables: [PeerTableSnapshot(node: "a", t: 0, entries: [PeerTableEntry(prefix: prefix, owner: "x"),
                                                                                                  PeerTableEntry(prefix: prefix, owner: "y")],
                                                                        decisionIndex: nil)], drops: [], end: 0)
        XCTAssertEqual(doubled.ownershipRowCount, 1)
        XCTAssertEqual(doubled.keepingRows(5).tables.first?.entries.count, 2)
    }
}
