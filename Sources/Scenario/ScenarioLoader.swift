import Routing
import Sim
import WireGuard

/// Reads a scenario file (docs/scenario-reference.md) into a validated `Scenario`. Every problem is a
/// `ScenarioError` naming the file and line; nothing is simulated until all of it has been read.
public enum ScenarioLoader {
    static let topKeys = ["name", "description", "seed", "start-time", "duration", "nodes", "links", "events", "expect"]

    /// Loads `path`; names in messages use `path` as given. `keysAhead`: start deriving the keys
    /// the file's seed gives while the rest is read (`startDerivingKeys`); pass false when the
    /// run will not take them (another seed, or a split run, whose process needs only some).
    public static func load(path: String, keysAhead: Bool = true) throws -> Scenario {
        try load(text: TextFile.read(path), file: path, directory: TextFile.directory(of: path), keysAhead: keysAhead)
    }

    /// Loads scenario text; `directory` resolves relative `config:` and `replay:` paths.
    public static func load(text: String, file: String, directory: String, keysAhead: Bool = true) throws -> Scenario {
        try load(text: text, file: file, directory: directory, keysAhead: keysAhead, streaming: true)
    }

    /// `streaming`: a generated file's nodes are converted as the subset reader reads them
    /// (`StreamedNodes`); false reads them as a tree first, as every other file is read.
    /// `subset` false reads even a generated file with Yams. The result is the same each way:
    /// the tests compare them.
    static func load(text: String, file: String, directory: String, keysAhead: Bool, streaming: Bool,
                     subset: Bool = true) throws -> Scenario {
        let text = try YAMLDocument.checkedText(text, file: file)
        var streamed: StreamedNodes?
        let root: YAMLValue
        if subset, YAMLSubsetReader.isGenerated(text) {
            if streaming, let read = StreamedNodes.read(text, file: file, directory: directory, keysAhead: keysAhead) {
                (root, streamed) = read
            } else if let tree = YAMLSubsetReader.read(text) {
                root = YAMLValue(node: tree, file: file)
            } else {
                root = try YAMLDocument.loadWithYams(text, file: file)
            }
        } else {
            root = try YAMLDocument.loadWithYams(text, file: file)
        }
        let top = try root.map("a scenario")
        try top.allowOnly(topKeys, in: "the scenario")

        let name = try top.required("name", in: "a scenario").string("name")
        guard !name.isEmpty, name != ".", name != "..", name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ScenarioError(file: file, line: top.line(of: "name"),
                                "name '\(name)' must be letters, digits, '-', '_' or '.', and not '.' or '..' (it names output folders)")
        }
        var seed: UInt64 = 1
        if let s = top["seed"] {
            guard let v = UInt64(try s.string("seed")) else { throw s.error("seed must be a whole number from 0 to 2^64-1") }
            seed = v
        }
        let start = try top["start-time"].map(startTime) ?? Scenario.defaultStartUnixNanoseconds
        let limit = TimeLimit(startUnixNanoseconds: start)
        let duration = try top["duration"].map { try limit.time($0, "duration") }
        let description = try top["description"].flatMap { $0.isNull ? nil : try $0.string("description") }

