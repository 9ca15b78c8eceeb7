import Routing
import Sim

/// The words `wgsim explain` prints: the host route table's choice for an address, then, when
/// that is wg0, the allowed-IPs lookup with every matching entry and why the winner won, and
/// which entries were taken from another peer (with the lines of both claims).
public enum AddressExplanation {
    public static func text(run: ScenarioRun, node: String, address: IPAddress, at time: Int64) -> String {
        let sim = run.simulation
        var lines = ["\(node) at \(TimeText.shortest(time)): where does \(address) go?", ""]
        lines.append("1. host route table (ip route):")
        var toWG = false
        if let route = sim.routeLookup(node: node, destination: address) {
            if route.isLocal {
                lines.append("   \(address) is one of \(node)'s own addresses: delivered locally, WireGuard is not involved.")
            } else if let chosen = route.chosen {
                lines.append("   chosen: \(chosen)")
                for other in route.matches.dropFirst() { lines.append("   also matches: \(other) (not preferred: less specific, higher metric, or another table)") }
                toWG = chosen.device == "wg0"
                lines.append(toWG ? "   → the packet enters wg0." : "   → the packet leaves through \(chosen.device), not WireGuard.")
            } else {
                lines.append("   no route matches: the sender gets 'network unreachable' (no-route).")
            }
        }
        if toWG || run.scenario.node(named: node)?.wireguard != nil {
            let moves = run.moves(on: node)
            /// The moves of one entry, in order, as indented lines: the latest 20 (the ones that
            /// explain who holds it now), after a count of any earlier ones.
            func history(of prefix: IPPrefix) -> [String] {
                let own = moves.filter { $0.record.prefix == prefix }
                let shown = own.suffix(WarningReport.shownInFull).map { "     \(prefix) \($0.history)" }
                return own.count > shown.count ? ["     … \(own.count - shown.count) earlier moves of \(prefix)"] + shown : shown
            }
            lines.append("")
            lines.append("2. wg0 allowed-IPs lookup (cryptokey routing, longest prefix):")
            if let found = sim.lookup(node: node, address: address) {
                if let peer = found.peer, let prefix = found.prefix {
                    lines.append("   \(address) matches \(prefix) → peer \(peer)")
                    let winnerMoves = history(of: prefix)
                    if !winnerMoves.isEmpty {
                        lines.append("   \(prefix) was taken from another peer (an entry has one owner: a later claim moves it):")
                        lines += winnerMoves
                    }
                    for c in found.candidates {
                        lines.append("   also matches \(c.prefix) → peer \(c.peer): less specific, so not chosen")
                        lines += history(of: c.prefix)
                    }
                    if !found.candidates.isEmpty {
                        lines.append("   The most specific entry wins: \(peer) gets the packet; it is encrypted to \(peer)'s key.")
                    } else if !winnerMoves.isEmpty {
                        lines.append("   \(peer) holds it now: the packet is encrypted to \(peer)'s key.")
                    } else {
                        lines.append("   Only \(peer) claims it: the packet is encrypted to \(peer)'s key.")
                    }
                    lines.append("   The same table checks sources: a packet arriving from \(address) is accepted only from \(peer).")
                    if toWG { lines += OuterPacketExplanation.lines(run: run, node: node, peer: peer, number: 3) }
                } else {
                    lines.append("   no entry matches: dropped (dropped-no-peer), and the sender gets ICMP host unreachable.")
                    lines.append("   A packet arriving with source \(address) would be dropped too (dropped-src-not-allowed).")
                }
            }
            lines.append("")
            lines.append("wg0 allowed ips at this moment:")
            let statuses = sim.peerStatus(node: node)
            let nameOf = Dictionary(sim.nodeNames.compactMap { n in sim.publicKey(of: n).map { ($0, n) } }, uniquingKeysWith: { a, _ in a })
            for status in statuses {
                let allowed = status.allowedIPs.map(\.description).joined(separator: ", ")
                lines.append("   \(nameOf[status.publicKey] ?? status.publicKey.base64): \(allowed.isEmpty ? "(none)" : allowed)")
            }
            if !moves.isEmpty {
                lines.append("")
                lines.append("wg0 entries taken from another peer so far:")
                for move in moves.prefix(WarningReport.shownInFull) {
                    lines.append("   \(move.record.prefix) \(move.history)" + (move.record.fromLeftEmpty ? "; \(move.from) was left with no allowed IPs" : ""))
                }
                if moves.count > WarningReport.shownInFull {
                    lines.append("   … and \(moves.count - WarningReport.shownInFull) more")
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
