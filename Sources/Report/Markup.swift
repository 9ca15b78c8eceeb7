/// Writes SVG and HTML text: elements, attributes and escaped text, with numbers printed the
/// same way on every machine (the report is a golden file, compared byte for byte). Every picture
/// and the page itself are written through this one writer.
public struct Markup {
    /// The text written so far.
    public private(set) var text = ""
    /// Open elements, innermost last, so that `close()` needs no name and cannot mismatch.
    private var open: [String] = []

    public init() {}

    /// Opens `<name attributes…>`; attributes are written in the order given.
    public mutating func open(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        text += "<" + name
        appendAttributes(attributes)
        text += ">"
        open.append(name)
    }

    /// Closes the innermost open element.
    public mutating func close() {
        // A picture that closes more than it opened is a bug in that picture; in a release build
        // the stray close is dropped rather than trapping in the middle of a run's outputs.
        assert(!open.isEmpty, "Markup.close() with no element open")
        guard let name = open.popLast() else { return }
        text += "</" + name + ">"
    }

    /// Writes `<name attributes…>escaped content</name>`, or `<name …/>` when `content` is nil.
    public mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ content: String? = nil) {
        text += "<" + name
        appendAttributes(attributes)
        if let content {
            text += ">" + Markup.escape(content) + "</" + name + ">"
        } else {
            text += "/>"
        }
    }

    /// Writes escaped text inside the current element.
    public mutating func content(_ words: String) { text += Markup.escape(words) }

    /// Writes text as it is: for a style sheet or script the page carries inline, or markup
    /// another `Markup` produced.
    public mutating func raw(_ verbatim: String) { text += verbatim }

    /// A newline, so that the page's source reads (and diffs) line by line.
    public mutating func newline() { text += "\n" }

    /// Whether every element opened has been closed.
    public var isBalanced: Bool { open.isEmpty }

    private mutating func appendAttributes(_ attributes: KeyValuePairs<String, String>) {
        for (key, value) in attributes {
            text += " " + key + "=\"" + Markup.escape(value) + "\""
        }
    }

    /// `words` with the five characters that mean something in XML and HTML escaped.
    public static func escape(_ words: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(words.unicodeScalars.count)
        for scalar in words.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A coordinate or length: at most two decimals, no trailing zeros, no exponent, "-0" never
    /// written, so that the same drawing gives the same bytes whatever the platform's float
    /// formatting.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let hundredths = (value * 100).rounded()
        if hundredths == 0 { return "0" }
        let negative = hundredths < 0
        let magnitude = Int64(min(abs(hundredths), 9.0e15))
        let whole = magnitude / 100, fraction = magnitude % 100
        var out = negative ? "-" : ""
        out += String(whole)
        if fraction != 0 {
            out += "." + (fraction % 10 == 0 ? String(fraction / 10) : (fraction < 10 ? "0" : "") + String(fraction))
        }
        return out
    }
}
