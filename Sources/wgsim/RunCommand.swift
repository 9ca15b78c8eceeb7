import ArgumentParser
import Foundation
import Scenario
import Sim

/// `wgsim run SCENARIO --out DIR`: simulates a scenario, writes the decision log, captures and
/// key log, prints a summary, and compares with golden files. Exit 0 all held, 1 an expectation
/// or golden comparison failed, 2 bad input.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario: decisions.jsonl/.txt, pcap/NODE-IFACE.pcap, wireguard.keys, a summary.",
        discussion: "Exit status: 0 every expectation held (and golden files match), 1 one failed or a golden file differs, 2 bad input.")

    @Argument(help: "The scenario file (YAML).") var scenario: String
    @Option(help: "Output folder (created; earlier outputs there are replaced).") var out: String
    @Option(help: "Override the scenario's seed.") var seed: UInt64?
    @Option(help: "Compare every output file with its twin in this folder.") var golden: String?
    @Flag(help: "Write the outputs into the golden folder (--golden, default captures/golden/NAME) instead of comparing.")
    var updateGolden = false
    @Flag(help: "Print only failures.") var quiet = false
    @Option(help: "Capture only these nodes' interfaces (comma-separated; default every node).")
    var capture: String?

    func run() throws {
        let started = WallClock.now()
        let loaded: Scenario
        let run: ScenarioRun
        let outputs: RunOutputs
        do {
            loaded = try ScenarioLoader.load(path: scenario)
            let captured = try captureNodes(of: loaded)
            outputs = try RunOutputs(folder: out, startUnixNanoseconds: loaded.startUnixNanoseconds, captureNodes: captured)
            run = try ScenarioRun(loaded, seed: seed, keepDecisions: false, captureSink: outputs.captureSink)
        } catch let e as ScenarioError {
            FileHandleOutput.standardError("wgsim run: \(e)\n")
            throw badInputExit
        }
        let progress = ProgressLine(started: started, label: loaded.name)
        run.onDecision = { record in
            outputs.write(record)
            progress.tick(simulatedTime: record.t, decisions: run.decisionCount)
        }
        run.run()
        let results = run.finish()
        do {
            try outputs.finish(keyLog: run.simulation.keyLog)
        } catch {
            FileHandleOutput.standardError("wgsim run: \(error)\n")
            throw badInputExit
        }
        progress.done()
        FileHandleOutput.standardOutput(RunReport.text(run: run, results: results, quiet: quiet))

        var goldenFailed = false
        if updateGolden {
            let folder = golden ?? "captures/golden/\(loaded.name)"
            do { try GoldenComparison.update(output: out, golden: folder) } catch {
                FileHandleOutput.standardError("wgsim run: cannot update \(folder): \(error)\n")
                throw badInputExit
            }
            if !quiet { FileHandleOutput.standardOutput("golden files updated in \(folder)\n") }
        } else if let golden {
            let differences = GoldenComparison.compare(output: out, golden: golden)
            goldenFailed = !differences.isEmpty
            if differences.isEmpty {
                if !quiet { FileHandleOutput.standardOutput("golden: every file matches \(golden)\n") }
            } else {
                FileHandleOutput.standardOutput("golden: \(differences.count) file(s) differ from \(golden)\n")
                for d in differences { FileHandleOutput.standardOutput("  \(d)\n") }
            }
        }
        if goldenFailed || results.contains(where: { !$0.passed }) { throw ExitCode(1) }
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
