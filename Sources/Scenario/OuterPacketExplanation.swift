import Routing
import Sim

/// The part of `wgsim explain` about the encrypted (outer) packet: once wg0 has chosen a peer,
/// its UDP datagram to the peer's endpoint is routed by the host like any other packet, carrying
/// wg0's fwmark. These lines say which policy rule chose which table for it, and whether it
/// leaves through eth0 or loops back into wg0.
enum OuterPacketExplanation {
    /// The lines of step `number`, about the datagram to `peer`'s endpoint; empty when the peer
    /// has no endpoint yet.
    static func lines(run: ScenarioRun, node: String, peer: String, number: Int) -> [String] {
        let sim = run.simulation
        guard let status = sim.peerStatus(node: node).first(where: { status in
                  sim.publicKey(of: peer) == status.publicKey || status.publicKey.base64 == peer
              }),
              let endpoint = status.endpoint,
              let trace = sim.routeTrace(node: node, destination: endpoint.address) else { return [] }
        let mark = trace.mark == 0 ? "no fwmark" : "fwmark 0x" + String(trace.mark, radix: 16)
        var lines = ["", "\(number). the encrypted packet to \(peer)'s endpoint \(endpoint) (\(mark); ip rule, then ip route):"]
        for (rule, outcome) in trace.steps {
            let name = "rule \(rule.priority) (\(Self.ruleText(rule)))"
            switch outcome {
            case .selectorMismatch:
                lines.append("   \(name): does not apply, the datagram carries \(mark)")
            case .notLocal:
                lines.append("   \(name): \(endpoint.address) is not one of \(node)'s own addresses")
            case .noRoute:
                lines.append("   \(name): table \(RouteTableID.name(rule.table)) has no route to \(endpoint.address)")
            case .suppressed(let route):
                lines.append("   \(name): found \(route), but its prefix is /\(route.prefix.length), "
                             + "not longer than \(rule.suppressPrefixLength ?? 0): ignored, next rule")
            case .chose(let route):
                lines.append("   \(name): table \(RouteTableID.name(rule.table)) chooses \(route)")
                if route.device == "wg0" {
                    lines.append("   → the datagram would enter wg0 again: routing loop, dropped (dropped-routing-loop).")
                    lines.append("     Fix: a route to \(endpoint.address) via eth0, a literal /0 (wg-quick exempts marked packets), or an endpoint outside the allowed IPs.")
                } else {
                    lines.append("   → the datagram leaves through \(route.device).")
                }
            }
        }
        if trace.chosen == nil {
            lines.append("   no rule gives a route: the datagram is dropped (no-route).")
        }
        return lines
    }

    /// A rule's selector and action without its priority, as `ip rule` words them.
    private static func ruleText(_ rule: PolicyRule) -> String {
        let text = rule.description
        guard let tab = text.firstIndex(of: "\t") else { return text }
        return String(text[text.index(after: tab)...])
    }
}
