/// The ladder (sequence) diagram of a run: one lifeline per node, time going down, one arrow per
/// recorded step. A step that sent a datagram is an arrow from the sender's lifeline to the
/// receiver's, ending at the receiver's first step about it (encrypted at A → decrypted at B);
/// any other step is a short arrow off its node's lifeline. Each arrow names its decisions.txt
/// line and its frame in the node's capture (`data-line`, `data-frame`, `data-pcap`), so that
/// log, picture and Wireshark line up.
public enum LadderPicture {
    static let columnWidth = 150.0
    static let rowHeight = 24.0
    static let left = 120.0
    static let top = 56.0

    /// The whole `<svg class="ladder">`. `order`: the scenario's node names, to order the lifelines.
    /// `standalone`: for an .svg file (with the SVG namespace); inline in the page it needs none,
    /// and the page names no URL at all.
    public static func svg(_ recording: RunRecording, order: [String] = [], standalone: Bool = false) -> String {
        let (nodes, column) = lifelines(recording, order: order)
        let steps = recording.steps
        let width = left + Double(max(nodes.count, 1)) * columnWidth + 160
        let height = top + Double(steps.count + 1) * rowHeight + 20
        func x(_ node: String) -> Double { left + (Double(column[node] ?? 0) + 0.5) * columnWidth }
        func y(_ row: Int) -> Double { top + Double(row) * rowHeight + rowHeight / 2 }
        let n = Markup.number

        var m = Markup()
        let ariaLabel = "Ladder diagram: \(steps.count) steps between \(column.count) nodes"
        if standalone {
            m.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            m.open("svg", ["xmlns": "http://www.w3.org/2000/svg", "class": "ladder", "width": n(width), "height": n(height),
                           "viewBox": "0 0 \(n(width)) \(n(height))", "role": "img", "aria-label": ariaLabel])
        } else {
            m.open("svg", ["class": "ladder", "width": n(width), "height": n(height),
                           "viewBox": "0 0 \(n(width)) \(n(height))", "role": "img", "aria-label": ariaLabel])
        }
        m.newline()
        m.open("style")
        m.raw(LadderStyle.css)
        m.close()
        m.newline()
        m.open("defs")
        // Sized in the picture's units, not the line's: a thicker (current) arrow keeps its head.
        for outcome in StepOutcome.allCases {
            let colour = LadderStyle.colour(outcome)
            if outcome.endsInCross {
                m.open("marker", ["id": "ladder-cross-\(outcome.rawValue)", "viewBox": "0 0 10 10", "refX": "5", "refY": "5",
                                  "markerWidth": "11", "markerHeight": "11", "markerUnits": "userSpaceOnUse", "orient": "auto"])
                m.element("path", ["d": "M1 1 L9 9 M9 1 L1 9", "stroke": colour, "stroke-width": "2", "fill": "none"])
            } else {
                m.open("marker", ["id": "ladder-head-\(outcome.rawValue)", "viewBox": "0 0 10 10", "refX": "9", "refY": "5",
                                  "markerWidth": "9", "markerHeight": "9", "markerUnits": "userSpaceOnUse", "orient": "auto"])
                m.element("path", ["d": "M0 0 L10 5 L0 10 Z", "fill": colour])
            }
            m.close()
        }
        m.close()
        m.newline()

        // Lifelines: a box with the name on top, a dashed line down.
        for (i, node) in nodes.enumerated() {
            let lineX = left + (Double(i) + 0.5) * columnWidth
            m.open("g", ["class": "lifeline", "data-node": node])
            m.element("rect", ["x": n(lineX - 55), "y": "8", "width": "110", "height": "26", "rx": "4",
                               "fill": "#f4f4f4", "stroke": "#333"])
            m.element("text", ["x": n(lineX), "y": "26", "text-anchor": "middle", "font-weight": "bold"], node)
            m.element("line", ["x1": n(lineX), "y1": "34", "x2": n(lineX), "y2": n(height - 10),
                               "stroke": "#999", "stroke-dasharray": "4 4"])
            m.close()
            m.newline()
        }

        var lastTime = ""
        for (k, step) in steps.enumerated() {
            let outcome = step.outcome
            let rowY = y(k)
            let time = String(step.text.prefix { $0 != " " })
            if time != lastTime {
                m.element("text", ["class": "time", "x": "4", "y": n(rowY + 4), "font-size": "10"], time)
                lastTime = time
            }
            var attributes: [(String, String)] = [("class", "arrow"), ("id", "step-\(k)"), ("data-step", "\(k)"),
                                                  ("data-outcome", outcome.rawValue), ("data-action", step.action),
                                                  ("data-node", step.node), ("data-line", "\(step.line)")]
            if let frame = step.frame, let pcap = step.pcap {
                attributes.append(("data-frame", "\(frame)"))
                attributes.append(("data-pcap", pcap + ".pcap"))
            }
            m.raw("<g")
            for (key, value) in attributes { m.raw(" \(key)=\"\(Markup.escape(value))\"") }
            m.raw(">")
            let from = x(step.node)
            let path: String
            var labelX = from + 8, labelAnchor = "start"
            if step.sends, let target = arrowTarget(step, steps: steps, column: column, y: y, row: k),
               column[target.node] != column[step.node] {
                let toX = x(target.node)
                let endX = target.reached ? toX : (from + toX) / 2
                let endY = target.reached ? target.y : rowY + rowHeight * 0.8
                path = "M\(n(from)) \(n(rowY)) L\(n(endX)) \(n(endY))"
                if toX < from { labelX = from - 8; labelAnchor = "end" }
            } else {
                let endX = from + 34
                path = "M\(n(from)) \(n(rowY)) L\(n(endX)) \(n(rowY))"
                labelX = endX + 6
            }
            m.element("path", ["class": "outcome-\(outcome.rawValue)", "d": path, "marker-end": LadderStyle.marker(outcome)])
            m.element("text", ["x": n(labelX), "y": n(rowY - 3), "text-anchor": labelAnchor, "font-size": "11"], label(step))
            m.raw("</g>")
            m.newline()
        }
        legend(&m, y: 0, x: width - 150)
        m.close()
        m.newline()
        return m.text
    }

