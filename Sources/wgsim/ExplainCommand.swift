import ArgumentParser
import Routing
import Scenario
import Sim

/// `wgsim explain SCENARIO --node N --at TIME ADDRESS`: the node's tables at that moment and why
/// ADDRESS goes where it goes (host route table, then wg0's allowed-IPs lookup).
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Why an address goes where it goes at a node, at a moment of a scenario.")

    @Argument(help: "The scenario file (YAML).") var scenario: String
    @Option(help: "The node whose tables to consult.") var node: String
    @Option(help: "Simulated time, e.g. 5s or 1.5s (default 0s: after the events at time 0).") var at: String = "0s"
    @Option(help: "Override the scenario's seed.") var seed: UInt64?
    @Argument(help: "The destination address to explain.") var address: String
    @Flag(help: "Exit with status 1 if loading or running to --at gave any warning (for CI).") var strict = false

    func run() throws {
        let (run, time, destination) = try CommandSupport.prepare(scenario: scenario, node: node, at: at, seed: seed,
                                                                   address: address, command: "explain")
        run.run(until: time)
        let warnings = CommandSupport.reportWarnings(of: run)
        FileHandleOutput.standardOutput(AddressExplanation.text(run: run, node: node, address: destination, at: time))
        try CommandSupport.failIfStrict(strict, warnings: warnings, command: "explain")
    }
}

/// Shared set-up of the commands that look at a scenario at one moment.
enum CommandSupport {
    /// Prints on standard error the warnings of the scenario up to the moment `run` has reached
    /// (host bits at load, entries moved at set-up and by `wg set` events so far) and returns
    /// how many there were.
    static func reportWarnings(of run: ScenarioRun) -> Int {
        let report = WarningReport(quiet: false) { FileHandleOutput.standardError($0) }
        report.add(run.scenario.loadWarnings)
        run.reportMoves(from: 0, to: report)
        report.finish()
        return report.count
    }

    /// `--strict`: any warning makes the command exit 1 (after its output).
    static func failIfStrict(_ strict: Bool, warnings: Int, command: String) throws {
        guard strict && warnings > 0 else { return }
        FileHandleOutput.standardError("wgsim \(command): --strict: \(warnings) warning\(warnings == 1 ? "" : "s"), exit status 1\n")
        throw ExitCode(1)
    }

    /// Loads the scenario and checks the node and time; bad input prints and exits 2.
    static func prepare(scenario: String, node: String, at: String, seed: UInt64?, address: String?,
                        command: String) throws -> (ScenarioRun, Int64, IPAddress) {
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
