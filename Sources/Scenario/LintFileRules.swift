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

    // MARK: prefixes (S1, S2, S3, S15)

    /// The peers that own each prefix after the kernel has read the file: each `[Peer]` in order,
    /// an identical prefix moving to the later peer (allowedips.c: an insert of an existing
    /// prefix replaces its peer). Sections with a key seen before are that earlier peer. The
    /// table is the project's one allowed-IPs trie (Routing's `AllowedIPs`); lint adds only the
    /// line each entry came from.
    struct Table {
        /// prefix → (peer index, line of the entry that put it there).
        private(set) var owner: [IPPrefix: (peer: Int, line: Int)] = [:]
        private let trie = AllowedIPs<Int>()

        /// Each peer's identity: its own index, or that of the first `[Peer]` with the same key.
        static func identity(_ config: LintConfig) -> [Int] {
            var identity: [Int] = []
            var firstWithKey: [PublicKey: Int] = [:]
            for peer in config.peers {
                if let key = peer.publicKey, let first = firstWithKey[key] { identity.append(first) } else {
                    if let key = peer.publicKey { firstWithKey[key] = peer.index }
                    identity.append(peer.index)
                }
            }
            return identity
        }

        init(_ config: LintConfig) {
            let identity = Table.identity(config)
            for peer in config.peers {
                for entry in peer.allowedIPs {
                    owner[entry.prefix] = (identity[peer.index], entry.line)
                    _ = trie.insert(entry.prefix, for: identity[peer.index])
                }
            }
        }

        /// The longest prefix owning `address`, and its peer.
        func lookup(_ address: IPAddress) -> (prefix: IPPrefix, peer: Int, line: Int)? {
            guard let (prefix, peer) = trie.lookupEntry(address), let line = owner[prefix]?.line else { return nil }
            return (prefix, peer, line)
        }

        /// The longest prefix strictly containing `prefix`, and its peer.
        func enclosing(_ prefix: IPPrefix) -> (prefix: IPPrefix, peer: Int, line: Int)? {
            guard let (wider, peer) = trie.explain(prefix.address).first(where: { $0.prefix.length < prefix.length }),
                  let line = owner[wider]?.line else { return nil }
            return (wider, peer, line)
        }
    }

    /// Home-router LANs met again and again in reports of "the local network wins".
    static let commonLANs: [IPPrefix] = ["192.168.0.0/24", "192.168.1.0/24", "192.168.2.0/24", "192.168.8.0/24", "192.168.10.0/24",
                                         "192.168.50.0/24", "192.168.86.0/24", "192.168.100.0/24", "192.168.178.0/24",
                                         "10.0.0.0/24", "10.0.1.0/24", "10.1.1.0/24", "10.8.0.0/24"].compactMap { try? IPPrefix(parsing: $0) }
    static let privateRanges: [IPPrefix] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"].compactMap { try? IPPrefix(parsing: $0) }

    static func isPrivate(_ prefix: IPPrefix) -> Bool { privateRanges.contains { $0.length <= prefix.length && $0.contains(prefix.address) } }

    static func prefixes(_ config: LintConfig) -> [LintFinding] {
        var out: [LintFinding] = []
        let table = Table(config)
        // A repeated key is the earlier peer, as in Table.
        let identity = Table.identity(config)
        // S1: replay in order; a prefix already owned by another peer moves.
        var owner: [IPPrefix: (peer: Int, line: Int, text: String)] = [:]
        var lost: Set<Int> = []
        for peer in config.peers {
            let me = identity[peer.index]
            for entry in peer.allowedIPs {
                if let earlier = owner[entry.prefix], earlier.peer != me {
                    let loser = config.peers[earlier.peer]
                    let written = entry.text == "\(entry.prefix)" ? "" : " (written \(entry.text))"
                    let writtenEarlier = earlier.text == "\(entry.prefix)" ? "" : " (written \(earlier.text))"
                    var message = "\(entry.prefix)\(written) is also given to the \(loser.name)\(writtenEarlier); WireGuard keeps only the later assignment, so that peer loses it"
                    var fix = "give each peer only its own addresses (its tunnel /32 and the networks behind it)"
                    if entry.prefix.length == 0 {
                        message += ": only one peer of an interface can be the default route"
                        fix = "keep \(entry.prefix) on one peer; for several exit servers use one interface (one file) per server"
                    }
                    out.append(LintFinding(.duplicatePrefix, at: config.location(entry.line), message, fix: fix, related: config.location(earlier.line)))
                    lost.insert(earlier.peer)
                }
                owner[entry.prefix] = (me, entry.line, entry.text)
            }
        }
        let owning = Set(table.owner.values.map(\.peer))
        for index in lost.sorted() where !owning.contains(index) {
            let peer = config.peers[index]
            out.append(LintFinding(.duplicatePrefix, at: config.location(peer.publicKeyLine),
                "\(peer.name) keeps no AllowedIPs at all once later peers have taken its prefixes: `wg show` lists it with allowed ips (none), nothing is sent to it and everything it sends is dropped",
                fix: "give this peer its own prefixes"))
        }
        for peer in config.peers {
            for entry in peer.allowedIPs {
                // S2
                if AllowedIPsUpdate.hostBitsWarning(entry.text, prefix: entry.prefix) != nil {
                    let host = entry.text.prefix { $0 != "/" }
                    let message = entry.prefix.length == 0
                        ? "\(entry.text) has host bits with length 0: it is the default route \(entry.prefix), every address"
                        : "\(entry.text) has host bits set: it means the whole network \(entry.prefix), not the one host \(host)"
                    out.append(LintFinding(.hostBits, at: config.location(entry.line), message,
                        fix: "write \(entry.prefix) if the network is meant, or \(host)/\(entry.prefix.address.bitWidth) for the single host"))
                }
                // S15
                if entry.prefix.length > 0, let lan = commonLANs.first(where: { entry.prefix.length <= $0.length && entry.prefix.contains($0.address) }) {
                    out.append(LintFinding(.localLAN, at: config.location(entry.line),
                        (lan == entry.prefix ? "\(lan) is" : "\(entry.prefix) contains \(lan),") + " a network many home routers and VPN installers use: on a LAN numbered the same, the local route wins over the tunnel and wg-quick may fail with `RTNETLINK answers: File exists`",
                        fix: "number the remote site with a less common range (e.g. 192.168.66.0/24), or translate it (NETMAP)"))
                }
                // S3: the nearest wider prefix owned by another peer.
                if let wider = table.enclosing(entry.prefix), wider.peer != identity[peer.index], table.owner[entry.prefix]?.peer == identity[peer.index] {
                    let other = config.peers[wider.peer]
                    let lans = wider.prefix.length >= 8 && entry.prefix.length <= 30 && isPrivate(wider.prefix) && isPrivate(entry.prefix)
                    out.append(LintFinding(.shadowedPrefix, lans ? .warning : .info, at: config.location(entry.line),
                        "\(entry.prefix) is inside \(wider.prefix) of the \(other.name): addresses in \(entry.prefix) go to this peer, and packets from them arriving from that peer are dropped"
                        + (lans ? "; two site networks that overlap are usually a numbering clash, not an intended exception" : ""),
                        fix: lans ? "renumber one site, or make sure the narrower route is meant" : "nothing, if the exception is meant",
                        related: config.location(wider.line)))
                }
            }
        }
        return out
    }

    // MARK: endpoints (S4, S8, S16)

    static func endpoints(_ config: LintConfig) -> [LintFinding] {
        var out: [LintFinding] = []
        let table = Table(config)
        let tableSetting = config.interface.table ?? "auto"
        for peer in config.peers {
            if let keepalive = peer.keepalive, keepalive > 0, peer.endpoint == nil, let line = peer.keepaliveLine {
                out.append(LintFinding(.keepalive, at: config.location(line),
                    "PersistentKeepalive without an Endpoint does nothing until the peer has contacted this side; on a hub it only makes retries to offline clients",
                    fix: "set PersistentKeepalive on the side behind NAT, in its [Peer] for the side with the fixed address"))
            }
            guard let endpoint = peer.endpoint, let line = peer.endpointLine else { continue }
            switch endpoint {
            case .host(let host, _):
                out.append(LintFinding(.dynamicEndpoint, at: config.location(line),
                    "\(host) is looked up once, when the interface comes up; if its address changes later the tunnel stays on the old one",
                    fix: "re-resolve it periodically (wireguard-tools contrib/reresolve-dns), or leave the Endpoint out on the side with the fixed address"))
            case .address(let e):
                guard let found = table.lookup(e.address) else { continue }
                let viaOwnDefault = found.peer == peer.index && found.prefix.length == 0 && tableSetting == "auto"
                if viaOwnDefault { continue } // wg-quick's fwmark rule keeps the tunnel's own UDP outside (linux.bash add_default)
                let message = found.peer == peer.index
                    ? "the endpoint \(e.address) is inside \(found.prefix) of this same peer: the tunnel's own UDP packets to it would be routed into the tunnel (wg-quick only keeps them out for a literal /0 with Table = auto)"
                    : "the endpoint \(e.address) is inside \(found.prefix) of the \(config.peers[found.peer].name): the tunnel's UDP to this peer would be sent into the tunnel, to the other peer"
                out.append(LintFinding(.endpointInAllowedIPs, at: config.location(line), message,
                    fix: "leave \(e.address) out of AllowedIPs (split the range around it), add a host route for it via the underlay, or use a literal 0.0.0.0/0",
                    related: config.location(found.line)))
            case .node: break
            }
        }
        return out
    }

    // MARK: IPv6 leak (S5)

    /// Whether `prefixes` together cover all of IPv4 (a /0, 0/1 + 128/1, or any list whose union is everything).
    static func coversAllIPv4(_ prefixes: [IPPrefix]) -> Bool {
        let v4 = Set(prefixes.filter(\.isIPv4))
        var total: UInt64 = 0
        for prefix in v4 {
            let covered = (0..<prefix.length).contains { length in
                (try? IPPrefix(address: prefix.address, length: length)).map(v4.contains) ?? false
            }
            if !covered { total += UInt64(1) << UInt64(32 - prefix.length) }
        }
        return total == UInt64(1) << 32
    }

    static func ipv6Leak(_ config: LintConfig) -> [LintFinding] {
        let all = config.peers.flatMap { $0.allowedIPs }
        let v6Default = all.contains { !$0.prefix.isIPv4 && $0.prefix.length <= 3 && $0.prefix.contains((try? IPAddress(parsing: "2000::"))!) }
        var out: [LintFinding] = []
        for peer in config.peers where coversAllIPv4(peer.allowedIPs.map(\.prefix)) && !v6Default {
            let line = peer.allowedIPs.first { $0.prefix.isIPv4 }?.line ?? peer.section.line
            out.append(LintFinding(.ipv6Leak, at: config.location(line),
                "all IPv4 traffic goes into the tunnel, but no peer takes IPv6: IPv6 traffic leaves outside the tunnel",
                fix: "add ::/0 to this AllowedIPs (with an IPv6 Address to use it, or to block IPv6 while connected)"))
        }
        if v6Default, !config.interface.addresses.contains(where: { !$0.address.address.isIPv4 }),
           let entry = all.first(where: { !$0.prefix.isIPv4 && $0.prefix.length == 0 }) {
            out.append(LintFinding(.ipv6Leak, .info, at: config.location(entry.line),
                "::/0 goes into the tunnel but the interface has no IPv6 Address: IPv6 is captured and dropped (a leak block, if that is what is meant)",
                fix: "nothing if IPv6 is meant to be blocked; else add an IPv6 Address"))
        }
        return out
    }

    // MARK: Address, MTU (S6, S7)

    static func interfaceValues(_ config: LintConfig) -> [LintFinding] {
        var out: [LintFinding] = []
        let interface = config.interface
        for entry in interface.addresses where !entry.text.contains("/") {
            out.append(LintFinding(.addressPrefix, at: config.location(entry.line),
                "Address \(entry.text) has no prefix length and is taken as /\(entry.address.address.bitWidth): only routes from AllowedIPs lead into the tunnel",
                fix: "write the length you mean, e.g. \(entry.text)/\(entry.address.address.bitWidth) or \(entry.text)/24"))
        }
        if config.peers.count >= 2, interface.listenPort != nil,
           let hub = interface.addresses.first(where: { $0.address.address.isIPv4 && $0.address.prefixLength == 32 }),
           config.peers.allSatisfy({ $0.allowedIPs.contains { $0.prefix.isIPv4 && $0.prefix.length == 32 } }) {
            out.append(LintFinding(.addressPrefix, .warning, at: config.location(hub.line),
                "this looks like a hub (a ListenPort and several /32 peers) with Address \(hub.text)/32: spokes reach it, and each other through it, only if their AllowedIPs for the hub cover those addresses",
                fix: "give the hub its subnet's length (e.g. \(hub.address.address)/24) and the spokes the whole tunnel subnet in their [Peer] for the hub"))
        }
        if let entry = interface.section?.last("MTU"), let mtu = Int(entry.compactValue) {
            let ipv6Endpoint = config.peers.contains { if case .address(let e)? = $0.endpoint { return !e.address.isIPv4 } else { return false } }
            if mtu < 1280, interface.addresses.contains(where: { !$0.address.address.isIPv4 }) {
                out.append(LintFinding(.mtu, .error, at: config.location(entry.line),
                    "MTU \(mtu) is below 1280, the least IPv6 allows, and the interface has an IPv6 Address: the kernel turns IPv6 off on it",
                    fix: "use MTU 1280 or more (1420 on a 1500-byte path)"))
            } else if mtu > 1440 || (mtu > 1420 && ipv6Endpoint) {
                out.append(LintFinding(.mtu, at: config.location(entry.line),
                    "MTU \(mtu) leaves no room for WireGuard's 60 bytes (IPv4) or 80 bytes (IPv6) of overhead on a 1500-byte path: large packets are lost, so pages and SSH sessions hang",
                    fix: "leave MTU out (wg-quick takes the path's MTU minus 80) or set 1420 (lower on PPPoE)"))
            }
        }
        return out
    }

    // MARK: DNS (S12)

    static func dns(_ config: LintConfig) -> [LintFinding] {
        var out: [LintFinding] = []
        let table = Table(config)
        let fullTunnel = config.peers.contains { coversAllIPv4($0.allowedIPs.map(\.prefix)) }
        let entries = config.interface.section?.all("DNS") ?? []
        for entry in entries {
            for item in WgQuickConfig.wordList(entry.value) {
                guard let address = try? IPAddress(parsing: item), table.lookup(address) == nil else { continue }
                let insideTunnel = config.interface.addresses.contains { $0.address.prefix.contains(address) }
                let host = (try? IPPrefix(address: address, length: address.bitWidth))
                guard insideTunnel || host.map(isPrivate) == true else { continue }
                out.append(LintFinding(.dns, at: config.location(entry.line),
                    "DNS server \(item) is in no peer's AllowedIPs: queries to it do not enter the tunnel" + (insideTunnel ? ", although it is in the tunnel's subnet" : ""),
                    fix: "add \(item)/\(address.bitWidth) to the AllowedIPs of the peer that reaches it"))
            }
        }
        if fullTunnel, entries.isEmpty, let section = config.interface.section {
            out.append(LintFinding(.dns, .info, at: config.location(section.line),
                "a full tunnel without DNS: name lookups keep going to the local network's resolver, outside the tunnel",
                fix: "add `DNS = ` with a resolver reached through the tunnel"))
        }
        return out
    }

    // MARK: hooks, SaveConfig, Table (S13)

    /// A command with its adding verbs turned into removing ones, for comparing PostUp with PostDown.
    static func undone(_ command: String) -> String {
        var words = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        for i in words.indices {
            switch words[i] {
            case "-A", "-I", "--append", "--insert": words[i] = "-D"
            case "add", "append", "insert": words[i] = "del"
            case "delete": words[i] = "del"
            default: break
            }
        }
        // `iptables -I CHAIN 1 …` names a position that `-D` does not take.
        if let d = words.firstIndex(of: "-D"), d + 2 < words.count, Int(words[d + 2]) != nil { words.remove(at: d + 2) }
        return words.joined(separator: " ")
    }

    static func hooks(_ config: LintConfig) -> [LintFinding] {
        guard let section = config.interface.section else { return [] }
        var out: [LintFinding] = []
        let ups = section.entries.filter { $0.known == "PreUp" || $0.known == "PostUp" }
        let downs = Set((section.all("PreDown") + section.all("PostDown")).flatMap { $0.value.split(separator: ";").map { undone(WgQuickConfig.trimmed($0)) } })
        for entry in ups {
            for part in entry.value.split(separator: ";") {
                let command = WgQuickConfig.trimmed(part)
                let words = command.split(separator: " ").map(String.init)
                let adds = (words.first.map { $0.hasSuffix("iptables") || $0.hasSuffix("ip6tables") } == true && words.contains { ["-A", "-I", "--append", "--insert"].contains($0) })
                    || (words.first == "ip" && words.contains("add") && (words.contains("rule") || words.contains("route")))
                    || (words.first == "nft" && words.contains("add"))
                if adds, !downs.contains(undone(command)) {
                    out.append(LintFinding(.hooks, at: config.location(entry.line),
                        "`\(EchoedText.short(command))` adds state that no PreDown/PostDown removes: it piles up with every restart",
                        fix: "add `PostDown = \(undone(command))`"))
                }
                if words.first.map({ $0.hasSuffix("iptables") }) == true, words.contains("POSTROUTING"), words.contains("MASQUERADE") || words.contains("SNAT"),
                   !words.contains("-o") {
                    out.append(LintFinding(.hooks, at: config.location(entry.line),
                        "`\(EchoedText.short(command))` masquerades without `-o`: it also rewrites packets leaving through the tunnel and the LAN",
                        fix: "name the outgoing interface, e.g. `-o eth0`"))
                }
            }
        }
        if let entry = section.last("SaveConfig"), entry.compactValue.lowercased() == "true" {
            out.append(LintFinding(.hooks, at: config.location(entry.line),
                "SaveConfig = true: wg-quick overwrites this file from the running interface on every `down`, so edits made while it is up are lost",
                fix: "edit only while the interface is down, or set SaveConfig = false"))
        }
        if let entry = section.last("Table"), entry.value == "off" {
            out.append(LintFinding(.hooks, .info, at: config.location(entry.line),
                "Table = off: wg-quick adds no routes for AllowedIPs; PostUp (or something else) must add them",
                fix: "nothing, if your own routes are meant"))
        }
        return out
    }
}
