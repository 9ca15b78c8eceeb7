/// Splits one command line into words as a POSIX shell (bash running wg-quick's `PostUp`, or a
/// user typing `wg set …`) would, without expansions. The one tokenizer for scenario `run:` events,
/// `routes:` entries and `wgsim table` lines:
///
/// * blanks (space, tab) separate words;
/// * `'…'` quotes everything up to the next `'`, backslashes included;
/// * `"…"` quotes too, and a backslash inside keeps its escaping meaning only before `$`, `` ` ``,
///   `"`, `\` (POSIX "Double-Quotes"): `"a\"b"` is `a"b`, `"a\b"` stays `a\b`;
/// * outside quotes a backslash takes the next character literally (`d\ e` is one word `d e`);
/// * `#` starts a comment only where a word could start (`# x`, `a #x`), not inside one (`a#b`);
/// * quotes join with what touches them, so `""` is an empty word and `a"b c"` is `ab c`.
///
/// `$`, `;`, `|`, `&`, redirections and globs are ordinary characters here: nothing is expanded
/// or run, so a line means what its words say.
public enum ShellWords {
    public static func split(_ line: String) -> Result<[String], TextProblem> {
        // Unicode scalars, not Characters: a shell sees a quote or a blank followed by a combining
        // mark as two things, while Swift's Character would merge them into one (found by fuzzing).
        var words: [String] = []
        var current = String.UnicodeScalarView()
        var inWord = false
        var quote: Unicode.Scalar? = nil
        var escaped = false
        for c in line.unicodeScalars {
            if escaped {
                escaped = false
                if quote == "\"" && !"$`\"\\".unicodeScalars.contains(c) { current.append("\\") }
                current.append(c)
                continue
            }
            if let q = quote {
                if c == q { quote = nil } else if c == "\\" && q == "\"" { escaped = true } else { current.append(c) }
                continue
            }
            switch c {
            case "\\": escaped = true; inWord = true
            case "'", "\"": quote = c; inWord = true
            case " ", "\t":
                if inWord { words.append(String(current)); current = String.UnicodeScalarView(); inWord = false }
            case "#" where !inWord:
                return .success(words)   // a comment runs to the end of the line
            default: current.append(c); inWord = true
            }
        }
        if let q = quote { return .failure(TextProblem("unterminated \(q) quote")) }
        if escaped { return .failure(TextProblem("a backslash at the end of the line escapes nothing")) }
        if inWord { words.append(String(current)) }
        return .success(words)
    }
}
