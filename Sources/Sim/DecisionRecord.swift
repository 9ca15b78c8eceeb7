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
    /// The simulator's own explanation; nil when the device's decision explains itself.
    private var whyText: String?
    /// The device's decision this record carries, when the device made it: its explanation is
    /// put into words only when asked for, naming peers by node name.
    private var deviceDecision: Decision?
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
        self.t = t
        self.node = node
        self.iface = iface
        self.dir = dir
        self.action = action
        self.whyText = why
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
    init(t: Int64, node: String, device decision: Decision, trace: TraceRef?, names: PeerNames) {
        self.init(t: t, node: node, iface: "wg0", dir: decision.direction == .tx ? .tx : .rx,
                  action: decision.action.rawValue, why: "", packet: decision.packet, peerKey: decision.peer,
                  prefix: decision.prefix, candidateKeys: decision.candidates, counter: decision.counter,
                  receiverIndex: decision.receiverIndex, endpoint: decision.endpoint, trace: trace, names: names)
        whyText = nil
        deviceDecision = decision
    }

    /// A short explanation in words.
    public var why: String {
        get {
            if let whyText { return whyText }
            guard let deviceDecision else { return "" }
            let names = self.names
            return deviceDecision.why(naming: { names?.name(of: $0) ?? $0.base64 })
        }
        set {
            whyText = newValue
            deviceDecision = nil
        }
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
    public var proto: String? { protocolNumber.map(Self.protocolName) }
    /// The inner packet's length in bytes (as captured, padding removed).
    public var len: Int? { summary.map { $0.totalLength } ?? packet?.count }

    /// The peer this decision is about: node name, or base64 key for a peer that is not simulated.
    public var peer: String? { peerKey.map { names?.name(of: $0) ?? $0.base64 } }

    public var candidates: [(prefix: IPPrefix, peer: String)] {
        candidateKeys.map { ($0.prefix, names?.name(of: $0.peer) ?? $0.peer.base64) }
    }

    static func protocolName(_ number: UInt8) -> String {
        switch number {
        case 1: return "icmp"
        case 6: return "tcp"
        case 17: return "udp"
        case 58: return "icmpv6"
        default: return String(number)
        }
    }
}
