import Distributed
import Scenario
import XCTest

/// The partitioner (docs/mpi.md): groups of WireGuard peers, hubs apart, `partition:` names,
/// balance, and the lookahead with its refusals.
final class PartitionTests: XCTestCase {
    private func scenario(_ text: String) throws -> Scenario {
        try ScenarioLoader.load(text: text, file: "test.yaml", directory: FileManager.default.temporaryDirectory.path)
    }

    private func hubs(_ hubs: Int, peers: Int) throws -> Scenario {
        var text = ""
        HubsGenerator.writeYAML(hubs: hubs, peers: peers, packets: 4) { text += $0 }
        return try scenario(text)
    }

    func testAHubMeshSplitsByHubWithItsClients() throws {
        let world = try hubs(4, peers: 5)
        let partition = try Partition(world, processes: 2)
        XCTAssertEqual(partition.groupCount, 4)
        XCTAssertEqual(partition.nodeCounts, [12, 12])
        for (i, node) in world.nodes.enumerated() where node.name.contains("c") {
            let hub = String(node.name.prefix { $0 != "c" })
            let hubIndex = try XCTUnwrap(world.nodes.firstIndex { $0.name == hub })
            XCTAssertEqual(partition.rankOfNode[i], partition.rankOfNode[hubIndex], "\(node.name) runs with \(hub)")
        }
        XCTAssertEqual(partition.lookahead, 10_000_000,
                       "only hubs are each other's endpoints across processes: their 10 ms links set the lookahead")
        XCTAssertEqual(try Partition(world, processes: 2), partition, "deterministic")
    }

    func testGroupsAreBalancedLargestFirst() throws {
        let world = try hubs(3, peers: 4)
        let partition = try Partition(world, processes: 2)
        // Three groups of 5: two go to one process, one to the other.
        XCTAssertEqual(partition.nodeCounts.sorted(), [5, 10])
        XCTAssertEqual(partition.line(), "partition: 2 processes own 10 / 5 nodes (3 groups; lookahead 10ms)\n")
        XCTAssertEqual(partition.line(windows: 7, datagrams: 12),
                       "partition: 2 processes own 10 / 5 nodes (3 groups; lookahead 10ms; 7 windows, 12 datagrams between processes)\n")
    }

    func testPartitionNamesOverrideThePeerGraph() throws {
        let world = try scenario("""
            name: t
            nodes:
              a: {underlay: 192.0.2.1, partition: left, wireguard: {address: [10.0.0.1/24], peers: [{peer: b, allowed-ips: [10.0.0.2/32], endpoint: b}]}}
              b: {underlay: 192.0.2.2, partition: right, wireguard: {address: [10.0.0.2/24], peers: [{peer: a, allowed-ips: [10.0.0.1/32], endpoint: a}]}}
              c: {underlay: 192.0.2.3, partition: left}
            """)
        let partition = try Partition(world, processes: 2)
        XCTAssertEqual(partition.rankOfNode[0], partition.rankOfNode[2])
        XCTAssertNotEqual(partition.rankOfNode[0], partition.rankOfNode[1])
        XCTAssertThrowsError(try Partition(world, processes: 3)) { error in
            XCTAssertTrue("\(error)".contains("only 2 groups"), "\(error)")
        }
    }

    func testAZeroLatencyLinkBetweenProcessesIsRefusedWithItsLine() throws {
        let world = try scenario("""
            name: t
            nodes:
              a: {underlay: 192.0.2.1, partition: left}
              b: {underlay: 192.0.2.2, partition: right}
            links:
              - between: [a, b]
                latency: 2ms
                jitter: 2ms
            """)
        XCTAssertThrowsError(try Partition(world, processes: 2)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("test.yaml:6"), text)
            XCTAssertTrue(text.contains("link a–b joins nodes of different processes"), text)
        }
        XCTAssertNoThrow(try Partition(world, processes: 1))
    }

    func testALinkChangeLowersTheLookahead() throws {
        let world = try scenario("""
            name: t
            nodes:
              a: {underlay: 192.0.2.1, partition: left, wireguard: {address: [10.0.0.1/24], peers: [{peer: b, allowed-ips: [10.0.0.2/32], endpoint: b}]}}
              b: {underlay: 192.0.2.2, partition: right, wireguard: {address: [10.0.0.2/24], peers: [{peer: a, allowed-ips: [10.0.0.1/32]}]}}
            links:
              - between: [a, b]
                latency: 5ms
            events:
              - at: 1s
                link: [a, b]
                set: {latency: 300us}
            """)
        XCTAssertEqual(try Partition(world, processes: 2).lookahead, 300_000)
    }

    /// Which pairs can talk: WireGuard endpoints (either way); with a plain packet that can reach
    /// another node's underlay address, a replayed trace or an underlay move, every pair.
    func testTheLookaheadFollowsOnlyPairsThatCanSendEachOtherADatagram() throws {
        func world(_ extra: String, links: String = "") throws -> Scenario {
            try scenario("""
                name: t
                nodes:
                  a: {underlay: 192.0.2.1, partition: left, wireguard: {address: [10.0.0.1/24], peers: [{peer: b, allowed-ips: [10.0.0.2/32], endpoint: b}]}}
                  b: {underlay: 192.0.2.2, partition: left, wireguard: {address: [10.0.0.2/24], peers: [{peer: a, allowed-ips: [10.0.0.1/32]}]}}
                  c: {underlay: 192.0.2.3, partition: right, wireguard: {address: [10.0.0.3/24], peers: [{peer: a, allowed-ips: [10.0.0.1/32], endpoint: 192.0.2.1:51820}]}}
                links:
                  - {between: [a, c], latency: 7ms}
                \(links)
                events:
                  - {at: 1s, node: c, ping: 10.0.0.1}
                \(extra)
                """)
        }
        XCTAssertEqual(try Partition(try world(""), processes: 2).lookahead, 7_000_000, "c names a's address as its endpoint")
        XCTAssertEqual(try Partition(try world("", links: "  - {between: [b, c], latency: 1us}"), processes: 2).lookahead,
                       7_000_000, "b and c never send each other a datagram")
        XCTAssertEqual(try Partition(try world("  - {at: 2s, node: b, ping: 192.0.2.3}"), processes: 2).lookahead,
                       1_000_000, "a ping to c's underlay address: any pair may meet on the shared segment")
        XCTAssertEqual(try Partition(try world("  - {at: 2s, node: a, underlay: 192.0.2.9}"), processes: 2).lookahead,
                       1_000_000, "an underlay move: any pair")
        let apart = try scenario("""
            name: t
            nodes:
              a: {underlay: 192.0.2.1, partition: left}
              b: {underlay: 192.0.2.2, partition: right}
            """)
        let partition = try Partition(apart, processes: 2)
        XCTAssertEqual(partition.lookahead, .max, "nothing can cross")
        XCTAssertEqual(partition.line(), "partition: 2 processes own 1 / 1 nodes (2 groups; lookahead unbounded)\n")
    }
}
