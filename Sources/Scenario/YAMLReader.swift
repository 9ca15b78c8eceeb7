import Yams

/// A YAML node as the loader reads it: what it holds, the 1-based line it starts on, and for a
/// scalar whether it was plain (only a plain `~`/`null`/empty value means null). Read by
/// `YAMLSubsetReader` when the file allows, otherwise converted from Yams' tree. Not `indirect`:
/// the children live in arrays already, and boxing every node cost an allocation per scalar.
enum YAMLNode {
    case scalar(String, line: Int, plain: Bool)
    case sequence([YAMLNode], line: Int)
    case mapping([(key: YAMLNode, value: YAMLNode)], line: Int)

    var line: Int {
        switch self {
        case .scalar(_, let line, _), .sequence(_, let line), .mapping(_, let line): return line
        }
    }

    /// Yams' node with its marks (a node without one counts as line 1, as before). Recursive,
    /// and copies each alias's subtree: `YAMLShapeCheck` has bounded both the depth and the
    /// nodes aliases add before this runs.
    init(_ node: Node) {
        let line = node.mark?.line ?? 1
        switch node {
        case .scalar(let s): self = .scalar(s.string, line: line, plain: s.style == .plain)
        case .sequence(let seq): self = .sequence(seq.map(YAMLNode.init), line: line)
        case .mapping(let m): self = .mapping(m.map { (YAMLNode($0.key), YAMLNode($0.value)) }, line: line)
        }
    }
}

/// One YAML node together with the file it came from, read through typed accessors that name
/// `file:line` in every error.
struct YAMLValue {
    let node: YAMLNode
    let file: String

    var line: Int { node.line }
    var location: SourceLocation { SourceLocation(file: file, line: line) }

    func error(_ message: String) -> ScenarioError { location.error(message) }

    var isNull: Bool {
        guard case .scalar(let s, _, let plain) = node else { return false }
        return plain && ["", "~", "null", "Null", "NULL"].contains(s)
    }

    // `what` (the name errors give the value) is an autoclosure throughout: the names are often
    // interpolated ("node 'p123'") and are only needed on the error path, so building them for
    // every value of a 100k-node file would cost more than reading the value.

    /// A scalar's text; `what` names the value in the error for anything else.
    func string(_ what: @autoclosure () -> String) throws -> String {
        guard case .scalar(let s, _, _) = node else { throw error("\(what()) must be a single value, not a \(kind)") }
        return s
    }

    func int(_ what: String, in range: ClosedRange<Int>) throws -> Int {
        let text = try string(what)
        guard let n = Int(text.trimmingSpaces) else { throw error("\(what) must be a whole number, not '\(EchoedText.short(text))'") }
        guard range.contains(n) else {
            throw error("\(what) must be from \(range.lowerBound) to \(range.upperBound), not \(n)")
        }
        return n
    }

    func probability(_ what: String) throws -> Double {
        let text = try string(what)
        guard let p = Double(text.trimmingSpaces), p >= 0, p <= 1 else {
            throw error("\(what) must be a probability from 0 to 1, not '\(EchoedText.short(text))'")
        }
        return p
    }

    func duration(_ what: String) throws -> Int64 {
        switch DurationText.parse(try string(what)) {
        case .success(let ns): return ns
        case .failure(let e): throw error("\(what): \(e)")
        }
    }

    func bool(_ what: String) throws -> Bool {
        switch try string(what) {
        case "true", "yes", "on", "True", "TRUE": return true
        case "false", "no", "off", "False", "FALSE": return false
        case let other: throw error("\(what) must be true or false, not '\(EchoedText.short(other))'")
        }
    }

    /// A sequence's items; a single scalar counts as a list of one (`address: 10.0.0.1/24`).
    func list(_ what: @autoclosure () -> String) throws -> [YAMLValue] {
        switch node {
        case .sequence(let seq, _): return seq.map { YAMLValue(node: $0, file: file) }
        case .scalar: return isNull ? [] : [self]
        default: throw error("\(what()) must be a list")
        }
    }

    func map(_ what: @autoclosure () -> String) throws -> YAMLMap {
        guard case .mapping(let m, _) = node else { throw error("\(what()) must be a mapping of keys to values, not a \(kind)") }
        return try YAMLMap(m, file: file, line: line)
    }

    var kind: String {
        switch node {
        case .scalar: return "single value"
        case .sequence: return "list"
        case .mapping: return "mapping"
        }
    }
}

/// A YAML mapping whose keys are plain strings, in file order, with duplicate keys refused.
struct YAMLMap {
    /// One key, the line it is on, and its value.
    struct Entry {
        let key: String
        let keyLine: Int
        let value: YAMLValue
    }
    let entries: [Entry]
    let file: String
    let line: Int
    /// The keys as a set when the mapping is large enough to be checked for duplicates by
    /// hashing (more than 16 keys; empty otherwise): a scenario's `nodes:` names, hashed once.
    let hashedKeys: Set<String>

