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
        for node in nodes where !node.routes.isEmpty || (node.wireguard?.addresses.count ?? 0) > 1
            || node.wireguard.map({ $0.table != .auto || $0.fwmark != 0 }) == true {
            guard let problem = Simulation.routeSetupProblem(of: node.spec) else { continue }
            let location = problem.route.map { node.routeLocations[$0] } ?? node.location
            throw location.error("node '\(node.name)': \(problem.message)")
        }
    }

    /// Two nodes with one underlay address could not both receive; refuse that up front.
    static func checkUnderlays(_ nodes: [ScenarioNode]) throws {
        var owner: [IPAddress: Int] = [:]
        owner.reserveCapacity(nodes.count)
        for (index, node) in nodes.enumerated() {
            if let other = owner.updateValue(index, forKey: node.underlay) {
                throw node.location.error("node '\(node.name)' has underlay \(node.underlay), already the underlay of '\(nodes[other].name)'")
            }
        }
    }
}

/// What every part of a scenario needs to know while it is read.
struct LoadContext {
    let file: String
    let directory: String
    let nodeNames: Set<String>
    /// The latest simulated time any time or duration may reach.
    let limit: TimeLimit

    static let nodeKeys = ["underlay", "wireguard", "config", "routes", "forwarding", "partition"]
    static let wireguardKeys = ["private-key", "listen-port", "address", "mtu", "peers", "table", "fwmark"]
    static let peerKeys = ["peer", "public-key", "allowed-ips", "endpoint", "persistent-keepalive", "preshared-key"]
    static let linkKeys = ["between", "latency", "jitter", "loss", "mtu", "up", "down"]

    func node(named name: String, _ value: YAMLValue, keyLine: Int) throws -> ScenarioNode {
        let map = try value.map("node '\(name)'")
        try map.allowOnly(Self.nodeKeys, in: "node '\(name)'")
        let underlayValue = try map.required("underlay", in: "node '\(name)'")
        let underlay = try address(underlayValue, "underlay")
        var wireguard: WireGuardInterface?
        let wireguardValue = map["wireguard"], configValue = map["config"]
        if wireguardValue != nil, let cfg = configValue {
            throw cfg.error("node '\(name)' has both `wireguard:` and `config:`; give one")
        }
        if let wg = wireguardValue { wireguard = try interface(wg, node: name) }
        if let cfg = configValue {
            let configName = try cfg.string("config")
            let path = TextFile.resolve(configName, in: directory)
            let text = try TextFile.read(path, namedAs: configName, at: cfg.location, what: "config")
            wireguard = try WgQuickConfig.parse(text, file: path, nodeNames: nodeNames)
        }
        if let wg = wireguard {
            for peer in wg.peers where peer.peer == .node(name) {
                throw peer.location.error("node '\(name)' lists itself as a peer")
            }
        }
        var routes: [RouteSpec] = []
        var routeLocations: [SourceLocation] = []
        if let r = map["routes"] {
            for item in try r.list("routes") {
                let text = try item.string("a route")
                guard case .success(let words) = ShellWords.split(text) else { throw item.error("route '\(text)': unbalanced quotes") }
                routes.append(try RouteText.parse(words, location: item.location))
                routeLocations.append(item.location)
            }
        }
        let forwarding = try map["forwarding"]?.bool("forwarding") ?? false
        var partition: String?
        if let p = map["partition"] {
            let text = try p.string("partition")
            guard !text.isEmpty else { throw p.error("node '\(name)': `partition:` needs a name") }
            partition = text
        }
        return ScenarioNode(name: name, underlay: underlay, wireguard: wireguard, routes: routes, forwarding: forwarding,
                            partition: partition,
                            location: SourceLocation(file: file, line: keyLine), routeLocations: routeLocations)
    }

    func interface(_ value: YAMLValue, node: String) throws -> WireGuardInterface {
        let map = try value.map("wireguard")
        try map.allowOnly(Self.wireguardKeys, in: "wireguard")
        var wg = WireGuardInterface()
        if let k = map["private-key"] {
            do { wg.privateKey = try PrivateKey(base64: try k.string("private-key")) } catch let e as ScenarioError { throw e } catch {
                throw k.error("private-key: not a valid base64 key (\(error))")
            }
        }
        if let p = map["listen-port"] { wg.listenPort = UInt16(try p.int("listen-port", in: 0...65535)) }
        if let m = map["mtu"] { wg.mtu = try m.int("mtu", in: 576...65535) }
        if let a = map["address"] { wg.addresses = try a.list("address").map { try interfaceAddress($0) } }
        if let p = map["peers"] {
            wg.peers = try p.list("peers").map { try peer($0) }
        }
        if let t = map["table"] {
            let text = try t.string("table").trimmingSpaces
            guard let table = WgQuickTable(parsing: text) else {
                throw t.error("table: '\(text)' is not off, auto, main or a table number 1 to 4294967295")
            }
            wg.table = table
        }
        if let f = map["fwmark"] {
            let text = try f.string("fwmark").trimmingSpaces
            guard let mark = FirewallMark.parse(text) else {
                throw f.error("fwmark: '\(text)' is not off or a number 0 to 4294967295 (decimal, or hexadecimal after 0x)")
            }
            wg.fwmark = mark
        }
        return wg
    }

