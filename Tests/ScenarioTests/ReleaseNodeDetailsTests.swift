import Foundation
import Sim
import XCTest
@testable import Scenario

/// `ScenarioRun.releaseNodeDetails()` (what `wgsim run` calls once the network is built): the
/// run's copy of the scenario keeps every node but only the configuration a later step reads,
/// and the run itself is unchanged by it.
final class ReleaseNodeDetailsTests: XCTestCase {
    private func load() throws -> Scenario {
        try ScenarioLoader.load(text: MoveWarningScenarioTests.overlapping, file: "t.yaml", directory: ".")
    }

    func testNodesAWgSetChangesKeepTheirPeersAndTheOthersOnlyTheirWg0() throws {
        let run = try ScenarioRun(try load())
        run.releaseNodeDetails()
        XCTAssertEqual(run.scenario.nodes.map(\.name), ["server", "a", "b"])
        let server = try XCTUnwrap(run.scenario.node(named: "server")?.wireguard)
        XCTAssertEqual(server.peers.count, 2, "server is what the wg set event changes")
        for name in ["a", "b"] {
            let wireguard = try XCTUnwrap(run.scenario.node(named: name)?.wireguard, "\(name) still has a wg0")
            XCTAssertTrue(wireguard.peers.isEmpty, name)
            XCTAssertEqual(wireguard.addresses, try load().node(named: name)?.wireguard?.addresses, name)
        }
        XCTAssertEqual(run.scenario.node(named: "a")?.underlay, try load().node(named: "a")?.underlay)
    }

    func testARunThatReleasedGivesTheSameDecisionsWarningsAndSummary() throws {
        let kept = try ScenarioRun(try load())
        let released = try ScenarioRun(try load())
        released.releaseNodeDetails()
        var keptLines: [String] = [], releasedLines: [String] = []
        kept.onDecision = { keptLines.append($0.jsonLine) }
        released.onDecision = { releasedLines.append($0.jsonLine) }
        kept.run()
        released.run()
        XCTAssertFalse(keptLines.isEmpty)
        XCTAssertEqual(releasedLines, keptLines)
        // The move the event makes still names the configured claim it undid (line 13).
        XCTAssertEqual(released.moves(from: 1).map(\.warning.description), kept.moves(from: 1).map(\.warning.description))
        XCTAssertEqual(released.moves(from: 1).first?.previousClaim?.line, 13)
        let (keptResults, releasedResults) = (kept.finish(), released.finish())
        XCTAssertEqual(RunReport.text(run: released, results: releasedResults, quiet: false),
                       RunReport.text(run: kept, results: keptResults, quiet: false))
    }
}
