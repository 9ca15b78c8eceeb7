import Routing

/// Who owned each allowed-IPs entry over simulated time: one row per (node, prefix), a bar per
/// owner's stretch, a mark where the entry moved from one peer to another.
public enum OwnershipTimeline {
    static let plotWidth = 480.0
    static let rowHeight = 24.0
    static let second: Int64 = 1_000_000_000

    /// The drawn time range, from 0: past the last activity (and the last change) to the next
    /// whole second, plus one, so that the last change does not sit on the edge; never more than
    /// the run's end when the run ended earlier.
    public static func window(_ snapshot: RunSnapshot) -> Int64 {
        let lastChange = snapshot.tables.map(\.t).max() ?? 0
        let last = max(snapshot.lastActivity, lastChange)
        let rounded = (last / second + 1) * second
        return max(second, snapshot.end > last ? min(rounded, max(snapshot.end, second)) : rounded)
    }

    /// A tick step of 1, 2 or 5 times a power of ten (from 1 µs) giving at most 10 ticks.
    static func tickStep(_ window: Int64) -> Int64 {
        var power: Int64 = 1_000
        while true {
            for factor: Int64 in [1, 2, 5] where window / (power * factor) <= 10 { return power * factor }
            power *= 10
        }
    }

    /// The timeline as SVG (`svg.timeline`); at most `limit` rows, with a note of the rest.
    /// `node`: only that node's rows.
    public static func svg(_ snapshot: RunSnapshot, node: String? = nil, standalone: Bool = false, limit: Int = 200) -> String {
        let colours = OwnershipColours(snapshot)
        let window = window(snapshot)
        let rows = rowsOf(snapshot, node: node)
        let shown = Array(rows.prefix(limit))
        let moves = movesByRow(snapshot)
        let labelWidth = PictureText.width(shown.map { "\($0.node) \($0.prefix)" }.max { $0.count < $1.count } ?? "") + 16
        let x0 = labelWidth + 8
        func x(_ t: Int64) -> Double { x0 + Double(min(max(t, 0), window)) / Double(window) * plotWidth }
        let top = 40.0
        let used = Set(shown.flatMap { row in row.spans.map(\.owner) + (moves[row.key] ?? []).map(\.from) })
        let legendY = top + Double(max(shown.count, 1)) * rowHeight + 8 + (rows.count > shown.count ? 18 : 0)
        let width = max(x0 + plotWidth + 24, 320)
        let height = legendY + 24
        var svg = Markup()
        PictureText.openSVG(&svg, class: "timeline", width: width, height: height, standalone: standalone,
                            data: [("data-window", String(window))])
        svg.element("text", ["class": "caption", "x": "8", "y": "14", "font-weight": "bold"],
                     "\(snapshot.name): allowed-IPs owners over time")
        // The time axis, with ticks.
        svg.open("g", ["class": "axis"])
        svg.element("path", ["d": "M\(Markup.number(x0)) \(Markup.number(top - 8))H\(Markup.number(x0 + plotWidth))", "stroke": "#333"])
        let step = tickStep(window)
        var tick: Int64 = 0
        while tick <= window {
            svg.element("path", ["d": "M\(Markup.number(x(tick))) \(Markup.number(top - 12))V\(Markup.number(top - 4 + Double(max(shown.count, 1)) * rowHeight))",
                                 "stroke": "#ccc"])
            svg.element("text", ["x": Markup.number(x(tick)), "y": Markup.number(top - 16), "text-anchor": "middle", "font-size": "10"],
                        PictureText.time(tick))
            tick += step
        }
        svg.close()
        if shown.isEmpty {
            svg.element("text", ["x": "8", "y": Markup.number(top + 12)], "(no node has an allowed-IPs entry)")
        }
        for (i, row) in shown.enumerated() {
            let rowTop = top + Double(i) * rowHeight
            svg.open("g", ["class": "row", "data-node": row.node, "data-prefix": row.prefix.description])
            svg.element("text", ["x": "8", "y": Markup.number(rowTop + 13)], "\(row.node) \(row.prefix)")
            for span in row.spans {
                let left = x(span.fromT), right = x(span.toT)
                let movedIn = moves[row.key]?.first { $0.t == span.fromT }
                svg.element("rect", ["class": "owner-span", "data-node": row.node, "data-prefix": row.prefix.description,
                                     "data-owner": span.owner, "data-from-t": String(span.fromT), "data-to-t": String(span.toT),
                                     "x": Markup.number(left), "y": Markup.number(rowTop + 2), "width": Markup.number(max(2, right - left)),
                                     "height": "14", "fill": colours.colour(of: span.owner), "stroke": "#333"])
                // The owner in words where it fits, else its letter (the legend gives the name).
                var words = PictureText.short(span.owner) + (movedIn.map { " (from \(PictureText.short($0.from)))" } ?? "")
                if PictureText.width(words) + 12 > right - left { words = String(colours.letter(of: span.owner)) }
                if PictureText.width(words) + 10 > right - left { continue }
                svg.element("text", ["x": Markup.number(left + 8), "y": Markup.number(rowTop + 13), "stroke": "#fff", "stroke-width": "3",
                                     "paint-order": "stroke"], words)
            }
            for move in moves[row.key] ?? [] {
                let at = x(move.t)
                svg.open("g", ["class": "move", "data-node": move.node, "data-prefix": move.prefix.description, "data-from": move.from,
                               "data-to": move.to, "data-t": String(move.t)])
                svg.element("title", [:], "\(move.prefix) moved from \(move.from) to \(move.to) at \(PictureText.time(move.t))")
                // A diamond astride the boundary, its left half in the old owner's colour.
                svg.element("path", ["d": "M\(Markup.number(at)) \(Markup.number(rowTop - 2))l-6 11l6 11z", "fill": colours.colour(of: move.from), "stroke": "#000"])
                svg.element("path", ["d": "M\(Markup.number(at)) \(Markup.number(rowTop - 2))l6 11l-6 11z", "fill": colours.colour(of: move.to), "stroke": "#000"])
                svg.close()
            }
            svg.close()
        }
        if rows.count > shown.count {
            svg.element("text", ["class": "omitted", "x": "8", "y": Markup.number(top + Double(shown.count) * rowHeight + 12)],
                        "\(rows.count - shown.count) more rows left out (of \(rows.count))")
        }
        _ = colours.drawLegend(used, into: &svg, x: 8, y: legendY)
        PictureText.closeSVG(&svg)
        return svg.text + (standalone ? "\n" : "")
    }

