import Routing

/// What became of a packet or message, as the ladder colours it and the page names it (never by
/// colour alone: every outcome also has its own label, dash pattern and arrow end).
public enum StepOutcome: String, CaseIterable, Sendable {
    case delivered, dropped, lost, icmp, handshake, keepalive, cookie, config

    /// The outcome of a decision with this action (decisions.txt's action names).
    public static func of(action: String) -> StepOutcome {
        switch action {
        case "config", "note", "command-failed": return .config
        case "handshake-initiation-sent", "handshake-initiation-received", "handshake-response-sent",
             "handshake-response-received", "rekey", "session-expired", "handshake-gave-up":
            return .handshake
        case "keepalive-sent", "keepalive-received": return .keepalive
        case "cookie-reply-sent", "cookie-reply-received": return .cookie
        case "icmp-unreachable": return .icmp
        case "dropped-link-loss": return .lost
        default:
            return action.hasPrefix("dropped-") || action == "no-route" ? .dropped : .delivered
        }
    }

    /// Whether the arrow ends in a cross: the packet went no further.
    public var endsInCross: Bool { self == .dropped || self == .lost }
}

/// Where a datagram a step sent arrived: the receiving node, the simulated time, its frame in the
/// receiver's eth0 capture, and the receiver's first step about it (if that step was kept).
public struct StepArrival: Equatable, Sendable {
    public var node: String
    public var t: Int64
    public var frame: Int?
    public var step: Int?
}

/// One decision of a run as the ladder draws it and the player shows it.
public struct RecordedStep: Sendable {
    /// 0-based position of the decision in the run's decision stream.
    public let decision: Int
    /// 1-based line of the decision in decisions.txt (a `wg show` note spans several lines).
    public let line: Int
    public let t: Int64
    public let node: String
    /// The decision's interface (`wg0`, `eth0`, `lo`, or `none`).
    public let iface: String
    /// `tx` or `rx`, nil for decisions with no direction (configuration).
    public let dir: String?
    public let action: String
    public let peer: String?
    /// The allowed-IPs entry that matched (device decisions), for the player's table.
    public let prefix: IPPrefix?
    /// The decision's line in decisions.txt, as the project's one decision-text writer wrote it.
    public let text: String
    /// The decision's explanation in words (the end of `text`).
    public let why: String
    /// The outcome of the decision itself; for a step that sent a datagram, `outcome` is what
    /// became of the datagram (lost on the link, dropped by the receiver) once that is known.
    public internal(set) var outcome: StepOutcome
    /// The capture the frame is in, `NODE-IFACE` (pcap/NODE-IFACE.pcap), and the 1-based frame
    /// number of the packet this decision is about; nil when that packet was not captured.
    public internal(set) var pcap: String?
    public internal(set) var frame: Int?
    /// For a step that put a datagram on the underlay: where it arrived (nil: it did not, or
    /// the receiver is not known).
    public internal(set) var arrival: StepArrival?
    /// Whether this step sent a datagram towards another node (a ladder arrow between lifelines).
    public let sends: Bool

    public init(decision: Int, line: Int, t: Int64, node: String, iface: String, dir: String?, action: String,
                peer: String?, prefix: IPPrefix?, text: String, why: String, outcome: StepOutcome, sends: Bool,
                pcap: String? = nil, frame: Int? = nil, arrival: StepArrival? = nil) {
        self.decision = decision
        self.line = line
        self.t = t
        self.node = node
        self.iface = iface
        self.dir = dir
        self.action = action
        self.peer = peer
        self.prefix = prefix
        self.text = text
        self.why = why
        self.outcome = outcome
        self.sends = sends
        self.pcap = pcap
        self.frame = frame
        self.arrival = arrival
    }
}
