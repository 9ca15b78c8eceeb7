import Routing
import Sim
/// One colour and one letter per owner of allowed-IPs entries, fixed by the order owners first
/// appear in a run (`RunSnapshot.owners`), so that every picture of a run agrees. The letter
/// stands in for the colour in text pictures, and every SVG names the owner in words as well:
/// colour is never the only sign.
public struct OwnershipColours: Sendable {
    public let owners: [String]
    /// Each owner's first position in `owners`: a table of positions read back through `owners`,
    /// not a dictionary by name (about 63 bytes an owner for a hub's 100,000 owners).
    private let positions: PositionTable

    public init(owners: [String]) {
        self.owners = owners
        var positions = PositionTable()
        positions.reserveCapacity(owners.count) { owners[$0] }
        for (i, owner) in owners.enumerated() where positions.position(of: owner, keyAt: { owners[$0] }) == nil {
            positions.insert(i, key: owner) { owners[$0] }
        }
        self.positions = positions
    }

    /// `owner`'s first position in `owners`.
    private func position(of owner: String) -> Int? { positions.position(of: owner) { owners[$0] } }

    public init(_ snapshot: RunSnapshot) { self.init(owners: snapshot.owners) }

    /// Okabe and Ito's colour-blind-safe set, then darker companions for runs with more owners.
    static let palette = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
                          "#8c6d31", "#6b6ecf", "#b5cf6b", "#e7969c", "#7b4173"]
    /// For an owner the colours were not made with.
    static let unknown = "#bbbbbb"

    /// The fill colour of `owner` (`#rrggbb`).
    public func colour(of owner: String) -> String {
        guard let i = position(of: owner) else { return Self.unknown }
        return Self.palette[i % Self.palette.count]
    }

    /// Capital letters, then digits and signs: 46 owners get a character of their own.
    static let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789#$%&*+=@^~")

    /// The character that stands for `owner` in text pictures (`?` for an unknown owner; a
    /// capital letter for the first 26, then a digit or sign; after 46 owners they repeat, and
    /// the legend says which is which).
    public func letter(of owner: String) -> Character {
        guard let i = position(of: owner) else { return "?" }
        return Self.letters[i % Self.letters.count]
    }

    /// The owners in `used`, in colour order: found by position when the owners are many (a
    /// legend of a few owners out of a hub's 100,000 would otherwise scan them all, per picture).
    private func inColourOrder(_ used: Set<String>) -> [String] {
        guard owners.count > 4 * used.count, positions.count == owners.count else { return owners.filter(used.contains) }
        return used.compactMap { owner in position(of: owner).map { (owner, $0) } }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// `A = ABCD, B = EFGH` for the owners in `used`, in colour order.
    func textLegend(_ used: Set<String>) -> String {
        let shown = inColourOrder(used)
        var words = shown.prefix(Self.letters.count).map { "\(letter(of: $0)) = \($0)" }.joined(separator: ", ")
        if shown.count > Self.letters.count {
            words += ", and \(shown.count - Self.letters.count) more owners (the characters repeat in this order)"
        }
        return words
    }

    /// Draws a legend row (swatch and name per owner in `used`) at (`x`, `y`); returns its height.
    func drawLegend(_ used: Set<String>, into svg: inout Markup, x: Double, y: Double) -> Double {
        let shown = inColourOrder(used)
        guard !shown.isEmpty else { return 0 }
        svg.open("g", ["class": "legend"])
        var left = x
        for owner in shown {
            svg.open("g", ["class": "legend-owner", "data-owner": owner])
            svg.element("rect", ["x": Markup.number(left), "y": Markup.number(y), "width": "12", "height": "12",
                                 "fill": colour(of: owner), "stroke": "#333"])
            let label = "\(letter(of: owner)) \(PictureText.short(owner))"
            svg.element("text", ["x": Markup.number(left + 16), "y": Markup.number(y + 10)], label)
            svg.close()
            left += 28 + PictureText.width(label)
        }
        svg.close()
        return 18
    }
}

/// Text sizes and short forms shared by the pictures: they use a monospace font, so a label's
/// width is known without measuring it.
enum PictureText {
    /// Width of one character at the pictures' font size (12 px monospace).
    static let characterWidth = 7.2

    static func width(_ words: String) -> Double { Double(words.count) * characterWidth }

    /// An owner's name, shortened when it is a 44-character base64 key (`abcd1234…`).
    static func short(_ owner: String) -> String {
        owner.count > 20 ? String(owner.prefix(8)) + "…" : owner
    }

    /// `words` followed by spaces up to `width` characters.
    static func padded(_ words: String, to width: Int) -> String {
        words + String(repeating: " ", count: max(0, width - words.count))
    }

    /// Simulated time in seconds, as few digits as it needs: `0s`, `1.5s`, `0.000001s` (the log's
    /// nine-decimal seconds with the trailing zeros dropped).
    static func time(_ ns: Int64) -> String {
        var text = TimeText.seconds(ns)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + "s"
    }

    /// Opens the picture's root `<svg>` (closed by `closeSVG`): a standalone file names the SVG
    /// namespace, an inline one (in the page) needs none. Attributes come in a fixed order.
    static func openSVG(_ svg: inout Markup, class name: String, width: Double, height: Double, standalone: Bool,
                        data: [(String, String)] = []) {
        var opening = "<svg"
        if standalone { opening += " xmlns=\"http://www.w3.org/2000/svg\"" }
        opening += " class=\"" + Markup.escape(name) + "\""
        for (key, value) in data { opening += " " + key + "=\"" + Markup.escape(value) + "\"" }
        opening += " viewBox=\"0 0 " + Markup.number(width) + " " + Markup.number(height) + "\" width=\""
            + Markup.number(width) + "\" height=\"" + Markup.number(height) + "\" font-family=\"monospace\" font-size=\"12\">"
        svg.raw(opening)
    }

    static func closeSVG(_ svg: inout Markup) { svg.raw("</svg>") }
}
