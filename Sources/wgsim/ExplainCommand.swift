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

    func run() throws {
        let (run, time, destination) = try CommandSupport.prepare(scenario: scenario, node: node, at: at, seed: seed,
                                                                   address: address, command: "explain")
        run.run(until: time)
        FileHandleOutput.standardOutput(AddressExplanation.text(run: run, node: node, address: destination, at: time))
    }
}

/// Shared set-up of the commands that look at a scenario at one moment.
enum CommandSupport {
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
