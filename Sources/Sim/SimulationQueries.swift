import Routing
import WireGuard

/// What the cryptokey routing table of a node says about one address.
public struct AllowedIPsLookup {
    /// The peer the longest matching entry belongs to (node name or base64 key), nil if none.
    public var peer: String?
    public var prefix: IPPrefix?
    /// Every other entry that also matches, most specific first.
    public var candidates: [(prefix: IPPrefix, peer: String)]
}

/// What the host route table of a node says about one destination.
public struct RouteLookup {
    /// The destination is one of the node's own addresses (delivered on lo).
    public var isLocal: Bool
    /// The route taken, nil when none matches.
    public var chosen: RouteSpec?
    /// Every route that matches, in order of preference (the chosen one first).
    public var matches: [RouteSpec]
}

/// Queries about a node at the current simulated time (`run(until:)` to the moment first).
extension Simulation {
    /// The allowed-IPs lookup wg0 would make for `address` (nil when the node has no wg0).
    public func lookup(node name: String, address: IPAddress) -> AllowedIPsLookup? {
        guard let index = nodeIndex[name], let device = nodes[index].device else { return nil }
        let matches = device.allowedIPs.explain(address)
        guard let best = matches.first else { return AllowedIPsLookup(peer: nil, prefix: nil, candidates: []) }
        return AllowedIPsLookup(peer: names.name(of: best.peer), prefix: best.prefix,
                                candidates: matches.dropFirst().map { ($0.prefix, names.name(of: $0.peer)) })
    }

    /// The host route table's choice for `destination`, with every matching route.
    public func routeLookup(node name: String, destination: IPAddress) -> RouteLookup? {
        guard let index = nodeIndex[name] else { return nil }
        let node = nodes[index]
        return RouteLookup(isLocal: node.isLocal(destination), chosen: node.routes.lookup(destination)?.spec,
                           matches: node.routes.matches(destination))
    }

    /// The policy rules and tables a packet to `destination` carrying firewall mark `mark`
    /// consults, step by step (nil for an unknown node). `mark` nil: wg0's own fwmark, as
    /// WireGuard's own datagrams carry it.
    public func routeTrace(node name: String, destination: IPAddress, mark: UInt32? = nil) -> PolicyRouteTrace? {
        guard let index = nodeIndex[name] else { return nil }
        let node = nodes[index]
        return node.routes.trace(destination, mark: mark ?? node.fwmark)
    }

    /// wg0's firewall mark (0: off), which its own UDP datagrams carry.
    public func wireGuardMark(node name: String) -> UInt32 {
        nodeIndex[name].map { nodes[$0].fwmark } ?? 0
    }

    /// The node's policy rules as `ip rule` and `ip -6 rule` list them.
    public func policyRules(node name: String) -> (ipv4: [PolicyRule], ipv6: [PolicyRule]) {
        guard let index = nodeIndex[name] else { return ([], []) }
        let routes = nodes[index].routes
        return (routes.rules(ipv4: true), routes.rules(ipv4: false))
    }

    /// The node's routes as `ip route show table all` lists them (main table first).
    public func routeTable(node name: String) -> [RouteSpec] {
        guard let index = nodeIndex[name] else { return [] }
        return nodes[index].routes.sortedSpecs
    }

    /// The node's wg0 peers' status, in the device's peer order.
    public func peerStatus(node name: String) -> [PeerStatus] {
        var statuses: [PeerStatus] = []
        forEachPeerStatus(node: name) { statuses.append($0) }
        return statuses
    }

    /// `peerStatus(node:)` one peer at a time, in the same order, for a caller that keeps only
    /// part of each: a hub's statuses (an allowed-IPs array each, ~120 bytes a peer) are then
    /// never all held at once.
    public func forEachPeerStatus(node name: String, _ body: (PeerStatus) throws -> Void) rethrows {
        guard let index = nodeIndex[name], let device = nodes[index].device else { return }
        for key in device.peers {
            if let status = device.status(of: key) { try body(status) }
        }
    }

