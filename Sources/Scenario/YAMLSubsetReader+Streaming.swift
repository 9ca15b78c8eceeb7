#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The subset reader's streamed mapping: one top-level key's entries (a generated file's
/// `nodes:`) scanned by their lines first, then handed to sinks one at a time as each is read,
/// so that the whole mapping is never held as nodes. The block structure is in
/// YAMLSubsetReader.swift, flow collections and scalars in YAMLSubsetReader+Flow.swift.
extension YAMLSubsetReader {
    /// The entries of a block mapping, found by their lines before they are read (`EntryScan`).
    struct EntryScan {
        /// Each entry's key, in file order.
        var keys: [String]
        /// Per entry, bit i set when `words[i]` occurs anywhere in its lines (comments included).
        var marks: [UInt8]
    }

    /// Where the entries of a streamed mapping go as they are read: each key, its 1-based line
    /// and its value, once; nothing of them is kept.
    typealias EntrySink = (_ key: String, _ keyLine: Int, _ value: YAMLNode) -> Void

    /// Offered first an entry whose value is a flow mapping on the key's own line: the key, its
    /// 1-based line and the value's bytes (from its `{` to the end of the line, trailing
    /// spaces and comment included). True: it took the entry, which is then not read as nodes;
    /// false: it is read and given to the `EntrySink`. It must take only a value the reader
    /// would read within the subset (so taking one never hides a reason to give up).
    typealias EntryLineSink = (_ key: String, _ keyLine: Int, _ value: UnsafeBufferPointer<UInt8>) -> Bool

    /// Offered first each item of a streamed entry's `wireguard: peers:` block sequence that is
    /// `- {` on one line (a generated hub's peers): the item's 1-based line and its bytes (from
    /// its `{` to the end of the line, trailing spaces and comment included). True: it took the
    /// item, which then stands in the tree as an empty mapping on its line (`YAMLNode.mapping([],
    /// line:)`; the entry's sink finds what the item became by that line); false: the item is
    /// read as nodes. Like `EntryLineSink`, it must take only a value the reader would read within
    /// the subset.
    typealias ItemLineSink = (_ line: Int, _ value: UnsafeBufferPointer<UInt8>) -> Bool

    /// Where `begin` sends a streamed mapping's entries: each through `line` when given and it
    /// takes it, else through `entry`; and the items of an entry's `wireguard: peers:` through
    /// `peerLine` when given and it takes them.
    struct EntrySinks {
        var entry: EntrySink
        var line: EntryLineSink?
        var peerLine: ItemLineSink?

        init(entry: @escaping EntrySink, line: EntryLineSink? = nil, peerLine: ItemLineSink? = nil) {
            self.entry = entry
            self.line = line
            self.peerLine = peerLine
        }
    }

    /// A document read with one top-level key's entries handed over as they were read.
    struct StreamedDocument {
        /// The root; the streamed key's value is an empty mapping on its line.
        var root: YAMLNode
        /// Whether the entries went to a sink (false: `begin` declined, or the value was not a
        /// block mapping, and the root holds it as `read` would).
        var streamed: Bool
    }

    /// Reads the document as `read` does, except the block mapping under the top-level key
    /// `key`: when the reader reaches it, `begin` gets the top-level entries read so far and the
    /// mapping's keys scanned from its lines (`EntryScan`, marked with `words`, at most 8), and
    /// returns where its entries go, one at a time, as each is read (nil: keep them in the tree).
    /// So the whole mapping is never held as nodes: a million-node hub's `nodes:` is about
    /// 1.3 KB of nodes a pair as a tree.
    ///
    /// nil when the text is not entirely within the subset, or when an entry read is not the one
    /// the scan found there (never, for text within the subset: the caller then reads it whole).
    /// Entries already given to the sink stay given: a caller that gets nil discards what it
    /// made of them.
    static func read(_ text: String, streaming key: String, marking words: [String],
                     begin: (_ before: [(key: YAMLNode, value: YAMLNode)], _ scan: EntryScan) -> EntrySinks?) -> StreamedDocument? {
        precondition(words.count <= 8)
        var text = text
        return withoutActuallyEscaping(begin) { begin in
            text.withUTF8 { bytes in
                var reader = YAMLSubsetReader(bytes)
                reader.stream = StreamRequest(key: key, words: words.map { Array($0.utf8) }, begin: begin)
                guard let root = try? reader.document() else { return nil }
                return StreamedDocument(root: root, streamed: reader.streamed)
            }
        }
    }

    /// What `read(_:streaming:marking:begin:)` asked for, until the key is reached.
    struct StreamRequest {
        let key: String
        let words: [[UInt8]]
        let begin: (_ before: [(key: YAMLNode, value: YAMLNode)], _ scan: EntryScan) -> EntrySinks?
    }

