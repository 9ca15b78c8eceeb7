#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One process's share of the decision log of a split run (docs/mpi.md): its decisions.jsonl and
/// decisions.txt lines, in the order it made them, and beside them an index with, per decision,
/// the place (`EventKey`) of the event that made it and the length of each line.
/// `DecisionLogParts.merge` weaves the processes' shares into the one log of a one-process run.
public final class DecisionLogPart {
    private let json = ByteBuffer(capacity: 1 << 16)
    private let text = ByteBuffer(capacity: 1 << 16)
    private var indexBuffer: [UInt8] = []
    private let composer = DecisionLineComposer()
    private let jsonFile: UnsafeMutablePointer<FILE>
    private let textFile: UnsafeMutablePointer<FILE>
    private let indexFile: UnsafeMutablePointer<FILE>
    private let paths: DecisionLogParts.Files
    private var failure: DecisionLogError?
    private var closed = false
    /// Decisions written but not yet composed into lines, with their places; those before
    /// `composed` are done. Composing waits for `composePending` (a split run calls it while the
    /// process waits at a window's end) or for `pendingLimit` of them, which bounds the memory.
    private var pending: [(record: DecisionRecord, key: EventKey)] = []
    private var composed = 0
    /// At most this many decisions wait to be composed (a window of the generated 4 × 25,000 hub
    /// mesh makes about 200 a process).
    static let pendingLimit = 4096

    public init(_ files: DecisionLogParts.Files) throws {
        paths = files
        let opened = try openAll([files.jsonl, files.text, files.index], mode: "wb", failing: "cannot be created")
        (jsonFile, textFile, indexFile) = (opened[0], opened[1], opened[2])
    }

    deinit { try? close() }

    /// Takes one decision, composed later (`composePending`, `close`); `key` is the
    /// simulation's `progressKey` as the decision is made. The lines are the same whenever they
    /// are composed: a record holds everything its lines say.
    public func write(_ record: DecisionRecord, key: EventKey) {
        pending.append((record, key))
        if pending.count - composed >= Self.pendingLimit { _ = composePending(limit: Self.pendingLimit) }
    }

    /// Composes up to `limit` of the decisions not yet composed, in the order they were written;
    /// returns false when there were none.
    @discardableResult
    public func composePending(limit: Int = 32) -> Bool {
        guard composed < pending.count else { return false }
        let end = pending.count - composed > limit ? composed + limit : pending.count
        for i in composed..<end { compose(pending[i].record, key: pending[i].key) }
        composed = end
        if composed == pending.count {
            pending.removeAll(keepingCapacity: true)
            composed = 0
        }
        return true
    }

    private func compose(_ record: DecisionRecord, key: EventKey) {
        let jsonStart = json.count, textStart = text.count
        composer.append(record, json: json, text: text)
        json.append(0x0A)
        text.append(0x0A)
        DecisionLogParts.append(key: key, jsonLength: json.count - jsonStart, textLength: text.count - textStart,
                                to: &indexBuffer)
        if json.count >= 1 << 15 || text.count >= 1 << 15 { flush() }
    }

    /// Writes what is buffered and closes the three files; throws the first write error.
    public func close() throws {
        if !closed {
            closed = true
            composePending(limit: .max)
            flush()
            for (file, path) in [(jsonFile, paths.jsonl), (textFile, paths.text), (indexFile, paths.index)]
            where fclose(file) != 0 && failure == nil {
                failure = DecisionLogError(path: path, reason: "close failed (errno \(errno))", errorNumber: errno)
            }
        }
        if let failure { throw failure }
    }

    private func flush() {
        write(json, jsonFile, paths.jsonl)
        write(text, textFile, paths.text)
        let count = indexBuffer.count
        if count > 0, failure == nil, indexBuffer.withUnsafeBytes({ fwrite($0.baseAddress, 1, count, indexFile) }) != count {
            failure = DecisionLogError(path: paths.index, reason: "short write (errno \(errno))", errorNumber: errno)
        }
        indexBuffer.removeAll(keepingCapacity: true)
    }

