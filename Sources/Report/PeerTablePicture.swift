import Routing

/// A node's allowed-IPs table at one moment, drawn two ways: as a prefix tree (each entry under
/// the narrowest entry containing it, as the kernel's trie nests them) and as address-range bars
/// (one bar per entry, its own range from first to last address, coloured by owner, with the
/// ranges of narrower entries carved out in their owners' colours: a lookup there goes to them,
/// longest prefix first — allowedips.c `lookup`).
public enum PeerTablePicture {
    static let rowHeight = 24.0
    static let indent = 24.0
    static let barWidth = 400.0
    static let barRowHeight = 34.0
    /// Entries drawn at most, so that a 10k-peer hub's table stays a readable size; a note
    /// says how many more there are.
    public static let standardLimit = 300

    /// The table as the page shows it: `<figure class="peer-table" data-node data-t>` with a
    /// caption, `svg.prefix-tree` and `svg.address-bars`. `matched`: the entry to highlight.
    public static func figure(_ table: PeerTableSnapshot, colours: OwnershipColours, matched: IPPrefix? = nil,
                              limit: Int = standardLimit) -> String {
        var html = Markup()
        html.open("figure", ["class": "peer-table", "data-node": table.node, "data-t": String(table.t)])
        html.element("figcaption", [:], caption(table))
        html.raw(tree(table, colours: colours, matched: matched, standalone: false, limit: limit).svg)
        html.raw(bars(table, colours: colours, matched: matched, standalone: false, limit: limit).svg)
        html.close()
        return html.text
    }

    /// The table as one standalone SVG file (for `wgsim draw table`, slides and the course).
    public static func svg(_ table: PeerTableSnapshot, colours: OwnershipColours, matched: IPPrefix? = nil,
                           limit: Int = standardLimit) -> String {
        let treePart = tree(table, colours: colours, matched: matched, standalone: false, limit: limit)
        let barPart = bars(table, colours: colours, matched: matched, standalone: false, limit: limit)
        let width = max(treePart.width, barPart.width)
        let height = 24 + treePart.height + 12 + barPart.height
        var svg = Markup()
        PictureText.openSVG(&svg, class: "peer-table", width: width, height: height, standalone: true,
                            data: [("data-node", table.node), ("data-t", String(table.t))])
        svg.element("text", ["class": "caption", "x": "8", "y": "16", "font-weight": "bold"], caption(table))
        svg.open("g", ["transform": "translate(0,24)"])
        svg.raw(treePart.svg)
        svg.close()
        svg.open("g", ["transform": "translate(0," + Markup.number(24 + treePart.height + 12) + ")"])
        svg.raw(barPart.svg)
        svg.close()
        PictureText.closeSVG(&svg)
        return svg.text + "\n"
    }

    /// `server wg0 at 5s`.
    static func caption(_ table: PeerTableSnapshot) -> String {
        "\(table.node) wg0 at \(PictureText.time(table.t))" + (table.decisionIndex == nil && table.t == 0 ? " (set-up)" : "")
    }

    // MARK: The prefix tree

    static func tree(_ table: PeerTableSnapshot, colours: OwnershipColours, matched: IPPrefix?,
                     standalone: Bool, limit: Int = standardLimit) -> (svg: String, width: Double, height: Double) {
        let layout = PeerTableLayout(table, limit: limit)
        let rows = layout.rows
        func x(_ row: Int) -> Double { 16 + Double(rows[row].depth + 1) * indent }
        func y(_ row: Int) -> Double { 16 + Double(row + 1) * rowHeight }
        var width = 200.0
        for i in rows.indices { width = max(width, x(i) + 14 + PictureText.width(label(rows[i].entry, matched: matched)) + 12) }
        let used = Set(rows.flatMap { [$0.entry.owner] + ($0.entry.movedFrom.map { [$0] } ?? []) })
        let legendY = y(rows.count) + 4 + (layout.omitted > 0 ? 18 : 0)
        let height = legendY + (used.isEmpty ? 0 : 22)
        var svg = Markup()
        PictureText.openSVG(&svg, class: "prefix-tree", width: width, height: height, standalone: standalone)
        // The root: wg0 itself, which every lookup starts from.
        svg.open("g", ["class": "root"])
        svg.element("circle", ["cx": "16", "cy": "16", "r": "6", "fill": "#333"])
        svg.element("text", ["x": "28", "y": "20"], table.entries.isEmpty ? "wg0 (no allowed IPs)" : "wg0")
        svg.close()
        for (i, row) in rows.enumerated() {
            let px = row.parent.map(x) ?? 16, py = row.parent.map(y) ?? 16
            let cx = x(i), cy = y(i)
            svg.element("path", ["class": "edge", "d": "M\(Markup.number(px)) \(Markup.number(py + 7))V\(Markup.number(cy))H\(Markup.number(cx - 7))",
                                 "fill": "none", "stroke": "#555"])
        }
        for (i, row) in rows.enumerated() {
            let entry = row.entry
            let cx = x(i), cy = y(i)
            let isMatched = entry.prefix == matched
            let classes = "prefix" + (entry.movedFrom != nil ? " moved" : "") + (isMatched ? " matched" : "")
            if let from = entry.movedFrom {
                svg.open("g", ["class": classes, "data-prefix": entry.prefix.description, "data-owner": entry.owner, "data-from": from])
            } else {
                svg.open("g", ["class": classes, "data-prefix": entry.prefix.description, "data-owner": entry.owner])
            }
            // A moved entry's swatch has a dashed outline in its previous owner's colour: a second
            // sign beside the words.
            if let from = entry.movedFrom {
                svg.element("rect", ["class": "from", "x": Markup.number(cx - 10), "y": Markup.number(cy - 10), "width": "20", "height": "20",
                                     "fill": "none", "stroke": colours.colour(of: from), "stroke-width": "2", "stroke-dasharray": "3 2"])
            }
            svg.element("rect", ["x": Markup.number(cx - 7), "y": Markup.number(cy - 7), "width": "14", "height": "14",
                                 "fill": colours.colour(of: entry.owner), "stroke": isMatched ? "#000" : "#333",
                                 "stroke-width": isMatched ? "3" : "1"])
            svg.element("text", ["x": Markup.number(cx + 14), "y": Markup.number(cy + 4),
                                 "font-weight": isMatched ? "bold" : "normal"], label(entry, matched: matched))
            svg.close()
        }
        if layout.omitted > 0 {
            svg.element("text", ["class": "omitted", "x": "8", "y": Markup.number(y(rows.count) + 4)], omittedWords(layout.omitted))
        }
        _ = colours.drawLegend(used, into: &svg, x: 8, y: legendY)
        PictureText.closeSVG(&svg)
        return (svg.text, width, height)
    }

