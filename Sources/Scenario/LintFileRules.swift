import Routing
import Sim
import WireGuard

/// The rules that need one wg-quick file only (S1–S16 of docs/lint.md). Each looks at the
/// tolerant scan (`LintConfig`), so a file the strict reader refuses is still checked in full.
enum LintFileRules {
    static func check(_ config: LintConfig) -> [LintFinding] {
        var findings: [LintFinding] = []
        findings += structure(config)
        findings += keys(config)
        findings += prefixes(config)
        findings += endpoints(config)
        findings += ipv6Leak(config)
        findings += interfaceValues(config)
        findings += dns(config)
        findings += hooks(config)
        findings += strictReader(config, already: findings)
        return findings
    }

    // MARK: structure (S14)

    static func structure(_ config: LintConfig) -> [LintFinding] {
        var out: [LintFinding] = []
        let scan = config.scan
        func add(_ line: Int, _ message: String, _ fix: String, _ severity: LintSeverity? = nil) {
            out.append(LintFinding(.structure, severity, at: config.location(line), message, fix: fix))
        }
        for problem in scan.problems {
            add(problem.line, problem.message, "write `Key = Value` inside an [Interface] or [Peer] section, or make the line a `#` comment")
        }
        let interfaces = scan.interfaces
        if interfaces.isEmpty {
            add(1, "no [Interface] section: wg-quick needs one, with the PrivateKey", "start the file with [Interface] and its PrivateKey")
        }
        for extra in interfaces.dropFirst() {
            add(extra.line, "a second [Interface] section (the first is at line \(interfaces[0].line)); wg reads both as one, later keys replacing earlier ones",
                "merge the two [Interface] sections into one")
        }
        for section in scan.sections {
            let mine = section.kind == .interface ? LintScannedFile.interfaceKeys : LintScannedFile.peerKeys
            let here = section.kind == .interface ? "[Interface]" : "[Peer]"
            let there = section.kind == .interface ? "[Peer]" : "[Interface]"
            for entry in section.entries {
                guard let known = entry.known else {
                    var message = "unknown \(here) key '\(EchoedText.short(entry.key))': wg-quick stops at it"
                    if let near = DidYouMean.nearest(entry.key, in: mine) { message += " (did you mean '\(near)'?)" }
                    add(entry.line, message, "use one of " + mine.joined(separator: ", "))
                    continue
                }
                if !mine.contains(known) {
                    let hint = known == "AllowedIPs" && section.kind == .interface ? "; for the interface's own address use Address" : ""
                    add(entry.line, "\(known) belongs in \(there), not in \(here)\(hint)", "move the line into \(there)\(hint.isEmpty ? "" : ", or write Address")")
                }
            }
        }
        for peer in config.peers {
            for entry in peer.section.all("AllowedIPs") {
                for item in WgQuickConfig.commaList(entry.compactValue) {
                    do { _ = try IPPrefix(parsing: item) } catch {
                        add(entry.line, "AllowedIPs '\(EchoedText.short(item))' is not an address or prefix (\(error))", "write ADDRESS/LENGTH, e.g. 10.0.0.2/32")
                    }
                }
            }
            if peer.section.all("AllowedIPs").isEmpty {
                add(peer.section.line, "\(peer.name) has no AllowedIPs: nothing is sent to it, and everything it sends is dropped after decryption",
                    "add AllowedIPs with the peer's tunnel address (e.g. 10.0.0.2/32) and the networks behind it", .warning)
            }
            if let entry = peer.section.last("Endpoint") {
                let reader = WgQuickReader(file: config.file, nodeNames: [])
                do {
                    let endpoint = try reader.endpoint(entry.compactValue, config.location(entry.line))
                    let port: UInt16
                    switch endpoint {
                    case .address(let e): port = e.port
                    case .host(_, let p): port = p
                    case .node(_, let p): port = p ?? 1
                    }
                    if port == 0 { add(entry.line, "Endpoint port 0: nothing listens on port 0", "give the peer's ListenPort, e.g. :51820") }
                } catch let error as ScenarioError {
                    add(entry.line, error.message, "write host:port or [IPv6]:port with a port from 1 to 65535")
                } catch {}
            }
        }
        if let section = config.interface.section {
            for entry in section.all("Address") {
                for item in WgQuickConfig.wordList(entry.value) {
                    do { _ = try InterfaceAddress(parsing: item) } catch {
                        add(entry.line, "Address '\(EchoedText.short(item))' is not an address (\(error))", "write ADDRESS/LENGTH, e.g. 10.0.0.1/24")
                    }
                }
            }
            if let entry = section.last("ListenPort"), !(Int(entry.compactValue).map { (0...65535).contains($0) } ?? false) {
                add(entry.line, "ListenPort '\(EchoedText.short(entry.compactValue))' is not a port from 0 to 65535", "give a port such as 51820")
            }
        }
        // wg-quick takes the interface's name from the file's name (linux.bash parse_options).
        let base = config.file.split(separator: "/").last.map(String.init) ?? config.file
        if base.hasSuffix(".conf") {
            let stem = base.dropLast(5)
            if stem.isEmpty || stem.count > 15 || !stem.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_=+.-".contains($0)) }) {
                add(1, "wg-quick names the interface after the file, and '\(EchoedText.short(String(stem)))' is not an interface name (1 to 15 of A-Z a-z 0-9 _=+.-)",
                    "rename the file, e.g. wg0.conf", .warning)
            }
        }
        return out
    }

    /// The strict reader's first refusal, when the scan's own rules have not already named that
    /// line: what wg or wg-quick would actually stop at.
    static func strictReader(_ config: LintConfig, already: [LintFinding]) -> [LintFinding] {
        do {
            _ = try WgQuickConfig.read(config.text, file: config.file, nodeNames: [])
            return []
        } catch let error as ScenarioError {
            let line = error.line ?? 1
            if already.contains(where: { $0.location.line == line && ($0.severity == .error || $0.rule == LintRule.structure.id) }) { return [] }
            let isKey = ["PrivateKey", "PublicKey", "PresharedKey"].contains { error.message.hasPrefix($0) || error.message.contains("needs a PublicKey") }
            return [LintFinding(isKey ? .badKey : .structure, at: config.location(line), "wg-quick refuses this line: " + error.message,
                                fix: "correct the value as the message says")]
        } catch {
            return []
        }
    }

    // MARK: keys (S9, S10, S11)

    /// What is wrong with a key's text (nil: a well-formed key). A key is 32 bytes in standard
    /// base64: 44 characters, the last `=`, and the 43rd one of `AEIMQUYcgkosw480` (the bits that
    /// would spill past 32 bytes are zero), as wg's `key_from_base64` checks.
    static func keyProblem(_ text: String) -> String? {
        if text.isEmpty { return "is empty" }
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let chars = Array(text)
        if chars.count != 44 { return "is \(chars.count) characters long; a key is 44 (32 bytes in base64)" }
        if chars[43] != "=" { return "does not end in '=' as a 32-byte base64 key does" }
        if let bad = chars[..<43].first(where: { !alphabet.contains($0) }) { return "holds '\(bad)', which is not a base64 character" }
        if !"AEIMQUYcgkosw480".contains(chars[42]) { return "decodes to more than 32 bytes (its 43rd character must be one of AEIMQUYcgkosw480)" }
        return nil
    }

    static func keys(_ config: LintConfig) -> [LintFinding] {
        var out: [LintFinding] = []
        func checkKey(_ name: String, _ entry: LintScannedFile.Entry?) {
            guard let entry else { return }
            if entry.value.first == "\"" || entry.value.first == "'" {
                out.append(LintFinding(.badKey, .warning, at: config.location(entry.line), "\(name) is written in quotes; wg takes the quotes as part of the key",
                                       fix: "remove the quotes"))
            }
            if let problem = keyProblem(entry.compactValue) {
                out.append(LintFinding(.badKey, at: config.location(entry.line), "\(name) \(problem); wg refuses the file (\"Key is not the correct length or format\")",
                                       fix: name == "PrivateKey" ? "paste the whole key, or make a new one with `wg genkey`"
                                                                 : "paste the whole 44-character key as `wg pubkey` or `wg genpsk` prints it"))
            }
        }
        if let section = config.interface.section {
            if let entry = section.last("PrivateKey") { checkKey("PrivateKey", entry) } else {
                out.append(LintFinding(.badKey, at: config.location(section.line), "[Interface] has no PrivateKey: the interface has no identity",
                                       fix: "add `PrivateKey = …` (make one with `wg genkey`)"))
            }
        }
        var seen: [PublicKey: LintPeer] = [:]
        let own = config.interface.privateKey?.publicKey
        for peer in config.peers {
            guard let entry = peer.section.last("PublicKey") else {
                out.append(LintFinding(.badKey, at: config.location(peer.section.line), "\(peer.name) has no PublicKey; wg refuses it (\"A peer is missing a public key\")",
                                       fix: "add the peer's public key (`wg pubkey` of its private key)"))
                continue
            }
            checkKey("PublicKey", entry)
            checkKey("PresharedKey", peer.section.last("PresharedKey"))
            guard let key = peer.publicKey else { continue }
            if let earlier = seen[key] {
                out.append(LintFinding(.duplicatePublicKey, at: config.location(entry.line),
                    "this PublicKey is also the one of the \(earlier.name): the two sections are one peer, and this later one replaces the earlier one's AllowedIPs and Endpoint",
                    fix: "merge the two sections (WireGuard roams between paths by itself), or give each its own key, or use two interfaces",
                    related: config.location(earlier.publicKeyLine)))
            } else {
                seen[key] = peer
            }
            if key == own {
                out.append(LintFinding(.ownPublicKey, at: config.location(entry.line),
                    "this is the interface's own public key (of its PrivateKey): the kernel ignores a peer with the device's own key, without an error",
                    fix: "put the other machine's public key here; this one belongs in the other machine's [Peer]",
                    related: config.interface.privateKeyLine.map(config.location)))
            }
            if let privateText = config.interface.privateKeyText, !privateText.isEmpty, entry.compactValue == privateText {
                out.append(LintFinding(.ownPublicKey, at: config.location(entry.line),
                    "this PublicKey is the interface's own PrivateKey pasted into the wrong field",
                    fix: "put the other machine's public key here, and keep the private key secret",
                    related: config.interface.privateKeyLine.map(config.location)))
            }
        }
        return out
    }
}