    private func write(_ buffer: ByteBuffer, _ file: UnsafeMutablePointer<FILE>, _ path: String) {
        defer { buffer.removeAll() }
        guard !buffer.isEmpty, failure == nil else { return }
        if buffer.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) != buffer.count {
            failure = DecisionLogError(path: path, reason: "short write (errno \(errno))", errorNumber: errno)
        }
    }
}

/// The decision-log shares of a split run's processes, and their merge.
public enum DecisionLogParts {
    /// The three files of one process's share.
    public struct Files: Sendable {
        public let jsonl: String
        public let text: String
        public let index: String

        /// The share of process `rank` in `folder`.
        public init(folder: String, rank: Int) {
            jsonl = folder + "/rank-\(rank).jsonl"
            text = folder + "/rank-\(rank).txt"
            index = folder + "/rank-\(rank).index"
        }
    }

    /// Bytes per index entry: time, origin, sequence (8 each), then the two line lengths (4 each).
    static let entrySize = 32

    static func append(key: EventKey, jsonLength: Int, textLength: Int, to out: inout [UInt8]) {
        withUnsafeBytes(of: key.time.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: key.origin.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: key.sequence.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(jsonLength).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(textLength).littleEndian) { out.append(contentsOf: $0) }
    }

    /// Writes `jsonlPath` and `textPath` from every process's share, decisions in the order one
    /// process makes them. Each process ran its own events in agenda order, and events of
    /// different processes at one instant never touch each other (a datagram between processes
    /// takes at least the lookahead), so one process running them all takes, at every step, the
    /// earlier of the next events two processes would run. An event can come after one with a
    /// later place (at the same instant, a node's event can schedule one for itself with a
    /// smaller origin than the running one's), so the processes' event sequences are not sorted
    /// by place; taking the earlier head at every step orders them exactly as sorting each by
    /// the running maximum of its places does. That maximum (`progressKey`) is what each
    /// decision is tagged with, so the shares are sorted, and an ordinary k-way merge (events that
    /// made no decision left out) gives the one-process order; ties cannot occur between shares,
    /// since every place is one event's.
    public static func merge(_ parts: [Files], jsonlPath: String, textPath: String) throws {
        var readers: [PartReader] = []
        defer { for reader in readers { reader.close() } }
        for part in parts { readers.append(try PartReader(part)) }
        let jsonOut = try OutputFile(path: jsonlPath), textOut = try OutputFile(path: textPath)
        defer { jsonOut.close(); textOut.close() }
        var heads: [(key: EventKey, json: Int, text: Int)?] = try readers.map { try $0.next() }
        while let i = EventKey.earliest(of: heads, key: \.key), let head = heads[i] {
            try readers[i].copy(json: head.json, to: jsonOut, text: head.text, to: textOut)
            heads[i] = try readers[i].next()
        }
        try jsonOut.finish()
        try textOut.finish()
    }

    /// Reads one share: its index entries one by one and the lines they measure.
    private final class PartReader {
        let files: Files
        let index: UnsafeMutablePointer<FILE>
        let json: UnsafeMutablePointer<FILE>
        let text: UnsafeMutablePointer<FILE>
        var entry = [UInt8](repeating: 0, count: DecisionLogParts.entrySize)
        var scratch = [UInt8](repeating: 0, count: 1 << 16)

        init(_ files: Files) throws {
            self.files = files
            let opened = try openAll([files.index, files.jsonl, files.text], mode: "rb", failing: "cannot be read")
            (index, json, text) = (opened[0], opened[1], opened[2])
        }

        func close() { fclose(index); fclose(json); fclose(text) }

