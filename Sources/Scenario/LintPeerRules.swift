import Routing
import Sim
import WireGuard

/// The single-file rules about endpoints, IPv6, interface values, DNS and hooks (S4–S8, S12,
/// S13, S16).
extension LintFileRules {
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
    /// An address of 2000::/3 (global unicast): a prefix holding it routes public IPv6.
    static let globalUnicastIPv6 = IPAddress.v6(IPv6Address(high: 0x2000 << 48, low: 0))

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
        let v6Default = all.contains { !$0.prefix.isIPv4 && $0.prefix.length <= 3 && $0.prefix.contains(Self.globalUnicastIPv6) }
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
