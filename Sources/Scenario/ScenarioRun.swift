import Routing
import Sim
import WireGuard

/// A scenario turned into a running `Simulation`: builds the network, schedules the events,
/// answers `lookup` expectations at their moment, counts decisions for the summary and checks
/// decision expectations as the decisions stream past (so long runs need not keep the log).
public final class ScenarioRun {
    /// The scenario as loaded (`releaseNodeDetails()` may have dropped its nodes' configuration).
    public internal(set) var scenario: Scenario
    public let simulation: Simulation
    /// The seed actually used (`--seed` overrides the file's).
    public let seed: UInt64

    /// The claim lines of the nodes whose configured peers were let go as the network was
    /// built (`NodePeerFeed`), by node name: what locates a set-up move on them (`MoveLocator`)
    /// until `releaseSetUpState()`.
    var setUpClaims: [String: SetUpClaims] = [:]
    /// Lookups not yet answered, in time order, with their position in `expect:`.
    var pendingLookups: [(at: Int64?, index: Int)]
    /// For each lookup answered, by position in `expect:`: the decision that last configured the node.
    private var lookupEvidence: [Int: [Int]] = [:]
    /// Results by position in `expect:` (decision tallies are filled in at the end).
    var results: [ExpectationResult?]
    /// Fixed at init; each tally is a class so that counting mutates it in place, without
    /// copying its filter per decision.
    let tallies: [(index: Int, tally: DecisionTally)]
    /// What the simulation hands every decision to.
    private let stream: DecisionStream
    public var decisionCount: Int { stream.count }
    /// Per expectation (in `expect:` order), the 0-based positions in the decision stream of the
    /// decisions that satisfied or broke it, at most `DecisionTally.evidenceLimit` of each kind:
    /// for a decision filter, those that matched with the expected action (then, when it failed,
    /// those the same filter saw with another action); for a lookup, the configuration decision
    /// that last set the node's table before the lookup. Filled in by `finish()`.
    public private(set) var expectationEvidence: [[Int]] = []
    /// Called with every decision (e.g. to write it out), after it has been counted. Called
    /// through an unretained reference (`DecisionStream`): not to be replaced from inside itself.
    public var onDecision: ((consuming DecisionRecord) -> Void)? {
        get { stream.onDecision }
        set { stream.onDecision = newValue }
    }

    /// How the run moves the simulation on to a time (nil: to the end); a run split over
    /// processes sets it to advance every process together (docs/mpi.md).
    public var advance: ((Int64?) -> Void)?

    /// Builds the network; `captureSink` decides where interface captures go (default memory);
    /// `owned` builds only this process's share of a split run (`Simulation(owned:)`).
    ///
    /// `releasingNodeDetails`: as each node is brought up, let go of the scenario's copy of its
    /// peers when nothing later reads them (`NodePeerFeed`); `releaseNodeDetails()` then does the
    /// rest. For a caller that hands the scenario over (`consume`) and needs its peers no more
    /// than `wgsim run` does; with a copy kept elsewhere it would copy the node list instead.
    public init(_ scenario: consuming Scenario, seed: UInt64? = nil, keepDecisions: Bool = true,
                captureSink: CaptureSinkFactory? = nil, owned: [Bool]? = nil, releasingNodeDetails: Bool = false) throws {
        self.seed = seed ?? scenario.seed
        var claims: [String: SetUpClaims] = [:]
        do {
            if let owned {
                scenario.derivedKeys?.cancel()   // a share of the nodes derives only the keys it meets
                simulation = try Simulation(seed: self.seed, startUnixNanoseconds: scenario.startUnixNanoseconds,
                                            nodes: Self.settled(scenario, seed: self.seed, owned: owned),
                                            links: scenario.links.map(\.spec),
                                            captureSink: captureSink, owned: owned)
            } else {
                // The peers go to the simulation one node at a time, from the scenario's own list,
                // instead of as a second copy of every node's peers made up front.
                let feed = NodePeerFeed(taking: &scenario.nodes,
                                        releasing: releasingNodeDetails ? Self.nodesChangedByEvents(scenario) : nil)
                defer { feed.handBack(to: &scenario.nodes) }
                var specs = feed.specsWithoutPeers()
                let keysAhead = Simulation.prepareKeys(in: &specs, seed: self.seed, leavingForBuild: scenario.derivedKeys)
                simulation = try Simulation(seed: self.seed, startUnixNanoseconds: scenario.startUnixNanoseconds,
                                            nodes: specs, links: scenario.links.map(\.spec),
                                            captureSink: captureSink, peers: feed.peerSpecs(of:), keysAhead: keysAhead)
                claims = feed.claims
            }
        } catch let e as ScenarioError {
            throw e
        } catch {
            throw ScenarioError(file: scenario.file, line: nil, "the network cannot be built: \(error)")
        }
        self.scenario = scenario
        setUpClaims = claims
        simulation.keepsDecisions = keepDecisions
        simulation.schedule(inFileOrder: scenario.events.map { ($0.at, $0.action) })
        results = Array(repeating: nil, count: scenario.expectations.count)
        pendingLookups = scenario.expectations.enumerated().compactMap { i, e in
            if case .lookup(let at, _, _, _) = e.kind { return (at, i) }
            return nil
        }.sorted { ($0.at ?? .max, $0.index) < ($1.at ?? .max, $1.index) }
        let simulation = simulation
        tallies = scenario.expectations.enumerated().compactMap { i, e in
            if case .decisions(let filter, let action, let count) = e.kind {
                return (i, DecisionTally(expectation: e, filter: filter, action: action, count: count,
                                         nodePosition: { simulation.index(ofNode: $0) }))
            }
            return nil
        }
        let stream = DecisionStream(tallies: tallies.map(\.tally))
        self.stream = stream
        simulation.decisionObserver = stream
    }

