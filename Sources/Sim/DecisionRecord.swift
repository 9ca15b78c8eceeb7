import Packet
import Routing
import WireGuard

/// Which way a packet was going when a decision was made about it.
public enum DecisionDirection: String, Sendable {
    case tx, rx
}

/// The trace file and 1-based frame number a replayed packet came from.
public struct TraceRef: Hashable, Sendable {
    public var file: String
    public var frame: Int
    public init(file: String, frame: Int) {
        self.file = file
        self.frame = frame
    }
}

/// Names peers in decisions: a simulated node by its name, any other key by its base64 text.
/// Shared by every record of a simulation, so that a record stores a key, not a string.
public final class PeerNames {
    /// Keyed by the key's first eight bytes (uniformly random for X25519 public keys), each
    /// bucket checked against the whole key: cheaper than hashing all 32 bytes per lookup.
    private var buckets: [UInt64: [(key: PublicKey, name: String)]] = [:]

    init() {}

    private static func shortHash(_ key: PublicKey) -> UInt64 {
        key.bytes.withUnsafeBytes { $0.count >= 8 ? $0.loadUnaligned(as: UInt64.self) : 0 }
    }

    func register(_ key: PublicKey, as name: String) {
        let hash = Self.shortHash(key)
        buckets[hash, default: []].removeAll { $0.key == key }
        buckets[hash, default: []].append((key, name))
    }

    public func name(of key: PublicKey) -> String { node(of: key) ?? key.base64 }

    /// The node a key belongs to, if it is a simulated node's key.
    public func node(of key: PublicKey) -> String? {
        guard let bucket = buckets[Self.shortHash(key)] else { return nil }
        for entry in bucket where entry.key == key { return entry.name }
        return nil
    }
}

/// The material a decision's explanation is composed from.
enum Explanation {
    case text(String)
    /// The device's reason, worded with the record's own fields.
    case device(DecisionReason)
    /// The host route table chose this route.
    case route(RouteSpec)
    /// eth0 or a link dropped the datagram.
    case underlay(UnderlayReason)
    /// The route table sent the packet nowhere in the tunnel, for this reason.
    case routing(RoutingReason)
}

/// Why the host route table did not hand a packet to wg0 or eth0; worded with the packet's
/// destination only when the log is written.
enum RoutingReason {
    case localAddress
    case noRoute
    case interfaceNotUp(RouteSpec)
    case notSimulated(RouteSpec)
    case forwarding
    case ttlExceeded

    func text(destination: String) -> String {
        switch self {
        case .localAddress: return "\(destination) is a local address: delivered on lo"
        case .noRoute: return "no route to \(destination) in the host route table (Network is unreachable)"
        case .interfaceNotUp(let route): return "route \(route) but wg0 is not up"
        case .notSimulated(let route): return "route \(route): \(route.device) is not simulated, the packet leaves the model"
        case .forwarding: return "\(destination) is not this host's; IP forwarding is on: routed on with TTL - 1"
        case .ttlExceeded: return "TTL would reach 0 on the way to \(destination): dropped"
        }
    }
}

/// One decision in the log: what happened to a packet (or a handshake, or a timer) at one node,
/// and why. The inner packet's addresses are read from its bytes only when asked for, and the
/// record is only turned into text when written, so logging stays off the packet path's cost.
public struct DecisionRecord {
    public var t: Int64
    public var node: String
    public var iface: String
    public var dir: DecisionDirection?
    public var action: String
    public var counter: UInt64?
    public var receiverIndex: UInt32?
    public var endpoint: Endpoint?
    public var trace: TraceRef?
    /// What the explanation is made from; it is put into words only when asked for.
    private var explanation: Explanation
    /// The inner IP packet this decision is about, if any.
    public var packet: [UInt8]?
    public var peerKey: PublicKey?
    public var prefix: IPPrefix?
    /// Every other allowed-ips entry that also matched, most specific first.
    public var candidateKeys: [(prefix: IPPrefix, peer: PublicKey)]
    let names: PeerNames?

    init(t: Int64, node: String, iface: String, dir: DecisionDirection?, action: String, why: String,
         packet: [UInt8]? = nil, peerKey: PublicKey? = nil, prefix: IPPrefix? = nil,
         candidateKeys: [(prefix: IPPrefix, peer: PublicKey)] = [], counter: UInt64? = nil,
         receiverIndex: UInt32? = nil, endpoint: Endpoint? = nil, trace: TraceRef? = nil, names: PeerNames?) {
        self.init(t: t, node: node, iface: iface, dir: dir, action: action, explanation: .text(why), packet: packet,
                  peerKey: peerKey, prefix: prefix, candidateKeys: candidateKeys, counter: counter,
                  receiverIndex: receiverIndex, endpoint: endpoint, trace: trace, names: names)
    }