        func next() throws -> (key: EventKey, json: Int, text: Int)? {
            let read = entry.withUnsafeMutableBytes { fread($0.baseAddress, 1, DecisionLogParts.entrySize, index) }
            if read == 0 { return nil }
            guard read == DecisionLogParts.entrySize else {
                throw DecisionLogError(path: files.index, reason: "ends inside an entry")
            }
            func int64(_ at: Int) -> Int64 { entry.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: Int64.self)) } }
            func uint32(_ at: Int) -> Int { entry.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self))) } }
            return (EventKey(time: int64(0), origin: int64(8), sequence: UInt64(bitPattern: int64(16))), uint32(24), uint32(28))
        }

        func copy(json jsonLength: Int, to jsonOut: OutputFile, text textLength: Int, to textOut: OutputFile) throws {
            try copy(jsonLength, from: json, path: files.jsonl, to: jsonOut)
            try copy(textLength, from: text, path: files.text, to: textOut)
        }

        private func copy(_ length: Int, from file: UnsafeMutablePointer<FILE>, path: String, to out: OutputFile) throws {
            var left = length
            while left > 0 {
                let chunk = min(left, scratch.count)
                let read = scratch.withUnsafeMutableBytes { fread($0.baseAddress, 1, chunk, file) }
                guard read == chunk else { throw DecisionLogError(path: path, reason: "is shorter than its index says") }
                try out.write(scratch, count: chunk)
                left -= chunk
            }
        }
    }

    /// A file written through stdio, its errors in words.
    private final class OutputFile {
        let path: String
        let file: UnsafeMutablePointer<FILE>
        var closed = false

        init(path: String) throws {
            guard let file = fopen(path, "wb") else {
                throw DecisionLogError(path: path, reason: "cannot be created (errno \(errno))", errorNumber: errno)
            }
            self.path = path
            self.file = file
        }

        func write(_ bytes: [UInt8], count: Int) throws {
            guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, count, file) }) == count else {
                throw DecisionLogError(path: path, reason: "short write (errno \(errno))", errorNumber: errno)
            }
        }

        func finish() throws {
            closed = true
            guard fclose(file) == 0 else {
                throw DecisionLogError(path: path, reason: "close failed (errno \(errno))", errorNumber: errno)
            }
        }

        func close() { if !closed { closed = true; fclose(file) } }
    }
}

/// Key-log lines of a split run, each with the place of the event that first used it.
public enum KeyLogMerge {
    /// Every process's (key, line) list, merged as one process would have logged them: the lists
    /// (each tagged with `progressKey`, so sorted) merged by key as `DecisionLogParts.merge` does,
    /// every line once, its first use kept.
    public static func merge(_ parts: [[(key: EventKey, line: String)]]) -> [String] {
        var positions = [Int](repeating: 0, count: parts.count)
        var seen = Set<String>()
        var lines: [String] = []
        while true {
            var best: Int?
            for i in parts.indices where positions[i] < parts[i].count {
                if let b = best, !(parts[i][positions[i]].key < parts[b][positions[b]].key) { continue }
                best = i
            }
            guard let i = best else { break }
            let line = parts[i][positions[i]].line
            positions[i] += 1
            if seen.insert(line).inserted { lines.append(line) }
        }
        return lines
    }
}

/// Opens every file in `paths` with `mode`, or none: if one cannot be opened, those already
/// opened are closed and the error names that file and errno (`failing` is what went wrong).
private func openAll(_ paths: [String], mode: String, failing: String) throws -> [UnsafeMutablePointer<FILE>] {
    var opened: [UnsafeMutablePointer<FILE>] = []
    for path in paths {
        guard let file = fopen(path, mode) else {
            let code = errno
            for file in opened { fclose(file) }
            throw DecisionLogError(path: path, reason: "\(failing) (errno \(code))", errorNumber: code)
        }
        opened.append(file)
    }
    return opened
}

extension EventKey {
    /// The next stream of a k-way merge of streams each sorted by place: the index of the head
    /// with the smallest place (the first such on a tie), nil when every stream has ended.
    /// Inlinable, so that a merge in another module (the report's, `SplitReportMerge`) gets it
    /// specialised for its heads: unspecialised, each call copied every head through the
    /// generic value witnesses, 43 % of that merge's replay of 4 × 25,000 clients' steps.
    @inlinable
    public static func earliest<Head>(of heads: [Head?], key: (Head) -> EventKey) -> Int? {
        var best: (index: Int, key: EventKey)?
        for i in heads.indices {
            guard let head = heads[i] else { continue }
            let k = key(head)
            if let b = best, !(k < b.key) { continue }
            best = (i, k)
        }
        return best?.index
    }
}
