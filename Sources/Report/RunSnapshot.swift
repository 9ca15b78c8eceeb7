import Routing
import Sim

/// One allowed-IPs entry of a node's wg0 at one moment: the prefix and the peer it sends to.
public struct PeerTableEntry: Hashable, Sendable {
    public let prefix: IPPrefix
    /// The owner as the decision log names it: a node name, or the base64 key of a peer that is
    /// not simulated.
    public let owner: String
    /// The owner the entry was taken from by the change that made this table (the kernel moves
    /// an exact prefix to the peer that claims it last), nil when it did not move (`var`, so
    /// that the memberwise initialiser leaves it out by default).
    public var movedFrom: String?
}

/// A node's whole allowed-IPs table at one moment: at set-up (t = 0) or just after a change.
public struct PeerTableSnapshot: Equatable, Sendable {
    public let node: String
    /// Simulated time in nanoseconds. Several changes at the same instant give one table: the
    /// state after the last of them (with every entry any of them moved marked as moved).
    public let t: Int64
    /// Sorted by prefix (IPv4 first, then address, then length): a parent before its children.
    public let entries: [PeerTableEntry]
    /// 0-based position, in the run's decision stream, of the decision after which the table is
    /// as shown (its `config` line); nil for the table at set-up.
    public let decisionIndex: Int?

    public init(node: String, t: Int64, entries: [PeerTableEntry], decisionIndex: Int?) {
        self.init(node: node, t: t, sortedEntries: entries.sorted { $0.prefix < $1.prefix }, decisionIndex: decisionIndex)
    }

    /// `entries` already in prefix order: kept as given, so that many nodes' identical small
    /// tables can share one array (`RunSnapshotCollector` interns them).
    init(node: String, t: Int64, sortedEntries entries: [PeerTableEntry], decisionIndex: Int?) {
        self.node = node
        self.t = t
        self.entries = entries
        self.decisionIndex = decisionIndex
    }

    /// How many different prefixes the table holds (entries are in prefix order, so a repeat
    /// is next to its first).
    var prefixCount: Int {
        var count = 0
        var previous: IPPrefix?
        for entry in entries where entry.prefix != previous {
            count += 1
            previous = entry.prefix
        }
        return count
    }

    /// The entry that would match `address` (longest prefix), as wg0's lookup picks it.
    public func match(_ address: IPAddress) -> PeerTableEntry? {
        entries.filter { $0.prefix.contains(address) }.max { $0.prefix.length < $1.prefix.length }
    }
}

/// A simulated node as the topology shows it.
public struct TopologyNode: Equatable, Sendable {
    public let name: String
    /// eth0's address.
    public let underlay: IPAddress
    /// wg0's addresses as given: a run's collector keeps the simulation's own array (shared,
    /// about 48 bytes a node less than an array of strings of its own).
    private let addresses: Addresses
    public var hasWireGuard: Bool

    private enum Addresses: Sendable {
        case words([String])
        case configured([InterfaceAddress])
    }

    /// wg0's addresses (`ADDRESS/LENGTH`), empty when the node has no WireGuard.
    public var wireGuardAddresses: [String] {
        switch addresses {
        case .words(let words): return words
        case .configured(let addresses): return addresses.map(\.description)
        }
    }

    public init(name: String, underlay: IPAddress, wireGuardAddresses: [String], hasWireGuard: Bool) {
        self.init(name: name, underlay: underlay, addresses: .words(wireGuardAddresses), hasWireGuard: hasWireGuard)
    }

    /// A node whose wg0 addresses are `addresses` (written `ADDRESS/LENGTH` when drawn).
    public init(name: String, underlay: IPAddress, configuredAddresses: [InterfaceAddress], hasWireGuard: Bool) {
        self.init(name: name, underlay: underlay, addresses: .configured(configuredAddresses), hasWireGuard: hasWireGuard)
    }

    private init(name: String, underlay: IPAddress, addresses: Addresses, hasWireGuard: Bool) {
        self.name = name
        self.underlay = underlay
        self.addresses = addresses
        self.hasWireGuard = hasWireGuard
    }

    public static func == (a: TopologyNode, b: TopologyNode) -> Bool {
        a.name == b.name && a.underlay == b.underlay && a.hasWireGuard == b.hasWireGuard
            && a.wireGuardAddresses == b.wireGuardAddresses
    }
}

/// An underlay link a scenario sets between two nodes (the others share one segment with the
/// default properties: 1 ms, no loss).
public struct TopologyLink: Equatable, Sendable {
    public let a: String
    public let b: String
    /// One-way latency in nanoseconds, and its jitter.
    public let latency: Int64
    public let jitter: Int64
    /// Loss probability, 0…1.
    public let loss: Double
    public let up: Bool
}

