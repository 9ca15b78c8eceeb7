import Foundation
import Report
import Scenario
import Sim
import XCTest

/// The report shares of a split run (docs/mpi.md, "report.html") without MPI: one process's
/// share, written while a run goes and replayed by process 0's merge, gives the page the
/// one-process run draws; a damaged share is an error naming its file. A process's results
/// (`SplitRunShare`) read back as written.
final class SplitReportShareTests: XCTestCase {
    /// Runs `scenario` as the only process of a split run, its report share written into
    /// `folder` (its snapshot part kept in memory instead with `keepingSnapshot`), and returns
    /// what process 0 would combine.
    @discardableResult
    /// `writingSome`: after each decision, write some of the steps still waiting (a varying
    /// few, sometimes none), as a split run does while it waits at a window's end.
    private func runAsOneShare(_ scenario: Scenario, folder: String, keepingSnapshot: Bool = false,
                               writingSome: Bool = false) throws
        -> (share: SplitRunShare, run: ScenarioRun, report: SplitReportShare) {
        let owned = [Bool](repeating: true, count: scenario.nodes.count)
        let report = try SplitReportShare(SplitReportFiles(folder: folder, rank: 0), nodeNames: scenario.nodes.map(\.name))
        let run = try ScenarioRun(scenario, keepDecisions: false,
                                  captureSink: report.captureSinkFactory({ _ in MemoryCaptureSink() }, captured: { _ in true }),
                                  owned: owned)
        run.attach(report, owned: owned)
        var decisions = 0
        run.onDecision = { record in
            report.observe(record)
            decisions += 1
            if writingSome { report.writePending(limit: decisions % 4) }
        }
        run.run()
        _ = run.finish()
        try report.finish(end: run.simulation.now, keepingSnapshot: keepingSnapshot)
        return (run.share(owned: owned, warnings: [], warningCount: 0), run, report)
    }

    private func scenario(_ name: String) throws -> Scenario {
        try ScenarioLoader.load(path: SplitRunSupport.packageRoot.appendingPathComponent("Scenarios/\(name).yaml").path)
    }

    func testAShareReplayedByProcessZeroGivesTheOneProcessPage() throws {
        let folder = try SplitRunSupport.temporaryFolder(self).path
        // Table changes by `wg set` (seed-overlap), roaming (an endpoint that moves) and many
        // drops and handshakes (cookie-under-load).
        for name in ["seed-overlap", "roaming", "cookie-under-load"] {
            let loaded = try scenario(name)
            let expected = try ReportRun.record(loaded).page
            let (share, run, _) = try runAsOneShare(loaded, folder: folder)
            let totals = ScenarioRun.combine([share], scenario: loaded)
            let page = try SplitRunReport.page(scenario: loaded, seed: run.seed, shares: [share], totals: totals,
                                               files: [SplitReportFiles(folder: folder, rank: 0)])
            XCTAssertTrue(page == expected, "\(name): the replayed page differs from the one-process page")
        }
    }

    /// A share whose steps were written a few at a time during the run, interleaved with the
    /// decisions and captures still coming (as while a split run's process waits), replays to
    /// the one-process page, as one written at its end does.
    func testStepsWrittenWhileTheRunGoesGiveTheOneProcessPage() throws {
        let folder = try SplitRunSupport.temporaryFolder(self).path
        for name in ["seed-overlap", "roaming", "cookie-under-load"] {
            let loaded = try scenario(name)
            let expected = try ReportRun.record(loaded).page
            let (share, run, _) = try runAsOneShare(loaded, folder: folder, writingSome: true)
            let totals = ScenarioRun.combine([share], scenario: loaded)
            let page = try SplitRunReport.page(scenario: loaded, seed: run.seed, shares: [share], totals: totals,
                                               files: [SplitReportFiles(folder: folder, rank: 0)])
            XCTAssertTrue(page == expected, "\(name): the page from steps written during the run differs from the one-process page")
        }
    }

