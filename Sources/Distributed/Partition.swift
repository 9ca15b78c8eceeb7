import NetAddress
import Scenario
import Sim

/// How a split run shares the nodes out over its processes (docs/mpi.md). Deterministic: the
/// same scenario and process count give the same partition in every process, which is how each
/// process knows, without asking, which nodes the others own.
///
/// 1. Groups: nodes joined by WireGuard peering (a peer named as a node) stay together, except
///    that a peering between two hubs (nodes with at least `hubPeers` peers each) is not
///    followed, so a mesh of hubs splits into one group per hub with its clients; nodes that
///    give `partition: NAME` form one group per name instead.
/// 2. Balance: groups, largest first (ties: the one whose first node comes first), each go to
///    the process with the fewest nodes so far (ties: the lowest rank).
/// 3. Every process must own a node, and every underlay path between nodes of different
///    processes must take time (the lookahead): both are refused otherwise, in words.
public struct Partition: Equatable {
    /// The rank of each node, by index in the scenario.
    public let rankOfNode: [Int]
    /// How many processes.
    public let processCount: Int
    /// How many groups the nodes formed.
    public let groupCount: Int
    /// The smallest time a datagram takes between nodes of different processes that can ever
    /// send each other one (ns; `Int64.max` when no such pair exists).
    public let lookahead: Int64

    /// A node with this many WireGuard peers or more is a hub: hub-to-hub peerings do not tie
    /// two hubs' groups together.
    public static let hubPeers = 3

    /// Nodes per process, by rank.
    public var nodeCounts: [Int] {
        var counts = [Int](repeating: 0, count: processCount)
        for rank in rankOfNode { counts[rank] += 1 }
        return counts
    }

    /// The ownership flags `Simulation(owned:)` takes for process `rank`.
    public func owned(by rank: Int) -> [Bool] { rankOfNode.map { $0 == rank } }

    /// The summary line rank 0 prints; after a run, with how many windows it took and how many
    /// datagrams crossed between processes.
    public func line(windows: Int? = nil, datagrams: Int? = nil) -> String {
        let counts = nodeCounts.map(String.init).joined(separator: " / ")
        var text = "partition: \(processCount) processes own \(counts) nodes (\(groupCount) groups; "
            + "lookahead \(lookahead == .max ? "unbounded" : TimeText.shortest(lookahead))"
        if let windows { text += "; \(windows) windows" }
        if let datagrams { text += ", \(datagrams) datagrams between processes" }
        return text + ")\n"
    }

    /// Partitions `scenario` over `processes`; throws a `ScenarioError` saying why it cannot.
    public init(_ scenario: Scenario, processes: Int) throws {
        let nodes = scenario.nodes
        var index: [String: Int] = [:]
        index.reserveCapacity(nodes.count)
        for (i, node) in nodes.enumerated() { index[node.name] = i }
        // Each node's peers named as nodes, by index, in the order of its `peers:` (nil: a peer
        // named by key): looked up once here, for the groups and the lookahead.
        let peerNodes: [[Int?]] = nodes.map { node in
            (node.wireguard?.peers ?? []).map { peer in
                if case .node(let name) = peer.peer { return index[name] }
                return nil
            }
        }
        let peers: [[Int]] = peerNodes.map { $0.compactMap { $0 } }
        var groups = UnionFind(count: nodes.count)
        var firstOfPartition: [String: Int] = [:]
        for (i, node) in nodes.enumerated() {
            guard let name = node.partition else { continue }
            if let first = firstOfPartition[name] { groups.join(first, i) } else { firstOfPartition[name] = i }
        }
        for (i, list) in peers.enumerated() where nodes[i].partition == nil {
            for j in list where nodes[j].partition == nil {
                if peers[i].count >= Self.hubPeers && peers[j].count >= Self.hubPeers { continue }
                groups.join(i, j)
            }
        }
        // Each group's members, in node order; groups ordered by their first node.
        var members: [Int: [Int]] = [:]
        var order: [Int] = []
        for i in nodes.indices {
            let root = groups.root(i)
            if members[root] == nil { order.append(root) }
            members[root, default: []].append(i)
        }
        let grouped = order.map { members[$0]! }
        guard grouped.count >= processes else {
            throw ScenarioError(file: scenario.file, line: nil,
                                "the network splits into only \(grouped.count) group\(grouped.count == 1 ? "" : "s") of nodes "
                                + "(WireGuard peers stay together), too few for \(processes) processes: run with at most "
                                + "\(grouped.count), or give nodes a `partition:` name")
        }
        var ranks = [Int](repeating: 0, count: nodes.count)
        var load = [Int](repeating: 0, count: processes)
        let bySize = grouped.indices.sorted { grouped[$0].count != grouped[$1].count ? grouped[$0].count > grouped[$1].count : $0 < $1 }
        for g in bySize {
            let rank = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            load[rank] += grouped[g].count
            for i in grouped[g] { ranks[i] = rank }
        }
        rankOfNode = ranks
        processCount = processes
        groupCount = grouped.count
        lookahead = try Self.lookahead(scenario, ranks: ranks, index: index, peerNodes: peerNodes)
    }

