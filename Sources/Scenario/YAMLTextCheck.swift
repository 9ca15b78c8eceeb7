/// The characters a scenario file may hold, checked before either YAML reader sees the text, so
/// that both read the same bytes the same way and every refusal names the line and column.
///
/// Refused, each with its own message:
/// - C0 control characters other than tab, line feed, and carriage return before a line feed;
///   DEL; C1 controls (U+0080–U+009F, including U+0085 NEXT LINE); U+FFFE and U+FFFF. libyaml
///   refuses most of these with "control characters are not allowed" and no line.
/// - U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR, U+0085 and a lone carriage return:
///   libyaml (YAML 1.1) takes them for line breaks where most editors do not, so a comment or
///   a line number would mean different things to the reader and to the writer of the file.
/// - A byte order mark: `YAMLDocument.load` drops one that starts the file before checking.
/// - A line longer than `maxLineBytes`.
enum YAMLTextCheck {
    /// The longest line accepted, in bytes (64 KiB); generated lines are a few hundred bytes.
    static let maxLineBytes = 64 << 10

    static func check(_ text: String, file: String) throws {
        var text = text
        try text.withUTF8 { try check(bytes: $0, file: file) }
    }

    private static func check(bytes: UnsafeBufferPointer<UInt8>, file: String) throws {
        var line = 1
        var lineStart = 0
        var column = 1   // of bytes[i], in characters
        var i = 0
        let n = bytes.count
        func refuse(_ message: String) -> ScenarioError {
            ScenarioError(file: file, line: line, column: column, message)
        }
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") {
                guard i - lineStart <= maxLineBytes else { throw longLine(line, bytes: i - lineStart, file: file) }
                line += 1
                lineStart = i + 1
                column = 1
                i += 1
                continue
            }
            if PrintableASCII.isPrintable(b) {
                // The run of printable ASCII from here, eight bytes at a time: one character each.
                let end = PrintableASCII.end(of: bytes, from: i + 1)
                column += end - i
                i = end
                continue
            }
            if b == UInt8(ascii: "\t") {
                column += 1
                i += 1
                continue
            }
            if b == UInt8(ascii: "\r") {
                guard i + 1 < n, bytes[i + 1] == UInt8(ascii: "\n") else {
                    throw refuse("a carriage return (U+000D) not followed by a line feed: YAML takes it for a line break, "
                                 + "most editors do not; end lines with \\n or \\r\\n")
                }
                i += 1   // the line feed ends the line next time round
                continue
            }
            if b < 0x80 {
                throw refuse("control character \(name(of: UInt32(b))) is not allowed in a YAML file")
            }
            // A multi-byte character (the text is valid UTF-8): decode just the ones of concern.
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
            var scalar = UInt32(b) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
            for k in 1..<length { scalar = scalar << 6 | UInt32(bytes[i + k] & 0x3F) }
            switch scalar {
            case 0x80...0x9F, 0xFFFE, 0xFFFF:
                throw refuse("control character \(name(of: scalar)) is not allowed in a YAML file")
            case 0x2028, 0x2029:
                throw refuse("\(name(of: scalar)) is not allowed: YAML takes it for a line break, most editors do not; "
                             + "use a newline")
            case 0xFEFF:
                throw refuse("a byte order mark (U+FEFF) is allowed only as the first character of the file")
            default:
                break
            }
            column += 1
            i += length
        }
        guard n - lineStart <= maxLineBytes else { throw longLine(line, bytes: n - lineStart, file: file) }
    }

    private static func longLine(_ line: Int, bytes: Int, file: String) -> ScenarioError {
        ScenarioError(file: file, line: line, "the line is \(bytes) bytes long; lines are limited to \(maxLineBytes) bytes (64 KiB)")
    }

    /// `U+0000 (NUL)`: the code point, with the name of the common ones.
    static func name(of scalar: UInt32) -> String {
        let names: [UInt32: String] = [
            0x00: "NUL", 0x07: "BEL", 0x08: "BACKSPACE", 0x0B: "VERTICAL TAB", 0x0C: "FORM FEED", 0x1B: "ESCAPE",
            0x7F: "DEL", 0x85: "NEXT LINE", 0x2028: "LINE SEPARATOR", 0x2029: "PARAGRAPH SEPARATOR",
            0xFEFF: "BYTE ORDER MARK", 0xFFFE: "not a character", 0xFFFF: "not a character",
        ]
        var hex = String(scalar, radix: 16, uppercase: true)
        if hex.count < 4 { hex = String(repeating: "0", count: 4 - hex.count) + hex }
        return "U+" + hex + (names[scalar].map { " (\($0))" } ?? "")
    }
}