    /// The node's wg0 as `wg show wg0` prints it, at the current simulated time. Peers are named
    /// by key as `wg` does, followed by the node name in parentheses when it is a simulated node.
    public func wgShow(node name: String) -> String {
        guard let index = nodeIndex[name], let device = nodes[index].device else {
            return "Unable to access interface: No such device"
        }
        let node = nodes[index]
        var lines = ["interface: wg0", "  public key: \(device.publicKey.base64)", "  private key: (hidden)",
                     "  listening port: \(node.listenPort)"]
        // show.c prints the fwmark right after the port, in hexadecimal, when it is set.
        if node.fwmark != 0 { lines.append("  fwmark: 0x" + String(node.fwmark, radix: 16)) }
        // wg(8) lists peers with the most recent handshake first (show.c `peer_cmp`).
        let statuses = peerStatus(node: name).enumerated().sorted { a, b in
            let x = a.element.latestHandshake ?? Int64.min, y = b.element.latestHandshake ?? Int64.min
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
        for status in statuses {
            lines.append("")
            let label = names.node(of: status.publicKey).map { " (\($0))" } ?? ""
            lines.append("peer: \(status.publicKey.base64)\(label)")
            if status.hasPresharedKey { lines.append("  preshared key: (hidden)") }
            if let endpoint = status.endpoint { lines.append("  endpoint: \(endpoint)") }
            let allowed = status.allowedIPs.map(\.description).joined(separator: ", ")
            lines.append("  allowed ips: \(allowed.isEmpty ? "(none)" : allowed)")
            if let handshake = status.latestHandshake {
                // wg(8) subtracts whole Unix seconds: time(NULL) - last_handshake.tv_sec.
                let seconds = (startUnixNanoseconds + now) / 1_000_000_000 - (startUnixNanoseconds + handshake) / 1_000_000_000
                lines.append("  latest handshake: \(WgShowText.ago(seconds: seconds))")
            }
            if status.rxBytes > 0 || status.txBytes > 0 {
                lines.append("  transfer: \(WgShowText.bytes(status.rxBytes)) received, \(WgShowText.bytes(status.txBytes)) sent")
            }
            if status.persistentKeepalive > 0 {
                lines.append("  persistent keepalive: every \(WgShowText.duration(Int64(status.persistentKeepalive)))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Per node: packets originated, delivered, and every drop by reason.
    public func summary() -> RunSummary {
        RunSummary(nodes: nodes.map { node in
            let actions = actionTally.sorted(node: node.index).map { (action: $0.action.rawValue, count: $0.count) }
            let drops = actions.filter { $0.action.hasPrefix("dropped-") || $0.action == Action.noRoute.rawValue }
                .map { (reason: $0.action, count: $0.count) }
            return NodeSummary(name: node.name, originated: node.counters.originated,
                               delivered: actionTally.count(.delivered, node: node.index),
                               echoRequestsAnswered: node.stack.echoRequestsAnswered,
                               echoRepliesReceived: node.stack.echoRepliesReceived,
                               drops: drops,
                               actions: actions)
        })
    }
}

/// The outcome of a run, per node.
public struct RunSummary {
    public var nodes: [NodeSummary]

    public init(nodes: [NodeSummary]) { self.nodes = nodes }
}

/// One node's tallies.
public struct NodeSummary {
    public var name: String
    /// Packets its applications, pings, sends, replays and echo replies handed to routing.
    public var originated: Int
    /// `delivered` decisions: packets that came out of wg0 to its stack.
    public var delivered: Int
    public var echoRequestsAnswered: Int
    public var echoRepliesReceived: Int
    /// `dropped-*` and `no-route` decisions by action name, sorted by name.
    public var drops: [(reason: String, count: Int)]
    /// Every decision action logged at the node, sorted by name.
    public var actions: [(action: String, count: Int)]

    public init(name: String, originated: Int, delivered: Int, echoRequestsAnswered: Int, echoRepliesReceived: Int,
                drops: [(reason: String, count: Int)], actions: [(action: String, count: Int)]) {
        self.name = name
        self.originated = originated
        self.delivered = delivered
        self.echoRequestsAnswered = echoRequestsAnswered
        self.echoRepliesReceived = echoRepliesReceived
        self.drops = drops
        self.actions = actions
    }
}

/// The number formats of wg(8)'s `show` output (show.c `ago`, `bytes`, `every`).
enum WgShowText {
    static func duration(_ total: Int64) -> String {
        var parts: [String] = []
        func unit(_ value: Int64, _ name: String) {
            if value > 0 { parts.append("\(value) \(name)\(value == 1 ? "" : "s")") }
        }
        let years = total / (365 * 86400)
        let days = total % (365 * 86400) / 86400
        unit(years, "year"); unit(days, "day")
        unit(total % 86400 / 3600, "hour"); unit(total % 3600 / 60, "minute"); unit(total % 60, "second")
        return parts.isEmpty ? "0 seconds" : parts.joined(separator: ", ")
    }

    /// `1 minute, 5 seconds ago`; `Now` in the same second.
    static func ago(seconds: Int64) -> String {
        seconds <= 0 ? "Now" : duration(seconds) + " ago"
    }

    /// `123 B`, `1.21 KiB`, `3.50 MiB`, `1.00 GiB`, `2.00 TiB` (two decimals, rounded).
    static func bytes(_ count: UInt64) -> String {
        let units: [(UInt64, String)] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
        for (size, name) in units where count >= size {
            // printf("%.2f") of the exact quotient: nearest hundredth, an exact tie to even.
            let scaled = count.multipliedFullWidth(by: 100)
            let (quotient, remainder) = size.dividingFullWidth(scaled)
            var hundredths = quotient
            if remainder * 2 > size || (remainder * 2 == size && quotient % 2 == 1) { hundredths += 1 }
            let fraction = hundredths % 100
            return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) \(name)"
        }
        return "\(count) B"
    }
}
