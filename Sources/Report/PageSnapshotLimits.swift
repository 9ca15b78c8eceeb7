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
    /// prefix order, until `rows` are taken; the tables keep only those entries. Only the nodes
    /// read until the rows are taken are looked at: a 100,000-node run's other tables cost
    /// nothing here.
    func keepingRows(_ rows: Int) -> RunSnapshot {
        var left = rows
        var keptNodes: Set<String> = []
        var keptTables: [(position: Int, table: PeerTableSnapshot)] = []
        for node in nodes where left > 0 && node.hasWireGuard {
            let positions = tablePositions(of: node.name)
            let prefixes: ArraySlice<IPPrefix>
            if positions.count == 1 {
                // One table: its entries are in prefix order already.
                var taken: [IPPrefix] = []
                for entry in tables[positions[0]].entries where taken.count < left && entry.prefix != taken.last {
                    taken.append(entry.prefix)
                }
                prefixes = taken[...]
            } else {
                prefixes = Set(positions.flatMap { tables[$0].entries.map(\.prefix) }).sorted().prefix(left)
            }
            left -= prefixes.count
            keptNodes.insert(node.name)
            let shown = Set(prefixes)
            for position in positions {
                let table = tables[position]
                keptTables.append((position, PeerTableSnapshot(node: table.node, t: table.t,
                                                               sortedEntries: table.entries.filter { shown.contains($0.prefix) },
                                                               decisionIndex: table.decisionIndex)))
            }
        }
        return RunSnapshot(name: name, nodes: nodes.filter { keptNodes.contains($0.name) },
                           links: links.filter { keptNodes.contains($0.a) && keptNodes.contains($0.b) },
                           tables: keptTables.sorted { $0.position < $1.position }.map(\.table),
                           drops: drops.filter { keptNodes.contains($0.node) }, end: end,
                           peers: peers.filter { keptNodes.contains($0.key) })
    }

    /// How many (node, prefix) rows the timeline has: a node with one table (most of a large
    /// run's) counts its entries without a set.
    var ownershipRowCount: Int {
        var count = 0
        for (first, table) in tables.enumerated() where firstTable.position(of: table.node, keyAt: { tables[$0].node }) == first {
            if let positions = laterTables[table.node] {
                count += Set(positions.flatMap { tables[$0].entries.map(\.prefix) }).count
            } else {
                count += tables[first].prefixCount
            }
        }
        return count
    }
}
