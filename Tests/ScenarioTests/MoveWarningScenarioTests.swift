import Foundation
import Routing
import Sim
import WireGuard
import XCTest
@testable import Scenario

/// Warnings where an allowed-IPs entry changes owner (the kernel moves it silently, behaviour
/// doc §1.4) or an allowed IP has host bits: each names the file and line of the claim, and a
/// move also the line of the claim it undid (MoveWarnings.swift).
final class MoveWarningScenarioTests: XCTestCase {
    /// Line numbers matter: `server`'s peer `a` claims 192.168.32.19/32 at line 9, `b` at line 13;
    /// the event at line 21 gives it back to `a`; line 12 has host bits.
    static let overlapping = """
    name: t
    nodes:
      server:
        underlay: 10.0.0.1
        wireguard:
          address: [192.168.0.1/16]
          peers:
            - peer: a
              allowed-ips: [192.168.32.19/32]
            - peer: b
              allowed-ips:
                - 10.10.5.7/16
                - 192.168.32.19/32
      a:
        underlay: 10.0.0.2
        wireguard: {address: [192.168.32.1/24]}
      b:
        underlay: 10.0.0.3
        wireguard: {address: [192.168.32.19/32]}
    events:
      - at: 1s
        node: server
        run: wg set wg0 peer a allowed-ips +192.168.32.19/32,+172.16.0.1/12
    """

    private func load(_ text: String, directory: String = ".") throws -> Scenario {
        try ScenarioLoader.load(text: text, file: "t.yaml", directory: directory)
    }

    func testAMoveBetweenConfiguredPeersNamesBothLinesAndTheEmptiedPeer() throws {
        let run = try ScenarioRun(try load(Self.overlapping))
        XCTAssertEqual(run.moves().map(\.warning.description), [
            "warning: t.yaml:13: 192.168.32.19/32 moves from a (claimed at line 9) to b on node server; a is left with no allowed IPs",
        ])
    }

    func testAMoveByAWgSetEventNamesTheEventLineItsTimeAndTheConfiguredClaim() throws {
        let run = try ScenarioRun(try load(Self.overlapping))
        run.run()
        XCTAssertEqual(run.moves(from: 1).map(\.warning.description), [
            "warning: t.yaml:21: 192.168.32.19/32 moves from b (claimed at line 13) to a on node server at 1s",
        ])
        // b keeps 10.10.0.0/16, so it is not left empty; the config record says who lost what.
        let record = try XCTUnwrap(run.simulation.decisions.first { $0.action == .config && !$0.movedFrom.isEmpty })
        XCTAssertEqual(record.movedFrom.map { "\($0.prefix) \($0.peer)" }, ["192.168.32.19/32 b"])
        XCTAssertEqual(record.why, "wg set wg0 peer a allowed-ips +192.168.32.19/32,+172.16.0.0/12: 192.168.32.19/32 moved from b to a")
    }

    func testAMoveBackByASecondEventNamesTheFirstEventAsTheEarlierClaim() throws {
        let text = Self.overlapping + """

          - at: 2s
            node: server
            run: wg set wg0 peer b allowed-ips 192.168.32.19/32
        """
        let run = try ScenarioRun(try load(text))
        run.run()
        XCTAssertEqual(run.moves(from: 2).map(\.warning.description), [
            "warning: t.yaml:24: 192.168.32.19/32 moves from a (claimed at line 21) to b on node server at 2s",
        ])
    }

    func testHostBitsAreWarnedInPeersAndWgSetEventsNamingTheRealEntry() throws {
        let scenario = try load(Self.overlapping)
        XCTAssertEqual(scenario.loadWarnings.map(\.description), [
            "warning: t.yaml:12: AllowedIP has nonzero host part: 10.10.5.7/16 (the entry is 10.10.0.0/16)",
            "warning: t.yaml:21: AllowedIP has nonzero host part: 172.16.0.1/12 (the entry is 172.16.0.0/12)",
        ])
    }

