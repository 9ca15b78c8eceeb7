import Routing

/// The action names of the decision log (docs/decision-log.md, "Actions").
/// The raw value is the name written to decisions.jsonl.
public enum DecisionAction: String, CaseIterable, Sendable {
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
    /// Not in the contract's list: 20 initiations went unanswered; staged packets purged.
    case handshakeGaveUp = "handshake-gave-up"
}

/// Which way the packet a decision is about was going through wg0.
public enum Direction: String, Sendable {
    case tx, rx
}

/// One decision the device made, before the simulator adds time, node and interface.
///
/// The `why` text is composed on demand from `reason` and the other fields, so the packet path
/// formats no strings; `why(naming:)` lets the simulator name peers by node name.
public struct Decision {
    public var action: DecisionAction
    public var direction: Direction
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
    /// Why the device did this, in a form that is cheap to record.
    public var reason: DecisionReason

    public init(_ action: DecisionAction, _ direction: Direction, peer: PublicKey? = nil, prefix: IPPrefix? = nil,
                candidates: [(prefix: IPPrefix, peer: PublicKey)] = [], counter: UInt64? = nil,
                receiverIndex: UInt32? = nil, endpoint: Endpoint? = nil, packet: [UInt8]? = nil,
                reason: DecisionReason) {
        self.action = action
        self.direction = direction
        self.peer = peer
        self.prefix = prefix
        self.candidates = candidates
        self.counter = counter
        self.receiverIndex = receiverIndex
        self.endpoint = endpoint
        self.packet = packet
        self.reason = reason
    }

    /// A short explanation in words, peers named by their base64 public key. Setting it replaces
    /// the reason with the given text.
    public var why: String {
        get { why(naming: { $0.base64 }) }
        set { reason = .text(newValue) }
    }

    /// A short explanation in words, peers named by `naming` (e.g. the simulated node's name).
    public func why(naming: (PublicKey) -> String) -> String {
        withoutActuallyEscaping(naming) { DecisionText(decision: self, naming: $0).text }
    }
}