extension TopologyLink {
    /// The link as the scenario set it.
    init(_ spec: LinkSpec) {
        self.init(a: spec.between.0, b: spec.between.1, latency: spec.properties.latency, jitter: spec.properties.jitter,
                  loss: spec.properties.loss, up: spec.properties.up)
    }
}

/// A WireGuard tunnel between two simulated nodes (one has the other as a peer), with the
/// allowed IPs each side gives the other.
public struct TopologyTunnel: Equatable, Sendable {
    public let a: String
    public let b: String
    /// What `a` sends to `b` (a's entries owned by b), and what `b` sends to `a`.
    public let aAllowedIPs: [IPPrefix]
    public let bAllowedIPs: [IPPrefix]
}

/// How many packets a node dropped for one reason (the decision's action: `dropped-…`, `no-route`).
public struct DropCount: Equatable, Sendable {
    public let node: String
    public let reason: String
    public let count: Int
}

/// One prefix's owner on one node for a stretch of simulated time.
public struct OwnershipSpan: Equatable, Sendable {
    public let node: String
    public let prefix: IPPrefix
    public let owner: String
    /// From `fromT` (inclusive) to `toT` (exclusive), nanoseconds; `toT` is the run's end when
    /// the entry was still held then.
    public let fromT: Int64
    public let toT: Int64
}

/// A prefix that went from one owner to another on a node at one moment.
public struct OwnershipMove: Equatable, Sendable {
    public let node: String
    public let prefix: IPPrefix
    public let from: String
    public let to: String
    public let t: Int64
}

/// What the static pictures of a run are drawn from: the nodes and links, every wg0 table at
/// set-up and after each change, and the drops; collected by `RunSnapshotCollector`.
public struct RunSnapshot: Sendable {
    /// The scenario's name (the page's title).
    public let name: String
    /// Nodes in definition order.
    public let nodes: [TopologyNode]
    public let links: [TopologyLink]
    /// Every table, in the order the changes happened (node order at set-up).
    public let tables: [PeerTableSnapshot]
    /// Drops by node (definition order), then by reason (sorted by name).
    public let drops: [DropCount]
    /// Simulated time the run ended at (nanoseconds).
    public let end: Int64
    /// The simulated nodes each node has as a wg0 peer (even with no allowed IPs), by node.
    public let peers: [String: Set<String>]
    /// Time of the last decision that was not a timer's clean-up (session expiry): a run goes on
    /// idling for minutes after its last event, and the timeline need not draw that.
    public let lastActivity: Int64

    public init(name: String, nodes: [TopologyNode], links: [TopologyLink], tables: [PeerTableSnapshot],
                drops: [DropCount], end: Int64, peers: [String: Set<String>] = [:], lastActivity: Int64? = nil) {
        self.name = name
        self.lastActivity = lastActivity ?? end
        self.peers = peers
        var first = PositionTable(), more: [String: [Int]] = [:]
        for (i, table) in tables.enumerated() {
            if let earlier = first.position(of: table.node, keyAt: { tables[$0].node }) {
                more[table.node, default: [earlier]].append(i)
            } else {
                first.insert(i, key: table.node) { tables[$0].node }
            }
        }
        firstTable = first
        laterTables = more
        self.nodes = nodes
        self.links = links
        self.tables = tables
        self.drops = drops
        self.end = end
    }

    /// Position in `tables` of each node's first table, by the table's node: a 10k-node run asks
    /// per node, and most nodes have only that one (no array per node for them). A table of
    /// positions, not a dictionary by name (about 63 bytes a node at 100,000 nodes).
    let firstTable: PositionTable
    /// Positions of every table of the nodes that have more than one, oldest first.
    let laterTables: [String: [Int]]

    /// Positions in `tables` of `node`'s tables, oldest first.
    func tablePositions(of node: String) -> [Int] {
        if let all = laterTables[node] { return all }
        return firstTable.position(of: node) { tables[$0].node }.map { [$0] } ?? []
    }

    /// Names of the nodes that have a wg0, in definition order.
    ///
    /// Read through the node list as it is iterated, not gathered: the report walks it once per
    /// section, and a gathered list of a hub's 100k names (with the filtered nodes behind it,
    /// ~110 bytes a node) was the highest point of a generated hub's run (BENCHMARKS.md
    /// "Session 8: all merged").
    public var wireGuardNodes: LazyMapCollection<LazyFilterCollection<[TopologyNode]>, String> {
        nodes.lazy.filter(\.hasWireGuard).map(\.name)
    }

    /// Every table of `node`, oldest first.
    public func tables(of node: String) -> [PeerTableSnapshot] { tablePositions(of: node).map { tables[$0] } }

