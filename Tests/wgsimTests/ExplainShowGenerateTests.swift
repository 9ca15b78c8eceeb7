import Foundation
import XCTest

/// `wgsim explain`, `wgsim show` and `wgsim generate hub` through the real binary.
final class ExplainShowGenerateTests: XCTestCase {
    /// The seed thread's second half: a /24 on ABCD and a /32 on EFGH — most specific wins.
    func testExplainShowsMostSpecificMatchWinsWithTheLosingCandidate() throws {
        let result = try CLIRunner.run(["explain", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "5s", "192.168.32.19"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("chosen: 192.168.0.0/16 dev wg0"), result.stdout)
        XCTAssertTrue(result.stdout.contains("192.168.32.19 matches 192.168.32.19/32 → peer EFGH"), result.stdout)
        XCTAssertTrue(result.stdout.contains("also matches 192.168.32.0/24 → peer ABCD: less specific"), result.stdout)
        XCTAssertTrue(result.stdout.contains("ABCD: 192.168.32.0/24"), result.stdout)
    }

    /// The seed thread's first half: after the second `wg set`, ABCD has no allowed IPs.
    func testExplainAtOneSecondShowsTheMovedSlash32AndAnEmptyPeer() throws {
        let result = try CLIRunner.run(["explain", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "1s", "192.168.32.19"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("→ peer EFGH"), result.stdout)
        XCTAssertTrue(result.stdout.contains("ABCD: (none)"), result.stdout)
    }

    func testShowPrintsWgShowWithHandshakeAndTransferAtThatMoment() throws {
        let result = try CLIRunner.run(["show", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "6.5s"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("interface: wg0"), result.stdout)
        XCTAssertTrue(result.stdout.contains("(EFGH)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("latest handshake: 4 seconds ago"), result.stdout)
        XCTAssertTrue(result.stdout.contains("transfer: "), result.stdout)
        XCTAssertTrue(result.stdout.contains("192.168.0.0/16 dev wg0"), result.stdout)
    }

    func testExplainAndShowRefuseUnknownNodesAndBadTimes() throws {
        let unknown = try CLIRunner.run(["explain", "Scenarios/seed-overlap.yaml", "--node", "XYZ", "--at", "1s", "10.0.0.1"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("no node named 'XYZ'"), unknown.stderr)
        let badTime = try CLIRunner.run(["show", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "soon"])
        XCTAssertEqual(badTime.status, 2)
        XCTAssertTrue(badTime.stderr.contains("--at"), badTime.stderr)
    }

    func testGeneratedHubRunsThroughTheFullPipeline() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-generate-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("hub.yaml").path
        let generate = try CLIRunner.run(["generate", "hub", "--peers", "20", "--out", file, "--packets", "60"])
        XCTAssertEqual(generate.status, 0, generate.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("hub-trace.pcap").path))
        let text = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(text.contains("192.168.19.0/24"), "LANs 192.168.x.0/24 per peer")
        let run = try CLIRunner.run(["run", file, "--out", folder.appendingPathComponent("out").path])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        let hubRow = run.stdout.split(separator: "\n").map { $0.split(separator: " ") }.first { $0.first == "hub" }
        XCTAssertEqual(hubRow.map { Array($0.prefix(3)) }, ["hub", "60", "60"], "every echo request answered: \(run.stdout)")
        let decisions = try String(contentsOfFile: folder.appendingPathComponent("out/decisions.txt").path, encoding: .utf8)
        XCTAssertTrue(decisions.contains("[hub-trace.pcap #1]"), "replayed packets name trace and frame")
        let unknownKind = try CLIRunner.run(["generate", "mesh", "--peers", "2", "--out", file])
        XCTAssertEqual(unknownKind.status, 2)
    }
}