    func peer(_ value: YAMLValue) throws -> WireGuardPeer {
        if let peer = plainPeer(value) { return peer }
        return try anyPeer(value)
    }

    /// A `peers:` item of any shape, each key read through `YAMLMap` (`peer` takes the plain
    /// ones first).
    func anyPeer(_ value: YAMLValue) throws -> WireGuardPeer {
        let map = try value.map("a peer")
        try map.allowOnly(Self.peerKeys, in: "a peer")
        var name: PeerRef
        switch (map["peer"], map["public-key"]) {
        case (let p?, nil):
            let text = try p.string("peer")
            let bare = text.hasPrefix("@") ? String(text.dropFirst()) : text
            guard nodeNames.contains(bare) else { throw p.error("peer '\(text)': no node of that name (write `public-key:` for a peer that is not simulated)") }
            name = .node(bare)
        case (nil, let k?):
            do { name = .key(try PublicKey(base64: try k.string("public-key"))) } catch let e as ScenarioError { throw e } catch {
                throw k.error("public-key: not a valid base64 key (\(error))")
            }
        case (.some, .some): throw value.error("a peer has `peer:` (a node) or `public-key:`, not both")
        case (nil, nil): throw value.error("a peer needs `peer: NODE` or `public-key: KEY`")
        }
        var peer = WireGuardPeer(peer: name, location: value.location)
        if let a = map["allowed-ips"] {
            let items = try a.list("allowed-ips")
            peer.allowedIPs.reserveCapacity(items.count)
            for item in items {
                var hadHostBits = false
                let entry = try prefix(item, "allowed-ips", hadHostBits: &hadHostBits)
                peer.allowedIPs.append(entry)
                peer.allowedIPLocations.append(item.location)
                // The parse says whether there is a host part: only then is the text read again.
                if hadHostBits,
                   let warning = AllowedIPsUpdate.hostBitsWarning(try item.string("allowed-ips").trimmingSpaces, prefix: entry) {
                    peer.warnings.append(ScenarioWarning(item.location, warning))
                }
            }
            // A flow list on the peer's own line (every generated peer) names no other line:
            // keep no copy of the peer's location per entry (a hub holds a peer per client).
            if peer.allowedIPLocations.allSatisfy({ $0 == peer.location }) { peer.allowedIPLocations = [] }
        }
        if let e = map["endpoint"] {
            let loc = CommandLineParser(nodeNames: nodeNames, directory: directory, location: e.location)
            peer.endpoint = try loc.endpoint(try e.string("endpoint"))
        }
        if let k = map["persistent-keepalive"] {
            peer.persistentKeepalive = (try? k.string("persistent-keepalive")) == "off" ? 0 : try k.int("persistent-keepalive", in: 0...65535)
        }
        if let k = map["preshared-key"] {
            do { peer.presharedKey = try PresharedKey(base64: try k.string("preshared-key")) } catch let e as ScenarioError { throw e } catch {
                throw k.error("preshared-key: not a valid base64 key (\(error))")
            }
        }
        return peer
    }

