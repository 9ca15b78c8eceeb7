import Routing
import Sim
import WireGuard

/// How much of a run the report keeps: every step up to `firstSteps`, then drops, losses,
/// handshake and cookie messages until `selectedSteps` more are kept; the rest is only counted.
/// Bounds the page (about 1 KB per step with its ladder arrow and player entry) whatever the
/// run's size.
public struct RecordingLimits: Sendable {
    public var firstSteps: Int
    public var selectedSteps: Int

    public init(firstSteps: Int, selectedSteps: Int) {
        self.firstSteps = max(0, firstSteps)
        self.selectedSteps = max(0, selectedSteps)
    }

    /// 2,000 steps, then up to 1,000 selected ones: a page of about 3 MB at most.
    public static let standard = RecordingLimits(firstSteps: 2_000, selectedSteps: 1_000)
}

/// A run's steps as the ladder and player show them, and what was left out.
public struct RunRecording: Sendable {
    /// Kept steps, in decision order.
    public var steps: [RecordedStep]
    /// How many decisions the run made (kept or not).
    public var decisionCount: Int
    /// Decisions left out of `steps`, by action (sorted by action name); empty when all were kept.
    public var omitted: [(action: String, count: Int)]
    public var limits: RecordingLimits

    public init(steps: [RecordedStep], decisionCount: Int, omitted: [(action: String, count: Int)], limits: RecordingLimits) {
        self.steps = steps
        self.decisionCount = decisionCount
        self.omitted = omitted
        self.limits = limits
    }

    /// The nodes that appear in the steps (deciding, or receiving an arrow), in the order given
    /// by `order` (the scenario's nodes); names not in `order` follow in first-seen order.
    public func nodes(in order: [String]) -> [String] {
        var seen = Set<String>()
        var firstSeen: [String] = []
        for step in steps {
            for name in [step.node] + (step.arrival.map { [$0.node] } ?? []) where seen.insert(name).inserted {
                firstSeen.append(name)
            }
        }
        // `order` may hold 100,000 names: read it once, not once per name seen.
        let ordered = order.filter(seen.contains)
        let inOrder = Set(ordered)
        return ordered + firstSeen.filter { !inOrder.contains($0) }
    }

    /// The index of the kept step made from decision `decision` (0-based), if it was kept.
    public func stepIndex(ofDecision decision: Int) -> Int? {
        var low = 0, high = steps.count
        while low < high {
            let mid = (low + high) / 2
            if steps[mid].decision < decision { low = mid + 1 } else { high = mid }
        }
        return low < steps.count && steps[low].decision == decision ? low : nil
    }

    /// A sentence saying what was left out, nil when nothing was.
    public var omissionNote: String? {
        guard !omitted.isEmpty else { return nil }
        let left = omitted.reduce(0) { $0 + $1.count }
        let kinds = omitted.sorted { ($0.count, $1.action) > ($1.count, $0.action) }.prefix(6)
            .map { "\($0.action) ×\($0.count)" }.joined(separator: ", ")
        return "\(steps.count) of \(decisionCount) decisions shown (the first \(limits.firstSteps), then drops, losses, "
            + "handshakes and cookies up to \(limits.selectedSteps) more); \(left) left out: \(kinds)"
            + (omitted.count > 6 ? ", …" : "") + ". decisions.txt has every one."
    }
}