    /// `node`'s table as it was at time `t` (the latest change at or before `t`).
    public func table(of node: String, at t: Int64) -> PeerTableSnapshot? {
        let indices = tablePositions(of: node)
        guard !indices.isEmpty else { return nil }
        // A node's tables are in time order: find the last one at or before `t`.
        var low = 0, high = indices.count
        while low < high {
            let middle = (low + high) / 2
            if tables[indices[middle]].t <= t { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : tables[indices[low - 1]]
    }

    /// Owners in the order they first appear (tables in order, entries in order, a moved entry's
    /// previous owner before its new one): the order that fixes each owner's colour.
    public var owners: [String] {
        var seen = Set<String>(), order: [String] = []
        func note(_ owner: String) { if seen.insert(owner).inserted { order.append(owner) } }
        for table in tables {
            for entry in table.entries {
                if let from = entry.movedFrom { note(from) }
                note(entry.owner)
            }
        }
        return order
    }

    /// The tunnels at time `t`: one per pair of simulated nodes where either has the other as a
    /// peer or as the owner of an entry, in node order; `among`: only pairs of these nodes.
    public func tunnels(at t: Int64, among: Set<String>? = nil) -> [TopologyTunnel] {
        var position: [String: Int] = [:]
        for (i, node) in nodes.enumerated() where among?.contains(node.name) ?? true { position[node.name] = i }
        // Per pair (lower position first): what the first sends to the second, and back.
        var pairs: [Int: [Int: (ab: [IPPrefix], ba: [IPPrefix])]] = [:]
        func note(_ x: Int, _ y: Int, prefix: IPPrefix?) {
            let (a, b) = x < y ? (x, y) : (y, x)
            var pair = pairs[a, default: [:]][b] ?? ([], [])
            if let prefix { if x == a { pair.ab.append(prefix) } else { pair.ba.append(prefix) } }
            pairs[a, default: [:]][b] = pair
        }
        for (name, x) in position {
            for peer in peers[name] ?? [] { if let y = position[peer], y != x { note(x, y, prefix: nil) } }
            for entry in table(of: name, at: t)?.entries ?? [] {
                if let y = position[entry.owner], y != x { note(x, y, prefix: entry.prefix) }
            }
        }
        var result: [TopologyTunnel] = []
        for a in pairs.keys.sorted() {
            for (b, pair) in pairs[a]!.sorted(by: { $0.key < $1.key }) {
                result.append(TopologyTunnel(a: nodes[a].name, b: nodes[b].name, aAllowedIPs: pair.ab.sorted(), bAllowedIPs: pair.ba.sorted()))
            }
        }
        return result
    }

    /// Per (node, prefix), who owned the prefix over time: rows in node order, then prefix order.
    public var ownershipSpans: [OwnershipSpan] {
        var spans: [OwnershipSpan] = []
        for node in wireGuardNodes {
            let history = tables(of: node)
            // Each table as prefix → owner, so that a hub's ten thousand rows cost one pass each.
            let owners = history.map { table in
                Dictionary(table.entries.map { ($0.prefix, $0.owner) }, uniquingKeysWith: { _, last in last })
            }
            let prefixes = Set(history.flatMap { $0.entries.map(\.prefix) }).sorted()
            for prefix in prefixes {
                var open: (owner: String, from: Int64)?
                for (table, owning) in zip(history, owners) {
                    let owner = owning[prefix]
                    if let current = open, current.owner != owner {
                        if table.t > current.from {
                            spans.append(OwnershipSpan(node: node, prefix: prefix, owner: current.owner, fromT: current.from, toT: table.t))
                        }
                        open = nil
                    }
                    if open == nil, let owner { open = (owner, table.t) }
                }
                if let current = open {
                    spans.append(OwnershipSpan(node: node, prefix: prefix, owner: current.owner, fromT: current.from,
                                               toT: max(end, current.from)))
                }
            }
        }
        return spans
    }

    /// Every move: an entry whose owner changed from one table of its node to the next, or that
    /// a change marked as moved.
    public var moves: [OwnershipMove] {
        var result: [OwnershipMove] = []
        for node in wireGuardNodes {
            var previous: [IPPrefix: String] = [:]
            for table in tables(of: node) {
                for entry in table.entries {
                    if let from = entry.movedFrom ?? previous[entry.prefix], from != entry.owner {
                        result.append(OwnershipMove(node: node, prefix: entry.prefix, from: from, to: entry.owner, t: table.t))
                    }
                }
                previous = Dictionary(table.entries.map { ($0.prefix, $0.owner) }, uniquingKeysWith: { _, last in last })
            }
        }
        return result
    }
}
