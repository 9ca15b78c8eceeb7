import Routing
import Sim
import WireGuard

/// An `Endpoint =` value before any name in it is tied to a node.
enum WgQuickEndpoint: Hashable {
    /// `192.0.2.1:51820`, `[2001:db8::1]:51820` (or wg's unbracketed `2001:db8::1:51820`).
    case address(Endpoint)
    /// `vpn.example.com:51820` (lower-cased: host names are not case-sensitive).
    case host(String, port: UInt16)
    /// An extension: a simulated node by name (`NODE`, `@NODE`, `NODE:PORT`).
    case node(String, port: UInt16?)
}

/// A wg-quick file as read, before endpoint host names are tied to nodes: the `config:` of a
/// scenario node (`WgQuickConfig.parse`) and a network of files (`NetworkAssembly`) tie them
/// differently.
struct WgQuickFile {
    /// The file as named in messages.
    var file: String
    /// The interface, with `peers` still empty (they are in `peers` below, endpoints unresolved).
    var interface = WireGuardInterface()
    var privateKeyLine: Int?
    var listenPortGiven = false
    /// The line of each of `interface.addresses`.
    var addressLines: [Int] = []
    var peers: [Peer] = []
    /// Whether any `[Interface]` or `[Peer]` header was seen.
    var sawSection = false

    struct Peer {
        /// Without `endpoint` (see `endpoint` below).
        var peer: WireGuardPeer
        var publicKeyLine: Int
        var endpoint: WgQuickEndpoint?
        var endpointLine: Int?
    }

    func location(_ line: Int) -> SourceLocation { SourceLocation(file: file, line: line) }
}

/// Reads wg-quick `.conf` files as wg(8) (`src/config.c`) and wg-quick(8)
/// (`src/wg-quick/linux.bash` `parse_options`) read them.
///
/// - Lines end in LF or CRLF; `#` starts a comment anywhere on a line.
/// - Section headers and keys are case-insensitive. wg's own keys (`PrivateKey`, `ListenPort`,
///   `FwMark`; `PublicKey`, `PresharedKey`, `AllowedIPs`, `Endpoint`, `PersistentKeepalive`) are
///   read as wg reads them, with every blank removed from the line; wg-quick's `[Interface]`
///   keys (`Address`, `DNS`, `MTU`, `Table`, `PreUp`, `PostUp`, `PreDown`, `PostDown`,
///   `SaveConfig`) as the script reads them: the value trimmed, `Address` and `DNS` lists split
///   at commas and blanks. `Address` and `AllowedIPs` lines accumulate.
/// - A key given twice keeps the later value, as in wg, with a note.
/// - `Endpoint` is `address:port`, `[IPv6]:port` or `host:port` (a host name wgsim never looks
///   up; who it stands for is decided by the caller).
/// - What wgsim does not simulate — DNS, the four scripts, `SaveConfig = true` — is read and
///   named once per file in a note, never dropped silently.
///
/// Extensions: `PublicKey = @NODE` and an `Endpoint` naming a node (`NODE`, `@NODE`,
/// `NODE:PORT`); `PrivateKey` may be left out of a scenario's `config:` file. Anything else wg or
/// wg-quick would refuse is an error naming the file and line.
enum WgQuickConfig {
    /// A scenario node's `config:` file as its wg0. An endpoint host that is no node's name is
    /// taken as the peer's node when the peer is one (`PublicKey = @NODE`), and otherwise left
    /// unset (the peer's endpoint is then learnt from its packets); both are noted.
    static func parse(_ text: String, file: String, nodeNames: Set<String>) throws -> WireGuardInterface {
        let read = try self.read(text, file: file, nodeNames: nodeNames)
        guard read.sawSection else {
            throw ScenarioError(file: file, line: 1, "no [Interface] or [Peer] section: this is not a wg-quick file")
        }
        var interface = read.interface
        for entry in read.peers {
            var peer = entry.peer
            if let endpoint = entry.endpoint, let line = entry.endpointLine {
                switch endpoint {
                case .address(let e): peer.endpoint = .address(e)
                case .node(let name, _): peer.endpoint = .node(name)
                case .host(let host, let port):
                    if case .node(let name) = peer.peer {
                        peer.endpoint = .node(name)
                        interface.notes.append(ScenarioNote(read.location(line),
                            "Endpoint \(host):\(port) is taken as node '\(name)', this peer's node: wgsim looks no host name up"))
                    } else {
                        interface.notes.append(ScenarioNote(read.location(line),
                            "Endpoint \(host):\(port) is a host name wgsim cannot tie to a node (the peer is a bare key): "
                            + "the peer starts without an endpoint, as if the name had not resolved"))
                    }
                }
            }
            interface.peers.append(peer)
        }
        return interface
    }