/// Turns a run's decisions into `RecordedStep`s while it runs, with each step's line in
/// decisions.txt and the frame number of its packet in the node's capture.
///
/// Frame numbers are carried, not searched for: the recorder wraps every capture sink
/// (`captureSinkFactory`), counts each interface's frames as they are written, and gives a frame
/// to the decision the simulator made about that packet. That relies on the order in which the
/// simulator (Sources/Sim) captures and decides, which is fixed:
/// - the host route table's `routed-to-wg` decision is followed at once by wg0's capture of the
///   packet (SimulationPipeline `output`), and `routed-elsewhere` on eth0 by eth0's
///   (`sendPlain`), unless eth0 is down, which logs a drop first;
/// - the device emits every datagram it sends right after the decision about it (`encrypted`,
///   `keepalive-sent`, `handshake-*-sent`, `cookie-reply-sent`: Send.swift, ReceiveHandshake.swift),
///   and eth0 captures it before the link can lose it (SimulationUnderlay `transmit`), unless a
///   drop decision comes first; `delivered` is followed by wg0's capture of the packet;
/// - an arriving datagram is captured on the receiver's eth0 before the device reads it, so every
///   decision the device makes on receive is about the last datagram eth0 captured that no send
///   claimed; a datagram lost, refused by the link or sent to no host is dropped right after its
///   capture.
/// So a frame goes to the decision just before it when that decision expects one, and the
/// receiving side's decisions take the arrival's frame. The sender's and receiver's steps about
/// one datagram are joined by its identity (`CapturedFrame.identity`: the same datagram leaves
/// one eth0 and reaches the other, taken by its bytes or by its parts).
///
/// The recorder's state is used from the simulation's thread only, once per decision and per
/// capture, and no access to it overlaps another: its fields are `@exclusivity(unchecked)`
/// (the runtime's checks cost ~150 instructions a decision in `wgsim run`'s profile).
public final class RunRecorder {
    public let limits: RecordingLimits
    @exclusivity(unchecked) private var steps: [RecordedStep] = []
    @exclusivity(unchecked) private var decisions = 0
    @exclusivity(unchecked) private var nextLine = 1
    @exclusivity(unchecked) private var selectedKept = 0
    /// Decisions not kept, by their action's position in `Action.allCases`.
    @exclusivity(unchecked) private var omittedCounts = [Int](repeating: 0, count: Action.allCases.count)

    /// The kept step whose packet the next capture at (node, interface) is, if the last decision
    /// expects one; `sends`: that capture is a datagram put on the underlay. Nodes are told
    /// apart by their trail's identity: plain values, so setting and clearing these per decision
    /// and per capture costs no reference counting and no outlined destroy of a tuple holding a
    /// name (~250 instructions each, twice a decision, in `wgsim run`'s profile).
    @exclusivity(unchecked) private var awaiting: (step: Int?, node: ObjectIdentifier, interface: CapturedInterface, sends: Bool)?
    /// The capture just made, if no decision has come since: a drop right after it is about it.
    @exclusivity(unchecked) private var lastCapture: (node: ObjectIdentifier, interface: CapturedInterface, frame: Int?, sender: Int?)?
    /// `lastCapture`'s identity, there only when a kept step sent it (`sender`), the one case a
    /// drop reads it (to take the datagram off `inFlight`).
    @exclusivity(unchecked) private var lastCaptureIdentity: FrameKey?
    /// Each node's trail, by name: made when the node's first witness is, or at its first
    /// decision. A generated hub's clients that never capture nor decide have none.
    @exclusivity(unchecked) private var trails: [String: RecorderNodeTrail] = [:]
    /// Trails by the position a `DecisionRecord` gives its node (`nodePosition`), filled at each
    /// node's first decision: later decisions find their node's trail without hashing its name.
    @exclusivity(unchecked) private var trailsByPosition: [RecorderNodeTrail?] = []
    /// Writes the kept decisions' text lines (one composer for all of them: one per line cost
    /// ~358 k instructions a line).
    private let textLines = DecisionTextLines()
    /// Datagrams on the underlay from a kept step, by their identity (`CapturedFrame.identity`),
    /// oldest first.
    @exclusivity(unchecked) private var inFlight: [FrameKey: [Int]] = [:]

    public init(limits: RecordingLimits = .standard) {
        self.limits = limits
    }

    /// Wraps a run's capture sinks (nil: captures kept in memory, as the simulator's default) so
    /// that the recorder sees each frame as it is written. `captured(NAME)`: whether interface
    /// `NODE-IFACE` is written to a file; frames of the others are not numbered.
    ///
    /// An interface whose packets are neither numbered nor kept (a node `--capture` left out)
    /// gets its witness only when it captures its first packet (`DeferredCaptureSink`): a
    /// generated hub's clients mostly never send, and two witnesses each were 96 bytes a client.
    public func captureSinkFactory(_ base: CaptureSinkFactory?, captured: @escaping (String) -> Bool = { _ in true }) -> CaptureSinkFactory {
        // Its witnesses take datagrams by their parts (`CaptureWitnessSinks.swift`).
        let deferred = DeferredCaptureSink(wantsDatagramBytes: false) { [unowned self] name in
            let (node, interface) = CapturedInterface.parse(sinkName: name)
            return frameWitnessingSink(node: trail(named: node), interface: interface, base: DiscardingCaptureSink.shared,
                                       numbered: false, witness: self)
        }
        return { [unowned self] name in
            let sink = try base?(name) ?? MemoryCaptureSink()
            let numbered = captured(name)
            if !numbered && sink is DiscardingCaptureSink { return deferred }
            let (node, interface) = CapturedInterface.parse(sinkName: name)
            return frameWitnessingSink(node: trail(named: node), interface: interface, base: sink, numbered: numbered, witness: self)
        }
    }