    /// The smallest delay between nodes of different processes that can ever send each other a
    /// datagram (`talkingPairs`), each pair's delay being its link's latency less its jitter at
    /// its worst over the run (the `links:` entry and every `link:` change event), or the shared
    /// segment's for a pair no link names. When which pairs can talk cannot be told before the
    /// run, every pair between processes counts. A link between processes that can deliver in
    /// no time is refused either way. With no pair that can talk, the processes never exchange a
    /// datagram and the lookahead is unbounded (`Int64.max`).
    private static func lookahead(_ scenario: Scenario, ranks: [Int], index: [String: Int], peerNodes: [[Int?]]) throws -> Int64 {
        var latency: [PairKey: (latency: Int64, jitter: Int64, line: Int?)] = [:]
        for link in scenario.links {
            guard let a = index[link.between.0], let b = index[link.between.1] else { continue }
            latency[PairKey(a, b)] = (link.properties.latency, link.properties.jitter, link.location.line)
        }
        /// The smallest delay of each link between processes that the scenario names.
        var named: [PairKey: Int64] = [:]
        func consider(_ a: Int, _ b: Int, _ value: (latency: Int64, jitter: Int64, line: Int?)) throws {
            guard ranks[a] != ranks[b] else { return }
            let names = "\(scenario.nodes[a].name)–\(scenario.nodes[b].name)"
            let delay = value.latency - value.jitter
            guard delay > 0 else {
                throw ScenarioError(file: scenario.file, line: value.line,
                                    "link \(names) joins nodes of different processes (\(ranks[a]) and \(ranks[b])) "
                                    + "but can deliver in no time (latency \(value.latency) ns, jitter \(value.jitter) ns): "
                                    + "a split run needs a delay between processes; give both nodes the same `partition:` name")
            }
            named[PairKey(a, b)] = min(named[PairKey(a, b)] ?? .max, delay)
        }
        for (pair, value) in latency.sorted(by: { $0.key < $1.key }) { try consider(pair.a, pair.b, value) }
        for event in scenario.events {
            guard case let .setLink(between, change) = event.action,
                  let a = index[between.0], let b = index[between.1], a != b else { continue }
            var value = latency[PairKey(a, b)] ?? (LinkProperties.sharedSegment.latency, 0, nil)
            value.latency = min(value.latency, change.latency ?? value.latency)
            value.jitter = max(value.jitter, change.jitter ?? value.jitter)
            value.line = event.location.line
            latency[PairKey(a, b)] = value
            try consider(a, b, value)
        }
        guard let talking = talkingPairs(scenario, index: index, peerNodes: peerNodes, ranks: ranks) else {
            // Any two nodes may meet on the shared segment.
            return min(LinkProperties.sharedSegment.latency, named.values.min() ?? .max)
        }
        var smallest = Int64.max
        for pair in talking {
            smallest = min(smallest, named[pair] ?? LinkProperties.sharedSegment.latency)
        }
        return smallest
    }

