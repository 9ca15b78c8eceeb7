import Packet
import Routing
import Sim
import WireGuard

/// `wgsim reach`: which node reaches which address, found by running the real pipeline
/// (handshakes, allowed-IPs on the way out and in, forwarding) rather than by reading tables.
///
/// The scenario keeps its network and the events up to the moment `at` (so the configuration is
/// the one in force then); everything later, and every expectation, is replaced by one echo
/// request per cell, a second apart from `at` + 1 s, each from the source node's first tunnel
/// address of the destination's family, and then by the same pings again: the first round
/// brings the network up, the second is judged. A cell's verdicts come from the decisions made
/// in its second of the second round: the request is delivered when the destination node's wg0 delivers it, the reply
/// when the source node's wg0 delivers it; otherwise the first decision that dropped the packet
/// says why.
public enum Reach {
    /// One second per cell: far more than a handshake and a round trip take, so no cell's
    /// packets fall into the next one's window.
    public static let spacing: Int64 = 1_000_000_000

    /// An address a reach check aims at: a tunnel address of `node`, or the first host of a LAN
    /// behind it.
    public struct Target: Equatable, Sendable {
        public var node: String
        public var address: IPAddress
        /// The LAN the address stands for; nil for a tunnel address.
        public var lan: IPPrefix?

        /// `10.0.0.1`, or `10.1.0.1 (LAN 10.1.0.0/24)`.
        public var label: String { lan.map { "\(address) (LAN \($0))" } ?? "\(address)" }
    }

    /// What became of one packet of a cell.
    public struct Outcome: Equatable, Sendable {
        /// `delivered`, the action of the decision that stopped the packet (`dropped-no-peer`,
        /// `no-route`; for a packet left queued, the refused handshake's action when there was
        /// one, else `queued`), `not-forwarded` (taken in by a node on the way that does not
        /// forward), or `not-sent` (a reply whose request never arrived, or no decision at all).
        public var action: String
        /// The node of that decision (nil for `not-sent`).
        public var node: String?
        /// The decision's simulated time (nanoseconds).
        public var time: Int64?
        /// The decision in words (interface, direction, action and its explanation).
        public var why: String

        public var isDelivered: Bool { action == "delivered" }
        static let delivered = Outcome(action: "delivered", node: nil, time: nil, why: "")
    }

    /// One ordered pair (source node, destination address) and both verdicts.
    public struct Cell: Equatable, Sendable {
        public var from: String
        public var to: Target
        /// The source address of the echo request.
        public var source: IPAddress
        public var forward: Outcome
        public var reply: Outcome
        public var isReachable: Bool { forward.isDelivered && reply.isDelivered }
    }

    /// Everything a reach check found.
    public struct Report: Sendable {
        /// The nodes with a wg0, in scenario order: the matrix's rows.
        public var nodes: [String]
        /// Every destination address, in node order (tunnel addresses, then LANs): the columns.
        public var targets: [Target]
        /// The cells that were tried, row by row in `targets` order; a pair missing here was not
        /// tried (same node, or the source has no tunnel address of that family).
        public var cells: [Cell]
        /// LAN first hosts given to a node as an extra local address (on wg0) so it answers.
        public var addedAddresses: [Target]
        /// When the pings started.
        public var at: Int64
        public var allReachable: Bool { cells.allSatisfy(\.isReachable) }
    }

    /// The tunnel addresses and LANs of every node with a wg0. A LAN of node X is a prefix some
    /// other node's allowed IPs give to its peer X, that holds no node's tunnel address (so it
    /// is not the tunnel's own subnet or a default route), that is not a piece of a default route
    /// (`defaultRouteFamilies`), and that X itself does not send on to one of its peers (then X is
    /// only a hop on the way, as a hub is for its spokes' LANs).
    public static func targets(of scenario: Scenario) -> [Target] {
        let tunnelAddresses = scenario.nodes.flatMap { $0.wireguard?.addresses.map(\.address) ?? [] }
        var targets: [Target] = []
        for node in scenario.nodes {
            guard let wg0 = node.wireguard else { continue }
            for address in wg0.addresses { targets.append(Target(node: node.name, address: address.address, lan: nil)) }
            let ownRoutes = wg0.peers.flatMap(\.allowedIPs)
            var lans: [IPPrefix] = []
            for other in scenario.nodes where other.name != node.name {
                for peer in other.wireguard?.peers ?? [] where peer.peer == .node(node.name) {
                    let defaultFamilies = defaultRouteFamilies(peer.allowedIPs)
                    for prefix in peer.allowedIPs
                    where !defaultFamilies.contains(prefix.isIPv4)
                        && !tunnelAddresses.contains(where: prefix.contains)
                        && !ownRoutes.contains(where: { $0.contains(firstHost(of: prefix)) })
                        && !lans.contains(where: { firstHost(of: $0) == firstHost(of: prefix) }) {
                        lans.append(prefix)
                    }
                }
            }
            for lan in lans.sorted() { targets.append(Target(node: node.name, address: firstHost(of: lan), lan: lan)) }
        }
        return targets
    }