    /// Takes one decision, in the order the simulation made it. Decisions past the limits cost a
    /// few comparisons of enum cases (no text is made for them but for a `wg show` note's line count).
    public func observe(_ record: DecisionRecord) { observe(decision: record) }

    /// `observe(_:)` for any form of a decision: a split run's process 0 replays its processes'
    /// decisions from their shares (SplitReportShare.swift) through this same code.
    func observe<D: RecorderDecision>(decision record: D) {
        let ordinal = decisions
        decisions += 1
        let line = nextLine
        let action = record.action
        let keep = ordinal < limits.firstSteps || (selectedKept < limits.selectedSteps && Self.isSelected(action))
        let pendingCapture = lastCapture
        lastCapture = nil
        awaiting = nil
        let trail = trail(of: record)
        let node = ObjectIdentifier(trail)

        var text: String?
        if keep || Self.mayHaveSeveralLines(action) { text = record.textLine(with: textLines) }
        nextLine += 1 + (text.map { Self.newlines(in: $0) } ?? 0)

        let onEth0 = record.iface == .eth0, onWG0 = record.iface == .wg0
        let received = record.dir == .rx
        let sends = Self.sends(action) || (action == .routedElsewhere && onEth0)
        var stepIndex: Int?
        if keep {
            if ordinal >= limits.firstSteps { selectedKept += 1 }
            stepIndex = steps.count
            steps.append(RecordedStep(decision: ordinal, line: line, t: record.t, node: record.node, iface: record.ifaceName,
                                      dir: record.dir?.rawValue, action: action.rawValue, peer: record.peer, prefix: record.prefix,
                                      text: text ?? "", why: record.why, outcome: Self.outcome(action), sends: sends))
        } else {
            omittedCounts[action.casePosition] += 1
        }

        // What the next capture will be, if this decision is followed by one.
        if sends {
            awaiting = (stepIndex, node, .eth0, true)
        } else if action == .routedToWG || action == .delivered {
            awaiting = (stepIndex, node, .wg0, false)
        }

        // Which capture this decision is about, if it came before.
        if Self.isDroppedAfterCapture(action) && !received {
            // Lost, refused by the link or sent to no host: the datagram eth0 captured just now.
            if let capture = pendingCapture, capture.interface == .eth0, capture.node == node {
                if let stepIndex { setFrame(stepIndex, "\(record.node)-eth0", capture.frame) }
                if let sender = capture.sender {
                    steps[sender].outcome = action == .droppedLinkLoss ? .lost : .dropped
                    if let identity = lastCaptureIdentity { removeInFlight(identity, sender) }
                }
            }
        } else if received && (Self.isReceiving(action) || (onEth0 && Self.isAfterArrivalOnEth0(action))),
                  let arrival = trail.arrival {
            if let stepIndex { setFrame(stepIndex, "\(record.node)-eth0", arrival.frame) }
            if let sender = arrival.sender {
                if steps[sender].arrival?.step == nil, let stepIndex { steps[sender].arrival?.step = stepIndex }
                if Self.outcome(action) == .dropped { steps[sender].outcome = .dropped }
            }
        } else if received && onWG0 && (action == .forwarded || action == .droppedTTLExceeded),
                  let stepIndex, let frame = trail.lastWG0 {
            setFrame(stepIndex, "\(record.node)-wg0", frame)
        }
    }

    /// A capture at the node named `node` (a split run's process 0 replays its processes'
    /// captures by name).
    func captured(node: String, interface: CapturedInterface, frame: Int?, time: Int64, packet: CapturedFrame) {
        captured(node: trail(named: node), interface: interface, frame: frame, time: time, packet: packet)
    }

