/// A fast reader for the plain subset of YAML that generated scenarios (`wgsim generate hub`)
/// and many hand-written ones use: block mappings and sequences indented with spaces, one-line
/// flow collections (`{peer: p0, allowed-ips: [10.0.0.2/32]}`), plain scalars of ordinary
/// characters, `|` literal blocks, comment lines and trailing comments.
///
/// Why: Yams builds a node tree with a tag object per node, ~60 % of reading a 100k-node file.
/// This reader builds the loader's own `YAMLNode`s directly. It gives up (nil) at the first
/// thing outside the subset or anything doubtful — quotes, anchors, tags, multi-line plain or
/// flow values, tabs, empty values, odd indentation, `: ` inside a value, any byte outside
/// printable ASCII (even in a comment: libyaml takes U+2028 or U+0085 for a line break), lists
/// and mappings nested deeper than `YAMLShapeCheck.maxDepth` — and the
/// caller then reads the file with Yams. So it never reports a syntax error itself: every
/// error message stays the one Yams gives, and what it accepts it reads as Yams does (a test
/// compares the two trees, lines included, on every shipped scenario).
struct YAMLSubsetReader {
    /// Thrown internally to give up; never escapes `read`.
    private struct OutsideSubset: Error {}

    private let bytes: [UInt8]
    /// Each line's byte range, without its newline.
    private let lines: [Range<Int>]
    /// The line being read (0-based).
    private var row = 0
    /// Block lists and mappings open around the current one; flow ones add to it as they nest.
    private var depth = 0