        let context: LoadContext
        let nodes: [ScenarioNode]
        let names: Set<String>
        let derivedKeys: DerivedKeyPairs?
        if let streamed {
            // Converted with the start-time read before `nodes:`; one written after it (by hand)
            // changes their limit: read again, as a tree.
            guard streamed.startUnixNanoseconds == start else {
                return try load(text: text, file: file, directory: directory, keysAhead: keysAhead, streaming: false)
            }
            if let problem = streamed.firstError { throw problem }
            names = streamed.names
            context = LoadContext(file: file, directory: directory, nodeNames: names, limit: limit)
            derivedKeys = streamed.derivedKeys
            nodes = streamed.takeNodes()
        } else {
            let nodesMap = try top.required("nodes", in: "a scenario").map("nodes")
            guard !nodesMap.entries.isEmpty else { throw ScenarioError(file: file, line: nodesMap.line, "nodes: at least one node is needed") }
            // A large map hashed its keys already to refuse duplicates; a small one is cheap to hash.
            names = nodesMap.hashedKeys.count == nodesMap.entries.count ? nodesMap.hashedKeys : Set(nodesMap.keys)
            for entry in nodesMap.entries where entry.key.isEmpty || entry.key.contains(where: { $0 == " " || $0 == "/" || $0 == "@" }) {
                throw ScenarioError(file: file, line: entry.keyLine, "node name '\(entry.key)' must not be empty or contain spaces, '/' or '@'")
            }
            // The keys the seed gives depend on the seed and the names alone: start on them now,
            // beside the reading of the rest (a million of them are most of a million-node build).
            derivedKeys = keysAhead ? startDerivingKeys(nodesMap, seed: seed) : nil
            context = LoadContext(file: file, directory: directory, nodeNames: names, limit: limit)
            var converted: [ScenarioNode] = []
            converted.reserveCapacity(nodesMap.entries.count)   // no growth slack: a hub's clients stay in it for the run
            for entry in nodesMap.entries {
                converted.append(try context.node(named: entry.key, entry.value, keyLine: entry.keyLine))
            }
            nodes = converted
        }
        try checkUnderlays(nodes)
        try checkPeersHaveWireGuard(nodes, nodeNames: names)
        try checkRoutes(nodes)

        let links = try top["links"].map { try context.links($0) } ?? []
        let events = try top["events"].map {
            try EventLoader(context: context, wireguardNodes: Set(nodes.lazy.filter { $0.wireguard != nil }.map(\.name))).events($0)
        } ?? []
        let expectations = try top["expect"].map { try ExpectationLoader(context: context).expectations($0) } ?? []