    /// The peer a mapping of exactly `peer: NODE, allowed-ips: [PREFIX, …], endpoint: NODE`
    /// describes (a generated hub's peers), read from its nodes without the `YAMLMap` and
    /// `YAMLValue`s `peer` reads it through; nil for anything else, and for anything `peer`
    /// would refuse or warn about (a name that is no node, an `@`, a prefix that does not parse
    /// or has host bits, an entry on another line), which `peer` then reads and words.
    func plainPeer(_ value: YAMLValue) -> WireGuardPeer? {
        guard case .mapping(let pairs, let line) = value.node, pairs.count == 3,
              case .scalar("peer", _, _) = pairs[0].key, case .scalar(let name, _, _) = pairs[0].value,
              case .scalar("allowed-ips", _, _) = pairs[1].key, case .sequence(let items, _) = pairs[1].value, !items.isEmpty,
              case .scalar("endpoint", _, _) = pairs[2].key, case .scalar(let endpoint, _, _) = pairs[2].value,
              !name.hasPrefix("@"), !endpoint.hasPrefix("@"), nodeNames.contains(name),
              endpoint == name || nodeNames.contains(endpoint) else { return nil }   // usually the node named: hashed once
        var peer = WireGuardPeer(peer: .node(name), location: value.location)
        peer.allowedIPs.reserveCapacity(items.count)
        for item in items {
            var hadHostBits = false
            guard case .scalar(let text, line, _) = item,
                  let prefix = try? IPPrefix(parsing: text.trimmingSpaces, hadHostBits: &hadHostBits), !hadHostBits else { return nil }
            peer.allowedIPs.append(prefix)
        }
        peer.endpoint = .node(endpoint)
        return peer
    }

    func links(_ value: YAMLValue) throws -> [ScenarioLink] {
        var seen = Set<[String]>()
        return try value.list("links").map { item in
            let map = try item.map("a link")
            try map.allowOnly(Self.linkKeys, in: "a link")
            let between = try pair(try map.required("between", in: "a link"))
            guard seen.insert([between.0, between.1].sorted()).inserted else {
                throw item.error("a second link between \(between.0) and \(between.1)")
            }
            let change = try linkChange(map)
            var properties = LinkProperties()
            properties.latency = change.latency ?? properties.latency
            properties.jitter = change.jitter ?? properties.jitter
            properties.loss = change.loss ?? properties.loss
            properties.mtu = change.mtu ?? properties.mtu
            properties.up = change.up ?? properties.up
            return ScenarioLink(between: between, properties: properties, location: item.location)
        }
    }

    /// `latency`, `jitter`, `loss`, `mtu`, `up`, `down` of a link or a link event's `set:`.
    func linkChange(_ map: YAMLMap) throws -> LinkChange {
        var change = LinkChange()
        change.latency = try map["latency"].map { try limit.time($0, "latency") }
        change.jitter = try map["jitter"].map { try limit.time($0, "jitter") }
        change.loss = try map["loss"].map { try $0.probability("loss") }
        change.mtu = try map["mtu"].map { try $0.int("mtu", in: 68...65535) }
        if let u = map["up"] { change.up = try u.bool("up") }
        if let d = map["down"] {
            let down = try d.bool("down")
            if let up = change.up, up == down { throw d.error("`up` and `down` disagree") }
            change.up = !down
        }
        return change
    }

    /// `[A, B]`: two different nodes.
    func pair(_ value: YAMLValue) throws -> (String, String) {
        let items = try value.list("a node pair")
        guard items.count == 2 else { throw value.error("expected two node names, [A, B]") }
        let a = try nodeName(items[0]), b = try nodeName(items[1])
        guard a != b else { throw value.error("a link joins two different nodes") }
        return (a, b)
    }

    func nodeName(_ value: YAMLValue) throws -> String {
        let name = try value.string("a node name")
        guard nodeNames.contains(name) else {
            var message = "unknown node '\(name)'"
            if let near = DidYouMean.nearest(name, in: nodeNames.sorted()) { message += " (did you mean '\(near)'?)" }
            throw value.error(message + "; nodes: " + DidYouMean.listing(nodeNames.sorted()))
        }
        return name
    }

    func address(_ value: YAMLValue, _ what: String) throws -> IPAddress {
        let text = try value.string(what)
        do { return try IPAddress(parsing: text.trimmingSpaces) } catch { throw value.error("\(what): \(error)") }
    }

    /// `192.168.0.1/16` (host bits kept) or a bare address, as `ip address add` takes it.
    func interfaceAddress(_ value: YAMLValue) throws -> InterfaceAddress {
        let text = try value.string("address")
        do { return try InterfaceAddress(parsing: text.trimmingSpaces) } catch { throw value.error("address: \(error)") }
    }

    func prefix(_ value: YAMLValue, _ what: String) throws -> IPPrefix {
        var hadHostBits = false
        return try prefix(value, what, hadHostBits: &hadHostBits)
    }

    /// As `prefix(_:_:)`, also telling whether the text had host bits set.
    func prefix(_ value: YAMLValue, _ what: String, hadHostBits: inout Bool) throws -> IPPrefix {
        let text = try value.string(what)
        do { return try IPPrefix(parsing: text.trimmingSpaces, hadHostBits: &hadHostBits) } catch { throw value.error("\(what): \(error)") }
    }
}
