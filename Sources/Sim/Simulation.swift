import Pcap
import Routing
import WireGuard

/// Why a simulation could not be set up: the configuration names something that does not exist
/// or contradicts itself.
public struct SimulationError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A deterministic discrete-event simulation of hosts running WireGuard on a simulated underlay.
///
/// Time is an integer count of nanoseconds starting at 0; nothing reads a clock. Events due at
/// the same instant run in `EventKey` order: by the node that scheduled them, then in the order
/// that node scheduled them (SimulationEventOrder.swift). Every random draw comes from a
/// `SeededRandom` derived from the seed and a label ("NODE/static", "NODE/wireguard",
/// "link:A-B" per direction), so the same inputs give byte-identical decisions, captures and key logs.
///
/// The engine's per-event state is `@exclusivity(unchecked)`: one thread drives it, no access
/// overlaps another, and the runtime checks cost a few per cent of the packet path.
public final class Simulation {
    public let seed: UInt64
    /// Wall-clock origin (Unix ns) for TAI64N timestamps and pcap time stamps.
    public let startUnixNanoseconds: Int64
    /// The last simulated time a pcap record can stamp (`latestTime(startUnixNanoseconds:)`);
    /// the engine runs nothing after it.
    public let latestTime: Int64
    /// Simulated time of the event being run, or where the last `run(until:)` stopped.
    @exclusivity(unchecked) public internal(set) var now: Int64 = 0

    let nodes: [SimNode]
    /// Node positions by name (NodeIndexes.swift).
    let nodeIndex: NodeNameIndex
    let names = PeerNames()
    var publicKeys: [PublicKey?]
    /// While `init` builds with key pairs derived ahead (`keysAhead`): where to take the key
    /// pairs of the nodes left without one. nil otherwise.
    var pendingKeys: PendingKeyPairs?
    /// Node positions by eth0 address (NodeIndexes.swift).
    @exclusivity(unchecked) var nodeByUnderlay = NodeUnderlayIndex()
    @exclusivity(unchecked) var underlay: Underlay
    @exclusivity(unchecked) var queue = EventQueue<SimEvent>()
    /// The origin of what is scheduled now (`EventOrigin`): the node whose event is running,
    /// a node being set up, or the scenario. Set by the event loop.
    @exclusivity(unchecked) var currentOrigin: Int64 = EventOrigin.scenario
    /// The place of the event being run (during set-up: time `Int64.min`, the node's set-up origin).
    @exclusivity(unchecked) var currentKey = EventKey(time: Int64.min, origin: EventOrigin.scenario, sequence: 0)
    /// The latest place of any event run so far (`currentKey` at its largest): what a split run
    /// merges its processes' decisions and key logs by (DistributedDecisionLog.swift).
    @exclusivity(unchecked) public internal(set) var progressKey = EventKey(time: Int64.min, origin: Int64.min, sequence: 0)
    /// How many events each node has scheduled (its origins' sequence numbers).
    @exclusivity(unchecked) var scheduledBy: [UInt64] = []
    /// Device-up events merged at set-up (SimulationSetup.swift).
    var deviceUpBatches = DeviceUpBatches()
    /// The nodes whose peers `init` set aside, to configure as their keys derived ahead came to
    /// hand (NodeBringUpOrder.swift); empty when every node was brought up in its turn.
    var nodesSetAside: [Int] = []
    /// How many queue places the scenario's actions have taken.
    @exclusivity(unchecked) var scenarioScheduled: UInt64 = 0
    /// Every node's decision actions, counted for the summary.
    @exclusivity(unchecked) var actionTally: ActionTally
    /// The storage of the events array every device call appends to (see `spareEvents`).
    @exclusivity(unchecked) var eventStorage: [DeviceEvent] = []
    /// Carries out a device's events as it makes them on the packet path (`callDevice(of:_:)`);
    /// made on first use.
    @exclusivity(unchecked) var nodeOutlet: NodeDeviceOutlet? {
        didSet { nodeOutletReference = nodeOutlet.map { Unmanaged.passUnretained($0) } }
    }
    /// `nodeOutlet`, for `callDevice` to lend unretained (`nodeOutlet` holds it): read from the
    /// optional field, the outlet was retained twice and released twice per device call.
    @exclusivity(unchecked) private(set) var nodeOutletReference: Unmanaged<NodeDeviceOutlet>?
    /// Nothing user-scheduled happens after this; `run(until: nil)` stops a while after it.
    var lastScheduledActivity: Int64 = 0
    /// Every allowed-IPs entry that changed owner, at set-up and since, in order, kept compact
    /// (`allowedIPsMoves`, AllowedIPsMoves.swift).
    var storedMoves: [StoredAllowedIPsMove] = []
    /// How many moves `releaseMoves()` has forgotten (positions of later ones count them).
    var releasedMoves = 0
    /// How many `wg set` actions have run (a move made at run time names its action by this).
    var wgSetActionsRun = 0