    /// The families (true: IPv4) in which `prefixes` together cover at least half of all
    /// addresses: a default route, whole or cut into pieces (`wgsim calc 0.0.0.0/0 - …`), which
    /// sends traffic through the peer rather than to a LAN of its own.
    static func defaultRouteFamilies(_ prefixes: [IPPrefix]) -> Set<Bool> {
        var families: Set<Bool> = []
        for isIPv4 in [true, false] {
            let share = PrefixSet(prefixes.filter { $0.isIPv4 == isIPv4 }).prefixes
                .reduce(0.0) { $0 + 1 / Double(sign: .plus, exponent: $1.length, significand: 1) }
            if share >= 0.5 { families.insert(isIPv4) }
        }
        return families
    }

    /// The address that stands for a host behind a node: the network address + 1 (the address
    /// itself for a /32, /31, /128 or /127, which have no network address to skip).
    static func firstHost(of prefix: IPPrefix) -> IPAddress {
        guard prefix.length < prefix.address.bitWidth - 1 else { return prefix.address }
        switch prefix.address {
        case .v4(let a): return .v4(IPv4Address(a.value + 1))
        case .v6(let a): return .v6(IPv6Address(high: a.high, low: a.low + 1))
        }
    }

    /// Runs the check: `scenario` as it stands at `at`, then one ping per cell.
    public static func check(_ scenario: Scenario, at: Int64, seed: UInt64? = nil) throws -> Report {
        let targets = targets(of: scenario)
        var probe = scenario
        // A LAN first host no simulated host owns is given to its node as an extra wg0 address,
        // so that the node's stack answers for it (Linux answers for any local address, whichever
        // interface holds it); appended, so the node's own source address does not change.
        var added: [Target] = []
        for target in targets where target.lan != nil {
            guard !probe.nodes.contains(where: { owns($0, target.address) }),
                  let index = probe.nodes.firstIndex(where: { $0.name == target.node }) else { continue }
            probe.nodes[index].wireguard?.addresses.append(
                try InterfaceAddress(address: target.address, prefixLength: target.address.bitWidth))
            added.append(target)
        }

        var cells: [Cell] = []
        let rows = scenario.nodes.filter { $0.wireguard != nil }
        for node in rows {
            for target in targets where target.node != node.name {
                guard let source = node.wireguard?.addresses.first(where: { $0.address.isIPv4 == target.address.isIPv4 })?.address
                else { continue }
                cells.append(Cell(from: node.name, to: target, source: source,
                                  forward: Outcome(action: "not-sent", node: nil, time: nil, why: ""),
                                  reply: Outcome(action: "not-sent", node: nil, time: nil, why: "")))
            }
        }
        // Two rounds of the same pings: the first brings the network up (handshakes, and the
        // endpoints a node learns only from a peer's first packet, e.g. a hub's for a spoke
        // without PersistentKeepalive), so that no verdict depends on which cell came first;
        // the second round is judged.
        var events = scenario.events.filter { $0.at <= at }
        let judgedFrom = at + Int64(cells.count + 1) * spacing
        for round in 0..<2 {
            for (index, cell) in cells.enumerated() {
                let time = at + Int64(round * cells.count + index + 1) * spacing
                let location = scenario.node(named: cell.from)?.location ?? SourceLocation(file: scenario.file, line: 1)
                events.append(ScenarioEvent(at: time, location: location,
                                            action: .ping(node: cell.from, destination: cell.to.address, source: nil, count: 1,
                                                          interval: spacing, size: 56)))
            }
        }
        probe.events = events
        probe.expectations = []
        probe.duration = judgedFrom + Int64(cells.count) * spacing

        let run = try ScenarioRun(probe, seed: seed, keepDecisions: true)
        run.run()
        let decisions = run.simulation.decisions
        // Each cell's decisions: those in its second.
        var windows = Array(repeating: [Int](), count: cells.count)
        for (index, record) in decisions.enumerated() where record.t >= judgedFrom {
            let window = Int((record.t - judgedFrom) / spacing)
            if window < cells.count { windows[window].append(index) }
        }
        // Handshake messages refused or lost (no inner packet): the reason a packet waits in a
        // queue, whenever the last such refusal happened.
        let handshakeStops = decisions.indices.filter { decisions[$0].packet == nil && stops(decisions[$0].action) }
        for index in cells.indices {
            let records = windows[index].map { decisions[$0] }
            let cell = cells[index]
            let windowEnd = judgedFrom + Int64(index + 1) * spacing
            let stopsSoFar = handshakeStops.prefix { decisions[$0].t < windowEnd }.map { decisions[$0] }
            cells[index].forward = outcome(of: records, source: cell.source, destination: cell.to.address, deliveredAt: cell.to.node,
                                           handshakeStops: stopsSoFar)
            cells[index].reply = cells[index].forward.isDelivered
                ? outcome(of: records, source: cell.to.address, destination: cell.source, deliveredAt: cell.from,
                          handshakeStops: stopsSoFar)
                : Outcome(action: "not-sent", node: nil, time: nil, why: "the echo request did not arrive, so there is no reply")
        }
        return Report(nodes: rows.map(\.name), targets: targets, cells: cells, addedAddresses: added, at: at)
    }

