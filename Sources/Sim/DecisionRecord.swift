#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Packet
import Routing
import WireGuard

/// The trace file and 1-based frame number a replayed packet came from.
public struct TraceRef: Hashable, Sendable {
    public var file: String
    public var frame: Int
}

/// The names a decision record refers to by number: its node (a position), its trace file (a
/// packet context's origin) and its peers (a key: a simulated node by its name, any other key by
/// its base64 text). Shared by every record of a simulation, so that a record stores numbers and
/// a key, not strings: a String stored per record was retained when the record was made and
/// released when it was destroyed, on two threads (docs/performance.md, session 10's records).
/// Keys are found through a `PositionTable` of node positions (about 10 bytes a node where a
/// dictionary of names took about 63 at 100,000 nodes); set once, when the simulation is built.
public final class PeerNames {
    private var positions = PositionTable()
    /// Position p's key: the nodes' keys (nil: no wg0), then those named one by one.
    private var keys: [PublicKey?] = []
    /// The nodes' names by position (`use(nodeNames:)`), set before any record is made and not
    /// changed after, so the decision lane reads them as they are (unchecked: read per decision).
    @exclusivity(unchecked) private(set) var nodeNames: [String] = []
    /// The trace files replayed packets came from: context origin o is `traceFiles[o - 1]`.
    /// Behind `traceLock`: a file may be registered (a replay scheduled) while the decision
    /// lane names an earlier record's file on its own thread (`traceFile(_:)`).
    private var traceFiles: [String] = []
    private var traceOrigins: [String: UInt32] = [:]
    private let traceLock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        return lock
    }()

    deinit {
        pthread_mutex_destroy(traceLock)
        traceLock.deallocate()
    }
    /// How many of `keys` are the nodes' (`register(keys:)`); those named one by one follow.
    private var nodeKeyCount = 0
    /// Names given one by one (`register(_:as:)`), at positions from `nodeKeyCount` on.
    private var namesGiven: [String] = []

    init() {}

    /// Names node position i `nodeNames[i]` (records name their node by position). Called when
    /// the nodes are built, before any record is made and before their keys are known.
    func use(nodeNames: [String]) {
        self.nodeNames = nodeNames
    }

    /// The node name of position `index`.
    @inline(__always)
    func nodeName(_ index: Int32) -> String { nodeNames[Int(index)] }

    /// The context origin of trace file `file`, registered on first use (0: none could be given,
    /// more files than a UInt32 counts).
    func traceOrigin(of file: String) -> UInt32 {
        pthread_mutex_lock(traceLock)
        defer { pthread_mutex_unlock(traceLock) }
        if let origin = traceOrigins[file] { return origin }
        // More trace files than a UInt32 counts cannot be held in memory; keep the bound anyway.
        guard traceFiles.count < Int(UInt32.max) else { return 0 }
        traceFiles.append(file)
        let origin = UInt32(traceFiles.count)
        traceOrigins[file] = origin
        return origin
    }

    /// The trace file and frame a packet's context names, nil for a packet not replayed.
    func trace(of context: PacketContext) -> TraceRef? {
        guard context.origin != 0 else { return nil }
        return TraceRef(file: traceFile(context.origin), frame: context.number)
    }

    /// The trace file of context origin `origin` (not 0), from any thread.
    func traceFile(_ origin: UInt32) -> String {
        pthread_mutex_lock(traceLock)
        defer { pthread_mutex_unlock(traceLock) }
        return traceFiles[Int(origin) - 1]
    }

    /// Names node `i`'s key `keys[i]` (nil: no wg0) after `nodeNames[i]`; of two nodes with one
    /// key, the later names it. Called once, before any other registration.
    func register(keys: [PublicKey?]) {
        precondition(self.keys.isEmpty, "the nodes' keys are registered first")
        self.keys = keys
        nodeKeyCount = keys.count
        let all = keys
        positions.reserveCapacity(keys.count(where: { $0 != nil })) { all[$0]! }
        for i in all.indices {
            guard let key = all[i] else { continue }
            positions.update(i, key: key) { all[$0]! }
        }
    }

    /// Names `key` `name` (replacing an earlier name of it).
    func register(_ key: PublicKey, as name: String) {
        do {
            let before = keys
            positions.remove(key) { before[$0]! }
        }
        keys.append(key)
        namesGiven.append(name)
        let all = keys
        positions.insert(all.count - 1, key: key) { all[$0]! }
    }

    public func name(of key: PublicKey) -> String { node(of: key) ?? key.base64 }

    /// The node a key belongs to, if it is a simulated node's key.
    public func node(of key: PublicKey) -> String? {
        positions.position(of: key) { keys[$0]! }.map { $0 < nodeKeyCount ? nodeNames[$0] : namesGiven[$0 - nodeKeyCount] }
    }
}