    /// The file's text as wg and wg-quick read it. `nodeNames` are the names `@NODE` may use.
    static func read(_ text: String, file: String, nodeNames: Set<String>) throws -> WgQuickFile {
        var reader = WgQuickReader(file: file, nodeNames: nodeNames)
        var lineNumber = 0
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = String(Substring(rawLine))
            // A byte-order mark, as some Windows editors write, is not part of the first line.
            if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line.removeFirst() }
            try reader.line(line, number: lineNumber)
        }
        return try reader.finish()
    }

    /// Characters wg's `char_is_space` treats as blanks (a CR of a CRLF line end among them).
    static func isBlank(_ c: Character) -> Bool {
        c == " " || c == "\t" || c == "\r" || c == "\n" || c == "\u{0B}" || c == "\u{0C}"
    }

    /// The text with every blank removed, as wg's `config_read_line` cleans a line.
    static func withoutBlanks<S: StringProtocol>(_ text: S) -> String { String(text.filter { !isBlank($0) }) }

    /// The text without leading and trailing blanks, as wg-quick trims a value.
    static func trimmed<S: StringProtocol>(_ text: S) -> String {
        var s = Substring(text)
        while let f = s.first, isBlank(f) { s.removeFirst() }
        while let l = s.last, isBlank(l) { s.removeLast() }
        return String(s)
    }

    /// A comma list (AllowedIPs after wg's blank removal); empty items are skipped.
    static func commaList(_ value: String) -> [String] {
        value.split(separator: ",").map { trimmed($0) }.filter { !$0.isEmpty }
    }

    /// wg-quick's `${value//,/ }` word split: items separated by commas and blanks.
    static func wordList(_ value: String) -> [String] {
        value.split(whereSeparator: { $0 == "," || isBlank($0) }).map(String.init)
    }
}

/// The state of reading one wg-quick file, line by line.
struct WgQuickReader {
    let nodeNames: Set<String>
    private var result: WgQuickFile
    private var section: Section = .none
    private var currentPeer: WgQuickFile.Peer?
    private var peerStartLine = 0
    /// The line each single-valued key was last given on, in the current section.
    private var interfaceKeyLines: [String: Int] = [:]
    private var peerKeyLines: [String: Int] = [:]
    /// Keys read but not simulated, in the order first seen, with their lines.
    private var unsimulated: [(key: String, lines: [Int])] = []

    private enum Section { case none, interface, peer }

    static let wgInterfaceKeys = ["PrivateKey", "ListenPort", "FwMark"]
    static let quickInterfaceKeys = ["Address", "DNS", "MTU", "Table", "PreUp", "PostUp", "PreDown", "PostDown", "SaveConfig"]
    static let peerKeys = ["PublicKey", "PresharedKey", "AllowedIPs", "Endpoint", "PersistentKeepalive"]
    static let scriptKeys: Set<String> = ["preup", "postup", "predown", "postdown"]

    init(file: String, nodeNames: Set<String>) {
        self.nodeNames = nodeNames
        result = WgQuickFile(file: file)
    }

    private func location(_ line: Int) -> SourceLocation { result.location(line) }

