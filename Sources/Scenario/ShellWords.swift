/// Splits an event's `run:` command line into words the way a POSIX shell would for the simple
/// cases that matter here: spaces separate words, '…' and "…" quote (so `allowed-ips ""` gives
/// an empty word, as in the shell), a backslash escapes the next character.
enum ShellWords {
    static func split(_ line: String) -> Result<[String], TextProblem> {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character? = nil
        var escaped = false
        for c in line {
            if escaped {
                current.append(c); escaped = false; inWord = true
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
                if inWord { words.append(current); current = ""; inWord = false }
            case "#" where !inWord:
                return .success(words)   // a comment runs to the end of the line
            default: current.append(c); inWord = true
            }
        }
        if quote != nil { return .failure(TextProblem("unterminated quote")) }
        if escaped { return .failure(TextProblem("a backslash at the end of the line escapes nothing")) }
        if inWord { words.append(current) }
        return .success(words)
    }
}
