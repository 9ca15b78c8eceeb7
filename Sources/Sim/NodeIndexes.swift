import Routing

/// A simulation's nodes by name: positions in a `PositionTable` read back through the nodes'
/// own names (about 10 bytes a node at 100,000 nodes, where a `[String: Int]` took about 63).
struct NodeNameIndex {
    private let table: PositionTable
    private let nodes: [SimNode]

    /// `table` holds each node's position under its name (`nodes[i].name`).
    init(_ table: PositionTable, nodes: [SimNode]) {
        self.table = table
        self.nodes = nodes
    }

    /// The position of the node named `name`, if there is one.
    subscript(_ name: String) -> Int? {
        table.position(of: name) { nodes[$0].name }
    }
}

/// The node whose eth0 has each underlay address: positions in a `PositionTable` read back
/// through the nodes' own `underlay` (about 10 bytes a node where an `[IPAddress: Int]` took
/// about 84 at 100,000 nodes). A node's address changes by removing its entry under the old
/// address, setting `underlay`, then adding the entry under the new one (as `moveUnderlay` does).
struct NodeUnderlayIndex {
    private var table = PositionTable()
    private var nodes: [SimNode] = []

    init() {}

    /// Indexes `nodes` (none indexed yet) by their underlay addresses as entries are set.
    mutating func use(_ nodes: [SimNode]) {
        precondition(table.count == 0, "the nodes are given before any entry")
        self.nodes = nodes
        let all = nodes
        table.reserveCapacity(nodes.count) { all[$0].underlay }
    }

    /// The node whose eth0 has `address`. Setting a position requires that node's `underlay` to
    /// be `address` already; setting nil removes the entry (the node's `underlay` still `address`).
    subscript(_ address: IPAddress) -> Int? {
        get { table.position(of: address) { nodes[$0].underlay } }
        set {
            let all = nodes
            table.remove(address) { all[$0].underlay }
            if let newValue {
                precondition(all[newValue].underlay == address, "a node is indexed under its own underlay address")
                table.insert(newValue, key: address) { all[$0].underlay }
            }
        }
    }
}
