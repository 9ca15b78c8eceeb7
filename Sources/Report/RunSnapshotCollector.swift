import Routing
import Sim
import WireGuard

/// Gathers what the static pictures need while a run goes: hand it every decision
/// (`observe(_:)`) in the order the simulation makes them, then ask for the `RunSnapshot` at the
/// end (`snapshot(end:)`).
///
/// Tables are read from the simulation itself (as `wg show wg0 allowed-ips` would) when a
/// `config` decision is handed over: `wg set` logs its line once the change is made. The one
/// exception, `wg set … peer P remove`, logs its line just before the peer goes; its table is the
/// previous one without P's entries (the kernel frees them all with the peer,
/// `wg_allowedips_remove_by_peer`). A read that finds the table unchanged adds nothing.
public final class RunSnapshotCollector {
    private let name: String
    private let simulation: Simulation
    private let nodes: [TopologyNode]
    private let links: [TopologyLink]
    /// Node names by WireGuard public key, to name owners as the decision log does: the
    /// simulation's own (a copy here cost about 130 bytes a node in a 100,000-node run).
    private let names: PeerNames
    private var tables: [PeerTableSnapshot] = []
    /// Per table, the position (in the decisions observed) of the decision that added it to
    /// `tables`, nil for a table at set-up: a split run's process 0 orders every process's tables
    /// by it (a later table at the same instant replaces one in place, keeping its position).
    /// -1 stands for nil: 8 bytes a table instead of an optional's 16.
    private var appendedAt: [Int] = []
    /// The latest table of each node, by the node's index in the simulation (-1: none yet); an
    /// array, not a dictionary by name, which cost about 60 bytes a node.
    private var latestByIndex: [Int]
    /// The latest table of a node the simulation does not have (none, for the specs it was built from).
    private var latestElsewhere: [String: Int] = [:]
    private var dropCounts: [String: [String: Int]] = [:]
    private var peerSets: [String: Set<String>] = [:]
    /// Small tables and peer sets seen so far, each kept once: the clients of a hub mostly have
    /// the same table (one entry, the hub) and the same peer set, and these let them share one
    /// array and one set instead of holding a copy each (about 200 bytes a node).
    private var sharedEntries: Set<[PeerTableEntry]> = []
    private var sharedPeers: Set<Set<String>> = []
    /// Up to this many entries or peers a table or peer set is shared; a larger one (a hub's) is
    /// unlikely to repeat and costly to hash.
    private static let sharedLimit = 8
    /// Nodes a configuration command ran on: only their peers can differ at the end from those
    /// read at set-up (peers change by `wg set` alone, which logs `config` on its node).
    private var configured: Set<String> = []
    private var observed = 0
    private var lastActivity: Int64 = 0

    /// Call once the simulation is built (its tables at set-up are read now), before it runs.
    /// `nodes` and `links` are the specs it was built from. `owned` (a split run's process, one
    /// flag per node): read only the tables of the nodes this process simulates.
    public init(name: String, simulation: Simulation, nodes: [NodeSpec], links: [LinkSpec], owned: [Bool]? = nil) {
        self.name = name
        self.simulation = simulation
        self.nodes = Self.topologyNodes(nodes)
        self.links = links.map(TopologyLink.init)
        names = simulation.peerNames
        latestByIndex = [Int](repeating: -1, count: simulation.nodeCount)
        // Entries moved while the interfaces were brought up (two configured peers claiming one
        // prefix): the later peer holds it.
        var setupMoves: [String: [IPPrefix: String]] = [:]
        for move in simulation.allowedIPsMoves where move.t == 0 {
            if case .setup = move.cause { setupMoves[move.node, default: [:]][move.prefix] = ownerName(move.from) }
        }
        // One table each at set-up: room for exactly those, not the growth slack of appending.
        let setUp = self.nodes.indices.lazy.filter { self.nodes[$0].hasWireGuard && owned?[$0] ?? true }.count
        tables.reserveCapacity(setUp)
        appendedAt.reserveCapacity(setUp)
        for (i, node) in self.nodes.enumerated() where node.hasWireGuard && owned?[i] ?? true {
            record(node: node.name, t: 0, index: nil, moved: setupMoves[node.name] ?? [:], force: true)
        }
    }

    /// Takes one decision, in the order the simulation made it.
    public func observe(_ record: DecisionRecord) {
        let index = observed
        observed += 1
        let action = record.action
        if action != .sessionExpired { lastActivity = max(lastActivity, record.t) }
        if action == .config {
            configured.insert(record.node)
            let why = record.why
            if why.hasPrefix(Self.removePrefix) && why.hasSuffix(Self.removeSuffix) {
                let peer = String(why.dropFirst(Self.removePrefix.count).dropLast(Self.removeSuffix.count))
                removed(peer, node: record.node, t: record.t, index: index)
            } else {
                var moved: [IPPrefix: String] = [:]
                for entry in record.movedFrom { moved[entry.prefix] = entry.peer }
                self.record(node: record.node, t: record.t, index: index, moved: moved, force: false)
            }
        } else if Self.countsAsDrop[action.casePosition] {
            dropCounts[record.node, default: [:]][action.rawValue, default: 0] += 1
        }
    }

    /// Whether each action (by its position in `Action.allCases`) is a drop the page counts:
    /// `no-route` and every `dropped-*`. Read per decision, where making the action's name to
    /// test its prefix cost ~150 instructions.
    private static let countsAsDrop = Action.allCases.map { $0 == .noRoute || $0.rawValue.hasPrefix("dropped-") }