    /// The pairs of nodes in different processes that can ever send each other a datagram, when
    /// the scenario lets that be told before the run; nil when it does not (then any pair may).
    ///
    /// A node sends a datagram to an underlay address in two ways (`Sim/SimulationUnderlay.swift`):
    /// a WireGuard message to a peer's endpoint, or a plain packet routed out of eth0 to its
    /// next hop, a route's gateway or the packet's own destination. Endpoints come from the
    /// configuration and `wg set` (by node or address), or are learnt from the source of an
    /// authenticated message: the sender's own address, a node that already sends to this one
    /// (every pair is taken both ways, for such answers, cookie replies and handshake
    /// responses). Plain packets carry only addresses the scenario names (a ping's or send's
    /// destination and source), the tunnel addresses a node picks as its source, and the
    /// underlay address a node picks when it routes a packet out of eth0; so when no route has
    /// a gateway, no named address and no tunnel address is a node's underlay address, and every
    /// node that sends with no source named has a tunnel address of the destination's family,
    /// no plain packet ever reaches another node over the underlay: it has no next hop there, so
    /// no answer comes back either. Replayed traces (any addresses) and underlay moves (an
    /// address held by two nodes in turn, endpoints learnt from it) are not followed: with
    /// either, any pair may talk.
    ///
    /// Only the pairs whose nodes `ranks` puts in different processes are kept (the lookahead
    /// needs no other): a hub mesh's 100,000 client–hub pairs are mostly within one process.
    /// `peerNodes` are each node's peers resolved by name (`init`), one per `peers:` entry.
    static func talkingPairs(_ scenario: Scenario, index: [String: Int], peerNodes: [[Int?]], ranks: [Int]) -> Set<PairKey>? {
        let nodes = scenario.nodes
        var holder: [IPAddress: Int] = [:]
        holder.reserveCapacity(nodes.count)
        for (i, node) in nodes.enumerated() { holder[node.underlay] = i }
        func isUnderlay(_ address: IPAddress?) -> Bool { address.map { holder[$0] != nil } ?? false }
        func hasTunnelAddress(_ name: String, like destination: IPAddress) -> Bool {
            guard let i = index[name] else { return false }
            return nodes[i].wireguard?.addresses.contains { $0.address.isIPv4 == destination.isIPv4 } ?? false
        }
        for node in nodes {
            if node.routes.contains(where: { $0.via != nil }) { return nil }
            if node.wireguard?.addresses.contains(where: { isUnderlay($0.address) }) ?? false { return nil }
        }
        for event in scenario.events {
            switch event.action {
            case .replay, .moveUnderlay:
                return nil
            case let .routeAdd(_, route) where route.via != nil:
                return nil
            case let .ping(name, destination, source, _, _, _):
                if isUnderlay(destination) || isUnderlay(source) { return nil }
                if source == nil && !hasTunnelAddress(name, like: destination) { return nil }
            case let .send(name, packet, _, _):
                if isUnderlay(packet.destination) || isUnderlay(packet.source) { return nil }
                if packet.source == nil && !hasTunnelAddress(name, like: packet.destination) { return nil }
            default:
                break
            }
        }
        var pairs = Set<PairKey>()
        func endpoint(of owner: Int, _ reference: EndpointRef?, peerNode: Int? = nil, peerName: String? = nil) {
            let other: Int?
            switch reference {
            case .node(let name)?: other = name == peerName ? peerNode : index[name]   // usually the peer itself
            case .address(let endpoint)?: other = holder[endpoint.address]
            case nil: other = nil
            }
            if let other, other != owner, ranks[other] != ranks[owner] { pairs.insert(PairKey(owner, other)) }
        }
        for (i, node) in nodes.enumerated() {
            guard let peers = node.wireguard?.peers else { continue }
            for (peer, peerNode) in zip(peers, peerNodes[i]) {
                if case .node(let name) = peer.peer {
                    endpoint(of: i, peer.endpoint, peerNode: peerNode, peerName: name)
                } else {
                    endpoint(of: i, peer.endpoint)
                }
            }
        }
        for event in scenario.events {
            if case let .wgSet(name, _, _, reference, _, _, _) = event.action, let owner = index[name] {
                endpoint(of: owner, reference)
            }
        }
        return pairs
    }
}

/// An unordered pair of node indices.
struct PairKey: Hashable, Comparable {
    let a: Int
    let b: Int
    init(_ x: Int, _ y: Int) { a = min(x, y); b = max(x, y) }
    static func < (l: PairKey, r: PairKey) -> Bool { (l.a, l.b) < (r.a, r.b) }
}

/// Disjoint sets of node indices (union by size, path halving).
private struct UnionFind {
    private var parent: [Int]
    private var size: [Int]

    init(count: Int) {
        parent = Array(0..<count)
        size = [Int](repeating: 1, count: count)
    }

    mutating func root(_ i: Int) -> Int {
        var i = i
        while parent[i] != i {
            parent[i] = parent[parent[i]]
            i = parent[i]
        }
        return i
    }

    mutating func join(_ a: Int, _ b: Int) {
        var ra = root(a), rb = root(b)
        guard ra != rb else { return }
        if size[ra] < size[rb] || (size[ra] == size[rb] && rb < ra) { swap(&ra, &rb) }
        parent[rb] = ra
        size[ra] += size[rb]
    }
}