    /// At most this many lifelines; the nodes past them share the last one.
    static let maximumLifelines = 40

    /// The lifelines, left to right: the steps' nodes in the scenario's order, and when there are
    /// more than `maximumLifelines`, one last lifeline standing for the rest (named for how many
    /// it holds), so that a run of thousands of nodes still draws a ladder a screen can show.
    /// Returns the titles and each node's column.
    static func lifelines(_ recording: RunRecording, order: [String]) -> (titles: [String], column: [String: Int]) {
        let nodes = recording.nodes(in: order)
        var column: [String: Int] = [:]
        guard nodes.count > maximumLifelines else {
            for (i, node) in nodes.enumerated() { column[node] = i }
            return (nodes, column)
        }
        let shown = nodes.prefix(maximumLifelines - 1)
        for (i, node) in shown.enumerated() { column[node] = i }
        for node in nodes.dropFirst(shown.count) { column[node] = shown.count }
        return (Array(shown) + ["+\(nodes.count - shown.count) more"], column)
    }

    /// The arrow's label: the action, the outcome when it differs (a datagram lost or dropped on
    /// the way), and where to find it: the decisions.txt line and the capture frame.
    static func label(_ step: RecordedStep) -> String {
        var words = step.action
        if step.sends && step.outcome.endsInCross { words += " → \(step.outcome.rawValue)" }
        words += "  L\(step.line)"
        if let frame = step.frame { words += " #\(frame)" }
        return words
    }

    /// Where a sending step's arrow ends: the receiver's lifeline at its first step about the
    /// datagram (or just below, when that step was not kept); for a datagram that never arrived,
    /// half-way towards the peer it was meant for. nil: no other lifeline to point at.
    static func arrowTarget(_ step: RecordedStep, steps: [RecordedStep], column: [String: Int],
                            y: (Int) -> Double, row: Int) -> (node: String, y: Double, reached: Bool)? {
        if let arrival = step.arrival, column[arrival.node] != nil {
            let endY = arrival.step.map { y($0) } ?? y(row) + rowHeight * 0.8
            return (arrival.node, endY, true)
        }
        if let peer = step.peer, column[peer] != nil, peer != step.node { return (peer, 0, false) }
        return nil
    }

    /// The legend: each outcome's line, dash pattern and arrow end, with its word.
    static func legend(_ m: inout Markup, y: Double, x: Double) {
        let n = Markup.number
        m.open("g", ["class": "legend", "transform": "translate(\(n(x)) \(n(y + 8)))"])
        for (i, outcome) in StepOutcome.allCases.enumerated() {
            let rowY = Double(i) * 16 + 6
            m.element("path", ["class": "outcome-\(outcome.rawValue)", "d": "M0 \(n(rowY)) L30 \(n(rowY))",
                               "marker-end": LadderStyle.marker(outcome)])
            m.element("text", ["x": "38", "y": n(rowY + 4), "font-size": "10"], outcome.rawValue)
        }
        m.close()
    }
}