/// What made a decision, with the material its explanation is worded from (only when the log
/// is written).
enum Decider {
    /// The WireGuard device, for this reason (worded with the record's own fields).
    case device(DecisionReason)
    /// The host: its route table, or its stack in front of or behind it.
    case host(HostDecision)
    /// eth0 or a link dropped the datagram.
    case underlay(UnderlayReason)
    /// A configuration command (`config`, `command-failed`): what it did, or its error.
    case config(String)
    /// A configuration command that took allowed-IPs entries from other peers: its words, and
    /// each entry with the peer it was taken from (`moved-from`).
    case configMoving(String, moved: [(prefix: IPPrefix, from: PublicKey)])
    /// Information logged at a moment (`wg show`).
    case note(String)
}

/// What the host decided about a packet; worded with the packet's destination only when the log
/// is written.
enum HostDecision {
    /// The route table chose this route.
    case chose(RouteSpec)
    case localAddress
    case noRoute
    case interfaceNotUp(RouteSpec)
    case notSimulated(RouteSpec)
    case forwarding
    case ttlExceeded
    /// The stack could not send the bytes an application handed it (the parse error's words).
    case notSendable(String)
    /// The stack answered a packet wg0 could not send with an ICMP (v4) / ICMPv6 destination
    /// unreachable from `source`.
    case unreachableSent(source: IPAddress, isIPv4: Bool)

    /// The words of the decision; `destination` is the packet's, if it could be read.
    func text(destination address: IPAddress?) -> String {
        let destination = address.map { "\($0)" } ?? "the destination"
        switch self {
        case .chose(let route): return "route \(route) is the best match" + (address.map { " for \($0)" } ?? "")
        case .localAddress: return "\(destination) is a local address: delivered on lo"
        case .noRoute: return "no route to \(destination) in the host route table (Network is unreachable)"
        case .interfaceNotUp(let route): return "route \(route) but wg0 is not up"
        case .notSimulated(let route): return "route \(route): \(route.device) is not simulated, the packet leaves the model"
        case .forwarding: return "\(destination) is not this host's; IP forwarding is on: routed on with TTL - 1"
        case .ttlExceeded: return "TTL would reach 0 on the way to \(destination): dropped"
        case .notSendable(let error): return "not an IP packet the stack could send: \(error)"
        case .unreachableSent(let source, let isIPv4):
            return isIPv4 ? "ICMP destination unreachable (host unreachable) from \(source) to the local sender"
                          : "ICMPv6 destination unreachable (address unreachable) from \(source) to the local sender"
        }
    }
}

/// One decision in the log: what happened to a packet (or a handshake, or a timer) at one node,
/// who decided it and why. The inner packet's addresses are read from its bytes only when asked
/// for, and the record is only turned into text when written, so logging stays off the packet
/// path's cost.
///
/// The packet, peer, lookup and session fields live in `subject`: a device's decision subject is
/// moved into the record whole, so none of its references (packet, key, candidate list) is
/// retained again or released twice on the way to the log. The node is a position and the trace
/// file the packet context's origin, both named through `names`: no String per record.
public struct DecisionRecord {
    public let t: Int64
    /// The node's position in the simulation (`node` is its name).
    let nodeIndex: Int32
    /// nil: no interface (a configuration command, or the stack before any route).
    public let iface: Optional<Interface>
    // Optionals are spelled `Optional<…>` in stored properties on purpose: a `T?` stored `var`
    // gets an implicit `= nil`, and with it the optimizer copied and destroyed the whole record
    // once more per decision (8 reference counts) instead of moving it.
    public let dir: Optional<Direction>
    public let action: Action
    let decider: Decider
    /// Its context names the trace frame, if any (`trace`).
    let subject: DecisionSubject
    let names: PeerNames

