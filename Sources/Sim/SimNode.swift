import Routing
import WireGuard

/// One simulated host's state: eth0 (underlay address, up/down), the kernel route table, an
/// optional wg0 bound to a WireGuard `Device`, the local stack's counters and the capture sinks.
///
/// Its state is `@exclusivity(unchecked)`, as `Device`'s is: the engine drives one node at a time
/// from one thread and never holds overlapping accesses, and the runtime checks showed up on the
/// per-packet profile.
final class SimNode {
    let index: Int
    let name: String
    @exclusivity(unchecked) var underlay: IPAddress
    @exclusivity(unchecked) var eth0Up = true
    /// IP forwarding (routes packets for other hosts on).
    @exclusivity(unchecked) var forwarding = false

    /// Set when the node is made, or (its key pair still being derived when the network is
    /// built, `Simulation.init(keysAhead:)`) just before it is brought up; never changed after.
    @exclusivity(unchecked) var device: Device?
    let listenPort: UInt16
    @exclusivity(unchecked) var wg0Up = false
    /// wg0 addresses as configured (`ip address add … dev wg0`).
    let wg0Addresses: [InterfaceAddress]
    /// The kernel route table, in a box that nodes set up alike share (`SharedRouteTables`):
    /// `routes` copies it into a box of this node's own before the first change.
    @exclusivity(unchecked) var routeBox = RouteTableBox(HostRouteTable())
    /// The kernel route table (`ip route`).
    var routes: HostRouteTable {
        _read { yield routeBox.table }
        _modify {
            if !isKnownUniquelyReferenced(&routeBox) { routeBox = RouteTableBox(routeBox.table) }
            yield &routeBox.table
        }
    }
    /// wg0's fwmark (`wg set wg0 fwmark`), carried by its own UDP datagrams into the route lookup.
    @exclusivity(unchecked) var fwmark: UInt32 = 0
    @exclusivity(unchecked) var stack = LocalStack()
    @exclusivity(unchecked) var counters = NodeCounters()

    /// The time of the pending engine event that will call `device.advance`, if any.
    @exclusivity(unchecked) var timerWakeUp: Int64?
    /// Next ICMP echo identifier handed to a `ping` run on this node.
    var nextPingIdentifier: UInt16 = 1
    let eth0Capture: CaptureSink
    let wg0Capture: CaptureSink?

    init(index: Int, name: String, underlay: IPAddress, device: Device?, listenPort: UInt16,
         wg0Addresses: [InterfaceAddress], eth0Capture: CaptureSink, wg0Capture: CaptureSink?) {
        self.index = index
        self.name = name
        self.underlay = underlay
        self.device = device
        self.listenPort = listenPort
        self.wg0Addresses = wg0Addresses
        self.eth0Capture = eth0Capture
        self.wg0Capture = wg0Capture
    }

    /// The underlay endpoint wg0's socket is bound to.
    var listenEndpoint: Endpoint { Endpoint(address: underlay, port: listenPort) }

    /// Whether `address` is one of this host's own: the underlay address or a wg0 address
    /// (Linux keeps local addresses in its local table even while the interface is down).
    func isLocal(_ address: IPAddress) -> Bool {
        address == underlay || wg0Addresses.contains { $0.address == address }
    }

    /// The source address Linux would pick for a packet leaving through `device`: the first wg0
    /// address of the family for wg0, else the underlay address.
    func sourceAddress(for destination: IPAddress, via device: Interface?) -> IPAddress {
        let wg0Source = wg0Addresses.first { $0.address.isIPv4 == destination.isIPv4 }?.address
        switch device {
        case .wg0?: return wg0Source ?? underlay
        case .eth0?: return underlay.isIPv4 == destination.isIPv4 ? underlay : (wg0Source ?? underlay)
        default: return wg0Source ?? underlay
        }
    }
}

/// A route table held by reference, so that the many nodes of a generated hub, whose tables are
/// all alike, hold one pointer each instead of the table's own fields (its arrays, sets and
/// dictionaries, about 80 bytes inline). `SimNode.routes` copies before changing a shared one.
final class RouteTableBox {
    @exclusivity(unchecked) var table: HostRouteTable
    init(_ table: HostRouteTable) { self.table = table }
}

/// Per-node tallies for the run summary: packets the node originated. (The decision actions it
/// logged are counted in the simulation's `ActionTally`.)
struct NodeCounters {
    var originated = 0
}

/// Counts per action and node: the few distinct actions a run logs live in one short list,
/// searched by comparing enum cases (no string hashing or comparison per decision).
///
/// One tally for all nodes, each action's counts in an array indexed by node, rather than an
/// action list and a count list in every node: with thousands of nodes, a node's own lists were
/// two more cold cache lines for every decision it logged.
///
/// Counts are 32-bit (a hub's million clients times a dozen actions: 4 bytes less per cell);
/// a count that reaches 2^32 carries into `carried`, so none is ever lost.
struct ActionTally {
    private var actions: [Action] = []
    /// Per action (in `actions` order), the count per node index, modulo 2^32.
    private var counts: [[UInt32]] = []
    /// Multiples of 2^32 carried out of a count, by action position and node.
    private var carried: [Int: [Int: Int]] = [:]
    private let nodeCount: Int

    init(nodeCount: Int) { self.nodeCount = nodeCount }

    mutating func add(_ action: Action, node: Int) {
        guard node >= 0 && node < nodeCount else { return }
        for i in actions.indices where actions[i] == action {
            let (sum, overflow) = counts[i][node].addingReportingOverflow(1)
            counts[i][node] = sum
            if overflow { carried[i, default: [:]][node, default: 0] += 1 << 32 }
            return
        }
        actions.append(action)
        counts.append([UInt32](repeating: 0, count: nodeCount))
        counts[counts.count - 1][node] = 1
    }

    /// How often `node` logged `action`.
    func count(_ action: Action, node: Int) -> Int {
        guard node >= 0 && node < nodeCount, let i = actions.firstIndex(of: action) else { return 0 }
        return count(at: i, node: node)
    }

    private func count(at i: Int, node: Int) -> Int {
        Int(counts[i][node]) + (carried[i]?[node] ?? 0)
    }

    /// (action, count) of every action `node` logged, sorted by action name.
    func sorted(node: Int) -> [(action: Action, count: Int)] {
        guard node >= 0 && node < nodeCount else { return [] }
        return actions.indices.filter { count(at: $0, node: node) > 0 }
            .map { (actions[$0], count(at: $0, node: node)) }
            .sorted { $0.action.rawValue < $1.action.rawValue }
    }
}