    /// The timeline for a terminal: a row of `cells` character cells per (node, prefix), each
    /// cell the letter of the owner at its middle (`·` none), then the stretches in words.
    public static func text(_ snapshot: RunSnapshot, node: String? = nil, cells: Int = 60) -> String {
        let colours = OwnershipColours(snapshot)
        let window = window(snapshot)
        let rows = rowsOf(snapshot, node: node)
        let moves = movesByRow(snapshot)
        var out = "\(snapshot.name): allowed-IPs owners over time, 0s to \(PictureText.time(window))\n"
        guard !rows.isEmpty else { return out + "(no node has an allowed-IPs entry)\n" }
        let labels = rows.map { "\($0.node) \($0.prefix)" }
        let labelWidth = labels.map(\.count).max() ?? 0
        let axisStart = PictureText.time(0), axisEnd = PictureText.time(window)
        out += PictureText.padded("", to: labelWidth) + "  " + axisStart
            + String(repeating: " ", count: max(1, cells - axisStart.count - axisEnd.count)) + axisEnd + "\n"
        for (row, label) in zip(rows, labels) {
            var bar = ""
            for cell in 0..<cells {
                let middle = Int64((Double(cell) + 0.5) / Double(cells) * Double(window))
                let owner = row.spans.first { $0.fromT <= middle && middle < $0.toT }?.owner
                bar.append(owner.map(colours.letter) ?? "·")
            }
            let words = row.spans.map { span -> String in
                let move = moves[row.key]?.first { $0.t == span.fromT }
                return "\(PictureText.time(span.fromT)) \(span.owner)" + (move.map { " (moved from \($0.from))" } ?? "")
            }
            out += PictureText.padded(label, to: labelWidth) + " |" + bar + "| " + words.joined(separator: ", ") + "\n"
        }
        out += colours.textLegend(Set(rows.flatMap { $0.spans.map(\.owner) })) + "\n"
        return out
    }

    struct Row {
        let node: String
        let prefix: IPPrefix
        var spans: [OwnershipSpan]
        var key: String { node + " " + prefix.description }
    }

    /// The snapshot's moves by row (`Row.key`), each row's in time order.
    static func movesByRow(_ snapshot: RunSnapshot) -> [String: [OwnershipMove]] {
        var result: [String: [OwnershipMove]] = [:]
        for move in snapshot.moves { result[move.node + " " + move.prefix.description, default: []].append(move) }
        return result
    }

    /// Spans grouped per (node, prefix), in the snapshot's order, except that within a node the
    /// prefixes that changed owner come first: in a hub's hundred rows they are the story.
    static func rowsOf(_ snapshot: RunSnapshot, node: String? = nil) -> [Row] {
        var rows: [Row] = []
        for span in snapshot.ownershipSpans where node == nil || span.node == node {
            if let last = rows.last, last.node == span.node, last.prefix == span.prefix {
                rows[rows.count - 1].spans.append(span)
            } else {
                rows.append(Row(node: span.node, prefix: span.prefix, spans: [span]))
            }
        }
        let moved = Set(movesByRow(snapshot).keys)
        var ordered: [Row] = []
        var start = 0
        while start < rows.count {
            var end = start
            while end < rows.count && rows[end].node == rows[start].node { end += 1 }
            let group = rows[start..<end]
            ordered += group.filter { moved.contains($0.node + " " + $0.prefix.description) }
            ordered += group.filter { !moved.contains($0.node + " " + $0.prefix.description) }
            start = end
        }
        return ordered
    }
}