    /// Called by the wrapped sinks for every packet captured.
    func captured(node trail: RecorderNodeTrail, interface: CapturedInterface, frame: Int?, time: Int64, packet: CapturedFrame) {
        var sender: Int?
        var identity: FrameKey?
        let node = ObjectIdentifier(trail)
        if let expected = awaiting, expected.interface == interface, expected.node == node {
            awaiting = nil
            if let step = expected.step {
                setFrame(step, "\(trail.name)-\(interface.rawValue)", frame)
                if expected.sends {
                    sender = step
                    let key = FrameKey(packet.identity)
                    identity = key
                    inFlight[key, default: []].append(step)
                }
            }
        } else if interface == .eth0 {
            // An arrival: the datagram some node sent reaches this one.
            var from: Int?
            let key = inFlight.isEmpty ? nil : FrameKey(packet.identity)
            if let key, var waiting = inFlight[key], !waiting.isEmpty {
                from = waiting.removeFirst()
                inFlight[key] = waiting.isEmpty ? nil : waiting
                if let from { steps[from].arrival = StepArrival(node: trail.name, t: time, frame: frame, step: nil) }
            }
            trail.arrival = frame == nil && from == nil ? nil : (frame, from)
        }
        if interface == .wg0 { trail.lastWG0 = frame }
        lastCapture = (node, interface, frame, sender)
        if identity != nil || lastCaptureIdentity != nil { lastCaptureIdentity = identity }
    }

    /// The trail of the node named `name`, made at its first use.
    func trail(named name: String) -> RecorderNodeTrail {
        if let trail = trails[name] { return trail }
        let trail = RecorderNodeTrail(name: name)
        trails[name] = trail
        return trail
    }

    /// The trail of a decision's node: by its position when the decision gives one.
    private func trail<D: RecorderDecision>(of record: D) -> RecorderNodeTrail {
        guard let position = record.recorderNodePosition else { return trail(named: record.node) }
        if position < trailsByPosition.count, let trail = trailsByPosition[position] { return trail }
        let trail = trail(named: record.node)
        if position >= trailsByPosition.count {
            trailsByPosition.append(contentsOf: repeatElement(nil, count: position + 1 - trailsByPosition.count))
        }
        trailsByPosition[position] = trail
        return trail
    }

    /// The line feeds in a decision's text (the lines it takes in decisions.txt beyond its first),
    /// counted over its contiguous UTF-8 (a `UTF8View` reduce cost ~10 instructions a byte).
    static func newlines(in text: String) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            var count = 0
            for byte in bytes where byte == 0x0A { count += 1 }
            return count
        }
    }

    /// How many steps are kept so far.
    var keptSteps: Int { steps.count }

    /// What was recorded; the recorder is done.
    public func finish() -> RunRecording {
        RunRecording(steps: steps, decisionCount: decisions,
                     omitted: zip(Action.allCases, omittedCounts).filter { $0.1 > 0 }.map { ($0.0.rawValue, $0.1) }
                        .sorted { $0.0 < $1.0 }, limits: limits)
    }

    private func setFrame(_ step: Int, _ pcap: String, _ frame: Int?) {
        guard let frame else { return }
        steps[step].pcap = pcap
        steps[step].frame = frame
    }

    private func removeInFlight(_ key: FrameKey, _ sender: Int) {
        guard var waiting = inFlight[key], let at = waiting.firstIndex(of: sender) else { return }
        waiting.remove(at: at)
        inFlight[key] = waiting.isEmpty ? nil : waiting
    }

    /// Decisions after which the device puts a datagram on eth0 (the host's `routed-elsewhere`
    /// on eth0 does too, for plain IP).
    static func sends(_ action: Action) -> Bool {
        switch action {
        case .encrypted, .keepaliveSent, .handshakeInitiationSent, .handshakeResponseSent, .cookieReplySent: return true
        default: return false
        }
    }

    /// Decisions the device makes about a datagram it received.
    static func isReceiving(_ action: Action) -> Bool {
        switch action {
        case .handshakeInitiationReceived, .handshakeResponseReceived, .cookieReplyReceived, .keepaliveReceived, .decrypted,
             .droppedSrcNotAllowed, .droppedReplay, .droppedInvalid, .endpointUpdated:
            return true
        default: return false
        }
    }

    /// Decisions about a datagram eth0 captured on arrival (a closed port, plain IP forwarded on);
    /// the other eth0 drops on receive (host moved, eth0 down) come before any capture.
    static func isAfterArrivalOnEth0(_ action: Action) -> Bool {
        action == .droppedPortClosed || action == .forwarded || action == .droppedTTLExceeded
    }

    /// Drops the underlay logs after eth0 captured the datagram (SimulationUnderlay `send`).
    static func isDroppedAfterCapture(_ action: Action) -> Bool {
        switch action {
        case .droppedLinkLoss, .droppedLinkDown, .droppedLinkMTU, .droppedNoHost: return true
        default: return false
        }
    }

    /// `StepOutcome.of(action:)` of every action's name, by the action's position: read per
    /// decision, where matching the name against the outcomes' lists cost ~1,300 instructions.
    private static let outcomes = Action.allCases.map { StepOutcome.of(action: $0.rawValue) }

    static func outcome(_ action: Action) -> StepOutcome { outcomes[action.casePosition] }

    /// Kept beyond the first steps: what a reader looks for in a long run.
    static func isSelected(_ action: Action) -> Bool {
        switch Self.outcome(action) {
        case .dropped, .lost, .handshake, .cookie, .icmp: return true
        default: return false
        }
    }

    /// Decisions whose text may span several lines of decisions.txt (`wg show` output).
    static func mayHaveSeveralLines(_ action: Action) -> Bool {
        action == .note || action == .config || action == .commandFailed
    }
}

