import Routing

/// The network: nodes (eth0 and wg0 addresses), the underlay links a scenario sets (latency,
/// jitter, loss; every other pair shares one segment: 1 ms, no loss), the WireGuard tunnels
/// labelled with the allowed IPs each side gives the other, and the drops at each node.
public enum TopologyPicture {
    static let nodeWidth = 150.0
    static let nodeHeight = 46.0

    /// The topology at time `at` (nil: the run's end) as SVG (`svg.topology`). At most `limit`
    /// nodes are drawn (a note counts the rest), so that a generated 10k-peer hub stays small.
    public static func svg(_ snapshot: RunSnapshot, at: Int64? = nil, standalone: Bool = false, limit: Int = 40) -> String {
        let time = at ?? snapshot.end
        let nodes = Array(snapshot.nodes.prefix(limit))
        let names = Set(nodes.map(\.name))
        let count = nodes.count
        // Nodes on a circle (two side by side, one alone), first at the top, clockwise.
        let radius = count <= 1 ? 0 : count == 2 ? 230 : max(150, Double(count) * (nodeWidth + 30) / (2 * Double.pi))
        let margin = 110.0
        var ring: [(x: Double, y: Double)] = []
        for i in 0..<count {
            let angle = count == 2 ? (i == 0 ? Double.pi : 0)
                : -Double.pi / 2 + 2 * Double.pi * Double(i) / Double(max(count, 1))
            let (sine, cosine) = sineAndCosine(angle)
            ring.append((radius * cosine, radius * sine))
        }
        // The drawing's box fits the ring (two nodes side by side need little height).
        let minX = ring.map(\.x).min() ?? 0, minY = ring.map(\.y).min() ?? 0
        let maxX = ring.map(\.x).max() ?? 0, maxY = ring.map(\.y).max() ?? 0
        let shift = (x: margin + nodeWidth / 2 - minX, y: margin + 20 + nodeHeight / 2 - minY)
        let centre = (x: shift.x, y: shift.y)
        var position: [String: (x: Double, y: Double)] = [:]
        for (node, point) in zip(nodes, ring) { position[node.name] = (point.x + shift.x, point.y + shift.y) }
        let tunnels = snapshot.tunnels(at: time, among: names)
        let links = snapshot.links.filter { names.contains($0.a) && names.contains($0.b) }
        let linked = Set(links.flatMap { [$0.a + "\u{0}" + $0.b, $0.b + "\u{0}" + $0.a] })
        let onSegment = nodes.filter { node in nodes.contains { $0.name != node.name && !linked.contains(node.name + "\u{0}" + $0.name) } }
        let colours = OwnershipColours(snapshot)
        let width = max(560, maxX - minX + nodeWidth + 2 * margin)
        let legendY = maxY - minY + nodeHeight + 2 * margin + (snapshot.nodes.count > count ? 18 : 0)
        let height = legendY + 40
        // The drawing goes into `svg` first; labels may reach past the ring's box, so the root
        // element, sized to what was drawn, is written around it at the end.
        var svg = Markup()
        var extent = (left: 0.0, right: width)
        func label(_ x: Double, _ anchor: String, _ words: String, size: Double = 10) {
            let length = PictureText.width(words) * size / 12
            let start = anchor == "start" ? x : anchor == "end" ? x - length : x - length / 2
            extent = (min(extent.left, start - 8), max(extent.right, start + length + 8))
        }
        svg.element("text", ["class": "caption", "x": "8", "y": "16", "font-weight": "bold"],
                     "\(snapshot.name) " + (at == nil ? "at the end of the run (\(PictureText.time(time)))" : "at \(PictureText.time(time))"))
        // The shared segment: a hub every node without a link of its own hangs on.
        if !onSegment.isEmpty {
            svg.open("g", ["class": "segment"])
            for node in onSegment {
                guard let p = position[node.name] else { continue }
                svg.element("path", ["class": "segment-link", "data-node": node.name,
                                     "d": "M\(Markup.number(centre.x)) \(Markup.number(centre.y))L\(Markup.number(p.x)) \(Markup.number(p.y))",
                                     "stroke": "#999", "stroke-width": "3"])
            }
            svg.element("circle", ["cx": Markup.number(centre.x), "cy": Markup.number(centre.y), "r": "10", "fill": "#fff", "stroke": "#999", "stroke-width": "3"])
            svg.element("text", ["x": Markup.number(centre.x + 14), "y": Markup.number(centre.y + 4), "font-size": "10"],
                        "underlay 1 ms")
            svg.close()
        }
        for link in links {
            guard let a = position[link.a], let b = position[link.b] else { continue }
            svg.open("g", ["class": "link", "data-a": link.a, "data-b": link.b])
            svg.element("path", ["d": "M\(Markup.number(a.x)) \(Markup.number(a.y))L\(Markup.number(b.x)) \(Markup.number(b.y))",
                                 "stroke": "#555", "stroke-width": "3", "stroke-dasharray": link.up ? "none" : "2 6"])
            svg.element("text", ["x": Markup.number((a.x + b.x) / 2), "y": Markup.number((a.y + b.y) / 2 + 16), "text-anchor": "middle",
                                 "font-size": "10"], linkText(link))
            svg.close()
        }
        for tunnel in tunnels {
            guard let a = position[tunnel.a], let b = position[tunnel.b] else { continue }
            // A curve bowed to one side of the straight underlay path, so the two do not overlap.
            let dx = b.x - a.x, dy = b.y - a.y
            let length = max(1, (dx * dx + dy * dy).squareRoot())
            // Bowed away from the centre, where the segment's spokes are.
            let middle = (x: (a.x + b.x) / 2, y: (a.y + b.y) / 2)
            var normal = (x: -dy / length, y: dx / length)
            if normal.x * (middle.x - centre.x) + normal.y * (middle.y - centre.y) < 0 { normal = (-normal.x, -normal.y) }
            let bow = count == 2 ? 90.0 : 60.0
            let control = (x: middle.x + normal.x * bow, y: middle.y + normal.y * bow)
            svg.open("g", ["class": "tunnel", "data-a": tunnel.a, "data-b": tunnel.b])
            svg.element("path", ["d": "M\(Markup.number(a.x)) \(Markup.number(a.y))Q\(Markup.number(control.x)) \(Markup.number(control.y)) \(Markup.number(b.x)) \(Markup.number(b.y))",
                                 "fill": "none", "stroke": "#0072b2", "stroke-width": "2", "stroke-dasharray": "8 4"])
            func point(_ s: Double) -> (x: Double, y: Double) {
                ((1 - s) * (1 - s) * a.x + 2 * (1 - s) * s * control.x + s * s * b.x,
                 (1 - s) * (1 - s) * a.y + 2 * (1 - s) * s * control.y + s * s * b.y)
            }
            // Labels grow away from the curve's bow, not across it; on a level tunnel each
            // grows from its own end towards the middle, one above the other.
            let level = abs(normal.x) <= 0.3
            let nearA = level ? point(0.25) : point(0.35), nearB = level ? point(0.75) : point(0.65)
            let anchorA = level ? (b.x >= a.x ? "start" : "end") : normal.x > 0 ? "start" : "end"
            let anchorB = level ? (b.x >= a.x ? "end" : "start") : anchorA
            let stagger = level ? 14.0 : 0
            label(nearA.x + normal.x * 14, anchorA, allowedText(from: tunnel.a, to: tunnel.b, tunnel.aAllowedIPs))
            label(nearB.x + normal.x * (14 + stagger), anchorB, allowedText(from: tunnel.b, to: tunnel.a, tunnel.bAllowedIPs))
            svg.element("text", ["class": "allowed", "data-side": tunnel.a, "x": Markup.number(nearA.x + normal.x * 14), "y": Markup.number(nearA.y + normal.y * 14 + 4),
                                 "text-anchor": anchorA, "font-size": "10", "stroke": "#fff", "stroke-width": "3", "paint-order": "stroke"],
                        allowedText(from: tunnel.a, to: tunnel.b, tunnel.aAllowedIPs))
            svg.element("text", ["class": "allowed", "data-side": tunnel.b, "x": Markup.number(nearB.x + normal.x * (14 + stagger)), "y": Markup.number(nearB.y + normal.y * (14 + stagger) + 4),
                                 "text-anchor": anchorB, "font-size": "10", "stroke": "#fff", "stroke-width": "3", "paint-order": "stroke"],
                        allowedText(from: tunnel.b, to: tunnel.a, tunnel.bAllowedIPs))
            svg.close()
        }
        for node in nodes {
            guard let p = position[node.name] else { continue }
            let left = p.x - nodeWidth / 2, top = p.y - nodeHeight / 2
            svg.open("g", ["class": "node", "data-node": node.name])
            // A WireGuard node is a rounded box with a thick border; a plain host a square one.
            svg.element("rect", ["x": Markup.number(left), "y": Markup.number(top), "width": Markup.number(nodeWidth), "height": Markup.number(nodeHeight),
                                 "rx": node.hasWireGuard ? "10" : "0", "fill": "#fff"])
            svg.element("rect", ["x": Markup.number(left), "y": Markup.number(top), "width": Markup.number(nodeWidth), "height": Markup.number(nodeHeight),
                                 "rx": node.hasWireGuard ? "10" : "0", "fill": node.hasWireGuard ? colours.colour(of: node.name) : "#eee",
                                 "fill-opacity": "0.35", "stroke": "#000", "stroke-width": node.hasWireGuard ? "2" : "1"])
            svg.element("text", ["x": Markup.number(p.x), "y": Markup.number(top + 14), "text-anchor": "middle", "font-weight": "bold"], node.name)
            svg.element("text", ["x": Markup.number(p.x), "y": Markup.number(top + 28), "text-anchor": "middle", "font-size": "10"],
                        "eth0 \(node.underlay)")
            if node.hasWireGuard {
                svg.element("text", ["x": Markup.number(p.x), "y": Markup.number(top + 40), "text-anchor": "middle", "font-size": "10"],
                            "wg0 " + (node.wireGuardAddresses.isEmpty ? "(no address)" : node.wireGuardAddresses.joined(separator: " ")))
            }
            svg.close()
            var dropY = top + nodeHeight + 14
            for drop in snapshot.drops where drop.node == node.name {
                svg.open("g", ["class": "drop", "data-node": drop.node, "data-reason": drop.reason, "data-count": String(drop.count)])
                svg.element("path", ["d": "M\(Markup.number(left + 2)) \(Markup.number(dropY - 8))l8 8m0 -8l-8 8", "stroke": "#c00", "stroke-width": "2"])
                svg.element("text", ["x": Markup.number(left + 14), "y": Markup.number(dropY), "font-size": "10", "fill": "#900"],
                            "\(drop.count) × \(drop.reason)")
                label(left + 14, "start", "\(drop.count) × \(drop.reason)")
                svg.close()
                dropY += 13
            }
        }
        if snapshot.nodes.count > count {
            svg.element("text", ["class": "omitted", "x": "8", "y": Markup.number(legendY - 4)],
                        "\(snapshot.nodes.count - count) more nodes left out (of \(snapshot.nodes.count))")
        }
        // The key: what each line is.
        svg.open("g", ["class": "key"])
        let keyY = legendY + 14
        svg.element("path", ["d": "M8 \(Markup.number(keyY))h30", "stroke": "#555", "stroke-width": "3"])
        svg.element("text", ["x": "44", "y": Markup.number(keyY + 4), "font-size": "10"], "underlay link")
        svg.element("path", ["d": "M140 \(Markup.number(keyY))h30", "stroke": "#0072b2", "stroke-width": "2", "stroke-dasharray": "8 4"])
        svg.element("text", ["x": "176", "y": Markup.number(keyY + 4), "font-size": "10"], "WireGuard tunnel: A → B: what A sends to B")
        svg.element("path", ["d": "M470 \(Markup.number(keyY - 4))l8 8m0 -8l-8 8", "stroke": "#c00", "stroke-width": "2"])
        svg.element("text", ["x": "484", "y": Markup.number(keyY + 4), "font-size": "10"], "drops")
        svg.close()
        var root = Markup()
        PictureText.openSVG(&root, class: "topology", width: extent.right - extent.left, height: height, standalone: standalone,
                            data: [("data-t", String(time))])
        if extent.left < 0 {
            root.open("g", ["transform": "translate(" + Markup.number(-extent.left) + ",0)"])
            root.raw(svg.text)
            root.close()
        } else {
            root.raw(svg.text)
        }
        PictureText.closeSVG(&root)
        return root.text + (standalone ? "\n" : "")
    }

