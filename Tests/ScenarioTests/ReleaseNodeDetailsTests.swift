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

    func testTheNodeListStaysWhenAWgSetEventMayMoveEntriesAndLaterMovesAreReportedAlike() throws {
        let kept = try ScenarioRun(try load())
        let run = try ScenarioRun(try load())
        run.releaseNodeDetails()
        let setUpMoves = run.reportMoves(from: 0, to: WarningReport(quiet: true) { _ in })
        XCTAssertEqual(setUpMoves, 1)
        run.releaseSetUpState()
        XCTAssertEqual(run.scenario.nodes.map(\.name), ["server", "a", "b"], "the wg set event's move names the lines of its claims")
        XCTAssertEqual(run.simulation.allowedIPsMoves.startIndex, 1, "the set-up's move is forgotten")
        XCTAssertTrue(run.moves().isEmpty)
        kept.run()
        run.run()
        XCTAssertEqual(run.moves(from: setUpMoves).map(\.warning.description), kept.moves(from: 1).map(\.warning.description))
        XCTAssertEqual(run.moves(from: setUpMoves).count, 1)
        var keptLines: [String] = [], runLines: [String] = []
        _ = kept.reportMoves(from: 1, to: WarningReport(quiet: false) { keptLines.append($0) })
        XCTAssertEqual(run.reportMoves(from: setUpMoves, to: WarningReport(quiet: false) { runLines.append($0) }), 2)
        XCTAssertEqual(runLines, keptLines)
        XCTAssertEqual(runLines.count, 1)
    }

    func testTheNodeListGoesWhenNothingReadsItAndTheRunIsTheSame() throws {
        let text = MoveWarningScenarioTests.overlapping.components(separatedBy: "events:")[0]
            + "events:\n  - at: 1s\n    node: a\n    ping: 192.168.0.1\n"
        let scenario = try ScenarioLoader.load(text: text, file: "t.yaml", directory: ".")
        XCTAssertTrue(ScenarioRun.nodesChangedByEvents(scenario).isEmpty)
        let kept = try ScenarioRun(scenario)
        let collection = ReportCollection()
        let released = try ScenarioRun(scenario, keepDecisions: false, captureSink: collection.captureSinkFactory(nil))
        released.releaseNodeDetails()
        collection.attach(to: released)
        released.releaseSetUpState()
        XCTAssertTrue(released.scenario.nodes.isEmpty)
        var keptLines: [String] = [], releasedLines: [String] = []
        kept.onDecision = { keptLines.append($0.jsonLine) }
        released.onDecision = { releasedLines.append($0.jsonLine); collection.observe($0) }
        kept.run()
        released.run()
        XCTAssertEqual(releasedLines, keptLines)
        let (keptResults, releasedResults) = (kept.finish(), released.finish())
        XCTAssertEqual(RunReport.text(run: released, results: releasedResults, quiet: false),
                       RunReport.text(run: kept, results: keptResults, quiet: false))
        let keptPage = try ReportRun.record(scenario).page
        XCTAssertEqual(collection.page(run: released, results: releasedResults), keptPage)
    }

    /// `attach(to:releasingNodes: true)` (what `wgsim run` does): the node list goes as soon as
    /// the collector has taken the nodes, and the page is the one a run keeping them draws; kept
    /// when a `wg set` event may move entries.
    func testTheCollectorLetsTheNodeListGoAsSoonAsItHasTakenThem() throws {
        let text = MoveWarningScenarioTests.overlapping.components(separatedBy: "events:")[0]
            + "events:\n  - at: 1s\n    node: a\n    ping: 192.168.0.1\n"
        let scenario = try ScenarioLoader.load(text: text, file: "t.yaml", directory: ".")
        let collection = ReportCollection()
        let released = try ScenarioRun(scenario, keepDecisions: false, captureSink: collection.captureSinkFactory(nil),
                                       releasingNodeDetails: true)
        released.releaseNodeDetails()
        collection.attach(to: released, releasingNodes: true)
        XCTAssertTrue(released.scenario.nodes.isEmpty, "gone before releaseSetUpState")
        released.releaseSetUpState()
        released.onDecision = { collection.observe($0) }
        released.run()
        let results = released.finish()
        XCTAssertEqual(collection.page(run: released, results: results), try ReportRun.record(scenario).page)

        let withEvent = try ScenarioRun(try load(), releasingNodeDetails: true)
        withEvent.releaseNodeDetails()
        ReportCollection().attach(to: withEvent, releasingNodes: true)
        XCTAssertEqual(withEvent.scenario.nodes.map(\.name), ["server", "a", "b"], "a wg set event: the list stays")
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

/// `ScenarioRun(…, releasingNodeDetails: true)`: the build hands each node's peers to the
/// simulation from the scenario's own list and drops that list for a node whose peers nothing
/// reads later (one peer, no load warning, no `wg set` event on it); the run is the same.
final class ReleasingBuildTests: XCTestCase {
    static let text = """
    name: t
    nodes:
      hub:
        underlay: 10.0.0.1
        wireguard:
          address: [10.9.0.1/16]
          peers:
            - {peer: a, allowed-ips: [10.9.0.2/32, 192.168.1.0/24], endpoint: a}
            - {peer: b, allowed-ips: [10.9.0.3/32, 192.168.1.0/24], endpoint: b}
            - {peer: c, allowed-ips: [10.9.0.4/32], endpoint: c}
            - {peer: d, allowed-ips: [10.9.0.5/32], endpoint: d}
      a:
        underlay: 10.0.0.2
        wireguard: {address: [10.9.0.2/32], peers: [{peer: hub, allowed-ips: [10.9.0.0/16], endpoint: hub}]}
      b:
        underlay: 10.0.0.3
        wireguard: {address: [10.9.0.3/32], peers: [{peer: hub, allowed-ips: [10.9.0.1/16], endpoint: hub}]}
      c:
        underlay: 10.0.0.4
        wireguard: {address: [10.9.0.4/32], peers: [{peer: hub, allowed-ips: [10.9.0.0/16], endpoint: hub}]}
      d:
        underlay: 10.0.0.5
        wireguard: {address: [10.9.0.5/32]}
    events:
      - at: 1s
        node: c
        run: wg set wg0 peer hub allowed-ips 10.9.0.0/24
      - at: 2s
        node: a
        ping: 10.9.0.3
    """

    private func load() throws -> Scenario {
        try ScenarioLoader.load(text: Self.text, file: "t.yaml", directory: ".")
    }

    func testOnlyPeersNothingReadsLaterAreDropped() throws {
        let run = try ScenarioRun(try load(), releasingNodeDetails: true)
        let peers = { (name: String) in run.scenario.node(named: name)?.wireguard?.peers.count }
        XCTAssertEqual(peers("hub"), 0, "two peers claim 192.168.1.0/24: the set-up move names both lines from the claims left")
        XCTAssertNotNil(run.setUpClaims["hub"])
        XCTAssertEqual(run.setUpClaims.count, 1, "only a node with two or more peers leaves its claim lines")
        XCTAssertEqual(peers("a"), 0, "one peer, no warning, no event")
        XCTAssertEqual(peers("b"), 1, "its allowed IP has host bits: a load warning reads it")
        XCTAssertEqual(peers("c"), 1, "a wg set event changes it")
        XCTAssertEqual(peers("d"), 0)
        XCTAssertEqual(run.scenario.nodes.map(\.name), ["hub", "a", "b", "c", "d"])
        XCTAssertEqual(run.scenario.node(named: "a")?.wireguard?.addresses, try load().node(named: "a")?.wireguard?.addresses)
    }

    /// Claims on lines of their own (a block-style peer, a list item per line) are kept whole
    /// and give the same lines as the peer list did; the claim lines go with the set-up state.
    func testSetUpMovesNameTheSameLinesWhenTheirPeersWentWithClaimsOnTheirOwnLines() throws {
        // The overlapping scenario without its `wg set` event, and without the host bits of
        // 10.10.5.7/16 (a load warning, which would keep the peers).
        let text = MoveWarningScenarioTests.overlapping.components(separatedBy: "events:")[0]
            .replacingOccurrences(of: "10.10.5.7/16", with: "10.10.0.0/16")
        let kept = try ScenarioRun(try ScenarioLoader.load(text: text, file: "t.yaml", directory: "."))
        let released = try ScenarioRun(try ScenarioLoader.load(text: text, file: "t.yaml", directory: "."), releasingNodeDetails: true)
        XCTAssertEqual(released.scenario.node(named: "server")?.wireguard?.peers.count, 0)
        XCTAssertEqual(released.moves().map(\.warning.description), [
            "warning: t.yaml:13: 192.168.32.19/32 moves from a (claimed at line 9) to b on node server; a is left with no allowed IPs",
        ])
        XCTAssertEqual(released.moves().map(\.warning.description), kept.moves().map(\.warning.description))
        released.releaseSetUpState()
        XCTAssertTrue(released.setUpClaims.isEmpty)
    }

    func testTheRunItsWarningsAndItsMovesAreTheSame() throws {
        let kept = try ScenarioRun(try load())
        let released = try ScenarioRun(try load(), releasingNodeDetails: true)
        XCTAssertEqual(released.scenario.loadWarnings.map(\.description), kept.scenario.loadWarnings.map(\.description))
        XCTAssertFalse(kept.scenario.loadWarnings.isEmpty)
        XCTAssertEqual(released.moves().map(\.warning.description), kept.moves().map(\.warning.description))
        XCTAssertEqual(kept.moves().count, 1)
        var keptLines: [String] = [], releasedLines: [String] = []
        kept.onDecision = { keptLines.append($0.jsonLine) }
        released.onDecision = { releasedLines.append($0.jsonLine) }
        kept.run()
        released.run()
        XCTAssertGreaterThan(keptLines.count, 10)
        XCTAssertEqual(releasedLines, keptLines)
        XCTAssertEqual(released.moves(from: 1).map(\.warning.description), kept.moves(from: 1).map(\.warning.description))
        XCTAssertEqual(released.simulation.keyLog, kept.simulation.keyLog)
        let (keptResults, releasedResults) = (kept.finish(), released.finish())
        XCTAssertEqual(RunReport.text(run: released, results: releasedResults, quiet: false),
                       RunReport.text(run: kept, results: keptResults, quiet: false))
    }
}
