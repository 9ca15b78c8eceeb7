/// "Did you mean …?" for a misspelt key, node name or action: the candidate within a small edit
/// distance of what was written.
///
/// Bounded on purpose: the word comes from the user's file and may be megabytes long. A
/// candidate whose length differs by more than `maxDistance` cannot be near (each edit changes
/// the length by at most one), so only words about as long as some candidate are compared at
/// all, and each comparison is the usual dynamic program over two short words.
enum DidYouMean {
    /// The largest edit distance still offered as a suggestion.
    static let maxDistance = 2

    /// The candidate nearest to `word` within `maxDistance` edits (the first of equally near
    /// ones, in `candidates` order), or nil.
    static func nearest(_ word: String, in candidates: [String]) -> String? {
        // A word longer in UTF-8 than 4 bytes per character of the longest candidate (plus the
        // allowed edits) has too many characters to be near any: it is never decoded.
        let longest = candidates.lazy.map(\.unicodeScalars.count).max() ?? 0
        guard word.utf8.count <= 4 * (longest + maxDistance) else { return nil }
        let letters = Array(word.unicodeScalars)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let other = Array(candidate.unicodeScalars)
            guard abs(other.count - letters.count) <= maxDistance else { continue }
            let d = editDistance(letters, other)
            if d <= maxDistance && d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.candidate
    }

    /// Levenshtein distance (insertions, deletions, substitutions), one row at a time.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var diagonal = row[0]
            row[0] = i
            for j in 1...b.count {
                let above = row[j]
                row[j] = Swift.min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
                diagonal = above
            }
        }
        return row[b.count]
    }

    /// `editDistance` of two strings, compared by Unicode scalar.
    static func editDistance(_ a: String, _ b: String) -> Int {
        editDistance(Array(a.unicodeScalars), Array(b.unicodeScalars))
    }

    /// `names` joined for a message ("; nodes: a, b, c"), at most `limit` of them: a generated
    /// hub has 100,000 nodes, and an error line listing them all would be megabytes long.
    static func listing(_ names: [String], limit: Int = 20) -> String {
        guard names.count > limit else { return names.joined(separator: ", ") }
        return names.prefix(limit).joined(separator: ", ") + ", … (\(names.count) in all)"
    }
}