    /// The process that makes the page keeps its own snapshot part in memory instead of writing
    /// it and reading it back: the same page, and no snapshot file.
    func testAKeptSnapshotPartGivesThePageOfTheWrittenOne() throws {
        let folder = try SplitRunSupport.temporaryFolder(self).path
        for name in ["seed-overlap", "roaming", "cookie-under-load"] {
            let loaded = try scenario(name)
            let expected = try ReportRun.record(loaded).page
            let files = SplitReportFiles(folder: folder, rank: 0)
            try? FileManager.default.removeItem(atPath: files.snapshot)
            let (share, run, report) = try runAsOneShare(loaded, folder: folder, keepingSnapshot: true)
            XCTAssertFalse(FileManager.default.fileExists(atPath: files.snapshot), name)
            let totals = ScenarioRun.combine([share], scenario: loaded)
            let page = try SplitRunReport.page(scenario: loaded, seed: run.seed, shares: [share], totals: totals, files: [files],
                                               kept: (0, report))
            XCTAssertTrue(page == expected, "\(name): the page from the kept part differs from the one-process page")
        }
    }

    func testADamagedShareIsAnErrorNamingItsFile() throws {
        let folder = try SplitRunSupport.temporaryFolder(self).path
        let loaded = try scenario("roaming")
        let (share, run, _) = try runAsOneShare(loaded, folder: folder)
        let files = SplitReportFiles(folder: folder, rank: 0)
        let steps = try Data(contentsOf: URL(fileURLWithPath: files.steps))
        try steps.dropLast(3).write(to: URL(fileURLWithPath: files.steps))
        let totals = ScenarioRun.combine([share], scenario: loaded)
        XCTAssertThrowsError(try SplitRunReport.page(scenario: loaded, seed: run.seed, shares: [share], totals: totals, files: [files])) {
            XCTAssertEqual("\($0)", "\(files.steps): ends inside a record")
        }
        try steps.write(to: URL(fileURLWithPath: files.steps))
        try Data().write(to: URL(fileURLWithPath: files.snapshot))
        XCTAssertThrowsError(try SplitRunReport.page(scenario: loaded, seed: run.seed, shares: [share], totals: totals, files: [files])) {
            XCTAssertEqual("\($0)", "\(files.snapshot): ends inside a record")
        }
    }

    func testAProcessResultsShareReadsBackAsWrittenAndADamagedOneIsNamed() throws {
        let folder = try SplitRunSupport.temporaryFolder(self).path
        let path = SplitRunShare.path(folder: folder, rank: 0)
        // Handshakes and their key-log lines (cookie-under-load), `wg set` and decision
        // expectations (seed-overlap), lookups (roaming).
        for name in ["cookie-under-load", "seed-overlap", "roaming"] {
            let loaded = try scenario(name)
            var (share, _, _) = try runAsOneShare(loaded, folder: folder)
            share.warnings = ["a warning, worded\n"]
            share.warningCount = 3
            share.datagramsSent = 7
            try share.write(to: path)
            let read = try SplitRunShare.read(from: path)
            XCTAssertEqual(read, share, name)
            XCTAssertEqual(ScenarioRun.combine([read], scenario: loaded).keyLog, ScenarioRun.combine([share], scenario: loaded).keyLog)
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        try whole.dropLast(1).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SplitRunShare.read(from: path)) { XCTAssertEqual("\($0)", "\(path): ends inside a record") }
        try (whole + [0]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SplitRunShare.read(from: path)) {
            XCTAssertEqual("\($0)", "\(path): goes on past the end of its results")
        }
        // A node count of two billion: an error at the file's end, not an allocation that size.
        var huge = whole
        withUnsafeBytes(of: Int64(Int32.max).littleEndian) { huge.replaceSubrange(32..<40, with: $0) }
        try huge.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SplitRunShare.read(from: path))
        XCTAssertThrowsError(try SplitRunShare.read(from: folder + "/rank-9.results")) {
            XCTAssertEqual("\($0)", "\(folder)/rank-9.results: cannot be read (errno 2)")
        }
    }
}