    /// Runs to `time` (nil: to the scenario's `duration`, or until nothing is left), answering
    /// every lookup expectation due on the way once all events at its time have run.
    public func run(until time: Int64? = nil) {
        let end = time ?? scenario.duration
        while let next = pendingLookups.first, let at = next.at, at <= (end ?? .max) {
            if let advance { advance(at) } else { simulation.run(until: at) }
            answer(next.index)
            pendingLookups.removeFirst()
        }
        if let advance { advance(end) } else { simulation.run(until: end) }
    }

    /// Lookups left without a time are answered now (the end of the run); then every result, in file order.
    public func finish() -> [ExpectationResult] {
        for pending in pendingLookups { answer(pending.index) }
        pendingLookups = []
        for (index, tally) in tallies { results[index] = tally.result }
        expectationEvidence = scenario.expectations.indices.map { index in
            if let tally = tallies.first(where: { $0.index == index })?.tally {
                let passed = results[index]?.passed ?? false
                return passed || tally.others.isEmpty ? tally.matchedDecisions : tally.matchedDecisions + tally.otherDecisions
            }
            return lookupEvidence[index] ?? []
        }
        return results.compactMap { $0 }
    }

    private func answer(_ index: Int) {
        let e = scenario.expectations[index]
        guard case .lookup(_, let node, let address, let peer) = e.kind else { return }
        let found = lookup(node: node, address: address)
        lookupEvidence[index] = stream.lastConfiguration[node].map { [$0] } ?? []
        results[index] = ExpectationCheck.lookup(e, node: node, address: address, expected: peer, found: found)
    }

    /// What `node`'s allowed-IPs table says about `address` now.
    public func lookup(node: String, address: IPAddress) -> LookupAnswer {
        guard let found = simulation.lookup(node: node, address: address) else {
            return LookupAnswer(peer: nil, prefix: nil, others: [])
        }
        return LookupAnswer(peer: found.peer, prefix: found.prefix,
                            others: found.candidates.map { "\($0.prefix) (\($0.peer))" })
    }
}

/// Where a run's decisions go as they are made: counted, fed to the decision tallies, then
/// handed on. The simulation's observer (called without a reference count per decision) is this
/// alone, not the run, so no reference back has to be resolved per decision.
final class DecisionStream: DecisionObserver {
    private let tallies: [DecisionTally]
    /// The same tallies, unretained (`tallies` keeps them): counting through these costs no
    /// reference count per tally and decision.
    private let talliesUnretained: [Unmanaged<DecisionTally>]
    @exclusivity(unchecked) private(set) var count = 0
    /// Where each record goes after it has been counted (`ScenarioRun.onDecision`).
    var onDecision: ((consuming DecisionRecord) -> Void)? {
        get { handler?.body }
        set {
            handler = newValue.map(DecisionHandler.init)
            handlerReference = handler.map { Unmanaged.passUnretained($0) }
        }
    }
    /// `onDecision` in a class whose closure is a constant: called through the unretained
    /// reference below, the hand-off costs no reference count per decision, where loading the
    /// closure from a variable retained and released its context each time.
    private var handler: DecisionHandler?
    @exclusivity(unchecked) private var handlerReference: Unmanaged<DecisionHandler>?

