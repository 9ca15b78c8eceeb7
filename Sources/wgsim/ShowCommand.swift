import ArgumentParser
import Routing
import Scenario
import Sim

/// `wgsim show SCENARIO --node N --at TIME`: `wg show` for the node at that moment (peers,
/// endpoints, allowed ips, latest handshake, transfer, fwmark), then its policy rules as
/// `ip rule` lists them (and `ip -6 rule` when wg-quick added IPv6 rules) and its host routes of
/// every table.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "`wg show` and `ip route` of a node at a moment of a scenario.")

    @OptionGroup var moment: MomentOptions

    func run() throws {
        let node = moment.node
        try moment.look(command: "show") { run, time, _ in
            var text = "# \(node) at \(TimeText.shortest(time))\n"
            if run.scenario.node(named: node)?.wireguard != nil {
                text += run.simulation.wgShow(node: node) + "\n"
            } else {
                text += "(no wg0)\n"
            }
            let rules = run.simulation.policyRules(node: node)
            text += "\n# ip rule\n" + rules.ipv4.map { $0.description + "\n" }.joined()
            if rules.ipv6.count > 2 { text += "\n# ip -6 rule\n" + rules.ipv6.map { $0.description + "\n" }.joined() }
            text += "\n# ip route show table all\n"
            for route in run.simulation.routeTable(node: node) { text += route.description + "\n" }
            return text
        }
    }
}
