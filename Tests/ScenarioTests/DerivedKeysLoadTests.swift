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
