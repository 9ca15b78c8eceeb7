import ArgumentParser
import Distributed
import Foundation
import Scenario
import Sim

/// `wgsim run SCENARIO --out DIR`: simulates a scenario, writes the decision log, captures and
/// key log, prints a summary, and compares with golden files. `wgsim run a.conf b.conf …` or
/// `wgsim run FOLDER` runs the network those wg-quick files describe (`NetworkAssembly`); notes
/// on what was read but is not simulated, and warnings (MoveWarnings.swift), go to standard
/// error. Exit 0 all held, 1 an expectation or golden comparison failed (or `--strict` and a
/// warning), 2 bad input, 130/143 interrupted (SIGINT/SIGTERM).
///
/// Outputs appear whole or not at all: every check on the input runs before anything is
/// written; the run writes into a temporary folder beside DIR (`OutputStaging`) whose files
/// replace wgsim's earlier ones in DIR by rename only once the run has finished. A failure, an
/// interrupt or `--max-decisions` leaves DIR as it was. Nothing but wgsim's own files is ever
/// replaced or removed, in DIR or in the golden folder.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario, or a network of wg-quick files: decisions.jsonl/.txt, pcap/NODE-IFACE.pcap, wireguard.keys, report.html, a summary.",
        discussion: """
            Given wg-quick .conf files (or a folder of them) instead of a scenario, each file is a node named after \
            the file, peers are matched by public key, and every node pings every other node's tunnel addresses.
            Outputs replace wgsim's earlier outputs in the folder only when the run has finished; a failed or \
            interrupted run leaves them as they were. Files wgsim does not write are never touched.
            Warnings (an allowed-IPs entry taken from another peer, host bits in an allowed IP) go to standard \
            error: the first 20 in full, then a count; --quiet prints only the count, --strict makes any warning exit 1.
            Exit status: 0 every expectation held (and golden files match), 1 one failed or a golden file differs \
            (or, with --strict, there was a warning), 2 bad input, 130/143 interrupted by SIGINT/SIGTERM.
            """)

    @Argument(help: "The scenario file (YAML); or wg-quick .conf files, or one folder of them, to run as a network.")
    var inputs: [String]
    @Option(help: "Output folder: new, empty, or holding only wgsim's outputs (which are replaced when the run has finished).")
    var out: String
    @Flag(help: "Write into an --out folder that also holds other files, replacing only wgsim's own files there.")
    var force = false
    @Option(help: "Override the scenario's seed.") var seed: UInt64?
    @Option(help: "Compare every output file with its twin in this folder.") var golden: String?
    @Flag(help: "Write the outputs into the golden folder (--golden, default captures/golden/NAME) instead of comparing; only wgsim's own files there are replaced.")
    var updateGolden = false
    @Flag(help: "Print only failures (warnings are only counted).") var quiet = false
    @Flag(help: "Exit with status 1 if there is any warning (an allowed-IPs entry moving between peers, host bits in an allowed IP): for CI.")
    var strict = false
    @Option(help: "Capture only these nodes' interfaces (comma-separated; default every node).")
    var capture: String?
    @Option(help: "Stop with exit status 2, earlier outputs kept, when a run would make more decisions than this.")
    var maxDecisions: Int = 100_000_000
    @Flag(help: "Do not write report.html (a golden comparison then leaves the golden report.html out; cannot be combined with --update-golden).")
    var noReport = false
    @Option(help: "Threads: 1 writes everything on the simulation's thread; more write the decision log and captures beside it, with the same bytes (default: the machine's cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard maxDecisions >= 1 else { throw ValidationError("--max-decisions must be at least 1 (got \(maxDecisions))") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        if noReport && updateGolden {
            // A golden folder holds every output of one run: without the page, the golden
            // report.html would either be removed or no longer match the files beside it.
            throw ValidationError("--no-report cannot be combined with --update-golden: the golden folder keeps report.html with the other outputs")
        }
    }

    /// Checks `--out` (and the golden folder, if one is used) before anything is written, and
    /// returns the golden folder: `--golden`, or `captures/golden/NAME` for `--update-golden`.
    func checkedFolders(scenarioName: String) throws -> String? {
        try OutputFolder.check(out, option: "--out", allowOtherFiles: force)
        let goldenFolder = updateGolden ? (golden ?? "captures/golden/\(scenarioName)") : golden
        if let goldenFolder {
            try OutputFolder.check(goldenFolder, option: golden == nil ? "--update-golden (default captures/golden/NAME)" : "--golden",
                                   allowOtherFiles: true)
            try OutputFolder.checkSeparate(out: out, golden: goldenFolder)
        }
        return goldenFolder
    }

    func run() throws {
        // Started by mpirun/srun as one of several processes: the run is split (docs/mpi.md).
        if MPILaunch.processCount != nil { return try runSplit() }
        let started = WallClock.now()
        let loaded: Scenario
        let captured: Set<String>?
        let goldenFolder: String?
        do {
            // Keys derived ahead are the file's seed's: worth starting only when no --seed replaces it.
            loaded = try NetworkAssembly.isNetwork(inputs) ? NetworkAssembly.load(inputs) : ScenarioLoader.load(path: inputs[0], keysAhead: seed == nil)
            if !quiet { for note in loaded.notes { FileHandleOutput.standardError("\(note)\n") } }
            captured = try captureNodes(of: loaded)
            goldenFolder = try checkedFolders(scenarioName: loaded.name)
        } catch {
            throw failure(error)
        }

        RunInterruption.install()
        let staging: OutputStaging
        let outputs: RunOutputs
        let run: ScenarioRun
        do {
            staging = try OutputStaging(target: out)
        } catch {
            throw failure(error)
        }
        do {
            outputs = try RunOutputs(folder: staging.path, shownAs: out, startUnixNanoseconds: loaded.startUnixNanoseconds,
                                     captureNodes: captured, report: noReport ? nil : ReportCollection(), threads: threads)
            // Handed over (`consume`): the run then holds the only copy, whose node details it drops below.
            run = try ScenarioRun(consume loaded, seed: seed, keepDecisions: false, captureSink: outputs.captureSink,
                                  releasingNodeDetails: true)
        } catch {
            staging.discard()
            throw failure(error)
        }
        // Warnings: what loading noticed and the entries set-up moved, now; moves made by `wg set`
        // events once the run has made them.
        let warnings = WarningReport(quiet: quiet) { FileHandleOutput.standardError($0) }
        warnings.add(run.scenario.loadWarnings)
        let setupMoves = run.reportMoves(from: 0, to: warnings)
        run.releaseNodeDetails()
        outputs.report?.attach(to: run, releasingNodes: true)   // the node list goes before the tables are read
        run.releaseSetUpState()

        let progress = ProgressLine(started: started, label: run.scenario.name)
        let limit = maxDecisions
        let untouched = FileManager.default.fileExists(atPath: out)
            ? "the earlier outputs in \(out) are as they were" : "nothing was written to \(out)"
        /// Ends the run without touching the earlier outputs: the temporary folder goes.
        let abandon: (String, Int32) -> Never = { message, status in
            progress.done()
            outputs.abandon()
            staging.discard()
            FileHandleOutput.standardError("wgsim run: \(message); \(untouched)\n")
            Foundation.exit(status)
        }
        if let status = RunInterruption.exitStatus { abandon(Self.interrupted(status), status) }
        run.onDecision = { record in
            // Checked per decision (a load and a compare): the run loop offers no other place.
            if let status = RunInterruption.exitStatus { abandon(Self.interrupted(status), status) }
            if run.decisionCount > limit {
                abandon("stopped: the run would make more than \(limit) decisions (--max-decisions \(limit)); "
                        + "give a shorter duration or a larger --max-decisions", badInputExit.rawValue)
            }
            progress.tick(simulatedTime: record.t, decisions: run.decisionCount)
            outputs.write(record)
        }
        run.simulation.onKeyLogLine = { outputs.writeKeyLogLine($0) }
        outputs.verifyTransportOpens(of: run.simulation)
        run.run()
        let results = run.finish()
        run.reportMoves(from: setupMoves, to: warnings)
        warnings.finish()
        do {
            if let replayFailure = run.replayFailure { throw replayFailure }
            try outputs.finish(reportPage: outputs.report?.page(run: run, results: results))
            if let status = RunInterruption.exitStatus { abandon(Self.interrupted(status), status) }
            try staging.commit()
        } catch {
            staging.discard()
            progress.done()
            throw failure(error)
        }
        progress.done()
        FileHandleOutput.standardOutput(RunReport.text(run: run, results: results, quiet: quiet))

        let goldenFailed = try goldenStep(goldenFolder)
        // A signal after the outputs were in place: they are whole; the exit status still says so.
        if let status = RunInterruption.exitStatus { throw ExitCode(status) }
        if goldenFailed || results.contains(where: { !$0.passed }) { throw ExitCode(1) }
        if strict && warnings.count > 0 {
            FileHandleOutput.standardError("wgsim run: --strict: \(warnings.count) warning\(warnings.count == 1 ? "" : "s"), exit status 1\n")
            throw ExitCode(1)
        }
    }

    /// With --update-golden, writes the outputs in --out into the golden folder; with --golden,
    /// compares them and says what differs (leaving report.html out when the run wrote none:
    /// --no-report). Returns whether a golden comparison failed.
    func goldenStep(_ goldenFolder: String?) throws -> Bool {
        var goldenFailed = false
        if updateGolden, let goldenFolder {
            let changes: OutputChanges
            do { changes = try GoldenComparison.update(output: out, golden: goldenFolder) } catch {
                throw failure(error)
            }
            if !quiet {
                FileHandleOutput.standardOutput("golden files updated in \(goldenFolder):\n")
                for line in changes.lines { FileHandleOutput.standardOutput("  \(line)\n") }
            }
        } else if let golden {
            // Without a report (--no-report) the golden report.html is not compared: the run was
            // asked not to make one, which is not a difference in what it simulated.
            let differences = GoldenComparison.compare(output: out, golden: golden)
                .filter { !(noReport && $0.file == OutputFiles.report) }
            goldenFailed = !differences.isEmpty
            if differences.isEmpty {
                if !quiet { FileHandleOutput.standardOutput("golden: every file matches \(golden)\n") }
            } else {
                FileHandleOutput.standardOutput("golden: \(differences.count) file(s) differ from \(golden)\n")
                for d in differences { FileHandleOutput.standardOutput("  \(d)\n") }
            }
        }
        return goldenFailed
    }

    /// Prints a bad-input or output error (in words, naming the file) and gives the exit status.
    func failure(_ error: Error) -> ExitCode {
        let text = (error as? ScenarioError).map(\.description) ?? FileProblem.words(for: error)
        FileHandleOutput.standardError("wgsim run: \(text)\n")
        return badInputExit
    }

    static func interrupted(_ status: Int32) -> String {
        "interrupted by \(status == 128 + SIGTERM ? "SIGTERM" : status == 128 + SIGINT ? "SIGINT" : "signal \(status - 128)")"
    }
}