    /// The document's root node, or nil when the text is not entirely within the subset.
    static func read(_ text: String) -> YAMLNode? {
        var reader = YAMLSubsetReader(Array(text.utf8))
        return try? reader.document()
    }

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var lines: [Range<Int>] = []
        var start = 0
        for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            lines.append(start..<i)
            start = i + 1
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        self.lines = lines
    }

    private mutating func document() throws -> YAMLNode {
        // Tabs, carriage returns and control characters have rules of their own, and libyaml
        // reads some non-ASCII characters as line breaks (U+0085, U+2028, U+2029) even inside a
        // comment; DEL and the rest are refused or kept by rules this reader does not copy: all
        // are left to Yams (and to `YAMLTextCheck` before it). A last line without its newline
        // changes how a `|` block ends: left to Yams too.
        guard bytes.last == UInt8(ascii: "\n"),
              !bytes.contains(where: { $0 >= 0x7F || ($0 < 0x20 && $0 != UInt8(ascii: "\n")) }) else {
            throw OutsideSubset()
        }
        skipBlankAndCommentLines()
        guard row < lines.count, indent(of: row) == 0 else { throw OutsideSubset() }
        let root = try blockMapping(column: 0)
        skipBlankAndCommentLines()
        guard row == lines.count else { throw OutsideSubset() }
        return root
    }

    // MARK: Lines

    private func indent(of row: Int) -> Int {
        let line = lines[row]
        var i = line.lowerBound
        while i < line.upperBound && bytes[i] == UInt8(ascii: " ") { i += 1 }
        return i - line.lowerBound
    }

    private func isBlank(_ row: Int) -> Bool { indent(of: row) == lines[row].count }

    private mutating func skipBlankAndCommentLines() {
        while row < lines.count {
            let first = lines[row].lowerBound + indent(of: row)
            guard first == lines[row].upperBound || bytes[first] == UInt8(ascii: "#") else { return }
            row += 1
        }
    }

    /// One more level of block nesting; past `YAMLShapeCheck.maxDepth` the file is left to Yams
    /// (after `YAMLShapeCheck` has refused it), so this reader's recursion stays shallow.
    private mutating func enterCollection() throws {
        guard depth < YAMLShapeCheck.maxDepth else { throw OutsideSubset() }
        depth += 1
    }

    /// Whether the line at `row` is a block sequence entry (`- …`) starting at `column`.
    private func isSequenceEntry(_ row: Int, column: Int) -> Bool {
        let at = lines[row].lowerBound + column
        return at < lines[row].upperBound && bytes[at] == UInt8(ascii: "-")
            && (at + 1 == lines[row].upperBound || bytes[at + 1] == UInt8(ascii: " "))
    }

    // MARK: Block collections

    /// A block mapping whose keys start at `column`: the first on the current line (possibly
    /// after a `- `), the others on following lines indented exactly that far.
    private mutating func blockMapping(column: Int) throws -> YAMLNode {
        try enterCollection()
        defer { depth -= 1 }
        let line = row + 1
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var start = lines[row].lowerBound + column
        while true {
            pairs.append(try mappingEntry(at: start))
            skipBlankAndCommentLines()
            guard row < lines.count else { break }
            let next = indent(of: row)
            if next < column { break }
            guard next == column else { throw OutsideSubset() }
            start = lines[row].lowerBound + column
        }
        return .mapping(pairs, line: line)
    }

    /// `key: value` from `start`; leaves `row` after the value's last line.
    private mutating func mappingEntry(at start: Int) throws -> (key: YAMLNode, value: YAMLNode) {
        let end = lines[row].upperBound
        let column = start - lines[row].lowerBound
        var i = start
        while i < end && Self.isKeyByte(bytes[i]) { i += 1 }
        guard i > start, i - start <= Self.longestKey, Self.canStartPlain(bytes[start]), i < end, bytes[i] == UInt8(ascii: ":"),
              i + 1 == end || bytes[i + 1] == UInt8(ascii: " ") else { throw OutsideSubset() }
        let key = YAMLNode.scalar(text(start..<i), line: row + 1, plain: true)
        i += 1
        while i < end && bytes[i] == UInt8(ascii: " ") { i += 1 }
        if i == end || startsComment(at: i) {
            // The value is the block collection on the following, more indented lines.
            row += 1
            skipBlankAndCommentLines()
            guard row < lines.count else { throw OutsideSubset() }
            let inner = indent(of: row)
            guard inner > column else { throw OutsideSubset() }
            let value = isSequenceEntry(row, column: inner) ? try blockSequence(column: inner) : try blockMapping(column: inner)
            return (key, value)
        }
        if bytes[i] == UInt8(ascii: "|") {
            guard i + 1 == end else { throw OutsideSubset() }
            return (key, try literalBlock(parentColumn: column))
        }
        return (key, try inlineValue(from: i))
    }

    /// A block sequence whose `-` markers are at `column`.
    private mutating func blockSequence(column: Int) throws -> YAMLNode {
        try enterCollection()
        defer { depth -= 1 }
        let line = row + 1
        var items: [YAMLNode] = []
        while row < lines.count, indent(of: row) == column, isSequenceEntry(row, column: column) {
            var i = lines[row].lowerBound + column + 1
            let end = lines[row].upperBound
            while i < end && bytes[i] == UInt8(ascii: " ") { i += 1 }
            guard i < end, !isSequenceEntry(row, column: i - lines[row].lowerBound) else { throw OutsideSubset() }
            if startsMappingEntry(at: i, end: end) {
                items.append(try blockMapping(column: i - lines[row].lowerBound))
            } else {
                items.append(try inlineValue(from: i))
                skipBlankAndCommentLines()
            }
            guard row == lines.count || indent(of: row) <= column else { throw OutsideSubset() }
        }
        guard row == lines.count || indent(of: row) < column else { throw OutsideSubset() }
        return .sequence(items, line: line)
    }

    /// Whether a plain key followed by `: ` (or `:` at the end of the line) starts at `i`.
    private func startsMappingEntry(at i: Int, end: Int) -> Bool {
        var j = i
        while j < end && Self.isKeyByte(bytes[j]) { j += 1 }
        return j > i && j < end && bytes[j] == UInt8(ascii: ":") && (j + 1 == end || bytes[j + 1] == UInt8(ascii: " "))
    }

    /// A one-line value after `key: ` or `- `: a flow collection or a plain scalar, then at most
    /// spaces and a comment; moves to the next line.
    private mutating func inlineValue(from start: Int) throws -> YAMLNode {
        var end = lines[row].upperBound
        if let comment = (start..<end).first(where: startsComment) { end = comment }
        var i = start
        let value: YAMLNode
        if bytes[i] == UInt8(ascii: "[") || bytes[i] == UInt8(ascii: "{") {
            value = try flowNode(&i, end: end, depth: depth)
            while i < end && bytes[i] == UInt8(ascii: " ") { i += 1 }
            guard i == end else { throw OutsideSubset() }
        } else {
            var last = end
            while last > start && bytes[last - 1] == UInt8(ascii: " ") { last -= 1 }
            value = try plainScalar(start..<last, inFlow: false)
        }
        row += 1
        return value
    }

    /// Whether a comment starts at `i`: a `#` after a space (a `#` inside a word is not one).
    private func startsComment(at i: Int) -> Bool {
        bytes[i] == UInt8(ascii: "#") && i > 0 && bytes[i - 1] == UInt8(ascii: " ")
    }

    /// A `|` block (clip chomping, indentation taken from its first line), starting on the line
    /// after the current one: its lines without that indentation, each ending in a newline,
    /// trailing empty lines dropped.
    private mutating func literalBlock(parentColumn: Int) throws -> YAMLNode {
        let line = row + 1
        row += 1
        guard row < lines.count, !isBlank(row) else { throw OutsideSubset() }
        let contentIndent = indent(of: row)
        guard contentIndent > parentColumn else { throw OutsideSubset() }
        var content: [UInt8] = []
        var pendingEmptyLines = 0
        while row < lines.count {
            if isBlank(row) {
                guard lines[row].count <= contentIndent else { throw OutsideSubset() }
                pendingEmptyLines += 1
            } else if indent(of: row) >= contentIndent {
                content.append(contentsOf: repeatElement(UInt8(ascii: "\n"), count: pendingEmptyLines))
                pendingEmptyLines = 0
                content.append(contentsOf: bytes[(lines[row].lowerBound + contentIndent)..<lines[row].upperBound])
                content.append(UInt8(ascii: "\n"))
            } else {
                guard indent(of: row) <= parentColumn else { throw OutsideSubset() }
                break
            }
            row += 1
        }
        return .scalar(String(decoding: content, as: UTF8.self), line: line, plain: false)
    }

    // MARK: Flow collections (on one line)

    /// A flow node at `i`, inside `depth` open lists and mappings.
    private func flowNode(_ i: inout Int, end: Int, depth: Int) throws -> YAMLNode {
        let line = row + 1
        guard i < end else { throw OutsideSubset() }
        if bytes[i] == UInt8(ascii: "[") || bytes[i] == UInt8(ascii: "{") {
            guard depth < YAMLShapeCheck.maxDepth else { throw OutsideSubset() }
        }
        switch bytes[i] {
        case UInt8(ascii: "["):
            var items: [YAMLNode] = []
            try flowItems(&i, end: end, closing: UInt8(ascii: "]")) { i in items.append(try flowNode(&i, end: end, depth: depth + 1)) }
            return .sequence(items, line: line)
        case UInt8(ascii: "{"):
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            try flowItems(&i, end: end, closing: UInt8(ascii: "}")) { i in
                let keyStart = i
                while i < end && Self.isKeyByte(bytes[i]) { i += 1 }
                guard i > keyStart, i - keyStart <= Self.longestKey, Self.canStartPlain(bytes[keyStart]), i + 1 < end,
                      bytes[i] == UInt8(ascii: ":"),
                      bytes[i + 1] == UInt8(ascii: " ") else { throw OutsideSubset() }
                let key = YAMLNode.scalar(text(keyStart..<i), line: line, plain: true)
                i += 1
                while i < end && bytes[i] == UInt8(ascii: " ") { i += 1 }
                pairs.append((key, try flowNode(&i, end: end, depth: depth + 1)))
            }
            return .mapping(pairs, line: line)
        default:
            let start = i
            while i < end && !Self.endsFlowScalar(bytes[i]) { i += 1 }
            var last = i
            while last > start && bytes[last - 1] == UInt8(ascii: " ") { last -= 1 }
            return try plainScalar(start..<last, inFlow: true)
        }
    }

    /// `[a, b]` / `{k: v}` from the opening bracket at `i` to just after `closing`: `item` reads
    /// each entry; empty entries and a trailing comma are left to Yams.
    private func flowItems(_ i: inout Int, end: Int, closing: UInt8, _ item: (inout Int) throws -> Void) throws {
        i += 1
        skipSpaces(&i, end: end)
        if i < end && bytes[i] == closing { i += 1; return }
        while true {
            try item(&i)
            skipSpaces(&i, end: end)
            guard i < end else { throw OutsideSubset() }
            if bytes[i] == closing { i += 1; return }
            guard bytes[i] == UInt8(ascii: ","), i + 1 < end, bytes[i + 1] == UInt8(ascii: " ") else { throw OutsideSubset() }
            i += 1
            skipSpaces(&i, end: end)
        }
    }

    private func skipSpaces(_ i: inout Int, end: Int) {
        while i < end && bytes[i] == UInt8(ascii: " ") { i += 1 }
    }

    // MARK: Scalars

    /// A plain scalar starting with a letter, digit, `_`, `.` or `/`. In a flow collection it
    /// may hold only ordinary characters (no `:`, quotes or other indicators); in block context
    /// any printable ASCII except `#` and a `:` before a space, which libyaml's scanner
    /// (`yaml_parser_scan_plain_scalar`) would take as the end of the scalar.
    private func plainScalar(_ range: Range<Int>, inFlow: Bool) throws -> YAMLNode {
        guard !range.isEmpty, Self.canStartPlain(bytes[range.lowerBound]) else { throw OutsideSubset() }
        for i in range where !Self.isPlainByte(bytes[i]) {
            let byte = bytes[i]
            guard !inFlow, byte > 0x20, byte < 0x7F, byte != UInt8(ascii: "#") else { throw OutsideSubset() }
            if byte == UInt8(ascii: ":") && (i + 1 == range.upperBound || bytes[i + 1] == UInt8(ascii: " ")) {
                throw OutsideSubset()
            }
        }
        return .scalar(text(range), line: row + 1, plain: true)
    }

    private func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    /// libyaml refuses an implicit key longer than 1024 characters; such keys are left to Yams.
    private static let longestKey = 1024

    /// Letters, digits and `-_./` (node names, keys, addresses, prefixes, durations).
    private static func isKeyByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    /// What may appear in a value this reader accepts: key bytes, spaces and a few harmless marks.
    private static func isPlainByte(_ b: UInt8) -> Bool {
        isKeyByte(b) || b == UInt8(ascii: " ") || b == UInt8(ascii: "+") || b == UInt8(ascii: "=") || b == UInt8(ascii: "(")
            || b == UInt8(ascii: ")")
    }

    /// A letter, digit, `_`, `.` or `/` (`-` could be a sequence entry, others are indicators).
    private static func canStartPlain(_ b: UInt8) -> Bool { isKeyByte(b) && b != UInt8(ascii: "-") }

    private static func endsFlowScalar(_ b: UInt8) -> Bool {
        b == UInt8(ascii: ",") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}")
    }
}
