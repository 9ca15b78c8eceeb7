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

    let device: Device?
    let listenPort: UInt16
    @exclusivity(unchecked) var wg0Up = false
    /// wg0 addresses as configured (`ip address add … dev wg0`).
    let wg0Addresses: [InterfaceAddress]
    @exclusivity(unchecked) var routes = HostRouteTable()
    @exclusivity(unchecked) var stack = LocalStack()
    @exclusivity(unchecked) var counters = NodeCounters()

    /// The time of the pending engine event that will call `device.advance`, if any.
    @exclusivity(unchecked) var timerWakeUp: Int64?
    /// Next ICMP echo identifier handed to a `ping` run on this node.
    @exclusivity(unchecked) var nextPingIdentifier: UInt16 = 1
    /// Replayed packets staged by the device, so that their later `encrypted` decision can
    /// still name the trace frame.
    @exclusivity(unchecked) var stagedTraces: [StagedTrace] = []

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
    func sourceAddress(for destination: IPAddress, via device: RouteDevice?) -> IPAddress {
        let wg0Source = wg0Addresses.first { $0.address.isIPv4 == destination.isIPv4 }?.address
        switch device {
        case .wg0?: return wg0Source ?? underlay
        case .eth0?: return underlay.isIPv4 == destination.isIPv4 ? underlay : (wg0Source ?? underlay)
        default: return wg0Source ?? underlay
        }
    }
}

/// A replayed packet the device staged, with its trace frame. The fingerprint (length and
/// header words) rules out almost every other staged packet without comparing bytes: at
/// start-up, while the peers are still handshaking, thousands are staged, and every flushed
/// packet's decision searches them.
struct StagedTrace {
    let packet: [UInt8]
    let trace: TraceRef
    let fingerprint: UInt64

    init(packet: [UInt8], trace: TraceRef) {
        self.packet = packet
        self.trace = trace
        self.fingerprint = Self.fingerprint(of: packet)
    }

    /// Equal packets have equal fingerprints. Mixes the length with bytes 4–19 (for IPv4 the
    /// identification, TTL, protocol, checksum and both addresses), or every byte of a shorter one.
    static func fingerprint(of packet: [UInt8]) -> UInt64 {
        packet.withUnsafeBytes { raw in
            var value = UInt64(raw.count) &* 0x9E37_79B9_7F4A_7C15
            if raw.count >= 20 {
                value ^= raw.loadUnaligned(fromByteOffset: 4, as: UInt64.self)
                let addresses = raw.loadUnaligned(fromByteOffset: 12, as: UInt64.self)
                value ^= addresses << 29 | addresses >> 35
            } else {
                for (i, byte) in raw.enumerated() { value ^= UInt64(byte) << UInt64((i * 8) % 64) }
            }
            return value
        }
    }
}

/// Per-node tallies for the run summary: packets the node originated. (The decision actions it
/// logged are counted in the simulation's `ActionTally`.)
struct NodeCounters {
    var originated = 0
}

/// Counts per action name and node without hashing a string per decision: the few distinct
/// names live in one short list, and the names a record carries are the same string literals
/// every time, so the comparison that finds them is usually an identity check.
///
/// One tally for all nodes, each action's counts in an array indexed by node, rather than a
/// name list and a count list in every node: with thousands of nodes, a node's own lists were
/// two more cold cache lines for every decision it logged.
struct ActionTally {
    private var names: [String] = []
    /// Per action (in `names` order), the count per node index.
    private var counts: [[Int]] = []
    private let nodeCount: Int

    init(nodeCount: Int) { self.nodeCount = nodeCount }

    /// Names of another length are skipped without a string comparison (a mismatch between two
    /// action names took the runtime's slow compare; the length is read from the string's header).
    /// Exact because action names are the log's ASCII words, where equal means byte-equal.
    mutating func add(_ action: String, node: Int) {
        guard node >= 0 && node < nodeCount else { return }
        let length = action.utf8.count
        for i in names.indices where names[i].utf8.count == length && names[i] == action {
            counts[i][node] += 1
            return
        }
        names.append(action)
        counts.append([Int](repeating: 0, count: nodeCount))
        counts[counts.count - 1][node] = 1
    }

    /// How often `node` logged `action`.
    func count(_ action: String, node: Int) -> Int {
        guard node >= 0 && node < nodeCount, let i = names.firstIndex(of: action) else { return 0 }
        return counts[i][node]
    }

    /// (action, count) of every action `node` logged, sorted by action name.
    func sorted(node: Int) -> [(action: String, count: Int)] {
        guard node >= 0 && node < nodeCount else { return [] }
        return names.indices.filter { counts[$0][node] > 0 }
            .map { (names[$0], counts[$0][node]) }
            .sorted { $0.action < $1.action }
    }
}