    init(tallies: [DecisionTally]) {
        self.tallies = tallies
        talliesUnretained = tallies.map { Unmanaged.passUnretained($0) }
        super.init()
    }

    /// Per node, the position of its latest `config` decision (what set its table last).
    private(set) var lastConfiguration: [String: Int] = [:]

    override func observe(_ record: consuming DecisionRecord) {
        let position = count
        count = position + 1
        if record.action == .config { lastConfiguration[record.node] = position }
        for tally in talliesUnretained {
            tally._withUnsafeGuaranteedRef { $0.count(record, position: position) }
        }
        guard let handlerReference else { return }
        // Moved on (`take`): passing the parameter into the closure copied it.
        var taken = Optional(consume record)
        handlerReference._withUnsafeGuaranteedRef { $0.body(taken.take()!) }
    }
}

/// A decision handler held as a constant (see `DecisionStream.onDecision`).
final class DecisionHandler {
    let body: (consuming DecisionRecord) -> Void

    init(_ body: @escaping (consuming DecisionRecord) -> Void) { self.body = body }
}

/// Streaming count of the decisions one expectation is about.
final class DecisionTally {
    let expectation: Expectation
    let filter: DecisionFilter
    let action: String
    let count: Int?
    // Unchecked (the counts and lists below): updated per decision on the event thread only; the
    // runtime exclusivity checks cost about 75 instructions each.
    @exclusivity(unchecked) private(set) var matched = 0
    /// Positions (in the decision stream) of the first matching decisions with the expected
    /// action, and of the first with another action: the report links an expectation to them.
    @exclusivity(unchecked) private(set) var matchedDecisions: [Int] = []
    @exclusivity(unchecked) private(set) var otherDecisions: [Int] = []
    static let evidenceLimit = 20
    /// How many matching decisions had each other action, by the action's position in
    /// `Action.allCases`: one array index per decision where a list searched in place compared
    /// the action with each one seen before (the hub's expectation sees about a dozen).
    @exclusivity(unchecked) private var otherCounts: [Int] = Array(repeating: 0, count: Action.allCases.count)
    /// The expected action as the decisions carry it (nil if no action has that name: then
    /// every matching decision is another action).
    private let expectedAction: Action?
    /// The filter's node (as its position: a record names its node by position; -1 for a name
    /// no node has, which no record matches) and time bounds, as `count(_:position:)` checks
    /// them first.
    private let node: Int?
    private let after: Int64?
    private let before: Int64?
    /// Whether the filter names anything else (then `DecisionFilter.matches` decides).
    private let checksOtherFields: Bool
    private let actionsStoredByPosition = ActionCaseLayout.storedByPosition

    /// `nodePosition` gives a node name's position in the simulation (nil: no such node).
    init(expectation: Expectation, filter: DecisionFilter, action: String, count: Int?, nodePosition: (String) -> Int?) {
        self.expectation = expectation
        self.filter = filter
        self.action = action
        self.count = count
        self.expectedAction = Action(rawValue: action)
        node = filter.node.map { nodePosition($0) ?? -1 }
        after = filter.after
        before = filter.before
        var rest = filter
        rest.node = nil
        rest.after = nil
        rest.before = nil
        checksOtherFields = rest != DecisionFilter()
    }

    /// Counts the decision if the filter matches it. The fields read without parsing the packet
    /// (node, time) are held on their own and checked first, so that most decisions are turned
    /// away without the filter being copied for `DecisionFilter.matches` (a copy per decision:
    /// BENCHMARKS.md, "Session 9: the records' path").
    @inline(__always)
    func count(_ record: borrowing DecisionRecord, position: Int) {
        if let node, node != record.nodePosition { return }
        if let after, record.t < after { return }
        if let before, record.t >= before { return }
        if checksOtherFields, !filter.matches(record) { return }
        count(action: record.action, position: position)
    }

