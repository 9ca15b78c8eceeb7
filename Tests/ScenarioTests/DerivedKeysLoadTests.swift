import XCTest
@testable import Scenario
@testable import Sim
import WireGuard

/// A large scenario starts deriving its nodes' keys while the rest of the file is read
/// (`ScenarioLoader.startDerivingKeys`), and the network built from it has exactly the keys it
/// would have had without: the seed's for the file's seed, or for `--seed`.
final class DerivedKeysLoadTests: XCTestCase {
    private func load(peers: Int) throws -> Scenario {
        try ScenarioLoader.load(text: HubGenerator.yaml(peers: peers, trace: nil, packets: 0), file: "hub.yaml", directory: ".")
    }

    private func assertKeys(_ run: ScenarioRun, seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        for node in run.scenario.nodes {
            XCTAssertEqual(run.simulation.publicKey(of: node.name),
                           Simulation.derivedPrivateKey(seed: seed, node: node.name).publicKey, file: file, line: line)
        }
    }

    func testLargeFileDerivesKeysAheadAndBuildsTheSameKeys() throws {
        let scenario = try load(peers: KeyPairJob.minimumKeys)
        XCTAssertNotNil(scenario.derivedKeys, "hub + \(KeyPairJob.minimumKeys) clients: worth a job")
        assertKeys(try ScenarioRun(scenario), seed: scenario.seed)
        XCTAssertNil(scenario.derivedKeys?.take(), "the build took the keys derived ahead")
    }

    func testAnotherSeedDerivesItsOwnKeys() throws {
        let scenario = try load(peers: KeyPairJob.minimumKeys)
        assertKeys(try ScenarioRun(scenario, seed: 77), seed: 77)
        // The job was cancelled by that run; one with the file's seed still takes it whole.
        assertKeys(try ScenarioRun(scenario), seed: scenario.seed)
    }

    func testNoKeysAheadWhenTheCallerWillNotTakeThem() throws {
        // wgsim run with --seed, and every process of a split run, load this way.
        let text = HubGenerator.yaml(peers: KeyPairJob.minimumKeys, trace: nil, packets: 0)
        let scenario = try ScenarioLoader.load(text: text, file: "hub.yaml", directory: ".", keysAhead: false)
        XCTAssertNil(scenario.derivedKeys)
        assertKeys(try ScenarioRun(scenario, seed: 77), seed: 77)
    }

    func testSmallFileStartsNoJob() throws {
        XCTAssertNil(try load(peers: 20).derivedKeys)
    }

    func testNodesWithTheirOwnKeyOrNoWireGuardAreLeftOut() throws {
        var text = "name: mixed\nnodes:\n"
        let key = try PrivateKey(base64: "qFI4Vp6uRIqcPgrfAPfP8eDJ3ptRexqWdAmd2rigc0E=")
        text += "  own: {underlay: 10.9.0.1, wireguard: {private-key: \(key.base64)}}\n"
        text += "  plain: {underlay: 10.9.0.2}\n"
        for i in 0..<KeyPairJob.minimumKeys { text += "  n\(i): {underlay: 10.8.\(i / 250).\(i % 250 + 1), wireguard: {}}\n" }
        let scenario = try ScenarioLoader.load(text: text, file: "mixed.yaml", directory: ".")
        XCTAssertNotNil(scenario.derivedKeys)
        let run = try ScenarioRun(scenario)
        XCTAssertEqual(run.simulation.publicKey(of: "own"), key.publicKey)
        XCTAssertNil(run.simulation.publicKey(of: "plain"))
        XCTAssertEqual(run.simulation.publicKey(of: "n5"), Simulation.derivedPrivateKey(seed: 1, node: "n5").publicKey)
    }
}

