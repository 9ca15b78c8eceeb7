/// Bad input in a scenario, a wg-quick file, a command line or a trace: what is wrong and where.
///
/// Printed as `FILE:LINE: message` (or `FILE:LINE:COLUMN: message` when the column is known, or
/// `FILE: message` when no line applies), the form compilers use, so editors can jump to it.
/// Every such error makes `wgsim` exit with status 2 before anything is simulated.
///
/// A message never echoes a long piece of the input back: quoted values longer than
/// `EchoedText.limit` characters are cut (see `EchoedText.shortenQuotes`), so a megabyte-long
/// value gives a one-line error.
public struct ScenarioError: Error, Equatable, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    /// The 1-based column (in characters) when the problem is one character, as for bad bytes.
    public let column: Int?
    public let message: String

    public init(file: String, line: Int?, column: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = line == nil ? nil : column
        self.message = EchoedText.shortenQuotes(in: message)
    }

    public var description: String {
        switch (line, column) {
        case (let line?, let column?): return "\(file):\(line):\(column): \(message)"
        case (let line?, nil): return "\(file):\(line): \(message)"
        default: return "\(file): \(message)"
        }
    }
}

/// A file position that errors can be attached to after the fact.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public func error(_ message: String) -> ScenarioError {
        ScenarioError(file: file, line: line, message)
    }

    public var description: String { "\(file):\(line)" }
}

/// A reason without a place, from a small text reader; the caller adds file and line.
public struct TextProblem: Error, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// Pieces of the user's input shown inside error messages, kept short: a value pasted back in
/// full can be megabytes long (the whole message then becomes useless, and slow to print).
enum EchoedText {
    /// The most characters of a value a message shows.
    static let limit = 60

    /// `text` itself when it is short, else its first `limit` characters and how long it was:
    /// `aaaa…aaaa… (1048576 bytes)`.
    static func short<S: StringProtocol>(_ text: S) -> String {
        // Counting stops early: a long value is never walked to its end just to be measured.
        guard let cut = text.index(text.startIndex, offsetBy: limit, limitedBy: text.endIndex), cut != text.endIndex else {
            return String(text)
        }
        return String(text[..<cut]) + "… (\(text.utf8.count) bytes)"
    }

    /// `message` with each quoted piece (`'…'` or `` `…` ``) longer than `limit` characters cut
    /// by `short`. A quote opens only at the start of the message or after a space, `(` or `[`,
    /// and closes only before the end, a space or punctuation, so an apostrophe inside a word
    /// ("the node's") is not taken for one. Every error passes through here, so an echoed value
    /// is bounded whichever loader wrote the message.
    static func shortenQuotes(in message: String) -> String {
        // Nearly every message is short; only a long one can hold a long quoted piece.
        guard message.utf8.count > limit + 2 else { return message }
        let characters = Array(message.unicodeScalars)
        var result = String.UnicodeScalarView()
        // Once a quote has no closing partner, no later one of that kind has: not searching
        // again keeps this linear on a hostile message full of quotes.
        var unclosed: Set<Unicode.Scalar> = []
        var i = 0
        while i < characters.count {
            let c = characters[i]
            let opens = (c == "'" || c == "`") && !unclosed.contains(c) && (i == 0 || " ([".unicodeScalars.contains(characters[i - 1]))
            let close = opens ? closingQuote(c, in: characters, after: i) : nil
            if opens && close == nil { unclosed.insert(c) }
            if let close, close - i - 1 > limit {
                var inner = String.UnicodeScalarView()
                inner.append(contentsOf: characters[(i + 1)..<close])
                result.append(c)
                result.append(contentsOf: short(String(inner)).unicodeScalars)
                result.append(c)
                i = close + 1
                continue
            }
            result.append(c)
            i += 1
        }
        return String(result)
    }

    /// The index of the quote that closes the one at `open`, if any.
    private static func closingQuote(_ quote: Unicode.Scalar, in characters: [Unicode.Scalar], after open: Int) -> Int? {
        var j = open + 1
        while j < characters.count {
            if characters[j] == quote && (j + 1 == characters.count || " ,.;:)]?!".unicodeScalars.contains(characters[j + 1])) {
                return j
            }
            j += 1
        }
        return nil
    }
}
