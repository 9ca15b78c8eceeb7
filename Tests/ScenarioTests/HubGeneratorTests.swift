import Sim
import XCTest
@testable import Scenario

/// docs/benchmarks.md, "Full pipeline": the generated hub and its IMIX trace.
final class HubGeneratorTests: XCTestCase {
    func testTraceIsIMIXSizedEchoRequestsToPeersAndDeterministic() {
        let packets = HubGenerator.tracePackets(peers: 300, packets: 1200)
        XCTAssertEqual(packets.count, 1200)
        XCTAssertEqual(packets.map(\.bytes), HubGenerator.tracePackets(peers: 300, packets: 1200).map(\.bytes), "same seed, same trace")
        var sizes: [Int: Int] = [:]
        for p in packets { sizes[p.bytes.count, default: 0] += 1 }
        XCTAssertEqual(Set(sizes.keys), [64, 576, 1420])
        // 7 : 4 : 1 in expectation; allow sampling noise.
        XCTAssertEqual(Double(sizes[64] ?? 0) / 1200, 7.0 / 12, accuracy: 0.06)
        XCTAssertEqual(Double(sizes[1420] ?? 0) / 1200, 1.0 / 12, accuracy: 0.04)
        XCTAssertTrue(packets.allSatisfy { $0.bytes[9] == 1 && $0.bytes[20] == 8 }, "ICMP echo requests")
        XCTAssertEqual(packets[1].timestamp - packets[0].timestamp, 1_000, "1 µs apart")
    }

    func testGeneratedHubLoadsWithOverlappingLANsAndTheLastClaimWins() throws {
        let text = HubGenerator.yaml(peers: 300, trace: nil, packets: 0)
        let scenario = try ScenarioLoader.load(text: text, file: "hub.yaml", directory: ".")
        XCTAssertEqual(scenario.nodes.count, 301)
        let hub = try XCTUnwrap(scenario.node(named: "hub")?.wireguard)
        XCTAssertEqual(hub.peers.count, 300)
        XCTAssertEqual(hub.peers[44].allowedIPs.map(\.description), ["10.0.0.46/32", "192.168.44.0/24"])
        XCTAssertEqual(hub.peers[259].allowedIPs.last?.description, "192.168.3.0/24", "x repeats every 256 peers: p3 and p259 share a LAN")
        let run = try ScenarioRun(scenario)
        run.run(until: 0)
        XCTAssertEqual(run.lookup(node: "hub", address: try .init(parsing: "192.168.44.9")).peer, "p44",
                       "with 300 peers only p44 claims 192.168.44.0/24")
        XCTAssertEqual(run.lookup(node: "hub", address: try .init(parsing: "192.168.3.9")).peer, "p259", "p259 took it from p3")
    }
}