    init(_ mapping: [(key: YAMLNode, value: YAMLNode)], file: String, line: Int) throws {
        // Small mappings (nearly all of them) check duplicates by scanning; large ones by hashing.
        var seen = Set<String>()
        var entries: [Entry] = []
        entries.reserveCapacity(mapping.count)
        let hashed = mapping.count > 16
        if hashed { seen.reserveCapacity(mapping.count) }   // a million nodes: no rehashing as it grows
        for (key, value) in mapping {
            guard case .scalar(let name, let keyLine, _) = key else {
                throw ScenarioError(file: file, line: key.line, "a key must be a plain word")
            }
            let duplicate = hashed ? !seen.insert(name).inserted : entries.contains { $0.key == name }
            guard !duplicate else {
                throw ScenarioError(file: file, line: keyLine, "key '\(EchoedText.short(name))' appears twice")
            }
            entries.append(Entry(key: name, keyLine: keyLine, value: YAMLValue(node: value, file: file)))
        }
        self.entries = entries
        self.file = file
        self.line = line
        hashedKeys = seen
    }

    var keys: [String] { entries.map(\.key) }

    subscript(key: String) -> YAMLValue? { entries.first { $0.key == key }?.value }

    func has(_ key: String) -> Bool { self[key] != nil }

    func required(_ key: String, in what: @autoclosure () -> String) throws -> YAMLValue {
        guard let v = self[key] else {
            throw ScenarioError(file: file, line: line, "\(what()) needs '\(key)'")
        }
        return v
    }

    /// Refuses any key not in `allowed`, naming its line and the keys that are allowed here, so a
    /// typo never silently changes a simulation.
    func allowOnly(_ allowed: [String], in what: @autoclosure () -> String) throws {
        for entry in entries where !allowed.contains(entry.key) {
            var message = "unknown key '\(EchoedText.short(entry.key))' in \(what())"
            if let near = DidYouMean.nearest(entry.key, in: allowed) { message += " (did you mean '\(near)'?)" }
            message += "; allowed here: \(allowed.joined(separator: ", "))"
            throw ScenarioError(file: file, line: entry.keyLine, message)
        }
    }

    func line(of key: String) -> Int { entries.first { $0.key == key }?.keyLine ?? line }
}

/// Parsing a whole YAML file into its root node.
enum YAMLDocument {
    /// The root node of a YAML file; every refusal names the file and line.
    ///
    /// In order: the characters (`YAMLTextCheck`: controls, line separators, long lines), so
    /// that both readers see only text they read alike; then `YAMLSubsetReader` for a file
    /// `wgsim generate hub` or `generate hubs` wrote, if it is within its subset; else the shape on libyaml's events
    /// (`YAMLShapeCheck`: nesting depth, alias expansion) before Yams composes the tree.
    static func load(_ text: String, file: String) throws -> YAMLValue {
        let text = try checkedText(text, file: file)
        if YAMLSubsetReader.isGenerated(text), let root = YAMLSubsetReader.read(text) {
            return YAMLValue(node: root, file: file)
        }
        return try loadWithYams(text, file: file)
    }

    /// The text both readers read: without a leading byte order mark, its characters checked
    /// (`YAMLTextCheck`). The first step of `load`, for a caller that tries the subset reader
    /// its own way (`ScenarioLoader`'s streamed `nodes:`) before `loadWithYams`.
    static func checkedText(_ text: String, file: String) throws -> String {
        // A byte order mark only says the file is UTF-8; libyaml, told the encoding, would take
        // it for content. (`YAMLTextCheck` refuses one anywhere else.)
        let text = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        try YAMLTextCheck.check(text, file: file)
        return text
    }

    /// The last steps of `load`: the shape on libyaml's events, then Yams' tree, for text
    /// `checkedText` gave.
    static func loadWithYams(_ text: String, file: String) throws -> YAMLValue {
        try YAMLShapeCheck.check(text, file: file)
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ScenarioError(file: file, line: 1, "the file is empty")
            }
            return YAMLValue(node: YAMLNode(node), file: file)
        } catch let e as YamlError {
            switch e {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                 .composer(_, let problem, let mark, _):
                throw ScenarioError(file: file, line: mark.line, "YAML syntax: \(problem)")
            case .reader(let problem, _, _, _):
                throw ScenarioError(file: file, line: nil, "YAML: \(problem)")
            default:
                throw ScenarioError(file: file, line: nil, "YAML: \(e)")
            }
        }
    }
}
