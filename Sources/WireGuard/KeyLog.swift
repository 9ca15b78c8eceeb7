/// One secret in a Wireshark WireGuard key-log file (`TYPE = base64-key`), as the simulator
/// writes them to `wireguard.keys` and as `wgsim decode` reads them.
public struct KeyLogEntry: Equatable, Sendable {
    /// The four line types Wireshark reads; the raw value is the text before `=`.
    public enum Kind: String, Sendable, CaseIterable {
        case localStaticPrivate = "LOCAL_STATIC_PRIVATE_KEY"
        case remoteStaticPublic = "REMOTE_STATIC_PUBLIC_KEY"
        case localEphemeralPrivate = "LOCAL_EPHEMERAL_PRIVATE_KEY"
        case presharedKey = "PRESHARED_KEY"
    }

    public let kind: Kind
    /// The 32-byte key.
    public let key: [UInt8]
    /// The text line: as read, or the canonical `TYPE = base64` for entries made in code.
    public var line: String
    /// 1-based line number in the file it was read from (nil for entries made in code).
    public var lineNumber: Int?

    public init(kind: Kind, key: [UInt8]) {
        self.kind = kind
        self.key = key
        self.line = "\(kind.rawValue) = \(Base64.encode(key))"
    }

    public static func localStatic(_ key: PrivateKey) -> KeyLogEntry { KeyLogEntry(kind: .localStaticPrivate, key: key.bytes) }
    public static func remoteStatic(_ key: PublicKey) -> KeyLogEntry { KeyLogEntry(kind: .remoteStaticPublic, key: key.bytes) }
    public static func localEphemeral(_ key: PrivateKey) -> KeyLogEntry {
        KeyLogEntry(kind: .localEphemeralPrivate, key: key.bytes)
    }
    public static func preshared(_ key: PresharedKey) -> KeyLogEntry { KeyLogEntry(kind: .presharedKey, key: key.bytes) }
}

/// What makes a key-log line the same secret as another: its type and its key, kept inline in
/// 40 bytes. The simulator writes each secret once; a set of these costs about a third of a set
/// of the lines themselves, which matters on a run with hundreds of thousands of handshakes.
public struct KeyLogIdentity: Hashable, Sendable {
    // The key first: the kind's byte then fills its tail (40 bytes in all, not 48).
    private let key: InlineKey
    private let kind: KeyLogEntry.Kind

    /// The identity of `entry` (a key of up to 32 bytes, as every key-log key is; longer keys
    /// are compared by their first 32 bytes and their length).
    public init(_ entry: KeyLogEntry) {
        kind = entry.kind
        key = InlineKey(entry.key)
    }
}

/// A parsed key-log file. Parsing follows Wireshark's `wg_keylog_process_lines` rules, so that
/// `wgsim decode` decrypts exactly what Wireshark decrypts with the same file: LF or CRLF line
/// ends; leading spaces skipped; the type runs to the first `=` (trailing spaces removed); spaces
/// after `=` skipped; the value must then be exactly 44 characters decoding to 32 bytes; any
/// other line is ignored (Wireshark ignores it silently; we list it in `ignoredLines`).
public struct KeyLog: Sendable {
    /// A line that is not a key (kept so the CLI can say which lines it skipped and why).
    public struct IgnoredLine: Equatable, Sendable {
        public let number: Int
        public let text: String
        public let reason: String
    }

    public var entries: [KeyLogEntry]
    public var ignoredLines: [IgnoredLine]

    public init(entries: [KeyLogEntry] = []) {
        self.entries = entries
        self.ignoredLines = []
    }

    /// Parses key-log text. Never fails: bad lines are ignored, as Wireshark does, and recorded.
    public init(parsing text: String) {
        self.init()
        var number = 0
        // Split on LF bytes: as Characters, "\r\n" is one grapheme and would not split.
        for var rawLine in Array(text.utf8).split(separator: 10, omittingEmptySubsequences: false) {
            number += 1
            if rawLine.last == 13 { rawLine = rawLine.dropLast() }
            let line = Substring(String(decoding: rawLine, as: UTF8.self))
            if line.allSatisfy({ $0 == " " }) { continue }
            switch KeyLog.parseLine(line) {
            case .success(let (kind, key)):
                var entry = KeyLogEntry(kind: kind, key: key)
                entry.line = String(line)
                entry.lineNumber = number
                entries.append(entry)
            case .failure(let problem):
                ignoredLines.append(IgnoredLine(number: number, text: String(line), reason: problem.reason))
            }
        }
    }

    struct LineProblem: Error { let reason: String }

    /// The longest type Wireshark's fixed buffer takes (`LOCAL_EPHEMERAL_PRIVATE_KEY`).
    static let maximumTypeLength = 27

    static func parseLine(_ line: Substring) -> Result<(KeyLogEntry.Kind, [UInt8]), LineProblem> {
        let body = line.drop(while: { $0 == " " })
        guard let equals = body.firstIndex(of: "="), equals != body.startIndex else {
            return .failure(LineProblem(reason: "no TYPE=KEY form"))
        }
        var typeText = body[body.startIndex..<equals]
        while typeText.hasSuffix(" ") { typeText = typeText.dropLast() }
        guard !typeText.isEmpty, typeText.utf8.count <= maximumTypeLength else {
            return .failure(LineProblem(reason: "key type is empty or too long"))
        }
        let value = body[body.index(after: equals)...].drop(while: { $0 == " " })
        guard value.utf8.count == 44, let key = lenientBase64(value), key.count == 32 else {
            return .failure(LineProblem(reason: "value is not a 44-character base64 32-byte key"))
        }
        guard let kind = KeyLogEntry.Kind(rawValue: String(typeText)) else {
            return .failure(LineProblem(reason: "unknown key type \(typeText)"))
        }
        return .success((kind, key))
    }

    /// GLib's `g_base64_decode` (which Wireshark uses) skips characters outside the alphabet and
    /// does not insist that unused trailing bits are zero; decode the same way.
    static func lenientBase64(_ text: Substring) -> [UInt8]? {
        var bits: UInt32 = 0, count = 0
        var out = [UInt8]()
        for c in text.utf8 {
            if c == UInt8(ascii: "=") { break }
            guard let v = Base64.value(c) else { continue }
            bits = bits << 6 | v
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return out
    }

    /// The file text: one `TYPE = base64` line per entry, in order, newline-terminated.
    public var text: String { KeyLog.emit(entries) }

    /// Emits entries as key-log lines (canonical form, whatever the entries were read from).
    public static func emit(_ entries: [KeyLogEntry]) -> String {
        entries.map { "\($0.kind.rawValue) = \(Base64.encode($0.key))\n" }.joined()
    }
}
