import ArgumentParser
import Report
import Scenario

/// `wgsim explain SCENARIO --node N --at TIME ADDRESS [--draw]`: the node's tables at that moment
/// and why ADDRESS goes where it goes (host route table, then wg0's allowed-IPs lookup); `--draw`
/// adds wg0's table as a tree with the matching entry marked.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Why an address goes where it goes at a node, at a moment of a scenario.")

    @OptionGroup var moment: MomentOptions
    @Argument(help: "The destination address to explain.") var address: String
    @Flag(help: "Also draw the node's allowed-IPs table as a tree, the matching entry marked.") var draw = false

    func run() throws {
        try moment.look(command: "explain", address: address) { run, time, destination in
            let answer = AddressExplanation.text(run: run, node: moment.node, address: destination, at: time)
            guard draw else { return answer }
            guard let table = RunSnapshotCollector.currentTable(of: moment.node, in: run.simulation) else {
                return answer + "\n\(moment.node) has no wg0: no allowed-IPs table to draw\n"
            }
            let matched = run.simulation.lookup(node: moment.node, address: destination)?.prefix
            return answer + (answer.hasSuffix("\n") ? "" : "\n") + "\n\(moment.node) wg0 allowed IPs at \(moment.at):\n"
                + PeerTablePicture.treeText(table, matched: matched)
        }
    }
}