    /// Sine and cosine by their series, in plain arithmetic: the C library's may differ in the
    /// last bit from one platform to another, and the picture must not.
    static func sineAndCosine(_ angle: Double) -> (sine: Double, cosine: Double) {
        var x = angle
        while x > Double.pi { x -= 2 * Double.pi }
        while x < -Double.pi { x += 2 * Double.pi }
        var sine = 0.0, cosine = 0.0
        var term = 1.0  // x^n / n!
        for n in 0..<30 {
            switch n % 4 {
            case 0: cosine += term
            case 1: sine += term
            case 2: cosine -= term
            default: sine -= term
            }
            term *= x / Double(n + 1)
        }
        return (sine, cosine)
    }

    /// `20 ms ±2 ms, loss 100%, down`.
    static func linkText(_ link: TopologyLink) -> String {
        var words = duration(link.latency)
        if link.jitter > 0 { words += " ±" + duration(link.jitter) }
        if link.loss > 0 { words += ", loss " + Markup.number(link.loss * 100) + "%" }
        if !link.up { words += ", down" }
        return words
    }

    static func duration(_ ns: Int64) -> String {
        ns % 1_000_000 == 0 && ns < 1_000_000_000 ? "\(ns / 1_000_000) ms" : PictureText.time(ns)
    }