    mutating func line(_ raw: String, number: Int) throws {
        let location = self.location(number)
        let content = raw.firstIndex(of: "#").map { String(raw[..<$0]) } ?? raw
        let compact = WgQuickConfig.withoutBlanks(content)
        if compact.isEmpty { return }
        if compact.hasPrefix("[") {
            try finishPeer()
            switch compact.lowercased() {
            case "[interface]":
                section = .interface
            case "[peer]":
                section = .peer
                currentPeer = WgQuickFile.Peer(peer: WireGuardPeer(peer: .node(""), location: location), publicKeyLine: 0)
                peerStartLine = number
                peerKeyLines = [:]
            default:
                throw location.error("unknown section \(EchoedText.short(compact)): a wg-quick file has [Interface] and [Peer] sections")
            }
            result.sawSection = true
            return
        }
        guard let eq = content.firstIndex(of: "=") else {
            throw location.error("expected `Key = Value` or a section header, not '\(WgQuickConfig.trimmed(content))'")
        }
        let keyText = WgQuickConfig.trimmed(content[..<eq])
        let quickKey = keyText.lowercased()
        let wgKey = WgQuickConfig.withoutBlanks(keyText).lowercased()
        let wgValue = WgQuickConfig.withoutBlanks(content[content.index(after: eq)...])
        let quickValue = WgQuickConfig.trimmed(content[content.index(after: eq)...])
        switch section {
        case .none:
            throw location.error("`\(EchoedText.short(keyText))` comes before any [Interface] or [Peer] section")
        case .interface:
            if Self.quickInterfaceKeys.contains(where: { $0.lowercased() == quickKey }) {
                try interfaceQuickKey(quickKey, keyText, quickValue, location)
            } else if Self.wgInterfaceKeys.contains(where: { $0.lowercased() == wgKey }) {
                try interfaceWGKey(wgKey, wgValue, location)
            } else {
                throw unknownKey(keyText, in: "[Interface]", expected: Self.wgInterfaceKeys + Self.quickInterfaceKeys,
                                 elsewhere: Self.peerKeys, elsewhereSection: "[Peer]", location)
            }
        case .peer:
            guard Self.peerKeys.contains(where: { $0.lowercased() == wgKey }) else {
                throw unknownKey(keyText, in: "[Peer]", expected: Self.peerKeys,
                                 elsewhere: Self.wgInterfaceKeys + Self.quickInterfaceKeys, elsewhereSection: "[Interface]", location)
            }
            try peerKey(wgKey, wgValue, location)
        }
    }

    /// The error for a key the section does not have: a key of the other section is named as
    /// such (a frequent slip), a near miss gets a suggestion.
    private func unknownKey(_ key: String, in section: String, expected: [String], elsewhere: [String],
                            elsewhereSection: String, _ location: SourceLocation) -> ScenarioError {
        if let other = elsewhere.first(where: { $0.lowercased() == WgQuickConfig.withoutBlanks(key).lowercased() }) {
            return location.error("\(other) belongs in \(elsewhereSection), not in \(section)")
        }
        var message = "unknown \(section) key '\(key)'"
        if let near = DidYouMean.nearest(key, in: expected) { message += " (did you mean '\(near)'?)" }
        return location.error(message + "; expected " + expected.joined(separator: ", "))
    }

    /// Remembers the line of a single-valued key; a second one keeps the later value (as wg's
    /// parser overwrites it) and says so.
    private mutating func once(_ key: String, _ name: String, _ location: SourceLocation, peer: Bool) {
        let earlier = peer ? peerKeyLines.updateValue(location.line, forKey: key) : interfaceKeyLines.updateValue(location.line, forKey: key)
        if let earlier {
            result.interface.notes.append(ScenarioNote(location,
                "\(name) is given again (earlier at line \(earlier)); as in wg, the later value counts"))
        }
    }

    private mutating func interfaceWGKey(_ key: String, _ value: String, _ location: SourceLocation) throws {
        switch key {
        case "privatekey":
            once(key, "PrivateKey", location, peer: false)
            do { result.interface.privateKey = try PrivateKey(base64: value) } catch {
                throw location.error("PrivateKey: not a valid base64 key (\(error))")
            }
            result.privateKeyLine = location.line
        case "listenport":
            once(key, "ListenPort", location, peer: false)
            guard let port = UInt16(value) else {
                throw location.error("ListenPort must be a number from 0 to 65535, not '\(value)'")
            }
            result.interface.listenPort = port
            result.listenPortGiven = true
        default: // fwmark
            once(key, "FwMark", location, peer: false)
            result.interface.fwmark = try Self.fwmark(value, location)
        }
    }

    /// wg's `parse_fwmark`, through the one parser (`FirewallMark`, shared with `fwmark:`).
    static func fwmark(_ value: String, _ location: SourceLocation) throws -> UInt32 {
        guard let mark = FirewallMark.parse(value) else {
            throw location.error("FwMark must be off, 0 to 4294967295, or 0x0 to 0xffffffff, not '\(value)'")
        }
        return mark
    }