    func testWgQuickFilesNameTheAllowedIPsLineOfEachClaim() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-move-conf-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        [Interface]
        Address = 192.168.0.1/16
        [Peer]
        PublicKey = @a
        AllowedIPs = 192.168.32.0/24
        [Peer]
        PublicKey = @b
        AllowedIPs = 10.10.5.7/16
        AllowedIPs = 192.168.32.0/24, 10.20.0.0/16
        """.write(to: folder.appendingPathComponent("server.conf"), atomically: true, encoding: .utf8)
        let text = """
        name: t
        nodes:
          server: {underlay: 10.0.0.1, config: server.conf}
          a: {underlay: 10.0.0.2, wireguard: {address: [192.168.32.1/24]}}
          b: {underlay: 10.0.0.3, wireguard: {address: [192.168.33.1/24]}}
        """
        let scenario = try load(text, directory: folder.path)
        let conf = folder.appendingPathComponent("server.conf").path
        XCTAssertEqual(scenario.loadWarnings.map(\.description), [
            "warning: \(conf):8: AllowedIP has nonzero host part: 10.10.5.7/16 (the entry is 10.10.0.0/16)",
        ])
        let run = try ScenarioRun(scenario)
        XCTAssertEqual(run.moves().map(\.warning.description), [
            "warning: \(conf):9: 192.168.32.0/24 moves from a (claimed at line 5) to b on node server; a is left with no allowed IPs",
        ])
        // explain names the lines by file, since they are not in the scenario file.
        XCTAssertEqual(run.moves().map(\.history), ["claimed by a at \(conf):5, moved to b at \(conf):9"])
    }

    func testExplainListsTheEntriesTakenFromAnotherPeerWithBothLines() throws {
        let run = try ScenarioRun(try load(Self.overlapping))
        run.run(until: 1_000_000_000)
        let text = AddressExplanation.text(run: run, node: "server", address: try IPAddress(parsing: "192.168.32.19"),
                                           at: 1_000_000_000)
        XCTAssertTrue(text.contains("192.168.32.19 matches 192.168.32.19/32 → peer a"), text)
        XCTAssertTrue(text.contains("192.168.32.19/32 was taken from another peer"), text)
        XCTAssertTrue(text.contains("     192.168.32.19/32 claimed by a at line 9, moved to b at line 13\n"), text)
        XCTAssertTrue(text.contains("     192.168.32.19/32 claimed by b at line 13, moved to a at line 21 (at 1s)\n"), text)
        XCTAssertTrue(text.contains("a holds it now"), text)
        XCTAssertFalse(text.contains("Only a claims it"), text)
        XCTAssertTrue(text.contains("wg0 entries taken from another peer so far:\n"
                                    + "   192.168.32.19/32 claimed by a at line 9, moved to b at line 13; a was left with no allowed IPs\n"), text)
    }

    func testTheReportShowsTwentyInFullThenCountsTheRestAndQuietOnlyCounts() {
        let warnings = (1...25).map { ScenarioWarning(SourceLocation(file: "f", line: $0), "m\($0)") }
        var lines: [String] = []
        let report = WarningReport(quiet: false) { lines.append($0) }
        report.add(warnings)
        report.finish()
        XCTAssertEqual(report.count, 25)
        XCTAssertEqual(lines.count, 21)
        XCTAssertEqual(lines[19], "warning: f:20: m20\n")
        XCTAssertEqual(lines[20], "warning: … and 5 more warnings like these (25 in all; the first 20 are shown)\n")
        var quietLines: [String] = []
        let quiet = WarningReport(quiet: true) { quietLines.append($0) }
        quiet.add(warnings)
        quiet.finish()
        XCTAssertEqual(quietLines, ["warning: 25 warnings not shown (--quiet)\n"])
        var none: [String] = []
        let empty = WarningReport(quiet: true) { none.append($0) }
        empty.finish()
        XCTAssertEqual(none, [])
    }
}
