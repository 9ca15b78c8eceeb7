extension LadderPicture {
    /// The ladder for a terminal: a column per node, a row per step. A step that sent a datagram
    /// is drawn from its node's column to the receiver's (`──▶` delivered, `──✗` dropped or lost);
    /// any other step is a mark on its node's column. Each row ends with the action, the outcome,
    /// the decisions.txt line and the capture frame.
    public static func text(_ recording: RunRecording, order: [String] = []) -> String {
        let (nodes, column) = lifelines(recording, order: order)
        let width = max(12, (nodes.map(\.count).max() ?? 0) + 4)
        let timeWidth = max(4, recording.steps.map { $0.text.prefix { $0 != " " }.count }.max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }

        var out = (pad("time", timeWidth) + "  " + nodes.map { pad($0, width) }.joined()).replacingTrailingSpaces() + "\n"
        for step in recording.steps {
            var cells = [Character](repeating: " ", count: max(1, (nodes.count - 1) * width + 1))
            for i in nodes.indices { cells[i * width] = "│" }
            let from = (column[step.node] ?? 0) * width
            var target: Int?
            if step.sends {
                if let arrival = step.arrival, let c = column[arrival.node] { target = c * width }
                else if let peer = step.peer, peer != step.node, let c = column[peer] { target = c * width }
            }
            if let to = target, to != from {
                let (low, high) = (min(from, to), max(from, to))
                for i in (low + 1)..<high { cells[i] = "─" }
                let end: Character = step.outcome.endsInCross ? "✗" : (to > from ? "▶" : "◀")
                if step.arrival == nil && step.outcome.endsInCross {
                    // Never arrived: the cross half-way.
                    let mid = (low + high) / 2
                    for i in (low + 1)..<high { cells[i] = (to > from ? i < mid : i > mid) ? "─" : " " }
                    cells[mid] = end
                } else {
                    cells[to > from ? high - 1 : low + 1] = end
                }
                cells[from] = "●"
            } else {
                cells[from] = step.outcome.endsInCross ? "✗" : (step.outcome == .config ? "◆" : "●")
            }
            let time = String(step.text.prefix { $0 != " " })
            var note = "\(step.node) \(step.action)"
            if step.outcome.rawValue != step.action { note += " [\(step.outcome.rawValue)]" }
            note += " line \(step.line)"
            if let frame = step.frame, let pcap = step.pcap { note += " frame \(frame) \(pcap).pcap" }
            let line = pad(time, timeWidth) + "  " + String(cells) + " " + note
            out += line.replacingTrailingSpaces() + "\n"
        }
        if let omitted = recording.omissionNote { out += omitted + "\n" }
        return out
    }
}

private extension String {
    func replacingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