    @exclusivity(unchecked) private(set) var decisionLog: [DecisionRecord] = []
    /// Keep every decision in memory (`decisions`); turn off for long runs that stream them.
    @exclusivity(unchecked) public var keepsDecisions = true
    /// Called with every decision as it is made, in simulated-time order. The handler owns the
    /// record: the log writer keeps it for its next batch without copying it.
    @exclusivity(unchecked) public var onDecision: ((consuming DecisionRecord) -> Void)?
    /// When set, every decision goes to it instead of `onDecision` (which is then not called).
    /// The simulation keeps it alive and calls it without a reference count per decision, so it
    /// is not to be replaced from inside its own `observe`.
    public var decisionObserver: DecisionObserver? {
        didSet { observerReference = decisionObserver.map { Unmanaged.passUnretained($0) } }
    }
    /// `decisionObserver`, unretained (`decisionObserver` holds it): what `record` calls.
    @exclusivity(unchecked) private var observerReference: Unmanaged<DecisionObserver>?

    /// The key-log lines, kept only while nothing streams them (`onKeyLogLine` is nil).
    private(set) var keyLogLines: [String] = []
    /// The place of the event that first used each kept key-log line (a split run merges by it).
    public private(set) var keyLogKeys: [EventKey] = []
    /// Called with each new key-log line, in first-use order, as the run makes it; the lines are
    /// then not kept (`keyLog` stays empty). A long run's key log is then never held in memory.
    public var onKeyLogLine: ((String) -> Void)?
    /// The nodes this process owns, when a run is split over processes (nil: all of them).
    let distributed: DistributedPart?
    private var keyLogSeen: Set<KeyLogIdentity> = []
    let memoryCaptures: [(name: String, sink: MemoryCaptureSink)]
    /// How many capture sinks `init` made (one per interface of the nodes simulated here).
    let sinkCount: Int
    /// The interfaces given a capture sink, named `NODE-IFACE` in node order, eth0 before wg0:
    /// every interface of the nodes this process simulates. Worked out when asked rather than
    /// kept (two strings a node, about 40 bytes, for a list only `captures()` reads).
    var captureNames: [String] {
        nodes.indices.filter { distributed?.owns[$0] ?? true }.flatMap { i in
            !nodes[i].hasWG0Capture ? ["\(nodes[i].name)-eth0"] : ["\(nodes[i].name)-eth0", "\(nodes[i].name)-wg0"]
        }
    }

    /// How long `run(until: nil)` keeps running timers after the last scheduled action: long
    /// enough for every WireGuard timer to have fired (540 s key zeroing + margin).
    public static let idleHorizon: Int64 = 600 * 1_000_000_000

