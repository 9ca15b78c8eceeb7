import Routing

/// Smaller views of a large run's snapshot, so that the page's pictures of a run with thousands
/// of nodes stay a few hundred kilobytes and take milliseconds: the pictures are drawn from the
/// part kept, and the page says what was left out.
extension RunSnapshot {
    /// The first `count` nodes (definition order) with their links, tables, drops and peers.
    func keepingNodes(_ count: Int) -> RunSnapshot {
        guard nodes.count > count else { return self }
        let kept = Array(nodes.prefix(count))
        let names = Set(kept.map(\.name))
        return RunSnapshot(name: name, nodes: kept,
                           links: links.filter { names.contains($0.a) && names.contains($0.b) },
                           tables: tables.filter { names.contains($0.node) },
                           drops: drops.filter { names.contains($0.node) }, end: end,
                           peers: peers.filter { names.contains($0.key) }.mapValues { $0.intersection(names) })
    }

    /// At most `rows` (node, prefix) pairs: nodes in definition order, each node's prefixes in
    /// table order, until `rows` are taken; the tables keep only those entries. Grouped in one
    /// pass, so a run of 10,000 nodes and as many tables costs no more than reading them.
    func keepingRows(_ rows: Int) -> RunSnapshot {
        var byNode: [String: [PeerTableSnapshot]] = [:]
        for table in tables { byNode[table.node, default: []].append(table) }
        var left = rows
        var keptNodes: Set<String> = []
        var keptTables: [(position: Int, table: PeerTableSnapshot)] = []
        var positions: [String: [Int]] = [:]
        for (i, table) in tables.enumerated() { positions[table.node, default: []].append(i) }
        for node in wireGuardNodes where left > 0 {
            let history = byNode[node] ?? []
            let prefixes = Set(history.flatMap { $0.entries.map(\.prefix) }).sorted().prefix(left)
            left -= prefixes.count
            keptNodes.insert(node)
            let shown = Set(prefixes)
            for (table, position) in zip(history, positions[node] ?? []) {
                keptTables.append((position, PeerTableSnapshot(node: table.node, t: table.t,
                                                               entries: table.entries.filter { shown.contains($0.prefix) },
                                                               decisionIndex: table.decisionIndex)))
            }
        }
        return RunSnapshot(name: name, nodes: nodes.filter { keptNodes.contains($0.name) },
                           links: links.filter { keptNodes.contains($0.a) && keptNodes.contains($0.b) },
                           tables: keptTables.sorted { $0.position < $1.position }.map(\.table),
                           drops: drops.filter { keptNodes.contains($0.node) }, end: end,
                           peers: peers.filter { keptNodes.contains($0.key) })
    }

    /// How many (node, prefix) rows the timeline has, counted in one pass.
    var ownershipRowCount: Int {
        var seen: [String: Set<IPPrefix>] = [:]
        for table in tables { seen[table.node, default: []].formUnion(table.entries.map(\.prefix)) }
        return seen.values.reduce(0) { $0 + $1.count }
    }
}
