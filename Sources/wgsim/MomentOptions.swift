import ArgumentParser
import Routing
import Scenario
import Sim

/// The arguments of the commands that look at one node of a scenario at one moment (`show`,
/// `explain`), and the steps those commands share: load, check, run to the moment, report the
/// warnings, print, and fail under `--strict`.
struct MomentOptions: ParsableArguments {
    @Argument(help: "The scenario file (YAML).") var scenario: String
    @Option(help: "The node to look at.") var node: String
    @Option(help: "Simulated time, e.g. 5s or 1.5s (default 0s: after the events at time 0).") var at: String = "0s"
    @Option(help: "Override the scenario's seed.") var seed: UInt64?
    @Flag(help: "Exit with status 1 if loading or running to --at gave any warning (for CI).") var strict = false

    /// Runs the scenario to `--at`, prints its warnings on standard error and `text(run, time,
    /// destination)` on standard output, then applies `--strict`. `address`, when given, is
    /// read as the destination (bad input prints and exits 2, as every other check here).
    func look(command: String, address: String? = nil,
              text: (ScenarioRun, Int64, IPAddress) -> String) throws {
        let (run, time, destination) = try prepare(address: address, command: command)
        run.run(until: time)
        let warnings = reportWarnings(of: run)
        FileHandleOutput.standardOutput(text(run, time, destination))
        guard strict && warnings > 0 else { return }
        FileHandleOutput.standardError("wgsim \(command): --strict: \(warnings) warning\(warnings == 1 ? "" : "s"), exit status 1\n")
        throw ExitCode(1)
    }

    /// Prints on standard error the warnings of the scenario up to the moment `run` has reached
    /// (host bits at load, entries moved at set-up and by `wg set` events so far) and returns
    /// how many there were.
    private func reportWarnings(of run: ScenarioRun) -> Int {
        let report = WarningReport(quiet: false) { FileHandleOutput.standardError($0) }
        report.add(run.scenario.loadWarnings)
        run.reportMoves(from: 0, to: report)
        report.finish()
        return report.count
    }

    /// Loads the scenario and checks the node and time; bad input prints and exits 2.
    private func prepare(address: String?, command: String) throws -> (ScenarioRun, Int64, IPAddress) {
        do {
            let loaded = try ScenarioLoader.load(path: scenario)
            guard loaded.node(named: node) != nil else {
                throw ScenarioError(file: scenario, line: nil, "no node named '\(node)'; nodes: \(loaded.nodes.map(\.name).joined(separator: ", "))")
            }
            let time = try loaded.commandLineTime(at, option: "--at")
            var destination = IPAddress.v4(IPv4Address(0))
            if let address {
                do { destination = try IPAddress(parsing: address) } catch {
                    throw ScenarioError(file: scenario, line: nil, "\(error)")
                }
            }
            return (try ScenarioRun(loaded, seed: seed, keepDecisions: false), time, destination)
        } catch let e as ScenarioError {
            FileHandleOutput.standardError("wgsim \(command): \(e)\n")
            throw badInputExit
        }
    }
}