    private mutating func interfaceQuickKey(_ key: String, _ keyText: String, _ value: String, _ location: SourceLocation) throws {
        switch key {
        case "address":
            for item in WgQuickConfig.wordList(value) {
                do { result.interface.addresses.append(try InterfaceAddress(parsing: item)) } catch {
                    throw location.error("Address '\(item)': \(error)")
                }
                result.addressLines.append(location.line)
            }
        case "mtu":
            once(key, "MTU", location, peer: false)
            guard let mtu = Int(value), (576...65535).contains(mtu) else {
                throw location.error("MTU must be from 576 to 65535, not '\(value)'")
            }
            result.interface.mtu = mtu
        case "table":
            once(key, "Table", location, peer: false)
            result.interface.table = try Self.table(value, location)
        case "saveconfig":
            once("saveconfig", "SaveConfig", location, peer: false)
            // wg-quick's read_bool (under nocasematch): true or false, anything else stops it.
            switch value.lowercased() {
            case "true": noteUnsimulated("SaveConfig = true", location.line)
            case "false": break
            default: throw location.error("SaveConfig must be true or false, not '\(value)'")
            }
        case "dns":
            noteUnsimulated("DNS", location.line)
        default: // the four scripts
            let name = Self.quickInterfaceKeys.first { $0.lowercased() == key } ?? keyText
            noteUnsimulated(name, location.line)
        }
    }

    /// wg-quick's `Table`. `auto` and `off` are compared case-sensitively, as the script does
    /// after parsing; anything else goes to `ip route add … table`, which takes a number or a
    /// name from iproute2's table list (only the built-in names are known here).
    static func table(_ value: String, _ location: SourceLocation) throws -> WgQuickTable {
        if value != value.lowercased(), ["auto", "off"].contains(value.lowercased()) {
            throw location.error("Table '\(value)': wg-quick compares `auto` and `off` in lower case; "
                                 + "anything else is handed to `ip route` as a table name, which it would refuse")
        }
        guard let table = WgQuickTable(parsing: value) else {
            throw location.error("Table must be auto, off, a table number or main, local, default, not '\(value)' "
                                 + "(wgsim does not read /etc/iproute2/rt_tables: give the table's number)")
        }
        return table
    }

    private mutating func noteUnsimulated(_ key: String, _ line: Int) {
        if let i = unsimulated.firstIndex(where: { $0.key == key }) { unsimulated[i].lines.append(line) }
        else { unsimulated.append((key, [line])) }
    }

    private mutating func peerKey(_ key: String, _ value: String, _ location: SourceLocation) throws {
        guard var peer = currentPeer else { return }
        switch key {
        case "publickey":
            once(key, "PublicKey", location, peer: true)
            peer.peer.peer = try publicKey(value, location)
            peer.publicKeyLine = location.line
        case "presharedkey":
            once(key, "PresharedKey", location, peer: true)
            do { peer.peer.presharedKey = try PresharedKey(base64: value) } catch {
                throw location.error("PresharedKey: not a valid base64 key (\(error))")
            }
        case "allowedips":
            for item in WgQuickConfig.commaList(value) {
                let entry: IPPrefix
                do { entry = try IPPrefix(parsing: item) } catch {
                    throw location.error("AllowedIPs '\(item)': \(error)")
                }
                peer.peer.allowedIPs.append(entry)
                peer.peer.allowedIPLocations.append(location)
                if let warning = AllowedIPsUpdate.hostBitsWarning(item, prefix: entry) {
                    peer.peer.warnings.append(ScenarioWarning(location, warning))
                }
            }
        case "endpoint":
            once(key, "Endpoint", location, peer: true)
            peer.endpoint = try endpoint(value, location)
            peer.endpointLine = location.line
        default: // persistentkeepalive
            once(key, "PersistentKeepalive", location, peer: true)
            if value.lowercased() == "off" { peer.peer.persistentKeepalive = 0 } else {
                guard let n = Int(value), (0...65535).contains(n) else {
                    throw location.error("PersistentKeepalive must be off or 0 to 65535, not '\(value)'")
                }
                peer.peer.persistentKeepalive = n
            }
        }
        currentPeer = peer
    }