    private func count(action decisionAction: Action, position: Int) {
        if decisionAction == expectedAction {
            matched += 1
            if matchedDecisions.count < Self.evidenceLimit { matchedDecisions.append(position) }
            return
        }
        if otherDecisions.count < Self.evidenceLimit { otherDecisions.append(position) }
        otherCounts[decisionAction.casePosition(storedByPosition: actionsStoredByPosition)] += 1
    }

    var others: [String: Int] {
        var others: [String: Int] = [:]
        for (action, count) in zip(Action.allCases, otherCounts) where count > 0 { others[action.rawValue] = count }
        return others
    }

    var result: ExpectationResult {
        ExpectationCheck.decisions(expectation, filter: filter, action: action, count: count, matched: matched, others: others)
    }
}

extension ScenarioRun {
    /// The nodes as the simulator takes them, keys settled (for a split run's process: only
    /// those its nodes can meet).
    static func settled(_ scenario: Scenario, seed: UInt64, owned: [Bool]?) -> [NodeSpec] {
        let specs = scenario.nodes.map(\.spec)
        guard let owned else { return Simulation.preparingKeys(of: specs, seed: seed) }
        return Simulation.preparingKeys(of: specs, seed: seed, owned: owned, actions: scenario.events.map(\.action))
    }
}

extension ScenarioNode {
    /// The node as the simulator takes it.
    var spec: NodeSpec { spec(withPeers: true) }

    /// The node as the simulator takes it; without its wg0's peers when `withPeers` is false.
    func spec(withPeers: Bool) -> NodeSpec {
        withUnsafePointer(to: self) { Self.spec(of: $0, withPeers: withPeers) }
    }

    /// `spec(withPeers:)` of the node at `node`, each field read where it is: a node taken as a
    /// value is copied whole first (every array and string it holds retained, then released),
    /// ~0.3 s over a million-peer hub's nodes (`NodePeerFeed.specsWithoutPeers`; docs/performance.md,
    /// session 16).
    static func spec(of node: UnsafePointer<ScenarioNode>, withPeers: Bool) -> NodeSpec {
        var interface: InterfaceSpec?
        if let mtu = node.pointee.wireguard?.mtu {
            interface = InterfaceSpec(privateKey: node.pointee.wireguard!.privateKey, listenPort: node.pointee.wireguard!.listenPort,
                                      addresses: node.pointee.wireguard!.addresses, mtu: mtu,
                                      peers: withPeers ? node.pointee.wireguard!.peers.map(\.spec) : [],
                                      table: node.pointee.wireguard!.table, fwmark: node.pointee.wireguard!.fwmark)
        }
        return NodeSpec(name: node.pointee.name, underlay: node.pointee.underlay, wireguard: interface,
                        routes: node.pointee.routes, forwarding: node.pointee.forwarding)
    }
}

extension WireGuardPeer {
    /// The peer as the simulator takes it.
    var spec: PeerSpec {
        PeerSpec(peer: peer, allowedIPs: allowedIPs, endpoint: endpoint, persistentKeepalive: persistentKeepalive,
                 presharedKey: presharedKey)
    }
}

extension ScenarioLink {
    var spec: LinkSpec { LinkSpec(between: between, properties: properties) }
}

extension DecisionFilter {
    /// Whether a decision matches, reading the cheap fields first and parsing the inner packet
    /// (src, dst, proto) or naming the peer only when the filter asks about them.
    func matches(_ record: borrowing DecisionRecord) -> Bool {
        if let n = node, n != record.node { return false }
        if let a = after, record.t < a { return false }
        if let b = before, record.t >= b { return false }
        if let i = iface, i != record.ifaceName { return false }
        if let d = dir, d != record.dir?.rawValue { return false }
        if let p = peer { if p == "none" { if record.peerKey != nil { return false } } else if p != record.peer { return false } }
        if src == nil && dst == nil && proto == nil { return true }
        return matches(node: record.node, iface: record.ifaceName, dir: record.dir?.rawValue, src: record.src, dst: record.dst,
                       proto: record.proto, peer: record.peer, t: record.t)
    }
}