    /// A block mapping read as `blockMapping` reads it, each entry handed to `sink` as soon as it
    /// is read instead of kept; `scanned` are the keys `scanEntries` found, which the entries
    /// read must match. An empty mapping on the mapping's line stands for it in the tree.
    mutating func streamedMapping(column: Int, scanned: [String], sink: EntrySinks) throws -> YAMLNode {
        try enterCollection()
        defer { depth -= 1 }
        let line = row + 1
        var start = lines[row].lowerBound + column
        var index = 0
        peerLine = sink.peerLine
        defer { peerLine = nil }
        while true {
            if let lineSink = sink.line, index < scanned.count, let value = flowValueOnKeyLine(at: start, key: scanned[index]),
               lineSink(scanned[index], row + 1, UnsafeBufferPointer(rebasing: bytes[value])) {
                row += 1
            } else {
                let (key, value) = try mappingEntry(at: start)
                guard case .scalar(let name, let keyLine, _) = key, index < scanned.count, name == scanned[index] else {
                    throw OutsideSubset()
                }
                sink.entry(name, keyLine, value)
            }
            index += 1
            guard let next = try nextEntryStart(column: column) else { break }
            start = next
        }
        guard index == scanned.count else { throw OutsideSubset() }
        return .mapping([], line: line)
    }

    /// The bytes of the value of the entry at `start` (from its `{` to the end of the line) when
    /// the entry is `key: {` as `mappingEntry` reads it (a plain key, `: `, a flow mapping), the
    /// key being `key`; nil otherwise. The value's own bytes are the line sink's to check.
    func flowValueOnKeyLine(at start: Int, key: String) -> Range<Int>? {
        let end = lines[row].upperBound
        var i = start
        while i < end && Self.isKeyByte(bytes[i]) { i += 1 }
        guard i > start, i - start <= Self.longestKey, Self.canStartPlain(bytes[start]), i + 2 < end,
              bytes[i] == UInt8(ascii: ":"), bytes[i + 1] == UInt8(ascii: " "), bytes[i + 2] == UInt8(ascii: "{"),
              UnsafeBufferPointer(rebasing: bytes[start..<i]).elementsEqual(key.utf8) else { return nil }
        return (i + 2)..<end
    }

    /// The keys of the block mapping whose keys start at `column`, from the current line on,
    /// found by lines alone (a key is the key characters at that indentation up to its `:`),
    /// and which of `words` each entry's lines contain. Cheap next to reading them (one pass
    /// over the bytes), so a caller knows every key before the first value is read.
    func scanEntries(column: Int, words: [[UInt8]]) -> EntryScan {
        var scan = EntryScan(keys: [], marks: [])
        var r = row
        while r < lines.count {
            let line = lines[r]
            let first = line.lowerBound + indent(of: r)
            r += 1
            if first == line.upperBound || bytes[first] == UInt8(ascii: "#") { continue }
            let at = first - line.lowerBound
            if at < column { break }
            if at == column {
                var end = first
                while end < line.upperBound && Self.isKeyByte(bytes[end]) { end += 1 }
                scan.keys.append(text(first..<end))
                scan.marks.append(0)
            }
            if let last = scan.marks.indices.last {
                scan.marks[last] |= marks(in: first..<line.upperBound, words: words, except: scan.marks[last])
            }
        }
        return scan
    }

    /// Bit i set when `words[i]` occurs in `range`; the words whose bit is in `except` (found
    /// already in the entry's earlier lines) are not looked for. `memchr` finds each candidate
    /// first byte and `memcmp` compares: a million-peer hub's scan searches 2 M lines, which a
    /// byte-by-byte generic search took ~0.4 s over.
    private func marks(in range: Range<Int>, words: [[UInt8]], except found: UInt8) -> UInt8 {
        var marks: UInt8 = 0
        guard let base = bytes.baseAddress else { return marks }
        let start = UnsafeRawPointer(base)
        for (bit, word) in words.enumerated() where found & (1 << bit) == 0 && !word.isEmpty && range.count >= word.count {
            let last = range.upperBound - word.count   // the last position the word can start at
            var at = range.lowerBound
            let hit: Bool = word.withUnsafeBytes { needle in
                while at <= last, let candidate = memchr(start + at, Int32(word[0]), last - at + 1) {
                    if memcmp(candidate, needle.baseAddress!, word.count) == 0 { return true }
                    at = start.distance(to: UnsafeRawPointer(candidate)) + 1
                }
                return false
            }
            if hit { marks |= 1 << bit }
        }
        return marks
    }
}