    private func publicKey(_ value: String, _ location: SourceLocation) throws -> PeerRef {
        if value.hasPrefix("@") {
            let name = String(value.dropFirst())
            guard nodeNames.contains(name) else { throw location.error("PublicKey = @\(EchoedText.short(name)): no node named '\(EchoedText.short(name))'") }
            return .node(name)
        }
        do { return .key(try PublicKey(base64: value)) } catch {
            throw location.error("PublicKey: not a valid base64 key (\(error)); write `@NODE` to name a simulated node")
        }
    }

    /// wg's `parse_endpoint`: `[host]:port`, or `host:port` split at the last colon (so an
    /// unbracketed IPv6 address with a port is read as wg reads it); the host is an address or
    /// a name. Before that, the extension: a node's name (`NODE`, `@NODE`, `NODE:PORT`).
    private func endpoint(_ value: String, _ location: SourceLocation) throws -> WgQuickEndpoint {
        guard !value.isEmpty else { throw location.error("Endpoint is empty: expected host:port or [IPv6]:port") }
        let bare = value.hasPrefix("@") ? String(value.dropFirst()) : value
        if nodeNames.contains(bare) { return .node(bare, port: nil) }
        let host: Substring, portText: Substring
        let bracketed = value.hasPrefix("[")
        if bracketed {
            guard let close = value.firstIndex(of: "]") else {
                throw location.error("Endpoint '\(value)': no ']' closes the '['")
            }
            host = value[value.index(after: value.startIndex)..<close]
            let rest = value[value.index(after: close)...]
            guard rest.hasPrefix(":"), rest.count > 1 else {
                throw location.error("Endpoint '\(value)': no port after ']' (write [address]:port)")
            }
            portText = rest.dropFirst()
        } else {
            guard let colon = value.lastIndex(of: ":"), value.index(after: colon) < value.endIndex else {
                throw location.error("Endpoint '\(value)': no port (write host:port, e.g. 192.0.2.1:51820)")
            }
            host = value[..<colon]
            portText = value[value.index(after: colon)...]
        }
        guard let port = UInt16(portText) else {
            throw location.error("Endpoint '\(value)': port '\(String(portText))' is not a number from 0 to 65535")
        }
        if !bracketed, nodeNames.contains(String(host.hasPrefix("@") ? host.dropFirst() : host)) {
            return .node(String(host.hasPrefix("@") ? host.dropFirst() : host), port: port)
        }
        guard !host.isEmpty else { throw location.error("Endpoint '\(value)': no host before the port") }
        if let address = try? IPAddress(parsing: String(host)) { return .address(Endpoint(address: address, port: port)) }
        // A host name: letters, digits, '-', '_' and dots; one made of digits and dots only, or
        // with a colon, was meant as an address and is not one.
        let looksNumeric = host.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
        let isName = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        guard isName, !looksNumeric, !host.hasPrefix("."), !host.contains("..") else {
            throw location.error("Endpoint '\(value)': '\(String(host))' is neither an IP address nor a host name")
        }
        return .host(host.lowercased(), port: port)
    }

    private mutating func finishPeer() throws {
        if let peer = currentPeer {
            guard peer.publicKeyLine > 0 else {
                throw location(peerStartLine).error("[Peer] needs a PublicKey (wg: \"A peer is missing a public key\")")
            }
            result.peers.append(peer)
        }
        currentPeer = nil
    }

    mutating func finish() throws -> WgQuickFile {
        try finishPeer()
        if let first = unsimulated.first {
            // At most five line numbers a key: a file may repeat PostUp a million times.
            let listed = unsimulated.map { entry in
                entry.key + " (line" + (entry.lines.count > 1 ? "s " : " ") + entry.lines.prefix(5).map(String.init).joined(separator: ", ")
                    + (entry.lines.count > 5 ? " and \(entry.lines.count - 5) more" : "") + ")"
            }
            var what: [String] = []
            if unsimulated.contains(where: { Self.scriptKeys.contains($0.key.lowercased()) }) { what.append("no script is run") }
            if unsimulated.contains(where: { $0.key == "DNS" }) { what.append("no resolver is set") }
            if unsimulated.contains(where: { $0.key.hasPrefix("SaveConfig") }) { what.append("the file is never written back") }
            result.interface.notes.insert(ScenarioNote(location(first.lines[0]),
                "wgsim reads but does not simulate " + listed.joined(separator: ", ") + ": " + what.joined(separator: ", ")), at: 0)
        }
        return result
    }
}
