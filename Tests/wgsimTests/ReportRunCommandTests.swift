import Foundation
import XCTest

/// report.html as one of `wgsim run`'s outputs: written by default, skipped with --no-report
/// (a golden comparison then leaves the golden report.html out), refused with --update-golden,
/// and frames numbered only for the interfaces captured.
final class ReportRunCommandTests: XCTestCase {
    func temporaryFolder(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("wgsim-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func testRunWritesTheReportAndNoReportSkipsIt() throws {
        let out = try temporaryFolder()
        let first = try CLIRunner.run(["run", "Scenarios/seed-overlap.yaml", "--out", out.path, "--quiet"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("<h1>seed-overlap</h1>"))
        // A run without a report replaces the earlier outputs: the old page (of another run) goes too.
        let second = try CLIRunner.run(["run", "Scenarios/seed-overlap.yaml", "--out", out.path, "--quiet", "--no-report"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("decisions.txt").path))
    }

    func testNoReportComparesEverythingButTheReport() throws {
        let out = try temporaryFolder()
        let result = try CLIRunner.run(["run", "Scenarios/seed-overlap.yaml", "--out", out.path, "--no-report",
                                        "--golden", "captures/golden/seed-overlap"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("golden: every file matches"), result.stdout)
        // Without --no-report a missing golden page is a difference.
        let golden = out.appendingPathComponent("golden")
        let update = try CLIRunner.run(["run", "Scenarios/spoofed-source.yaml", "--out", out.appendingPathComponent("a").path,
                                        "--golden", golden.path, "--update-golden", "--quiet"])
        XCTAssertEqual(update.status, 0, update.stderr)
        try FileManager.default.removeItem(at: golden.appendingPathComponent("report.html"))
        let check = try CLIRunner.run(["run", "Scenarios/spoofed-source.yaml", "--out", out.appendingPathComponent("b").path,
                                       "--golden", golden.path])
        XCTAssertEqual(check.status, 1, check.stdout)
        XCTAssertTrue(check.stdout.contains("report.html: not in the golden folder"), check.stdout)
    }

    func testNoReportWithUpdateGoldenIsRefused() throws {
        let out = try temporaryFolder()
        let result = try CLIRunner.run(["run", "Scenarios/seed-overlap.yaml", "--out", out.appendingPathComponent("o").path,
                                        "--no-report", "--update-golden", "--golden", out.appendingPathComponent("g").path])
        XCTAssertEqual(result.status, 2, result.stdout + result.stderr)
        XCTAssertTrue(result.stderr.contains("--no-report cannot be combined with --update-golden"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("g").path))
    }

    func testFramesAreNumberedOnlyForCapturedInterfaces() throws {
        let out = try temporaryFolder()
        let result = try CLIRunner.run(["run", "Scenarios/seed-overlap.yaml", "--out", out.path, "--capture", "server", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("data-pcap=\"server-eth0.pcap\""))
        XCTAssertFalse(page.contains("data-pcap=\"ABCD-"), "ABCD's interfaces are not captured")
        XCTAssertFalse(page.contains("data-pcap=\"EFGH-"))
    }

    func testDrawLadderPrintsTheReportsLadder() throws {
        let svg = try CLIRunner.run(["draw", "ladder", "Scenarios/lossy-handshake.yaml"])
        XCTAssertEqual(svg.status, 0, svg.stderr)
        XCTAssertTrue(svg.stdout.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ladder\""))
        XCTAssertTrue(svg.stdout.contains("data-outcome=\"lost\" data-action=\"handshake-initiation-sent\""), "the lost initiation")
        let text = try CLIRunner.run(["draw", "ladder", "Scenarios/lossy-handshake.yaml", "--format", "txt"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.hasPrefix("time           branch      hq\n"), text.stdout)
        XCTAssertTrue(text.stdout.contains("●─────✗     │ branch handshake-initiation-sent [lost] line 3 frame 1 branch-eth0.pcap"), text.stdout)
        XCTAssertTrue(text.stdout.contains("●──────────▶│ branch handshake-initiation-sent [handshake] line 10 frame 4 branch-eth0.pcap"), text.stdout)
        let refused = try CLIRunner.run(["draw", "ladder", "Scenarios/lossy-handshake.yaml", "--node", "hq"])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("Scenarios/lossy-handshake.yaml: --node and --at do not apply to the ladder"), refused.stderr)
    }
}