/// A network built while its keys are still being derived (`Simulation.init(keysAhead:)`: each
/// key taken when the build first needs it, and the peers of a node that would wait for many
/// configured as their keys come to hand) runs exactly as one built after every key was
/// settled: the same decisions, named the same, the same allowed-IPs moves, key log and captures.
final class KeysAheadBuildTests: XCTestCase {
    /// Runs `text` (in a folder with the hub trace `trace` describes, if any) with keys derived
    /// ahead and with every key settled first, and compares what the two runs give; returns the
    /// keys-ahead run's nodes whose peers were set aside.
    private func assertSameRun(_ text: String, trace: (peers: Int, packets: Int)? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws -> [Int] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keys-ahead-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        if let trace { try HubGenerator.writeTrace(path: folder + "/trace.pcap", peers: trace.peers, packets: trace.packets) }

        func outcome(keysAhead: Bool) throws -> (lines: [String], nodesSetAside: [Int]) {
            let scenario = try ScenarioLoader.load(text: text, file: "hub.yaml", directory: folder, keysAhead: keysAhead)
            XCTAssertEqual(scenario.derivedKeys != nil, keysAhead, file: file, line: line)
            let run = try ScenarioRun(scenario)
            run.run()
            var lines = run.finish().map { "\($0)" }
            let simulation = run.simulation
            lines += simulation.decisions.map { record in
                "\(record.t) \(record.node) \(record.action) \(record.peer ?? "-") \(record.why) "
                    + record.movedFrom.map { "\($0.prefix)<-\($0.peer)" }.joined(separator: ",")
            }
            lines += simulation.allowedIPsMoves.map { "\($0)" }
            lines += simulation.keyLog
            lines += simulation.keyLogKeys.map { "\($0)" }
            lines += simulation.captures().filter { !$0.packets.isEmpty }.map { capture in
                "\(capture.name) " + capture.packets.map { "\($0.time):\($0.bytes.hashValue)" }.joined(separator: ",")
            }
            lines += scenario.nodes.map { "\($0.name) \(simulation.publicKey(of: $0.name)?.base64 ?? "-")" }
            lines += scenario.nodes.compactMap { node in simulation.publicKey(of: node.name).map { simulation.peerNames.name(of: $0) } }
            return (lines, simulation.nodesSetAside)
        }
        let ahead = try outcome(keysAhead: true)
        let settled = try outcome(keysAhead: false)
        XCTAssertEqual(settled.nodesSetAside, [], "settled keys: every node in its turn", file: file, line: line)
        XCTAssertTrue(ahead.lines.contains { $0.contains("handshake") }, "the run sets up sessions", file: file, line: line)
        XCTAssertEqual(ahead.lines.count, settled.lines.count, file: file, line: line)
        for (a, b) in zip(ahead.lines, settled.lines) where a != b {
            XCTFail("first difference:\n  keys ahead: \(a)\n  settled:    \(b)", file: file, line: line)
            break
        }
        return ahead.nodesSetAside
    }

    func testBuildingBesideTheKeyJobGivesTheSameRun() throws {
        // More clients than the job's minimum, LANs overlapping on the hub (set-up moves), and
        // traffic to many of them (handshakes, key log).
        let peers = KeyPairJob.minimumKeys + 700
        let nodesSetAside = try assertSameRun(HubGenerator.yaml(peers: peers, trace: "trace.pcap", packets: 300),
                                              trace: (peers, 300))
        XCTAssertEqual(nodesSetAside, [0], "the hub, node 0, waits for its clients' keys: set aside")
    }

    /// Hubs among their clients: each client peers every hub with the same 10.0.0.0/8 (the last
    /// hub takes it from the others, a set-up move on every client), some with a persistent
    /// keepalive (their device-ups send at time 0); each hub peers every client, whose LANs
    /// overlap every 256 (moves on the hub). Hub k is put before client `positions[k]`.
    private func hubsAmongClients(clients: Int, hubsBefore positions: [Int]) -> String {
        var text = "name: hubs\nseed: 5\nnodes:\n"
        func hub(_ k: Int) {
            text += "  hub\(k):\n    underlay: 203.0.113.\(k + 1)\n    wireguard:\n      address: [10.0.0.\(k + 1)/8]\n      peers:\n"
            for i in 0..<clients {
                text += "        - {peer: c\(i), allowed-ips: [10.100.\(i / 250).\(i % 250 + 1)/32, 192.168.\(i % 256).0/24], endpoint: c\(i)}\n"
            }
        }
        for i in 0..<clients {
            for k in positions.indices where positions[k] == i { hub(k) }
            let keepalive = i % 97 == 0 ? ", persistent-keepalive: 25" : ""
            let peers = positions.indices.map { "{peer: hub\($0), allowed-ips: [10.0.0.0/8], endpoint: hub\($0)\(keepalive)}" }
            text += "  c\(i): {underlay: 100.64.\(i / 250).\(i % 250 + 1), wireguard: {address: [10.100.\(i / 250).\(i % 250 + 1)/32], "
                + "peers: [\(peers.joined(separator: ", "))]}}\n"
        }
        text += "events:\n"
        // Pings from the first and the last hub to clients on both sides of the hubs.
        for (n, (k, i)) in [(0, 3), (positions.count - 1, 1500), (0, clients - 1)].enumerated() {
            text += "  - at: \(n + 1)s\n    node: hub\(k)\n    ping: 10.100.\(i / 250).\(i % 250 + 1)\n"
        }
        text += "  - at: 4s\n    node: c42\n    ping: 10.0.0.\(positions.count)\n"
        return text
    }

    func testHubsNotFirstAndMovesOnBothSidesGiveTheSameRun() throws {
        // hub0 is node 0, hub1 comes after 700 clients (the rest pending: set aside), hub2
        // after nearly all of them (its clients' keys are taken: it keeps its turn).
        let clients = KeyPairJob.minimumKeys + 100
        let nodesSetAside = try assertSameRun(hubsAmongClients(clients: clients, hubsBefore: [0, 700, clients - 50]))
        XCTAssertEqual(nodesSetAside, [0, 701])
    }
}