    private static func owns(_ node: ScenarioNode, _ address: IPAddress) -> Bool {
        node.underlay == address || (node.wireguard?.addresses.contains { $0.address == address } ?? false)
    }

    /// Whether an action ends a packet's way (rather than being a step on it).
    static func stops(_ action: Action) -> Bool {
        action.rawValue.hasPrefix("dropped-") || action == .noRoute || action == .icmpUnreachable
            || action == .handshakeGaveUp
    }

    /// What became of the packet from `source` to `destination` among one window's decisions:
    /// delivered by `deliveredAt`'s wg0; else the first decision that dropped it; else, when it
    /// was left queued for a handshake, the last refused or lost handshake message (among
    /// `handshakeStops`, those made before the window ended) at the queuing node or its peer;
    /// else an underlay drop after its last decision (those records hold the outer datagram
    /// only); else the packet's last decision.
    static func outcome(of records: [DecisionRecord], source: IPAddress, destination: IPAddress, deliveredAt node: String,
                        handshakeStops: [DecisionRecord]) -> Outcome {
        var last: DecisionRecord?
        for record in records where record.src == source && record.dst == destination {
            if record.action == .delivered && record.node == node { return .delivered }
            if stops(record.action) { return Outcome(record) }
            last = record
        }
        if let queued = last, queued.action == .queued, let handshakeStop = handshakeStops.last(where: {
            $0.node == queued.node || $0.node == queued.peer || $0.peer == queued.node
        }) {
            return Outcome(handshakeStop)
        }
        // Underlay drops (eth0, links) carry the outer datagram, not the inner packet: one in
        // this cell's second, after the packet's last decision, is what stopped it.
        if let underlayStop = records.first(where: { $0.packet == nil && $0.iface == .eth0 && stops($0.action) && $0.t >= (last?.t ?? 0) }) {
            return Outcome(underlayStop)
        }
        if let last, last.action == .delivered {
            // Accepted by a host on the way that neither owns the address nor forwards: its
            // stack takes the packet and, as Linux with forwarding off, goes no further.
            return Outcome(action: "not-forwarded", node: last.node, time: last.t,
                           why: "\(last.ifaceName) \(last.dir?.rawValue ?? "-") delivered to \(last.node)'s stack, which does not own "
                                + "\(destination) and does not forward (forwarding off): the packet goes no further")
        }
        if let last { return Outcome(last) }
        return Outcome(action: "not-sent", node: nil, time: nil, why: "no decision was made about a packet from \(source) to \(destination)")
    }
}

extension Reach.Outcome {
    init(_ record: DecisionRecord) {
        self.init(action: record.action.rawValue, node: record.node, time: record.t,
                  why: "\(record.ifaceName) \(record.dir?.rawValue ?? "-") \(record.action.rawValue): \(record.why)")
    }
}