    /// Builds the network at time 0 as wg-quick would bring each wg0 up: keys, peers, addresses,
    /// routes; then the interface is up. `captureSink` makes one sink per interface
    /// (`NODE-eth0`, and `NODE-wg0` for nodes with WireGuard); default: kept in memory.
    ///
    /// `owned` (one flag per node) builds only the share of a run split over processes that this
    /// process simulates (DistributedPart.swift); nil builds and runs every node.
    ///
    /// `peers`, when given, supplies each node's wg0 peers at the moment that node is brought up
    /// (node order, once per node with a wg0), in place of `specs[i].wireguard.peers`: a caller
    /// building a large network from another model (a scenario) then never holds every node's
    /// peer list twice, and may let go of its own copy as each is handed over.
    ///
    /// `keysAhead`: a job deriving the key pairs of nodes left without a private key
    /// (`prepareKeys(in:seed:leavingForBuild:)`). Each is taken when first needed — a node's
    /// own key just before it is brought up, a peer's when a node configures it — while the
    /// job derives the rest, so the other work of the build (nodes, captures, route tables, a
    /// hub's peers) runs beside the derivation; the peers of a node that would wait for many
    /// keys (a hub) are configured as their keys come to hand (NodeBringUpOrder.swift). Outputs are the same as with
    /// every key settled first: keys are pure functions of seed and name, nothing the build
    /// does in between reads the names of keys (records and moves name them when they are
    /// written), and the order of bring-up is not observable. Ignored by a split run (`owned`).
    public init(seed: UInt64, startUnixNanoseconds: Int64, nodes specs: [NodeSpec], links: [LinkSpec] = [],
                captureSink: CaptureSinkFactory? = nil, owned: [Bool]? = nil,
                peers: ((_ node: Int) -> [PeerSpec])? = nil, keysAhead: DerivedKeyPairs? = nil) throws {
        self.seed = seed
        if owned != nil { keysAhead?.cancel() }
        // The job position of each node whose key pair the job gives (-1: none).
        let ahead = owned == nil ? keysAhead?.takePositions(in: specs, seed: seed) : nil
        if let owned, owned.count != specs.count {
            throw SimulationError("a split run names the owner of \(owned.count) nodes, the network has \(specs.count)")
        }
        distributed = owned.map(DistributedPart.init)
        // A scenario loader refuses such a start with the line of its `start-time:`; this guards
        // other callers.
        guard (0...Self.latestUnixNanoseconds).contains(startUnixNanoseconds) else {
            throw SimulationError("start time \(startUnixNanoseconds) ns is outside what a pcap time stamp holds (1970 to 2106-02-07)")
        }
        self.startUnixNanoseconds = startUnixNanoseconds
        latestTime = Self.latestTime(startUnixNanoseconds: startUnixNanoseconds)
        var index = PositionTable()
        index.reserveCapacity(specs.count) { specs[$0].name }
        for i in specs.indices {   // by index: each spec is not copied for its name
            let name = specs[i].name
            guard index.insertUnlessPresent(i, key: name, keyAt: { specs[$0].name }) == nil else {
                throw SimulationError("node '\(name)' is defined twice")
            }
        }
        underlay = Underlay(seed: seed, nodeNames: specs.map(\.name))

        var memory: [(String, MemoryCaptureSink)] = []
        var sinkCount = 0
        func makeSink(_ name: String) throws -> CaptureSink {
            sinkCount += 1
            if let captureSink { return try captureSink(name) }
            let sink = MemoryCaptureSink()
            memory.append((name, sink))
            return sink
        }

        var keys: [PublicKey?] = []
        var built: [SimNode] = []
        for (i, spec) in specs.enumerated() {
            guard owned?[i] ?? true else {
                // Another process runs this node: its name, addresses and key are all this one needs.
                keys.append(spec.wireguard.map { ($0.privateKey ?? Self.derivedPrivateKey(seed: seed, node: spec.name)).publicKey })
                built.append(SimNode(index: i, name: spec.name, underlay: spec.underlay, device: nil,
                                     listenPort: spec.wireguard?.listenPort ?? 51820,
                                     wg0Addresses: spec.wireguard?.addresses ?? [], eth0Capture: DiscardingCaptureSink.shared,
                                     wg0Capture: nil))
                continue
            }
            var device: Device?
            // A node whose key pair the job gives gets its device when it is brought up.
            if let wireguard = spec.wireguard, (ahead?[i] ?? -1) < 0 {
                let privateKey = wireguard.privateKey ?? Self.derivedPrivateKey(seed: seed, node: spec.name)
                device = Self.makeDevice(wireguard, of: spec.name, privateKey: privateKey, seed: seed,
                                         startUnixNanoseconds: startUnixNanoseconds)
            }
            keys.append(device?.publicKey)
            let eth0 = try makeSink("\(spec.name)-eth0")
            let wg0 = spec.wireguard == nil ? nil : try makeSink("\(spec.name)-wg0")
            let node = SimNode(index: i, name: spec.name, underlay: spec.underlay, device: device,
                               listenPort: spec.wireguard?.listenPort ?? 51820,
                               wg0Addresses: spec.wireguard?.addresses ?? [], eth0Capture: eth0, wg0Capture: wg0)
            node.forwarding = spec.forwarding
            built.append(node)
        }
        nodes = built
        // The names were indexed through the specs; the nodes have the same names.
        nodeIndex = NodeNameIndex(index, nodes: built)
        nodeByUnderlay.use(built)
        scheduledBy = [UInt64](repeating: 0, count: built.count)
        actionTally = ActionTally(nodeCount: built.count)
        publicKeys = keys
        memoryCaptures = memory
        self.sinkCount = sinkCount
        for node in built {
            if let other = nodeByUnderlay.insertUnlessPresent(node.index) {
                throw SimulationError("nodes '\(built[other].name)' and '\(node.name)' share underlay address \(node.underlay)")
            }
        }
        if let ahead, let keysAhead { pendingKeys = PendingKeyPairs(job: keysAhead, positions: ahead) }
        // With keys still to come the names are registered once every key is known (below).
        names.use(nodeNames: built.map(\.name))
        if pendingKeys == nil { names.register(keys: keys) }
        for link in links {
            let (a, b) = try nodePair(link.between)
            underlay.set(a, b, properties: link.properties)
        }
        try bringUpNodes(specs, owned: owned, peers: peers)
        currentOrigin = EventOrigin.scenario
        if let pending = pendingKeys {
            names.register(keys: publicKeys)
            pending.job.close()
            pendingKeys = nil
        }
        trimStoredMoves()
    }