    /// A record at node position `node`; `subject.context` names its trace frame, if any.
    init(t: Int64, node: Int32, iface: Interface?, dir: Direction?, action: Action, decider: Decider,
         subject: DecisionSubject = DecisionSubject(), names: PeerNames) {
        self.t = t
        self.nodeIndex = node
        self.iface = iface
        self.dir = dir
        self.action = action
        self.decider = decider
        self.subject = subject
        self.names = names
    }

    /// A record of a decision the WireGuard device made at node position `node` (iface wg0); the
    /// decision is consumed (moved into the record), its context naming the trace frame.
    init(t: Int64, node: Int32, device decision: consuming Decision, names: PeerNames) {
        self.t = t
        self.nodeIndex = node
        self.iface = .wg0
        self.dir = decision.direction
        self.action = decision.action
        // The reason is swapped out as the subject is below: read out of the consumed decision it
        // was copied, and the decision's destroy then walked a payload-carrying case again.
        var reason = DecisionReason.sealed
        swap(&reason, &decision.reason)
        self.decider = .device(reason)
        // The subject is swapped out of the decision, not copied from it: reading a field of a
        // consumed struct copied it (a retain per reference in it) and released the original
        // with the rest of the decision (docs/performance.md).
        var subject = DecisionSubject()
        swap(&subject, &decision.subject)
        self.subject = subject
        self.names = names
    }

    /// The node's name.
    public var node: String { names.nodeName(nodeIndex) }

    /// The node's position in the simulation (`Simulation.index(ofNode:)` of its name): compared
    /// per decision where the name would be read out of the names and compared as a String.
    public var nodePosition: Int { Int(nodeIndex) }

    /// The trace file and frame the packet came from, if it was replayed.
    public var trace: TraceRef? { names.trace(of: subject.context) }

    /// The name the log writes for `iface` ("none" when there is none).
    public var ifaceName: String { iface?.name ?? "none" }

    public var counter: UInt64? { subject.counter }
    public var receiverIndex: UInt32? { subject.receiverIndex }
    public var endpoint: Endpoint? { subject.endpoint }
    /// The inner IP packet this decision is about, if any.
    public var packet: [UInt8]? { subject.packet }
    public var peerKey: PublicKey? { subject.peer }
    public var prefix: IPPrefix? { subject.prefix }
    /// Every other allowed-ips entry that also matched, most specific first.
    public var candidateKeys: [(prefix: IPPrefix, peer: PublicKey)] { subject.candidates }

    /// A short explanation in words.
    public var why: String {
        switch decider {
        case .config(let text), .note(let text), .configMoving(let text, _):
            return text
        case .underlay(let reason):
            return reason.text
        case .host(let decision):
            return decision.text(destination: dst)
        case .device(let reason):
            // A device record's direction is always set (from the decision).
            let decision = Decision(action, dir ?? .tx, subject: subject, reason: reason)
            let names = self.names
            return decision.why(naming: { names.name(of: $0) })
        }
    }

    /// The route whose choice this record explains, if it is a route-table decision.
    var explainedRoute: RouteSpec? {
        if case .host(.chose(let route)) = decider { return route }
        return nil
    }

    private var summary: IPPacketSummary? {
        guard let packet else { return nil }
        return try? IPPacketSummary(parsing: packet)
    }

    /// The inner packet's source address.
    public var src: IPAddress? { summary?.source }
    public var dst: IPAddress? { summary?.destination }
    /// The inner packet's (upper-layer) protocol number.
    public var protocolNumber: UInt8? { summary?.protocolNumber }
    /// "icmp", "tcp", "udp", "icmpv6", or the protocol number in decimal.
    public var proto: String? { protocolNumber.map(IPProtocol.name) }
    /// The inner packet's length in bytes (as captured, padding removed).
    public var len: Int? { summary.map { $0.totalLength } ?? packet?.count }

    /// The peer this decision is about: node name, or base64 key for a peer that is not simulated.
    public var peer: String? { peerKey.map { names.name(of: $0) } }

    /// The allowed-IPs entries a configuration command took from other peers, each with the
    /// peer that had it (named as `peer` is); empty for every other record.
    public var movedFrom: [(prefix: IPPrefix, peer: String)] {
        guard case .configMoving(_, let moved) = decider else { return [] }
        return moved.map { ($0.prefix, names.name(of: $0.from)) }
    }

    public var candidates: [(prefix: IPPrefix, peer: String)] {
        candidateKeys.map { ($0.prefix, names.name(of: $0.peer)) }
    }
}
