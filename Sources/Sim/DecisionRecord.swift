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
    private var names: [PublicKey: String] = [:]

    init() {}

    func register(_ key: PublicKey, as name: String) { names[key] = name }

    public func name(of key: PublicKey) -> String { names[key] ?? key.base64 }

    /// The node a key belongs to, if it is a simulated node's key.
    public func node(of key: PublicKey) -> String? { names[key] }
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
///
/// The packet, peer, lookup and session fields live in `subject`, a `Decision`: a device's
/// decision is moved into the record whole, so none of its references (packet, key, candidate
/// list) is retained again or released twice on the way to the log. Records of the route table
/// and the underlay carry a `Decision` holding just those fields (its action, direction and
/// reason are not used: `action`, `dir` and the explanation are the record's own).
public struct DecisionRecord {
    public var t: Int64
    public var node: String
    public var iface: String
    // Optionals are spelled `Optional<…>` in stored properties on purpose: a `T?` stored `var`
    // gets an implicit `= nil`, and with it the optimizer copied and destroyed the whole record
    // once more per decision (8 reference counts) instead of moving it.
    public var dir: Optional<DecisionDirection>
    public var action: String
    public var trace: Optional<TraceRef>
    /// What the explanation is made from; nil: the device's reason, `subject.reason`.
    private var explanation: Optional<Explanation>
    private var subject: Decision
    let names: PeerNames?

    public var counter: UInt64? {
        get { subject.counter }
        set { subject.counter = newValue }
    }
    public var receiverIndex: UInt32? {
        get { subject.receiverIndex }
        set { subject.receiverIndex = newValue }
    }
    public var endpoint: Endpoint? {
        get { subject.endpoint }
        set { subject.endpoint = newValue }
    }
    /// The inner IP packet this decision is about, if any.
    public var packet: [UInt8]? {
        get { subject.packet }
        set { subject.packet = newValue }
    }
    public var peerKey: PublicKey? {
        get { subject.peer }
        set { subject.peer = newValue }
    }
    public var prefix: IPPrefix? {
        get { subject.prefix }
        set { subject.prefix = newValue }
    }
    /// Every other allowed-ips entry that also matched, most specific first.
    public var candidateKeys: [(prefix: IPPrefix, peer: PublicKey)] {
        get { subject.candidates }
        set { subject.candidates = newValue }
    }

    init(t: Int64, node: String, iface: String, dir: DecisionDirection?, action: String, why: String,
         packet: [UInt8]? = nil, peerKey: PublicKey? = nil, prefix: IPPrefix? = nil,
         candidateKeys: [(prefix: IPPrefix, peer: PublicKey)] = [], counter: UInt64? = nil,
         receiverIndex: UInt32? = nil, endpoint: Endpoint? = nil, trace: TraceRef? = nil, names: PeerNames?) {
        self.t = t
        self.node = node
        self.iface = iface
        self.dir = dir
        self.action = action
        self.trace = trace
        self.explanation = .text(why)
        self.subject = Decision(.droppedInvalid, dir == .rx ? .rx : .tx, peer: peerKey, prefix: prefix,
                                candidates: candidateKeys, counter: counter, receiverIndex: receiverIndex,
                                endpoint: endpoint, packet: packet, reason: .interfaceDown)
        self.names = names
    }

    /// A record of a decision the WireGuard device made at `node` (iface wg0); the decision is
    /// consumed (moved into the record).
    init(t: Int64, node: String, device decision: consuming Decision, trace: TraceRef?, names: PeerNames) {
        self.t = t
        self.node = node
        self.iface = "wg0"
        self.dir = decision.direction == .tx ? .tx : .rx
        self.action = decision.action.rawValue
        self.trace = trace
        self.explanation = nil
        self.subject = decision
        self.names = names
    }

    /// A record of the host route table's choice of `route` for the packet.
    init(t: Int64, node: String, iface: String, action: String, route: RouteSpec, packet: [UInt8],
         trace: TraceRef?, names: PeerNames) {
        self.t = t
        self.node = node
        self.iface = iface
        self.dir = .tx
        self.action = action
        self.trace = trace
        self.explanation = .route(route)
        self.subject = Decision(.routedToWG, .tx, packet: packet, reason: .interfaceDown)
        self.names = names
    }

    /// A short explanation in words.
    public var why: String {
        get {
            switch explanationMaterial {
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
                var decision = subject
                decision.action = action
                decision.direction = dir == .rx ? .rx : .tx
                decision.reason = reason
                let names = self.names
                return decision.why(naming: { names?.name(of: $0) ?? $0.base64 })
            }
        }
        set { explanation = .text(newValue) }
    }

    /// What the explanation is made from (the per-packet reasons are written without `why`).
    var explanationMaterial: Explanation { explanation ?? .device(subject.reason) }

    /// The route whose choice this record explains, if it is a route-table decision.
    var explainedRoute: RouteSpec? {
        if case .route(let route)? = explanation { return route }
        return nil
    }

    /// Sets the explanation of a route-table outcome (worded when written).
    var routingReason: RoutingReason? {
        get { if case .routing(let reason)? = explanation { return reason } else { return nil } }
        set { if let newValue { explanation = .routing(newValue) } }
    }

    /// Sets the explanation of an underlay drop (worded when written).
    var underlayReason: UnderlayReason? {
        get { if case .underlay(let reason)? = explanation { return reason } else { return nil } }
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
    public var proto: String? { protocolNumber.map(IPProtocol.name) }
    /// The inner packet's length in bytes (as captured, padding removed).
    public var len: Int? { summary.map { $0.totalLength } ?? packet?.count }

    /// The peer this decision is about: node name, or base64 key for a peer that is not simulated.
    public var peer: String? { peerKey.map { names?.name(of: $0) ?? $0.base64 } }

    public var candidates: [(prefix: IPPrefix, peer: String)] {
        candidateKeys.map { ($0.prefix, names?.name(of: $0.peer) ?? $0.peer.base64) }
    }
}