    /// `server → ABCD: 192.168.32.0/24` (`(none)` when it gives the other nothing).
    static func allowedText(from a: String, to b: String, _ prefixes: [IPPrefix]) -> String {
        "\(a) → \(b): " + (prefixes.isEmpty ? "(none)" : prefixes.map(\.description).joined(separator: ", "))
    }

    /// The topology for a terminal: nodes, links, tunnels and drops as lists.
    public static func text(_ snapshot: RunSnapshot, at: Int64? = nil) -> String {
        let time = at ?? snapshot.end
        var out = "\(snapshot.name) " + (at == nil ? "at the end of the run (\(PictureText.time(time)))" : "at \(PictureText.time(time))") + "\n\nNodes:\n"
        let width = snapshot.nodes.map(\.name.count).max() ?? 0
        for node in snapshot.nodes {
            out += "  " + PictureText.padded(node.name, to: width) + "  eth0 \(node.underlay)"
            if node.hasWireGuard {
                out += "  wg0 " + (node.wireGuardAddresses.isEmpty ? "(no address)" : node.wireGuardAddresses.joined(separator: " "))
            }
            out += "\n"
        }
        out += "\nUnderlay:\n"
        for link in snapshot.links { out += "  \(link.a) ── \(link.b)  \(linkText(link))\n" }
        out += "  " + (snapshot.links.isEmpty ? "every pair" : "every other pair") + " shares one segment: 1 ms, no loss\n"
        let tunnels = snapshot.tunnels(at: time)
        out += "\nTunnels:\n"
        if tunnels.isEmpty { out += "  (none)\n" }
        for tunnel in tunnels {
            out += "  \(tunnel.a) ⇄ \(tunnel.b)\n"
            out += "    " + allowedText(from: tunnel.a, to: tunnel.b, tunnel.aAllowedIPs) + "\n"
            out += "    " + allowedText(from: tunnel.b, to: tunnel.a, tunnel.bAllowedIPs) + "\n"
        }
        out += "\nDrops:\n"
        if snapshot.drops.isEmpty { out += "  (none)\n" }
        for drop in snapshot.drops { out += "  " + PictureText.padded(drop.node, to: width) + "  \(drop.count) × \(drop.reason)\n" }
        return out
    }
}
