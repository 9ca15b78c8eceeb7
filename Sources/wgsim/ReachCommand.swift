import ArgumentParser
import Scenario

/// `wgsim reach FILE… [--at T] [--json]`: for every ordered pair of nodes, each tunnel address
/// and each LAN of the destination, whether an echo request from the source's tunnel address
/// arrives and its reply comes back, found by running the simulation (`Reach`). Exit 0 when
/// every cell works both ways, 1 when one does not, 2 for bad input.
struct ReachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reach",
        abstract: "Reachability matrix: which node reaches which tunnel address and LAN, and why not.",
        discussion: """
            Give wg-quick .conf files, a folder of them, or a scenario (YAML). The network is run as \
            it stands at --at (a scenario keeps its events up to then), then each node pings each \
            other node's tunnel addresses and the first host of each LAN behind it, one a second. \
            A ✗ names the decision that stopped the packet. Exit status: 0 every cell reaches and \
            answers, 1 some do not, 2 bad input.
            """)

    @Argument(help: "A scenario file (YAML); or wg-quick .conf files, or one folder of them.")
    var inputs: [String]
    @Option(help: "Simulated time the check starts at, e.g. 5s (default 0s).") var at: String = "0s"
    @Option(help: "Override the scenario's seed.") var seed: UInt64?
    @Flag(help: "Print one JSON object a line per cell instead of the matrix.") var json = false

    func run() throws {
        let report: Reach.Report
        do {
            let loaded = try NetworkAssembly.isNetwork(inputs) ? NetworkAssembly.load(inputs) : ScenarioLoader.load(path: inputs[0])
            for note in loaded.notes { FileHandleOutput.standardError("\(note)\n") }
            let time = try loaded.commandLineTime(at, option: "--at")
            report = try Reach.check(loaded, at: time, seed: seed)
        } catch let error as ScenarioError {
            FileHandleOutput.standardError("wgsim reach: \(error)\n")
            throw badInputExit
        }
        FileHandleOutput.standardOutput(json ? report.jsonLines : report.text)
        if !report.allReachable { throw ExitCode(1) }
    }
}