extension RunCommand {
    /// The nodes to capture (nil: all), checked against the scenario.
    func captureNodes(of scenario: Scenario) throws -> Set<String>? {
        guard let capture else { return nil }
        let names = capture.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for name in names where scenario.node(named: name) == nil {
            throw ScenarioError(file: scenario.file, line: nil, "--capture: no node named '\(name)'")
        }
        return Set(names)
    }
}

/// The one place the wall clock is read: to decide whether a run is slow enough to deserve a
/// progress line on standard error. Nothing it reads reaches an output file.
enum WallClock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A progress line on standard error for runs that take more than a second. On a terminal it is
/// one line rewritten at most every half second and erased when the run ends; into a file or a
/// CI log (no terminal to rewrite on) it is a plain line every ten seconds, left in place.
final class ProgressLine {
    private let started: Double
    private let label: String
    private var lastShown: Double
    private var shown = false
    private var sinceCheck = 0
    private let onTerminal = isatty(STDERR_FILENO) != 0
    private var interval: Double { onTerminal ? 0.5 : 10 }

    init(started: Double, label: String) {
        self.started = started
        self.label = label
        lastShown = started
    }

    func tick(simulatedTime: Int64, decisions: Int) {
        sinceCheck += 1
        guard sinceCheck >= 4096 else { return }
        sinceCheck = 0
        let now = WallClock.now()
        guard now - started > 1, now - lastShown > interval else { return }
        lastShown = now
        shown = true
        let seconds = Double(simulatedTime) / 1e9
        let text = "\(label): simulated \(String(format: "%.3f", seconds)) s, \(decisions) decisions, \(String(format: "%.1f", now - started)) s elapsed"
        FileHandleOutput.standardError(onTerminal ? "\r" + text + " " : text + "\n")
    }

    func done() {
        if shown && onTerminal { FileHandleOutput.standardError("\r\u{1B}[K") }
    }
}
