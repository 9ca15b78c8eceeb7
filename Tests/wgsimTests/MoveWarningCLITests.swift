import Foundation
import XCTest

/// The move and host-bits warnings through the real binary: on standard error with file:line,
/// the first 20 then a count (`--quiet`: the count alone), `--strict` exit 1, the decision log's
/// `moved-from`, `explain`'s account of moves, `wgsim table`.
final class MoveWarningCLITests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("wgsim-move-cli-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    func testTheSeedLessonWarnsAtTheSecondWgSetAndLogsMovedFrom() throws {
        let out = folder.appendingPathComponent("out").path
        let result = try CLIRunner.run(["run", "Scenarios/seed-overlap.yaml", "--out", out])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(lines(result.stderr), [
            "warning: Scenarios/seed-overlap.yaml:43: 192.168.32.19/32 moves from ABCD (claimed at line 40) to EFGH on node server at 1s; ABCD is left with no allowed IPs",
        ])
        let json = try String(contentsOfFile: out + "/decisions.jsonl", encoding: .utf8)
        XCTAssertTrue(json.contains(#"{"t":1000000000,"node":"server","iface":"none","action":"config","moved-from":[{"prefix":"192.168.32.19/32","peer":"ABCD"}],"why":"wg set wg0 peer EFGH allowed-ips 192.168.32.19/32: 192.168.32.19/32 moved from ABCD to EFGH; ABCD is left with no allowed IPs"}"#), json)
        XCTAssertEqual(json.components(separatedBy: "moved-from").count - 1, 1, "only the record of the move has the key")
        let text = try String(contentsOfFile: out + "/decisions.txt", encoding: .utf8)
        XCTAssertTrue(text.contains("1.000000000 server none config: wg set wg0 peer EFGH allowed-ips 192.168.32.19/32: 192.168.32.19/32 moved from ABCD to EFGH; ABCD is left with no allowed IPs\n"), text)
    }

    func testTheHubLessonShowsTwentyMovesThenCountsTheRest() throws {
        let result = try CLIRunner.run(["run", "Scenarios/hub-overlapping-lans.yaml", "--out", folder.appendingPathComponent("out").path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let warnings = lines(result.stderr)
        XCTAssertEqual(warnings.count, 21, result.stderr)
        XCTAssertEqual(warnings.first, "warning: Scenarios/hub-overlapping-lans.yaml:385: 192.168.1.0/24 moves from c01 (claimed at line 382) to c02 on node hub at 2s")
        XCTAssertEqual(warnings.last, "warning: … and 29 more warnings like these (49 in all; the first 20 are shown)")
    }

    /// A generated hub of 300 peers: peers 256 to 299 take the LANs of peers 0 to 43 at set-up.
    func testAGeneratedHubCapsTheWarningsQuietCountsAndStrictFails() throws {
        let file = folder.appendingPathComponent("hub.yaml").path
        let generate = try CLIRunner.run(["generate", "hub", "--peers", "300", "--packets", "0", "--out", file])
        XCTAssertEqual(generate.status, 0, generate.stderr)
        let out = folder.appendingPathComponent("out").path

        let full = try CLIRunner.run(["run", file, "--out", out])
        XCTAssertEqual(full.status, 0, full.stdout + full.stderr)
        let warnings = lines(full.stderr)
        XCTAssertEqual(warnings.count, 21, full.stderr)
        // Peer p256 is the 257th `peers:` line (line 13 + 256) and takes p0's LAN, claimed at line 13.
        XCTAssertEqual(warnings.first, "warning: \(file):269: 192.168.0.0/24 moves from p0 (claimed at line 13) to p256 on node hub")
        XCTAssertEqual(warnings.last, "warning: … and 24 more warnings like these (44 in all; the first 20 are shown)")

        let quiet = try CLIRunner.run(["run", file, "--out", out, "--quiet"])
        XCTAssertEqual(quiet.status, 0, quiet.stdout + quiet.stderr)
        XCTAssertEqual(lines(quiet.stderr), ["warning: 44 warnings not shown (--quiet)"])

        let strict = try CLIRunner.run(["run", file, "--out", out, "--quiet", "--strict"])
        XCTAssertEqual(strict.status, 1, strict.stdout + strict.stderr)
        XCTAssertEqual(lines(strict.stderr), ["warning: 44 warnings not shown (--quiet)",
                                              "wgsim run: --strict: 44 warnings, exit status 1"])
    }

    func testStrictPassesWithoutWarnings() throws {
        let result = try CLIRunner.run(["run", "Scenarios/site-to-site.yaml", "--out", folder.appendingPathComponent("out").path, "--strict"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(result.stderr, "")
    }

    func testHostBitsInAScenarioAreWarnedWithTheirLine() throws {
        let file = folder.appendingPathComponent("bits.yaml").path
        try """
        name: bits
        nodes:
          a:
            underlay: 10.0.0.1
            wireguard:
              address: [10.10.0.1/16]
              peers:
                - {peer: b, allowed-ips: [10.10.5.7/16]}
          b:
            underlay: 10.0.0.2
            wireguard: {address: [10.10.5.7/16]}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CLIRunner.run(["run", file, "--out", folder.appendingPathComponent("out").path, "--strict"])
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertEqual(lines(result.stderr), [
            "warning: \(file):8: AllowedIP has nonzero host part: 10.10.5.7/16 (the entry is 10.10.0.0/16)",
            "wgsim run: --strict: 1 warning, exit status 1",
        ])
    }

    func testExplainStatesTheMoveAndStrictMakesItExitOne() throws {
        let arguments = ["explain", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "1s", "192.168.32.19"]
        let result = try CLIRunner.run(arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("192.168.32.19/32 claimed by ABCD at line 40, moved to EFGH at line 43 (at 1s)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("EFGH holds it now"), result.stdout)
        XCTAssertFalse(result.stdout.contains("Only EFGH claims it"), result.stdout)
        XCTAssertTrue(result.stderr.contains("seed-overlap.yaml:43: 192.168.32.19/32 moves from ABCD"), result.stderr)
        let before = try CLIRunner.run(["explain", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "0s", "192.168.32.19", "--strict"])
        XCTAssertEqual(before.status, 0, "no move has happened by 0s: " + before.stderr)
        let strict = try CLIRunner.run(arguments + ["--strict"])
        XCTAssertEqual(strict.status, 1, strict.stderr)
        XCTAssertTrue(strict.stdout.contains("moved to EFGH"), "the explanation is still printed")
        let show = try CLIRunner.run(["show", "Scenarios/seed-overlap.yaml", "--node", "server", "--at", "2s", "--strict"])
        XCTAssertEqual(show.status, 1, show.stderr)
        XCTAssertTrue(show.stdout.contains("interface: wg0"), show.stdout)
    }

    /// The hub lesson's /24 moved 49 times: explain shows the latest 20 moves after a count.
    func testExplainShowsTheLatestMovesOfAnEntryAfterACount() throws {
        let result = try CLIRunner.run(["explain", "Scenarios/hub-overlapping-lans.yaml", "--node", "hub", "--at", "3s", "192.168.1.20"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("""
               192.168.1.0/24 was taken from another peer (an entry has one owner: a later claim moves it):
                 … 29 earlier moves of 192.168.1.0/24
                 192.168.1.0/24 claimed by c30 at line 469, moved to c31 at line 472 (at 2s)
            """), result.stdout)
        XCTAssertTrue(result.stdout.contains("     192.168.1.0/24 claimed by c49 at line 526, moved to c50 at line 529 (at 2s)\n   c50 holds it now"), result.stdout)
        XCTAssertTrue(result.stdout.contains("   … and 29 more\n"), result.stdout)
    }

    func testTableWarnsWhenAnEntryMovesNamingTheEarlierLine() throws {
        let result = try CLIRunner.run(["table"], stdin: """
        wg set wg0 peer a allowed-ips 10.0.0.0/24,10.1.0.0/16
        lookup 10.0.0.1
        wg set wg0 peer b allowed-ips +10.0.0.0/24
        wg set wg0 peer c allowed-ips 10.1.0.0/16

        """)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(lines(result.stderr), [
            "<stdin>:3: Warning: 10.0.0.0/24 moves from a (claimed at line 1) to b",
            "<stdin>:4: Warning: 10.1.0.0/16 moves from a (claimed at line 1) to c; a is left with no allowed IPs",
        ])
    }
}