    /// `1700 more entries left out`.
    static func omittedWords(_ count: Int) -> String {
        "\(count) more \(count == 1 ? "entry" : "entries") left out"
    }

    /// `192.168.32.19/32 EFGH (moved from ABCD) ◀ matched`.
    static func label(_ entry: PeerTableEntry, matched: IPPrefix?) -> String {
        var words = "\(entry.prefix) \(PictureText.short(entry.owner))"
        if let from = entry.movedFrom { words += " (moved from \(PictureText.short(from)))" }
        if entry.prefix == matched { words += " ◀ matched" }
        return words
    }

    // MARK: The address-range bars

    static func bars(_ table: PeerTableSnapshot, colours: OwnershipColours, matched: IPPrefix?,
                     standalone: Bool, limit: Int = standardLimit) -> (svg: String, width: Double, height: Double) {
        let layout = PeerTableLayout(table, limit: limit)
        let rows = layout.rows
        let labelWidth = PictureText.width(rows.map { $0.entry.prefix.description }.max { $0.count < $1.count } ?? "") + 16
        let x0 = labelWidth + 8
        var width = x0 + barWidth + 16
        for row in rows { width = max(width, x0 + barWidth + 12 + PictureText.width(barNote(row, rows: rows)) + 8) }
        let used = Set(rows.map(\.entry.owner))
        let legendY = 12 + Double(rows.count) * barRowHeight + (layout.omitted > 0 ? 18 : 0)
        let height = legendY + (used.isEmpty ? 0 : 22)
        var svg = Markup()
        PictureText.openSVG(&svg, class: "address-bars", width: width, height: height, standalone: standalone)
        for (i, row) in rows.enumerated() {
            let entry = row.entry
            let top = 12 + Double(i) * barRowHeight
            svg.open("g", ["class": "bar", "data-prefix": entry.prefix.description])
            svg.element("text", ["x": "8", "y": Markup.number(top + 12)], entry.prefix.description)
            let classes = "range" + (entry.movedFrom != nil ? " moved" : "") + (entry.prefix == matched ? " matched" : "")
            let rectX = Markup.number(x0), rectY = Markup.number(top), barW = Markup.number(barWidth)
            if let from = entry.movedFrom {
                svg.element("rect", ["class": classes, "data-prefix": entry.prefix.description, "data-owner": entry.owner, "data-from": from,
                                     "x": rectX, "y": rectY, "width": barW, "height": "16", "fill": colours.colour(of: entry.owner), "stroke": "#333"])
            } else {
                svg.element("rect", ["class": classes, "data-prefix": entry.prefix.description, "data-owner": entry.owner,
                                     "x": rectX, "y": rectY, "width": barW, "height": "16", "fill": colours.colour(of: entry.owner), "stroke": "#333"])
            }
            for child in row.children.map({ rows[$0].entry }) {
                let start = x0 + PeerTableLayout.offset(of: child.prefix, within: entry.prefix) * barWidth
                let span = max(3, PeerTableLayout.share(of: child.prefix, within: entry.prefix) * barWidth)
                // The carve: the narrower entry's range in its owner's colour, cut out of the bar
                // by white edges, with a notch above it so that a /32 in a /8 is still seen.
                svg.element("rect", ["class": "carved", "data-prefix": child.prefix.description, "data-owner": child.owner,
                                     "data-within": entry.prefix.description,
                                     "x": Markup.number(start), "y": Markup.number(top), "width": Markup.number(span), "height": "16",
                                     "fill": colours.colour(of: child.owner), "stroke": "#fff", "stroke-width": "1"])
                let middle = start + span / 2
                svg.element("path", ["class": "notch", "d": "M\(Markup.number(middle)) \(Markup.number(top - 1))l-4 -6h8z", "fill": "#000"])
            }
            svg.element("text", ["x": Markup.number(x0), "y": Markup.number(top + 28), "font-size": "10"], entry.prefix.address.description)
            svg.element("text", ["x": Markup.number(x0 + barWidth), "y": Markup.number(top + 28), "font-size": "10", "text-anchor": "end"],
                        lastAddress(of: entry.prefix))
            svg.element("text", ["x": Markup.number(x0 + barWidth + 12), "y": Markup.number(top + 12)], barNote(row, rows: rows))
            svg.close()
        }
        if layout.omitted > 0 {
            svg.element("text", ["class": "omitted", "x": "8", "y": Markup.number(12 + Double(rows.count) * barRowHeight + 4)],
                        omittedWords(layout.omitted))
        }
        _ = colours.drawLegend(used, into: &svg, x: 8, y: legendY)
        PictureText.closeSVG(&svg)
        return (svg.text, width, height)
    }

