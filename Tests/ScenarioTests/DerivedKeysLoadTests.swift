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
/// key taken when the build first needs it) runs exactly as one built after every key was
/// settled: the same decisions, named the same, the same allowed-IPs moves and key log.
final class KeysAheadBuildTests: XCTestCase {
    func testBuildingBesideTheKeyJobGivesTheSameRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keys-ahead-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // More clients than the job's minimum, LANs overlapping on the hub (set-up moves), and
        // traffic to many of them (handshakes, key log).
        let peers = KeyPairJob.minimumKeys + 700
        try HubGenerator.writeTrace(path: folder + "/trace.pcap", peers: peers, packets: 300)
        let text = HubGenerator.yaml(peers: peers, trace: "trace.pcap", packets: 300)

        func outcome(keysAhead: Bool) throws -> [String] {
            let scenario = try ScenarioLoader.load(text: text, file: "hub.yaml", directory: folder, keysAhead: keysAhead)
            XCTAssertEqual(scenario.derivedKeys != nil, keysAhead)
            let run = try ScenarioRun(scenario)
            run.run()
            _ = run.finish()
            let simulation = run.simulation
            var lines = simulation.decisions.map { record in
                "\(record.t) \(record.node) \(record.action) \(record.peer ?? "-") \(record.why) "
                    + record.movedFrom.map { "\($0.prefix)<-\($0.peer)" }.joined(separator: ",")
            }
            lines += simulation.allowedIPsMoves.map { "\($0)" }
            lines += simulation.keyLog
            lines += scenario.nodes.map { "\($0.name) \(simulation.publicKey(of: $0.name)?.base64 ?? "-")" }
            lines += scenario.nodes.compactMap { node in simulation.publicKey(of: node.name).map { simulation.peerNames.name(of: $0) } }
            return lines
        }
        let ahead = try outcome(keysAhead: true)
        let settled = try outcome(keysAhead: false)
        XCTAssertGreaterThan(ahead.count, 2 * peers)
        XCTAssertTrue(ahead.contains { $0.contains("handshake") }, "the trace sets up sessions")
        XCTAssertEqual(ahead.count, settled.count)
        for (a, b) in zip(ahead, settled) where a != b {
            XCTFail("first difference:\n  keys ahead: \(a)\n  settled:    \(b)")
            break
        }
    }
}