    /// What was collected, the run having ended at simulated time `end` (nanoseconds).
    public func snapshot(end: Int64) -> RunSnapshot {
        for node in nodes where node.hasWireGuard && configured.contains(node.name) {
            notePeers(currentPeers(of: node.name), of: node.name)
        }
        let drops = nodes.flatMap { node in
            (dropCounts[node.name] ?? [:]).sorted { $0.key < $1.key }.map { DropCount(node: node.name, reason: $0.key, count: $0.value) }
        }
        return RunSnapshot(name: name, nodes: nodes, links: links, tables: tables, drops: drops, end: end, peers: peerSets,
                           lastActivity: min(end, lastActivity))
    }

    /// The nodes as the topology shows them, from the specs a simulation is built from.
    static func topologyNodes(_ specs: [NodeSpec]) -> [TopologyNode] {
        specs.map { spec in
            TopologyNode(name: spec.name, underlay: spec.underlay, configuredAddresses: spec.wireguard?.addresses ?? [],
                         hasWireGuard: spec.wireguard != nil)
        }
    }

    /// For a split run's process: the snapshot of its own nodes (`snapshot(end:)`) and, per
    /// table, the decision that added it (`appendedAt`).
    func ownedPart(end: Int64) -> (snapshot: RunSnapshot, appendedAt: [Int?]) {
        (snapshot(end: end), appendedAt.map { $0 < 0 ? nil : $0 })
    }

    /// `node`'s wg0 table as it is now in `simulation` (nil when the node has no wg0), owners
    /// named as the decision log names them; `explain --draw` draws it.
    public static func currentTable(of node: String, in simulation: Simulation) -> PeerTableSnapshot? {
        guard simulation.publicKey(of: node) != nil else { return nil }
        let names = simulation.peerNames
        let entries = simulation.peerStatus(node: node).flatMap { status in
            status.allowedIPs.map { PeerTableEntry(prefix: $0, owner: names.name(of: status.publicKey)) }
        }
        return PeerTableSnapshot(node: node, t: simulation.now, entries: entries, decisionIndex: nil)
    }

    /// The words of a `wg set … remove` decision around the peer's name (SimulationActions.swift).
    static let removePrefix = "wg set wg0 peer "
    static let removeSuffix = " remove"

    /// `peer` was removed from `node`'s wg0: its table is the latest one without `peer`'s entries.
    private func removed(_ peer: String, node: String, t: Int64, index: Int) {
        guard let last = latest(of: node) else { return }
        let entries = tables[last].entries.filter { $0.owner != peer }
        guard entries != tables[last].entries else { return }
        let table = PeerTableSnapshot(node: node, t: t, sortedEntries: shared(entries), decisionIndex: index)
        if tables[last].t == t {
            tables[last] = table
        } else {
            setLatest(of: node, tables.count)
            tables.append(table)
            appendedAt.append(index)
        }
    }

    private func latest(of node: String) -> Int? {
        guard let i = simulation.index(ofNode: node) else { return latestElsewhere[node] }
        let position = latestByIndex[i]
        return position < 0 ? nil : position
    }

    private func setLatest(of node: String, _ position: Int) {
        if let i = simulation.index(ofNode: node) { latestByIndex[i] = position } else { latestElsewhere[node] = position }
    }

    private func ownerName(_ key: PublicKey) -> String { names.name(of: key) }

    private func currentPeers(of node: String) -> [String] {
        simulation.peerStatus(node: node).compactMap { names.node(of: $0.publicKey) }
    }

    /// Adds `names` to the peers `node` has had, sharing the set with other nodes' equal ones.
    private func notePeers(_ names: [String], of node: String) {
        let existing = peerSets[node]
        if let existing, names.allSatisfy(existing.contains) { return }
        let union = existing?.union(names) ?? Set(names)
        peerSets[node] = union.count <= Self.sharedLimit ? sharedPeers.insert(union).memberAfterInsert : union
    }

    /// `entries` in prefix order, shared with an equal small table recorded before.
    private func shared(_ entries: [PeerTableEntry]) -> [PeerTableEntry] {
        let sorted = entries.sorted { $0.prefix < $1.prefix }
        return sorted.count <= Self.sharedLimit ? sharedEntries.insert(sorted).memberAfterInsert : sorted
    }

    /// Reads `node`'s table now and keeps it if it differs from the last one (or `force`). A
    /// table at the same instant as the node's previous one replaces it, keeping its moves.
    private func record(node: String, t: Int64, index: Int?, moved: [IPPrefix: String], force: Bool) {
        let latest = latest(of: node)
        var earlierMoves: [IPPrefix: String] = [:]
        var replacing: Int?
        if let last = latest, tables[last].t == t {
            replacing = last
            for entry in tables[last].entries { if let from = entry.movedFrom { earlierMoves[entry.prefix] = from } }
        }
        // One status at a time: only the names and entries are kept (a hub's whole status list
        // was one of the highest points of a generated hub's run, BENCHMARKS.md "Session 8").
        var hasPeers = false
        var peerNames: [String] = []
        var entries: [PeerTableEntry] = []
        simulation.forEachPeerStatus(node: node) { status in
            hasPeers = true
            if let name = names.node(of: status.publicKey) { peerNames.append(name) }
            let owner = ownerName(status.publicKey)
            for prefix in status.allowedIPs {
                let from = moved[prefix] ?? earlierMoves[prefix]
                entries.append(PeerTableEntry(prefix: prefix, owner: owner, movedFrom: from == owner ? nil : from))
            }
        }
        guard hasPeers || latest != nil || force else { return }
        notePeers(peerNames, of: node)
        let table = PeerTableSnapshot(node: node, t: t, sortedEntries: shared(entries), decisionIndex: index)
        if let replacing {
            tables[replacing] = table
        } else if force || latest.map({ tables[$0].entries != table.entries }) ?? true {
            setLatest(of: node, tables.count)
            tables.append(table)
            appendedAt.append(index ?? -1)
        }
    }
}