    /// Every field given: the other initializers delegate here without changing the record
    /// afterwards (a change after delegation cost a copy of the whole record per decision).
    private init(t: Int64, node: String, iface: String, dir: DecisionDirection?, action: String,
                 explanation: Explanation, packet: [UInt8]?, peerKey: PublicKey?, prefix: IPPrefix?,
                 candidateKeys: [(prefix: IPPrefix, peer: PublicKey)], counter: UInt64?, receiverIndex: UInt32?,
                 endpoint: Endpoint?, trace: TraceRef?, names: PeerNames?) {
        self.t = t
        self.node = node
        self.iface = iface
        self.dir = dir
        self.action = action
        self.explanation = explanation
        self.packet = packet
        self.peerKey = peerKey
        self.prefix = prefix
        self.candidateKeys = candidateKeys
        self.counter = counter
        self.receiverIndex = receiverIndex
        self.endpoint = endpoint
        self.trace = trace
        self.names = names
    }

    /// A record of a decision the WireGuard device made at `node` (iface wg0).
    /// Sets each field directly: through the delegating initializer the whole record was built
    /// in a temporary and copied out once more per decision.
    @inline(__always)
    init(t: Int64, node: String, device decision: Decision, trace: TraceRef?, names: PeerNames) {
        self.t = t
        self.node = node
        self.iface = "wg0"
        self.dir = decision.direction == .tx ? .tx : .rx
        self.action = decision.action.rawValue
        self.counter = decision.counter
        self.receiverIndex = decision.receiverIndex
        self.endpoint = decision.endpoint
        self.trace = trace
        self.explanation = .device(decision.reason)
        self.packet = decision.packet
        self.peerKey = decision.peer
        self.prefix = decision.prefix
        self.candidateKeys = decision.candidates
        self.names = names
    }

    /// A record of the host route table's choice of `route` for the packet.
    init(t: Int64, node: String, iface: String, action: String, route: RouteSpec, packet: [UInt8],
         trace: TraceRef?, names: PeerNames) {
        self.init(t: t, node: node, iface: iface, dir: .tx, action: action, explanation: .route(route), packet: packet,
                  peerKey: nil, prefix: nil, candidateKeys: [], counter: nil, receiverIndex: nil, endpoint: nil,
                  trace: trace, names: names)
    }

    /// A short explanation in words.
    public var why: String {
        get {
            switch explanation {
            case .text(let text):
                return text
            case .underlay(let reason):
                return reason.text
            case .routing(let reason):
                return reason.text(destination: dst.map { "\($0)" } ?? "the destination")
            case .route(let route):
                let destination = dst.map { " for \($0)" } ?? ""
                return "route \(route) is the best match\(destination)"
            case .device(let reason):
                guard let action = DecisionAction(rawValue: action) else { return "" }
                let decision = Decision(action, dir == .rx ? .rx : .tx, peer: peerKey, prefix: prefix,
                                        candidates: candidateKeys, counter: counter, receiverIndex: receiverIndex,
                                        endpoint: endpoint, packet: packet, reason: reason)
                let names = self.names
                return decision.why(naming: { names?.name(of: $0) ?? $0.base64 })
            }
        }
        set { explanation = .text(newValue) }
    }

    /// What the explanation is made from (the per-packet reasons are written without `why`).
    var explanationMaterial: Explanation { explanation }

    /// The route whose choice this record explains, if it is a route-table decision.
    var explainedRoute: RouteSpec? {
        if case .route(let route) = explanation { return route }
        return nil
    }

    /// Sets the explanation of a route-table outcome (worded when written).
    var routingReason: RoutingReason? {
        get { if case .routing(let reason) = explanation { return reason } else { return nil } }
        set { if let newValue { explanation = .routing(newValue) } }
    }

    /// Sets the explanation of an underlay drop (worded when written).
    var underlayReason: UnderlayReason? {
        get { if case .underlay(let reason) = explanation { return reason } else { return nil } }
        set { if let newValue { explanation = .underlay(newValue) } }
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
    public var proto: String? { protocolNumber.map(ProtocolNames.name) }
    /// The inner packet's length in bytes (as captured, padding removed).
    public var len: Int? { summary.map { $0.totalLength } ?? packet?.count }

    /// The peer this decision is about: node name, or base64 key for a peer that is not simulated.
    public var peer: String? { peerKey.map { names?.name(of: $0) ?? $0.base64 } }

    public var candidates: [(prefix: IPPrefix, peer: String)] {
        candidateKeys.map { ($0.prefix, names?.name(of: $0.peer) ?? $0.peer.base64) }
    }
}