    /// A node's wg0 device as `init` configures it before its peers.
    static func makeDevice(_ wireguard: InterfaceSpec, of node: String, privateKey: PrivateKey, seed: UInt64,
                           startUnixNanoseconds: Int64) -> Device {
        Device(privateKey: privateKey, listenPort: wireguard.listenPort, mtu: wireguard.mtu,
               random: SeededRandom(seed: seed, label: node, then: "/wireguard"), unixTimeOrigin: startUnixNanoseconds)
    }

    /// Node `index`'s key pair from the job deriving it, while `init` builds with keys derived
    /// ahead; nil for a node the job does not give (or once built).
    func pendingKeyPair(of index: Int, knownPublicKey: PublicKey? = nil) -> PrivateKey? {
        guard let pendingKeys, pendingKeys.positions[index] >= 0 else { return nil }
        return pendingKeys.job.keyPair(at: Int(pendingKeys.positions[index]), knownPublicKey: knownPublicKey)
    }

    /// A node's static key when the scenario gives none: `wg genkey` from "NODE/static".
    public static func derivedPrivateKey(seed: UInt64, node: String) -> PrivateKey {
        var random = SeededRandom(seed: seed, label: node, then: "/static")
        return PrivateKey.generate(using: &random)
    }

    func nodePair(_ pair: (String, String)) throws -> (Int, Int) {
        guard let a = nodeIndex[pair.0] else { throw SimulationError("link names unknown node '\(pair.0)'") }
        guard let b = nodeIndex[pair.1] else { throw SimulationError("link names unknown node '\(pair.1)'") }
        guard a != b else { throw SimulationError("a link joins two different nodes, not '\(pair.0)' to itself") }
        return (a, b)
    }

