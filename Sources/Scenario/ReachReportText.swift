import Sim
import Routing
import WireGuard

extension Reach.Report {
    /// The matrix as text: a numbered list of the columns (destination addresses), one row per
    /// source node with `✓`, `✗ forward ACTION` / `✗ reply ACTION`, or `·` for a pair not tried
    /// (the same node, or no source address of that family); then, for each ✗, the decision that
    /// stopped the packet.
    public var text: String {
        var out = "reachability at \(TimeText.shortest(at)) (two rounds of pings from \(TimeText.shortest(at + Reach.spacing)), "
            + "one a second; the second round is judged): "
        let good = cells.filter(\.isReachable).count
        out += "\(good) of \(cells.count) cell\(cells.count == 1 ? "" : "s") reach and answer\n"
        if !addedAddresses.isEmpty {
            out += "LAN hosts stood in for by their node (an extra local address on its wg0): "
                + addedAddresses.map { "\($0.address) on \($0.node)" }.joined(separator: ", ") + "\n"
        }
        out += "\ncolumns:\n"
        for (index, target) in targets.enumerated() {
            out += "  [\(index + 1)] \(target.node) \(target.label)\n"
        }
        var cellAt: [String: Reach.Cell] = [:]
        for cell in cells { cellAt["\(cell.from) \(cell.to.node) \(cell.to.address)"] = cell }
        let header = ["from"] + targets.indices.map { "[\($0 + 1)]" }
        var rows = [header]
        for node in nodes {
            rows.append([node] + targets.map { target in
                guard let cell = cellAt["\(node) \(target.node) \(target.address)"] else { return "·" }
                if cell.isReachable { return "✓" }
                return cell.forward.isDelivered ? "✗ reply \(cell.reply.action)" : "✗ forward \(cell.forward.action)"
            })
        }
        var widths = Array(repeating: 0, count: header.count)
        for row in rows { for (i, text) in row.enumerated() { widths[i] = max(widths[i], text.count) } }
        out += "\n"
        for row in rows {
            let padded = row.enumerated().map { i, text in
                i == row.count - 1 ? text : text + String(repeating: " ", count: widths[i] - text.count)
            }
            out += padded.joined(separator: "  ") + "\n"
        }
        let failures = cells.filter { !$0.isReachable }
        if !failures.isEmpty {
            out += "\nwhy:\n"
            for cell in failures {
                let (way, outcome) = cell.forward.isDelivered ? ("reply", cell.reply) : ("forward", cell.forward)
                out += "  \(cell.from) → \(cell.to.node) \(cell.to.label), \(way): "
                if let node = outcome.node, let time = outcome.time {
                    out += "\(TimeText.seconds(time)) \(node) \(outcome.why)\n"
                } else {
                    out += "\(outcome.action): \(outcome.why)\n"
                }
            }
        }
        return out
    }

    /// One JSON object a line per cell tried: `from`, `to`, `address`, `forward`, `reply`
    /// (`delivered` or the stopping action) and `reason` (empty when both were delivered), plus
    /// `lan` for a LAN host and the stopping decision's `node` and `t`.
    public var jsonLines: String {
        cells.map { cell in
            let stopped = cell.isReachable ? nil : (cell.forward.isDelivered ? cell.reply : cell.forward)
            var fields = [
                "\"from\": \(jsonString(cell.from))",
                "\"to\": \(jsonString(cell.to.node))",
                "\"address\": \(jsonString(cell.to.address.description))",
                "\"lan\": \(cell.to.lan.map { jsonString($0.description) } ?? "null")",
                "\"forward\": \(jsonString(cell.forward.action))",
                "\"reply\": \(jsonString(cell.reply.action))",
                "\"reason\": \(jsonString(stopped?.why ?? ""))",
            ]
            fields.append("\"node\": \(stopped?.node.map(jsonString) ?? "null")")
            fields.append("\"t\": \(stopped?.time.map { jsonString(TimeText.seconds($0)) } ?? "null")")
            return "{" + fields.joined(separator: ", ") + "}\n"
        }.joined()
    }
}
