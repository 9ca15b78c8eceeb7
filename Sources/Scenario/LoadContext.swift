import Routing
import Sim
import WireGuard

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

    /// `takenPeers`: the peers of the node's `wireguard: peers:` converted from their lines
    /// (`StreamedNodes`), in file order; each stands in `value` as an empty mapping on its line.
    func node(named name: String, _ value: YAMLValue, keyLine: Int, takenPeers: [WireGuardPeer] = []) throws -> ScenarioNode {
        let map = try value.map("node '\(name)'")
        try map.allowOnly(Self.nodeKeys, in: "node '\(name)'")
        let underlayValue = try map.required("underlay", in: "node '\(name)'")
        let underlay = try address(underlayValue, "underlay")
        var wireguard: WireGuardInterface?
        let wireguardValue = map["wireguard"], configValue = map["config"]
        if wireguardValue != nil, let cfg = configValue {
            throw cfg.error("node '\(name)' has both `wireguard:` and `config:`; give one")
        }
        if let wg = wireguardValue { wireguard = try interface(wg, node: name, takenPeers: takenPeers) }
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

    func interface(_ value: YAMLValue, node: String, takenPeers: [WireGuardPeer] = []) throws -> WireGuardInterface {
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
            wg.peers = try peers(p.list("peers"), taken: takenPeers)
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

    /// The `peers:` items, those converted from their lines (`taken`, in file order: an empty
    /// mapping on the line of one of them stands for it) as they are, the others read by `peer`.
    func peers(_ items: [YAMLValue], taken: [WireGuardPeer]) throws -> [WireGuardPeer] {
        func isTaken(_ item: YAMLValue, _ peer: WireGuardPeer) -> Bool {
            guard case .mapping(let pairs, let line) = item.node else { return false }
            return pairs.isEmpty && line == peer.location.line
        }
        // A generated hub's million peers were all taken: kept as they are, not copied.
        if taken.count == items.count, items.indices.allSatisfy({ isTaken(items[$0], taken[$0]) }) { return taken }
        var next = 0
        var peers: [WireGuardPeer] = []
        peers.reserveCapacity(items.count)
        for item in items {
            if next < taken.count, isTaken(item, taken[next]) {
                peers.append(taken[next])
                next += 1
            } else {
                peers.append(try peer(item))
            }
        }
        return peers
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
