/// The subset reader's flow collections (`[a, b]`, `{k: v}` on one line) and its plain scalars:
/// the byte-level half of `YAMLSubsetReader`, whose block structure is in YAMLSubsetReader.swift.
extension YAMLSubsetReader {
    // MARK: Flow collections (on one line)

    /// A flow node at `i`, inside `depth` open lists and mappings.
    func flowNode(_ i: inout Int, end: Int, depth: Int) throws -> YAMLNode {
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
    func plainScalar(_ range: Range<Int>, inFlow: Bool) throws -> YAMLNode {
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

    func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    /// libyaml refuses an implicit key longer than 1024 characters; such keys are left to Yams.
    static let longestKey = 1024

    /// Letters, digits and `-_./` (node names, keys, addresses, prefixes, durations); also the
    /// bytes of the values `StreamedNodeLine` takes, which must be the ones this reader reads plain.
    static func isKeyByte(_ b: UInt8) -> Bool {
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
    static func canStartPlain(_ b: UInt8) -> Bool { isKeyByte(b) && b != UInt8(ascii: "-") }

    private static func endsFlowScalar(_ b: UInt8) -> Bool {
        b == UInt8(ascii: ",") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}")
    }
}