    /// Runs every event due at or before `until` (nil: until none is left, or `idleHorizon` after
    /// the last scheduled activity, since persistent keepalives never stop on their own), and
    /// never past `latestTime`: what would happen later could not be stamped in a capture. May
    /// be called again with a later time to continue.
    public func run(until: Int64? = nil) {
        runEvents(through: stopTime(until: until))
        if let until { now = max(now, min(until, latestTime)) }
    }

    /// The event loop: runs every event due at or before `stop`, each with its node as the origin
    /// of what it schedules.
    func runEvents(through stop: Int64) {
        var key = EventKey(time: 0, origin: 0, sequence: 0)
        while let next = queue.nextTime, next <= stop {
            let event = queue.popEarliest(placing: &key)
            now = max(now, key.time)
            currentKey = key
            if progressKey < key { progressKey = key }
            currentOrigin = executingNode(of: event).map(EventOrigin.node) ?? EventOrigin.scenario
            dispatch(consume event)
        }
        currentOrigin = EventOrigin.scenario
    }

    /// Every decision so far, in simulated-time order (empty when `keepsDecisions` is off).
    public var decisions: [DecisionRecord] { decisionLog }

    /// The Wireshark key-log lines of every secret used so far, each once, in first-use order
    /// (empty when `onKeyLogLine` streams them instead).
    public var keyLog: [String] { keyLogLines }

    /// Packets captured in memory per interface (`NODE-IFACE`), in node order, eth0 before wg0.
    /// Interfaces given to another kind of sink are listed with no packets.
    public func captures() -> [(name: String, packets: [(time: Int64, bytes: [UInt8])])] {
        // Memory sinks exist for every interface (in the same order) or for none.
        guard memoryCaptures.count == sinkCount else { return captureNames.map { ($0, []) } }
        return memoryCaptures.map { ($0.name, $0.sink.packets) }
    }

    /// The names of all simulated nodes, in definition order.
    public var nodeNames: [String] { nodes.map(\.name) }

    /// The names the decision log gives keys (a simulated node's key names its node).
    public var peerNames: PeerNames { names }

    /// How many nodes the simulation has.
    public var nodeCount: Int { nodes.count }

    /// A node's position in `nodeNames`, if the simulation has it.
    public func index(ofNode node: String) -> Int? { nodeIndex[node] }

    /// A node's WireGuard public key, if it has a wg0.
    public func publicKey(of node: String) -> PublicKey? {
        nodeIndex[node].flatMap { publicKeys[$0] }
    }

    /// The context that names frame `frame` of trace file `file` (registered on first use).
    func context(file: String, frame: Int) -> PacketContext {
        let origin = names.traceOrigin(of: file)
        return origin == 0 ? .none : PacketContext(origin: origin, number: frame)
    }

    /// Takes the record and hands it on to `decisionObserver`, or else `onDecision`; only the
    /// in-memory log (off for long runs) keeps a copy.
    func record(_ record: consuming DecisionRecord, at node: SimNode) {
        actionTally.add(record.action, node: node.index)
        if keepsDecisions { decisionLog.append(copy record) }
        if let observerReference {
            // Moved on (`take`): passing the parameter into the closure copied it.
            var taken = Optional(consume record)
            observerReference._withUnsafeGuaranteedRef { $0.observe(taken.take()!) }
        } else {
            onDecision?(record)
        }
    }

    /// Logs `entry` the first time its secret is used (the line is a function of its type and
    /// key, so the identity decides "the same line").
    func addKeyLogLine(_ entry: KeyLogEntry) {
        guard keyLogSeen.insert(KeyLogIdentity(entry)).inserted else { return }
        if let onKeyLogLine {
            onKeyLogLine(entry.line)
        } else {
            keyLogLines.append(entry.line)
            keyLogKeys.append(progressKey)
        }
    }
}
