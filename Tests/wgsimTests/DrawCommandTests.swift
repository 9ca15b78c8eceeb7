import Foundation
import XCTest

/// `wgsim draw` and `wgsim explain --draw` as a user runs them.
final class DrawCommandTests: XCTestCase {
    func testTableOfTheSeedLessonShowsTheCarveOutAndTheMove() throws {
        let at6 = try CLIRunner.run(["draw", "table", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "6s"])
        XCTAssertEqual(at6.status, 0, at6.stderr)
        XCTAssertTrue(at6.stdout.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"peer-table\" data-node=\"server\" data-t=\"5000000000\""))
        XCTAssertTrue(at6.stdout.contains("<rect class=\"carved\" data-prefix=\"192.168.32.19/32\" data-owner=\"EFGH\" data-within=\"192.168.32.0/24\""))
        let at1 = try CLIRunner.run(["draw", "table", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "1s", "--format", "txt"])
        XCTAssertEqual(at1.status, 0, at1.stderr)
        XCTAssertTrue(at1.stdout.contains("└── 192.168.32.19/32 EFGH (moved from ABCD)"), at1.stdout)
        let svg1 = try CLIRunner.run(["draw", "table", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "1s"])
        XCTAssertTrue(svg1.stdout.contains("class=\"prefix moved\" data-prefix=\"192.168.32.19/32\" data-owner=\"EFGH\" data-from=\"ABCD\""))
    }

    func testTimelineAndTopologyInBothFormats() throws {
        let timeline = try CLIRunner.run(["draw", "timeline", "Scenarios/seed-overlap.yaml", "--format", "txt"])
        XCTAssertEqual(timeline.status, 0, timeline.stderr)
        XCTAssertTrue(timeline.stdout.contains("server 192.168.32.19/32 |"))
        XCTAssertTrue(timeline.stdout.contains("0s ABCD, 1s EFGH (moved from ABCD)"))
        let timelineSVG = try CLIRunner.run(["draw", "timeline", "Scenarios/seed-overlap.yaml"])
        XCTAssertTrue(timelineSVG.stdout.contains("<g class=\"move\" data-node=\"server\" data-prefix=\"192.168.32.19/32\" data-from=\"ABCD\" data-to=\"EFGH\" data-t=\"1000000000\">"))
        let topology = try CLIRunner.run(["draw", "topology", "Scenarios/lossy-handshake.yaml", "--format", "txt"])
        XCTAssertEqual(topology.status, 0, topology.stderr)
        XCTAssertTrue(topology.stdout.contains("branch ── hq  20 ms ±2 ms, loss 100%"), topology.stdout)
        let topologySVG = try CLIRunner.run(["draw", "topology", "Scenarios/lossy-handshake.yaml", "--at", "1s"])
        XCTAssertTrue(topologySVG.stdout.contains("<g class=\"link\" data-a=\"branch\" data-b=\"hq\">"))
        XCTAssertTrue(topologySVG.stdout.contains("<g class=\"tunnel\" data-a=\"branch\" data-b=\"hq\">"))
        // A folder of wg-quick files draws as `wgsim run` reads it.
        let folder = try CLIRunner.run(["draw", "topology", "Scenarios/networks/hq-branch-laptop", "--format", "txt"])
        XCTAssertEqual(folder.status, 0, folder.stderr)
        XCTAssertTrue(folder.stdout.contains("hq ⇄ laptop"))
    }

    func testBadArgumentsExitTwoNamingTheProblem() throws {
        let cases: [([String], String)] = [
            (["draw", "table", "Scenarios/seed-overlap.yaml"], "Scenarios/seed-overlap.yaml: draw table needs --node NODE, one of: server, ABCD, EFGH"),
            (["draw", "table", "Scenarios/seed-overlap.yaml", "--node", "nobody"], "--node: no node named 'nobody'; nodes: server, ABCD, EFGH"),
            (["draw", "timeline", "Scenarios/seed-overlap.yaml", "--node", "serve"], "no node named 'serve'"),
            (["draw", "table", "Scenarios/site-to-site.yaml", "--node", "hq-pc"], "'hq-pc' has no wg0, so no peer table; nodes with one: hq-gw, branch-gw"),
            (["draw", "topology", "Scenarios/seed-overlap.yaml", "--at", "soon"], "--at"),
            (["draw", "timeline", "Scenarios/seed-overlap.yaml", "--at", "1s"], "--at does not apply to the timeline"),
            (["draw", "topology", "Scenarios/missing.yaml"], "Scenarios/missing.yaml"),
            (["draw", "ladder2", "Scenarios/seed-overlap.yaml"], "ladder2"),
            (["draw", "topology", "Scenarios/seed-overlap.yaml", "--format", "png"], "png"),
        ]
        for (arguments, words) in cases {
            let result = try CLIRunner.run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(words), "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(arguments)")
            XCTAssertFalse(result.stderr.contains("Fatal error"), "\(arguments)")
        }
    }

    func testOutputFileHoldsTheWholePictureAndReplacesTheOldOne() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-draw-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("table.svg")
        try "old contents that are longer than nothing".write(to: file, atomically: false, encoding: .utf8)
        let arguments = ["draw", "table", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "6s"]
        let written = try CLIRunner.run(arguments + ["-o", file.path])
        XCTAssertEqual(written.status, 0, written.stderr)
        XCTAssertEqual(written.stdout, "")
        let printed = try CLIRunner.run(arguments)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), printed.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["table.svg"], "no temporary file left")
        let nowhere = try CLIRunner.run(arguments + ["-o", folder.appendingPathComponent("no/such/folder.svg").path])
        XCTAssertEqual(nowhere.status, 2)
        XCTAssertTrue(nowhere.stderr.contains("no/such/folder.svg"), nowhere.stderr)
    }

    func testExplainDrawPrintsTheTreeWithTheMatchedEntry() throws {
        let result = try CLIRunner.run(["explain", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "6s", "192.168.32.19", "--draw"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasSuffix("""
            server wg0 allowed IPs at 6s:
            wg0
            └── 192.168.32.0/24 ABCD
                └── 192.168.32.19/32 EFGH ◀ matched

            """), result.stdout)
        let plain = try CLIRunner.run(["explain", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "6s", "192.168.32.19"])
        XCTAssertFalse(plain.stdout.contains("◀ matched"))
    }
}
