import Routing
import Sim
import WireGuard

/// A wg-quick file read the tolerant way, for `wgsim lint`: every `Key = Value` line is kept with
/// its line number in the section it is in, whatever the key or value, so that one bad line does
/// not hide the rest of the file. Lines that are neither a key nor a section header are kept as
/// problems. The strict reader (`WgQuickConfig.read`) is what decides what wg would refuse; this
/// scan only gives the rules something to look at.
struct LintScannedFile {
    /// One `Key = Value` line.
    struct Entry {
        /// The key as written, trimmed.
        var key: String
        /// The key's canonical spelling (`AllowedIPs`) when it is a wg or wg-quick key, else nil.
        var known: String?
        /// The value as wg-quick reads it (trimmed) and as wg reads it (every blank removed).
        var value: String
        var compactValue: String
        var line: Int
    }

    enum SectionKind: Equatable { case interface, peer }

    struct Section {
        var kind: SectionKind
        var line: Int
        var entries: [Entry] = []

        /// The entries of a key (canonical spelling), in file order.
        func all(_ key: String) -> [Entry] { entries.filter { $0.known == key } }
        /// The last entry of a single-valued key: the one wg keeps.
        func last(_ key: String) -> Entry? { entries.last { $0.known == key } }
    }

    var file: String
    var sections: [Section] = []
    /// Lines that are neither blank, a comment, a section header nor `Key = Value`, or are keys
    /// before any section, or headers of unknown sections: (line, what is wrong).
    var problems: [(line: Int, message: String)] = []

    var interfaces: [Section] { sections.filter { $0.kind == .interface } }
    var peers: [Section] { sections.filter { $0.kind == .peer } }

    static let interfaceKeys = WgQuickReader.wgInterfaceKeys + WgQuickReader.quickInterfaceKeys
    static let peerKeys = WgQuickReader.peerKeys

    init(text: String, file: String) {
        self.file = file
        var number = 0
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var line = String(Substring(rawLine))
            if number == 1, line.hasPrefix("\u{FEFF}") { line.removeFirst() }
            scan(line, number: number)
        }
    }

    private mutating func scan(_ raw: String, number: Int) {
        let content = raw.firstIndex(of: "#").map { String(raw[..<$0]) } ?? raw
        let compact = WgQuickConfig.withoutBlanks(content)
        if compact.isEmpty { return }
        if compact.hasPrefix("[") {
            switch compact.lowercased() {
            case "[interface]": sections.append(Section(kind: .interface, line: number))
            case "[peer]": sections.append(Section(kind: .peer, line: number))
            default: problems.append((number, "unknown section \(EchoedText.short(compact)): a wg-quick file has [Interface] and [Peer] sections only"))
            }
            return
        }
        guard let eq = content.firstIndex(of: "=") else {
            problems.append((number, "'\(EchoedText.short(WgQuickConfig.trimmed(content)))' is neither `Key = Value` nor a section header"))
            return
        }
        let key = WgQuickConfig.trimmed(content[..<eq])
        let rest = content[content.index(after: eq)...]
        let folded = WgQuickConfig.withoutBlanks(key).lowercased()
        let known = (Self.interfaceKeys + Self.peerKeys).first { $0.lowercased() == folded }
        guard !sections.isEmpty else {
            problems.append((number, "`\(EchoedText.short(key))` comes before any [Interface] or [Peer] section"))
            return
        }
        sections[sections.count - 1].entries.append(Entry(key: key, known: known, value: WgQuickConfig.trimmed(rest),
                                                          compactValue: WgQuickConfig.withoutBlanks(rest), line: number))
    }

    func location(_ line: Int) -> SourceLocation { SourceLocation(file: file, line: line) }
}

/// What the rules need of one `[Peer]`, parsed leniently: values that do not parse are left out
/// here (the `structure` and `bad-key` rules report them).
struct LintPeer {
    var section: LintScannedFile.Section
    /// The index of this `[Peer]` among the file's peers (0-based).
    var index: Int
    var publicKeyText: String?
    var publicKey: PublicKey?
    var publicKeyLine: Int
    var presharedKeyText: String?
    /// Each AllowedIPs item that parses: as written, as the kernel keeps it (masked), its line.
    var allowedIPs: [(text: String, prefix: IPPrefix, line: Int)] = []
    var endpoint: WgQuickEndpoint?
    var endpointLine: Int?
    var keepalive: Int?
    var keepaliveLine: Int?

    init(_ section: LintScannedFile.Section, index: Int) {
        self.section = section
        self.index = index
        let key = section.last("PublicKey")
        publicKeyText = key?.compactValue
        publicKey = key.flatMap { try? PublicKey(base64: $0.compactValue) }
        publicKeyLine = key?.line ?? section.line
        presharedKeyText = section.last("PresharedKey")?.compactValue
        for entry in section.all("AllowedIPs") {
            for item in WgQuickConfig.commaList(entry.compactValue) {
                if let prefix = try? IPPrefix(parsing: item) { allowedIPs.append((item, prefix, entry.line)) }
            }
        }
        if let entry = section.last("Endpoint") {
            let reader = WgQuickReader(file: "", nodeNames: [])
            endpoint = try? reader.endpoint(entry.compactValue, SourceLocation(file: "", line: entry.line))
            endpointLine = entry.line
        }
        if let entry = section.last("PersistentKeepalive") {
            keepalive = entry.compactValue.lowercased() == "off" ? 0 : Int(entry.compactValue)
            keepaliveLine = entry.line
        }
    }

    /// How the peer is named in messages: `[Peer] at line N`.
    var name: String { "[Peer] at line \(section.line)" }
}

/// The `[Interface]` of a file, parsed leniently.
struct LintInterface {
    var section: LintScannedFile.Section?
    var privateKeyText: String?
    var privateKey: PrivateKey?
    var privateKeyLine: Int?
    var addresses: [(text: String, address: InterfaceAddress, line: Int)] = []
    var listenPort: Int?
    var listenPortLine: Int?
    var table: String?

    init(_ section: LintScannedFile.Section?) {
        self.section = section
        guard let section else { return }
        if let entry = section.last("PrivateKey") {
            privateKeyText = entry.compactValue
            privateKey = try? PrivateKey(base64: entry.compactValue)
            privateKeyLine = entry.line
        }
        for entry in section.all("Address") {
            for item in WgQuickConfig.wordList(entry.value) {
                if let address = try? InterfaceAddress(parsing: item) { addresses.append((item, address, entry.line)) }
            }
        }
        if let entry = section.last("ListenPort") {
            listenPort = Int(entry.compactValue)
            listenPortLine = entry.line
        }
        table = section.last("Table")?.value
    }
}

/// A file as the lint rules see it: the scan, the interface, the peers.
struct LintConfig {
    var scan: LintScannedFile
    var interface: LintInterface
    var peers: [LintPeer]
    /// The text, for the strict reader.
    var text: String

    init(text: String, file: String) {
        self.text = text
        scan = LintScannedFile(text: text, file: file)
        interface = LintInterface(scan.interfaces.first)
        peers = scan.peers.enumerated().map { LintPeer($1, index: $0) }
    }

    var file: String { scan.file }
    /// The file's name without its folder, for messages about another file.
    var name: String { file.split(separator: "/").last.map(String.init) ?? file }
    func location(_ line: Int) -> SourceLocation { scan.location(line) }
}
