import Routing

/// The actions of the decision log (docs/decision-log.md, "Actions"), whoever
/// made the decision: the WireGuard device, or (the simulator's own) the host route table, the
/// local stack, eth0 and the links, or a configuration command. The raw value is the name
/// written to decisions.jsonl.
public enum Action: String, CaseIterable, Sendable {
    // The contract's actions.
    case routedToWG = "routed-to-wg"
    case routedElsewhere = "routed-elsewhere"
    case noRoute = "no-route"
    case droppedNoPeer = "dropped-no-peer"
    case droppedNoEndpoint = "dropped-no-endpoint"
    case queued
    case droppedQueueFull = "dropped-queue-full"
    case encrypted
    case handshakeInitiationSent = "handshake-initiation-sent"
    case handshakeInitiationReceived = "handshake-initiation-received"
    case handshakeResponseSent = "handshake-response-sent"
    case handshakeResponseReceived = "handshake-response-received"
    case cookieReplySent = "cookie-reply-sent"
    case cookieReplyReceived = "cookie-reply-received"
    case keepaliveSent = "keepalive-sent"
    case keepaliveReceived = "keepalive-received"
    case decrypted
    case delivered
    case droppedSrcNotAllowed = "dropped-src-not-allowed"
    case droppedReplay = "dropped-replay"
    case droppedInvalid = "dropped-invalid"
    case endpointUpdated = "endpoint-updated"
    case rekey
    case sessionExpired = "session-expired"

    // Beyond the contract's list (docs/scenario-reference.md).
    /// A configuration command took effect.
    case config
    /// Information logged at a moment (`wg show` output).
    case note
    /// A configuration command the kernel would refuse, with its error.
    case commandFailed = "command-failed"
    /// The host answered a packet wg0 could not send with an ICMP destination unreachable.
    case icmpUnreachable = "icmp-unreachable"
    /// eth0 is down.
    case droppedInterfaceDown = "dropped-interface-down"
    case droppedLinkDown = "dropped-link-down"
    case droppedLinkLoss = "dropped-link-loss"
    case droppedLinkMTU = "dropped-link-mtu"
    /// No simulated host has the underlay address.
    case droppedNoHost = "dropped-no-host"
    case droppedPortClosed = "dropped-port-closed"
    /// The route for wg0's own UDP datagram to the endpoint points back into wg0.
    case droppedRoutingLoop = "dropped-routing-loop"
    /// IP forwarding routed the packet on.
    case forwarded
    case droppedTTLExceeded = "dropped-ttl-exceeded"
    /// The device: 20 initiations went unanswered; staged packets purged.
    case handshakeGaveUp = "handshake-gave-up"

    /// Whether the action is one of the contract's list (the rest are the simulator's additions).
    public var isContractAction: Bool {
        switch self {
        case .handshakeGaveUp, .config, .note, .commandFailed, .icmpUnreachable, .droppedInterfaceDown,
             .droppedLinkDown, .droppedLinkLoss, .droppedLinkMTU, .droppedNoHost, .droppedPortClosed, .droppedRoutingLoop,
             .forwarded, .droppedTTLExceeded:
            return false
        default:
            return true
        }
    }
}

/// Which way the packet a decision is about was going.
public enum Direction: String, Sendable {
    case tx, rx
}

/// What a decision is about: the peer, the allowed-IPs lookup, the session numbers, the endpoint
/// and the inner packet, each absent where it does not apply. The device fills it; the
/// simulator's log record keeps it as it came (moved, not copied).
public struct DecisionSubject {
    // Stored optionals are spelled `Optional<…>`: a `T?` stored `var` gets an implicit `= nil`,
    // which kept the optimizer from moving a decision into its log record (it copied instead).
    public var peer: Optional<PublicKey>
    /// The allowed-ips entry that matched (destination on send, source on receive).
    public var prefix: Optional<IPPrefix>
    /// Every other entry that also matched, most specific first.
    public var candidates: [(prefix: IPPrefix, peer: PublicKey)]
    public var counter: Optional<UInt64>
    public var receiverIndex: Optional<UInt32>
    public var endpoint: Optional<Endpoint>
    /// The inner IP packet this decision is about, if any (the simulator summarises it).
    public var packet: Optional<[UInt8]>
    /// The caller's context of that packet (`.none` when there is no packet).
    public var context: PacketContext

    public init(peer: PublicKey? = nil, prefix: IPPrefix? = nil,
                candidates: [(prefix: IPPrefix, peer: PublicKey)] = [], counter: UInt64? = nil,
                receiverIndex: UInt32? = nil, endpoint: Endpoint? = nil, packet: [UInt8]? = nil,
                context: PacketContext = .none) {
        self.peer = peer
        self.prefix = prefix
        self.candidates = candidates
        self.counter = counter
        self.receiverIndex = receiverIndex
        self.endpoint = endpoint
        self.packet = packet
        self.context = context
    }
}

/// One decision the device made, before the simulator adds time, node and interface.
///
/// The `why` text is composed on demand from `reason` and the subject, so the packet path formats
/// no strings; `why(naming:)` lets the simulator name peers by node name.
public struct Decision {
    public var action: Action
    public var direction: Direction
    public var subject: DecisionSubject
    /// Why the device did this, in a form that is cheap to record.
    public var reason: DecisionReason

    public init(_ action: Action, _ direction: Direction, subject: DecisionSubject, reason: DecisionReason) {
        self.action = action
        self.direction = direction
        self.subject = subject
        self.reason = reason
    }

    init(_ action: Action, _ direction: Direction, peer: PublicKey? = nil, prefix: IPPrefix? = nil,
         candidates: [(prefix: IPPrefix, peer: PublicKey)] = [], counter: UInt64? = nil,
         receiverIndex: UInt32? = nil, endpoint: Endpoint? = nil, packet: [UInt8]? = nil,
         context: PacketContext = .none, reason: DecisionReason) {
        self.init(action, direction,
                  subject: DecisionSubject(peer: peer, prefix: prefix, candidates: candidates, counter: counter,
                                           receiverIndex: receiverIndex, endpoint: endpoint, packet: packet,
                                           context: context),
                  reason: reason)
    }

    var peer: PublicKey? { subject.peer }
    var prefix: IPPrefix? { subject.prefix }
    var candidates: [(prefix: IPPrefix, peer: PublicKey)] { subject.candidates }
    var counter: UInt64? { subject.counter }
    var receiverIndex: UInt32? { subject.receiverIndex }
    var endpoint: Endpoint? { subject.endpoint }
    var packet: [UInt8]? { subject.packet }
    var context: PacketContext { subject.context }

    /// A short explanation in words, peers named by their base64 public key.
    var why: String { why(naming: { $0.base64 }) }

    /// A short explanation in words, peers named by `naming` (e.g. the simulated node's name).
    public func why(naming: (PublicKey) -> String) -> String {
        withoutActuallyEscaping(naming) {
            var sink = DecisionStringSink(subject: subject, naming: $0)
            DecisionText.write(reason, subject: subject, to: &sink)
            return sink.text
        }
    }
}
