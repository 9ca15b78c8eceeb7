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
        table.reserveCapacity(nodes.count) { UnderlayKey(all[$0].underlay) }
    }

    /// Indexes node `index` under its own underlay address, unless a node is indexed there
    /// already: then nothing changes and that node is returned. One hash and one probe, where
    /// reading the entry and then setting it took three (a million nodes at set-up).
    mutating func insertUnlessPresent(_ index: Int) -> Int? {
        let all = nodes
        return table.insertUnlessPresent(index, key: UnderlayKey(all[index].underlay)) { UnderlayKey(all[$0].underlay) }
    }

    /// The node whose eth0 has `address`. Setting a position requires that node's `underlay` to
    /// be `address` already; setting nil removes the entry (the node's `underlay` still `address`).
    subscript(_ address: IPAddress) -> Int? {
        get { table.position(of: UnderlayKey(address)) { UnderlayKey(nodes[$0].underlay) } }
        set {
            let all = nodes
            table.remove(UnderlayKey(address)) { UnderlayKey(all[$0].underlay) }
            if let newValue {
                precondition(all[newValue].underlay == address, "a node is indexed under its own underlay address")
                table.insert(newValue, key: UnderlayKey(address)) { UnderlayKey(all[$0].underlay) }
            }
        }
    }
}

/// An underlay address as `NodeUnderlayIndex` hashes it: its bits mixed by a few multiplies and
/// shifts (the finaliser of MurmurHash3) with a salt drawn once per process, in place of the
/// standard library's SipHash of the enum. Every datagram looks its destination up here, and the
/// SipHash (seeding, two combines, finalising) was about 175 of the lookup's 250 instructions
/// (BENCHMARKS.md, "Session 9: the records' path"). The salt keeps the slots' order from being
/// the same in every run, as SipHash's per-process seed did; the table never shows that order.
struct UnderlayKey: Hashable {
    let address: IPAddress

    init(_ address: IPAddress) { self.address = address }

    static func == (a: UnderlayKey, b: UnderlayKey) -> Bool { a.address == b.address }

    /// The mixed bits; equal addresses give equal values, and every input bit reaches the low
    /// bits the position table masks its slot from. Inlined: left to itself, the optimizer made
    /// one out-of-line function of it and `LinkPairKey`'s hash, a call per lookup.
    @inline(__always)
    var mixed: Int {
        switch address {
        case .v4(let a): return SaltedMix.mixed(UInt64(a.value))
        case .v6(let a): return SaltedMix.mixed(a.high ^ (a.low &* 0x9E37_79B9_7F4A_7C15) ^ 0x8000_0000_0000_0000)
        }
    }

    func hash(into hasher: inout Hasher) { hasher.combine(mixed) }

    /// What `hashValue` (which `PositionTable` reads) returns: the mixed bits as they are, without
    /// SipHash over them. `hashValue` itself is deprecated as a requirement to implement; this is
    /// the requirement the standard library's `hashValue` calls.
    func _rawHashValue(seed: Int) -> Int { mixed ^ seed }
}

/// The hash of the simulator's own position-table keys (`UnderlayKey`, `LinkPairKey`): 64 bits
/// XORed with a salt drawn once per process, then mixed by the finaliser of MurmurHash3, so that
/// every input bit reaches the low bits a position table masks its slot from. A few multiplies
/// and shifts where the standard library's SipHash (seeding, combining, finalising) cost about
/// 100 to 175 instructions a lookup. The salt keeps the slots' order from being the same in every
/// run, as SipHash's per-process seed did; no table shows that order.
enum SaltedMix {
    /// Drawn once per process (a constant after that, not shared mutable state).
    private static let salt = UInt64.random(in: .min ... .max)

    @inline(__always)
    static func mixed(_ bits: UInt64) -> Int {
        var x = bits ^ salt
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return Int(truncatingIfNeeded: x)
    }
}
