import Routing
import Sim
import WireGuard

/// A scenario turned into a running `Simulation`: builds the network, schedules the events,
/// answers `lookup` expectations at their moment, counts decisions for the summary and checks
/// decision expectations as the decisions stream past (so long runs need not keep the log).
public final class ScenarioRun {
    public let scenario: Scenario
    public let simulation: Simulation
    /// The seed actually used (`--seed` overrides the file's).
    public let seed: UInt64

    private var pendingLookups: [(at: Int64?, expectation: Expectation)]
    private var lookupResults: [(Expectation, ExpectationResult)] = []
    private var tallies: [DecisionTally]
    public private(set) var decisionCount = 0
    /// Called with every decision (e.g. to write it out), after it has been counted.
    public var onDecision: ((DecisionRecord) -> Void)?

    /// Builds the network; `captureSink` decides where interface captures go (default memory).
    public init(_ scenario: Scenario, seed: UInt64? = nil, keepDecisions: Bool = true,
                captureSink: CaptureSinkFactory? = nil) throws {
        self.scenario = scenario
        self.seed = seed ?? scenario.seed
        do {
            simulation = try Simulation(seed: self.seed, startUnixNanoseconds: scenario.startUnixNanoseconds,
                                        nodes: scenario.nodes.map(\.spec), links: scenario.links.map(\.spec),
                                        captureSink: captureSink)
        } catch let e as ScenarioError {
            throw e
        } catch {
            throw ScenarioError(file: scenario.file, line: nil, "the network cannot be built: \(error)")
        }
        simulation.keepsDecisions = keepDecisions
        for event in scenario.events { simulation.schedule(at: event.at, event.action) }
        pendingLookups = scenario.expectations.compactMap { e in
            if case .lookup(let at, _, _, _) = e.kind { return (at, e) }
            return nil
        }.enumerated().sorted { ($0.element.at ?? .max, $0.offset) < ($1.element.at ?? .max, $1.offset) }.map(\.element)
        tallies = scenario.expectations.compactMap { e in
            if case .decisions(let filter, let action, let count) = e.kind {
                return DecisionTally(expectation: e, filter: filter, action: action, count: count)
            }
            return nil
        }
        simulation.onDecision = { [unowned self] record in self.observe(record) }
    }

    private func observe(_ record: DecisionRecord) {
        decisionCount += 1
        if !tallies.isEmpty {
            let src = record.src, dst = record.dst, proto = record.proto, peer = record.peer, dir = record.dir?.rawValue
            for i in tallies.indices where tallies[i].filter.matches(node: record.node, iface: record.iface, dir: dir, src: src,
                                                                     dst: dst, proto: proto, peer: peer, t: record.t) {
                if record.action == tallies[i].action { tallies[i].matched += 1 } else { tallies[i].others[record.action, default: 0] += 1 }
            }
        }
        onDecision?(record)
    }

    /// Runs to `time` (nil: to the scenario's `duration`, or until nothing is left), answering
    /// every lookup expectation due on the way once all events at its time have run.
    public func run(until time: Int64? = nil) {
        let end = time ?? scenario.duration
        while let next = pendingLookups.first, let at = next.at, end == nil || at <= end! {
            simulation.run(until: at)
            answer(next.expectation)
            pendingLookups.removeFirst()
        }
        simulation.run(until: end)
    }

    /// Lookups left without a time are answered now (the end of the run); then every result, in file order.
    public func finish() -> [ExpectationResult] {
        for pending in pendingLookups { answer(pending.expectation) }
        pendingLookups = []
        var results: [(SourceLocation, ExpectationResult)] = lookupResults.map { ($0.0.location, $0.1) }
        results += tallies.map { ($0.expectation.location, $0.result) }
        let order = Dictionary(uniqueKeysWithValues: scenario.expectations.enumerated().map { ($0.element.location.line, $0.offset) })
        return results.sorted { (order[$0.0.line] ?? 0) < (order[$1.0.line] ?? 0) }.map(\.1)
    }

    private func answer(_ e: Expectation) {
        guard case .lookup(_, let node, let address, let peer) = e.kind else { return }
        let found = lookup(node: node, address: address)
        lookupResults.append((e, ExpectationCheck.lookup(e, node: node, address: address, expected: peer, found: found)))
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

/// Streaming count of the decisions one expectation is about.
struct DecisionTally {
    let expectation: Expectation
    let filter: DecisionFilter
    let action: String
    let count: Int?
    var matched = 0
    var others: [String: Int] = [:]

    var result: ExpectationResult {
        ExpectationCheck.decisions(expectation, filter: filter, action: action, count: count, matched: matched, others: others)
    }
}

extension ScenarioNode {
    /// The node as the simulator takes it.
    var spec: NodeSpec {
        NodeSpec(name: name, underlay: underlay, wireguard: wireguard.map {
            InterfaceSpec(privateKey: $0.privateKey, listenPort: $0.listenPort, addresses: $0.addresses, mtu: $0.mtu,
                          peers: $0.peers.map {
                              PeerSpec(peer: $0.peer, allowedIPs: $0.allowedIPs, endpoint: $0.endpoint,
                                       persistentKeepalive: $0.persistentKeepalive, presharedKey: $0.presharedKey)
                          })
        }, routes: routes)
    }
}

extension ScenarioLink {
    var spec: LinkSpec { LinkSpec(between: between, properties: properties) }
}