        if let end = duration {
            // An event or lookup after the stop time would silently never happen.
            if let late = events.first(where: { $0.at > end }) {
                throw late.location.error("this event at \(TimeText.shortest(late.at)) is after duration \(TimeText.shortest(end))")
            }
            for e in events {
                // Each packet of a repeated send is an event of its own (as if written out).
                if case .send(_, _, let count, let interval) = e.action, count > 1 {
                    let last = e.at + Int64(count - 1) * interval   // checked against the limit already
                    if last > end {
                        throw e.location.error("the last packet of this send, at \(TimeText.shortest(last)), is after duration \(TimeText.shortest(end))")
                    }
                }
            }
            for e in expectations {
                if case .lookup(let at?, _, _, _) = e.kind, at > end {
                    throw e.location.error("lookup at \(TimeText.shortest(at)) is after duration \(TimeText.shortest(end))")
                }
            }
        }
        return Scenario(name: name, description: description, seed: seed, startUnixNanoseconds: start,
                        duration: duration, nodes: nodes, links: links, events: events,
                        expectations: expectations, file: file, derivedKeys: derivedKeys)
    }

    /// A `start-time:` value as Unix nanoseconds, within what pcap time stamps can hold.
    static func startTime(_ s: YAMLValue) throws -> Int64 {
        let start: Int64
        switch TimestampText.unixNanoseconds(try s.string("start-time")) {
        case .success(let ns): start = ns
        case .failure(let problem): throw s.error("start-time: \(problem.reason)")
        }
        guard (0...Simulation.latestUnixNanoseconds).contains(start) else {
            throw s.error("start-time must be from \(TimeLimit.startRange): pcap time stamps are unsigned 32-bit seconds since 1970")
        }
        return start
    }

    /// Starts deriving the wg0 key pair of every node whose `wireguard:` gives no `private-key:`
    /// (`DerivedKeyPairs`), when there are enough to be worth it; nil otherwise. Reads the
    /// nodes' YAML only to find those keys: a node written wrongly is refused by the loading
    /// that follows, and the job is then dropped (and stops) with the rest.
    static func startDerivingKeys(_ nodesMap: YAMLMap, seed: UInt64) -> DerivedKeyPairs? {
        guard nodesMap.entries.count >= KeyPairJob.minimumKeys else { return nil }
        var nodes: [Int] = []
        var names: [String] = []
        for (index, entry) in nodesMap.entries.enumerated() where Self.derivesKey(entry.value.node) {
            nodes.append(index)
            names.append(entry.key)
        }
        guard nodes.count >= KeyPairJob.minimumKeys else { return nil }
        return DerivedKeyPairs(seed: seed, nodes: nodes, names: names)
    }

    /// Whether a node's YAML is a mapping with a `wireguard:` mapping without `private-key:`.
    private static func derivesKey(_ node: YAMLNode) -> Bool {
        guard case .mapping(let pairs, _) = node,
              let wireguard = pairs.first(where: { if case .scalar("wireguard", _, _) = $0.key { return true } else { return false } }),
              case .mapping(let settings, _) = wireguard.value else { return false }
        return !settings.contains { if case .scalar("private-key", _, _) = $0.key { return true } else { return false } }
    }

    /// A peer named by node must be a node with a wg0: its public key is wg0's. Looked up among
    /// the nodes without one (usually none, so a million-node hub hashes no name here).
    private static func checkPeersHaveWireGuard(_ nodes: [ScenarioNode], nodeNames: Set<String>) throws {
        let withoutWireGuard = Set(nodes.lazy.filter { $0.wireguard == nil }.map(\.name))
        // Every reader of a peer (`LoadContext.peer`, `StreamedNodeLine`, `WgQuickConfig`)
        // refused a name that is no node: with every node having a wg0 nothing is left to
        // find, and a hub's million peers are not hashed once more.
        if withoutWireGuard.isEmpty { return }
        for node in nodes {
            for peer in node.wireguard?.peers ?? [] {
                if case .node(let name) = peer.peer, withoutWireGuard.contains(name) || !nodeNames.contains(name) {
                    throw peer.location.error("peer '\(name)' has no wg0 (no `wireguard:` or `config:`), so it has no public key to name")
                }
            }
        }
    }

    /// Each node's route table is set up now, as the simulation will set it up, so that a route
    /// the kernel would refuse (one that duplicates a route of a wg0 address or another route)
    /// is reported at its line.
    static func checkRoutes(_ nodes: [ScenarioNode]) throws {
        // Without own routes, a second wg0 address, or a wg-quick `table`/`fwmark` (which can put
        // a /0 into the main table) nothing can collide; skipping those keeps a generated hub of
        // 100,000 nodes from building every table twice.
        // Read in place (`nodes[i]`, not `for node in nodes`): a copy of each of a million nodes
        // retains and releases all it holds (docs/performance.md, session 16).
        for i in nodes.indices where !nodes[i].routes.isEmpty || (nodes[i].wireguard?.addresses.count ?? 0) > 1
            || nodes[i].wireguard?.table ?? .auto != .auto || nodes[i].wireguard?.fwmark ?? 0 != 0 {
            let node = nodes[i]
            guard let problem = Simulation.routeSetupProblem(of: node.spec) else { continue }
            let location = problem.route.map { node.routeLocations[$0] } ?? node.location
            throw location.error("node '\(node.name)': \(problem.message)")
        }
    }

    /// Two nodes with one underlay address could not both receive; refuse that up front.
    static func checkUnderlays(_ nodes: [ScenarioNode]) throws {
        var owner: [IPAddress: Int] = [:]
        owner.reserveCapacity(nodes.count)
        for index in nodes.indices {   // the underlays alone, no node copied (as in `checkRoutes`)
            if let other = owner.updateValue(index, forKey: nodes[index].underlay) {
                let node = nodes[index]
                throw node.location.error("node '\(node.name)' has underlay \(node.underlay), already the underlay of '\(nodes[other].name)'")
            }
        }
    }
}