/// What `RunRecorder` reads of a decision: a `DecisionRecord` as the run makes it, or a split
/// run's decision as a process shipped it to process 0 (`SplitReportShare`). `textLine` is read
/// only for a step kept or for an action whose text may span several lines.
protocol RecorderDecision {
    var t: Int64 { get }
    var node: String { get }
    var iface: Interface? { get }
    var ifaceName: String { get }
    var dir: Direction? { get }
    var action: Action { get }
    var peer: String? { get }
    var prefix: IPPrefix? { get }
    var why: String { get }
    var textLine: String { get }
    /// `textLine`, written by `lines` where the decision is a record still to be composed.
    func textLine(with lines: DecisionTextLines) -> String
    /// A position that names the node as `node` does, the same for every decision of a run
    /// (nil: the recorder goes by `node`).
    var recorderNodePosition: Int? { get }
}

extension RecorderDecision {
    func textLine(with lines: DecisionTextLines) -> String { textLine }
    var recorderNodePosition: Int? { nil }
}

extension DecisionRecord: RecorderDecision {
    var recorderNodePosition: Int? { nodePosition }
}

/// What the recorder remembers of one node's captures, read by the node's next decisions.
/// One per node that captures or decides, so its fields are plain integers with -1 for none
/// (56 bytes an object, where optionals took 80).
final class RecorderNodeTrail {
    let name: String
    /// The last eth0 capture no send claimed (an arrival): its frame and the step that sent it.
    /// An arrival with neither (a node `--capture` left out, from a step not kept) tells the
    /// next decision nothing, and is stored as no arrival.
    private var arrivalFrame = -1
    private var arrivalSender = -1
    /// The frame of the last wg0 capture (-1: none, or unnumbered).
    private var lastWG0Frame = -1

    init(name: String) { self.name = name }

    var arrival: (frame: Int?, sender: Int?)? {
        get {
            arrivalFrame < 0 && arrivalSender < 0 ? nil
                : (arrivalFrame < 0 ? nil : arrivalFrame, arrivalSender < 0 ? nil : arrivalSender)
        }
        set {
            arrivalFrame = newValue?.frame ?? -1
            arrivalSender = newValue?.sender ?? -1
        }
    }

    var lastWG0: Int? {
        get { lastWG0Frame < 0 ? nil : lastWG0Frame }
        set { lastWG0Frame = newValue ?? -1 }
    }
}

/// The interfaces whose captures the recorder tells apart.
enum CapturedInterface: String {
    case eth0, wg0, other

    /// The node and interface of a capture sink named `NODE-IFACE`.
    static func parse(sinkName name: String) -> (node: String, interface: CapturedInterface) {
        let dash = name.lastIndex(of: "-") ?? name.endIndex
        let interface = dash < name.endIndex ? CapturedInterface(rawValue: String(name[name.index(after: dash)...])) ?? .other : .other
        return (String(name[..<dash]), interface)
    }
}
