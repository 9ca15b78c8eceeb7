import ArgumentParser
import Scenario

/// `wgsim explain SCENARIO --node N --at TIME ADDRESS`: the node's tables at that moment and why
/// ADDRESS goes where it goes (host route table, then wg0's allowed-IPs lookup).
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Why an address goes where it goes at a node, at a moment of a scenario.")

    @OptionGroup var moment: MomentOptions
    @Argument(help: "The destination address to explain.") var address: String

    func run() throws {
        try moment.look(command: "explain", address: address) { run, time, destination in
            AddressExplanation.text(run: run, node: moment.node, address: destination, at: time)
        }
    }
}
