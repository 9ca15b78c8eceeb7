import Routing
import Sim
import WireGuard

/// The single-file rules about allowed IPs: one prefix on two peers, host bits, a narrower
/// prefix shadowing a wider one, and the local LAN inside a tunnel (S1, S2, S3, S15).
extension LintFileRules {
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
}