    /// `ABCD; carved out: 192.168.32.19/32 EFGH`.
    static func barNote(_ row: PeerTableLayout.Row, rows: [PeerTableLayout.Row]) -> String {
        var words = PictureText.short(row.entry.owner)
        let carved = row.children.map { "\(rows[$0].entry.prefix) \(PictureText.short(rows[$0].entry.owner))" }
        if !carved.isEmpty { words += "; carved out: " + carved.joined(separator: ", ") }
        return words
    }

    /// The prefix's last address (all host bits set).
    static func lastAddress(of prefix: IPPrefix) -> String {
        var bytes = prefix.address.bytes
        for bit in prefix.length..<(bytes.count * 8) { bytes[bit / 8] |= 0x80 >> UInt8(bit % 8) }
        return IPAddress(bytes: bytes)?.description ?? prefix.address.description
    }

    // MARK: Text

    /// The tree with box-drawing characters: `├── 192.168.32.0/24  ABCD`, the matched entry
    /// marked `◀ matched`.
    public static func treeText(_ table: PeerTableSnapshot, matched: IPPrefix? = nil, limit: Int = standardLimit) -> String {
        let layout = PeerTableLayout(table, limit: limit)
        let rows = layout.rows
        var lines = [table.entries.isEmpty ? "wg0 (no allowed IPs)" : "wg0"]
        for row in rows {
            var ancestor = row.parent
            var guides: [String] = []
            while let a = ancestor {
                guides.append(rows[a].isLast ? "    " : "│   ")
                ancestor = rows[a].parent
            }
            lines.append(guides.reversed().joined() + (row.isLast ? "└── " : "├── ") + label(row.entry, matched: matched))
        }
        if layout.omitted > 0 { lines.append("… " + omittedWords(layout.omitted)) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The whole table for a terminal: caption, tree, then one address bar per entry in
    /// `cells` character cells (the owner's letter; a narrower entry's cells in its owner's
    /// letter in lower case), and the legend.
    public static func text(_ table: PeerTableSnapshot, colours: OwnershipColours, matched: IPPrefix? = nil,
                            cells: Int = 64, limit: Int = standardLimit) -> String {
        var out = caption(table) + "\n" + treeText(table, matched: matched, limit: limit)
        let rows = PeerTableLayout(table, limit: limit).rows
        guard !rows.isEmpty else { return out }
        out += "\n"
        let labelWidth = rows.map { $0.entry.prefix.description.count }.max() ?? 0
        for row in rows {
            let entry = row.entry
            var bar = Array(repeating: colours.letter(of: entry.owner), count: cells)
            for child in row.children.map({ rows[$0].entry }) {
                let start = PeerTableLayout.offset(of: child.prefix, within: entry.prefix) * Double(cells)
                let end = start + PeerTableLayout.share(of: child.prefix, within: entry.prefix) * Double(cells)
                let first = min(cells - 1, Int(start.rounded(.down)))
                let last = max(first + 1, min(cells, Int(end.rounded(.up))))
                let mark = Character(String(colours.letter(of: child.owner)).lowercased())
                for cell in first..<last { bar[cell] = mark }
            }
            let label = PictureText.padded(entry.prefix.description, to: labelWidth)
            out += "\(label) |\(String(bar))| \(barNote(row, rows: rows))\n"
        }
        let used = Set(rows.map(\.entry.owner))
        let carves = rows.contains { !$0.children.isEmpty }
        out += colours.textLegend(used) + (carves ? "; lower case: a narrower entry's range, carved out" : "") + "\n"
        return out
    }
}
