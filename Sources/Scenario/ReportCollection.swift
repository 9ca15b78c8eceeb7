import Report
import Sim

/// What a run gathers for its report page while it goes: the steps of the ladder and player
/// (`RunRecorder`, which also numbers captured frames) and the tables and topology of the
/// static pictures (`RunSnapshotCollector`); at the end, the page.
public final class ReportCollection {
    public let recorder: RunRecorder
    private var collector: RunSnapshotCollector?

    public init(limits: RecordingLimits = .standard) {
        recorder = RunRecorder(limits: limits)
    }

    /// The capture sinks to build the run with: `base`'s (nil: in memory), each frame numbered
    /// for the report; `captured(NAME)` says whether `NAME`'s frames reach a file.
    public func captureSinkFactory(_ base: CaptureSinkFactory?, captured: @escaping (String) -> Bool = { _ in true }) -> CaptureSinkFactory {
        recorder.captureSinkFactory(base, captured: captured)
    }

    /// Starts watching `run` (reads its tables at set-up); call before it runs. `releasingNodes`:
    /// as `ScenarioRun.makeSnapshotCollector(releasingNodes:)`.
    public func attach(to run: ScenarioRun, releasingNodes: Bool = false) {
        collector = run.makeSnapshotCollector(releasingNodes: releasingNodes)
    }

    /// Takes one decision, in order.
    public func observe(_ record: DecisionRecord) {
        recorder.observe(record)
        collector?.observe(record)
    }

    /// What was recorded, and the snapshot of the static pictures, once the run has finished.
    public func finish(run: ScenarioRun) -> (recording: RunRecording, snapshot: RunSnapshot) {
        let snapshot = (collector ?? run.makeSnapshotCollector()).snapshot(end: run.simulation.now)
        return (recorder.finish(), snapshot)
    }

    /// report.html for a finished run whose expectations gave `results` (`run.finish()`).
    public func page(run: ScenarioRun, results: [ExpectationResult]) -> String {
        let (recording, snapshot) = finish(run: run)
        return Self.html(run: run, results: results, recording: recording, snapshot: snapshot)
    }

    static func html(run: ScenarioRun, results: [ExpectationResult], recording: RunRecording,
                     snapshot: RunSnapshot) -> String {
        html(scenario: run.scenario, seed: run.seed, evidence: run.expectationEvidence, results: results,
             recording: recording, snapshot: snapshot)
    }

    /// The page from its parts; `evidence` as `ScenarioRun.expectationEvidence` (a split run's
    /// process 0 puts it together from every process's share: SplitRunReport.swift).
    static func html(scenario: Scenario, seed: UInt64, evidence: [[Int]], results: [ExpectationResult],
                     recording: RunRecording, snapshot: RunSnapshot) -> String {
        let expectations = results.enumerated().map { i, result in
            // The page says PASS/FAIL itself; the rest of the summary line follows it.
            PageExpectation(passed: result.passed, line: String(result.line.dropFirst("PASS ".count)),
                            decisions: i < evidence.count ? evidence[i] : [])
        }
        return ReportPage.html(snapshot: snapshot, recording: recording, expectations: expectations,
                               description: scenario.description, seed: seed)
    }
}

/// A scenario run in memory with its report material: for `wgsim draw ladder` and tests.
public struct RecordedScenarioRun {
    public let run: ScenarioRun
    public let results: [ExpectationResult]
    public let recording: RunRecording
    public let snapshot: RunSnapshot

    /// report.html for this run.
    public var page: String {
        ReportCollection.html(run: run, results: results, recording: recording, snapshot: snapshot)
    }
}

/// Runs scenarios with a `ReportCollection` watching.
public enum ReportRun {
    /// Runs `scenario` to its end, captures kept in memory, and returns what the report is drawn from.
    public static func record(_ scenario: Scenario, seed: UInt64? = nil, limits: RecordingLimits = .standard) throws -> RecordedScenarioRun {
        let collection = ReportCollection(limits: limits)
        let run = try ScenarioRun(scenario, seed: seed, keepDecisions: false, captureSink: collection.captureSinkFactory(nil))
        collection.attach(to: run)
        run.onDecision = { collection.observe($0) }
        run.run()
        let results = run.finish()
        let (recording, snapshot) = collection.finish(run: run)
        return RecordedScenarioRun(run: run, results: results, recording: recording, snapshot: snapshot)
    }
}
