import Packet
import Pcap
import Routing
import Sim

/// Reads `events:`: each has `at:` and one of `run:`, `ping:`, `send:`, `replay:`,
/// `underlay:`, `under-load:` (with `node:`) or `set:` (with `link:`). Kept in file order, which
/// decides the order of events due at the same time. Every time an event reaches (its `at`, the
/// last packet of a ping, send or replay) is checked against the scenario's `TimeLimit`.
struct EventLoader {
    let context: LoadContext
    /// The nodes that have a wg0 (events that act on wg0 need one).
    let wireguardNodes: Set<String>

    static let kinds = ["run", "ping", "send", "replay", "underlay", "under-load", "set"]
    static let sendKeys = ["dst", "src", "proto", "dport", "sport", "size", "count", "interval"]

    func events(_ value: YAMLValue) throws -> [ScenarioEvent] {
        try value.list("events").flatMap { try event($0) }
    }

    private var limit: TimeLimit { context.limit }

    private func event(_ item: YAMLValue) throws -> [ScenarioEvent] {
        let map = try item.map("an event")
        let given = Self.kinds.filter { map.has($0) }
        guard given.count == 1, let kind = given.first else {
            throw item.error(given.isEmpty
                ? "an event needs one of: \(Self.kinds.joined(separator: ", "))"
                : "an event does one thing; this one has \(given.joined(separator: " and "))")
        }
        let at = try limit.time(try map.required("at", in: "an event"), "at")
        let location = item.location
        let actions: [SimAction]
        switch kind {
        case "set":
            try map.allowOnly(["at", "link", "set"], in: "a link event")
            let (a, b) = try context.pair(try map.required("link", in: "a `set:` event"))
            let setMap = try map.required("set", in: "a link event").map("set")
            try setMap.allowOnly(["latency", "jitter", "loss", "mtu", "up", "down"], in: "a link change")
            let change = try context.linkChange(setMap)
            guard change != LinkChange() else { throw location.error("`set:` changes nothing") }
            actions = [.setLink(between: (a, b), change)]
        default:
            let allowed: [String]
            switch kind {
            case "ping": allowed = ["at", "node", "ping", "count", "interval", "size", "src"]
            default: allowed = ["at", "node", kind]
            }
            try map.allowOnly(allowed, in: "a `\(kind):` event")
            let node = try context.nodeName(try map.required("node", in: "a `\(kind):` event"))
            let body = try map.required(kind, in: "an event")
            switch kind {
            case "run": actions = try run(body, node: node)
            case "ping": actions = [try ping(map, body, node: node, at: at)]
            case "send": actions = [try send(body, node: node, at: at)]
            case "replay": actions = [try replay(body, node: node, at: at)]
            case "under-load":
                guard wireguardNodes.contains(node) else { throw body.error("node '\(node)' has no wg0 to put under load") }
                actions = [.underLoad(node: node, on: try body.bool("under-load"))]
            default: actions = [.moveUnderlay(node: node, to: try context.address(body, "underlay"))]
            }
        }
        return actions.map { ScenarioEvent(at: at, location: location, action: $0) }
    }

    /// `count` and `interval` of a ping or send; the last repetition must be within the limit.
    private func repetition(_ map: YAMLMap, at: Int64, _ what: String) throws -> (count: Int, interval: Int64) {
        let count = try map["count"]?.int("count", in: 1...1_000_000) ?? 1
        let interval = try map["interval"].map { try limit.time($0, "interval") } ?? 1_000_000_000
        if count > 1 {
            let location = (map["interval"] ?? map["count"])?.location ?? SourceLocation(file: context.file, line: map.line)
            _ = try limit.checkedSum(at, plus: Int64(count - 1), times: interval,
                                     "the last of \(count) \(what) (at \(TimeText.shortest(at)) + \(count - 1) × \(TimeText.shortest(interval)))",
                                     at: location)
        }
        return (count, interval)
    }

    private func run(_ body: YAMLValue, node: String) throws -> [SimAction] {
        let parser = CommandLineParser(nodeNames: context.nodeNames, directory: context.directory, location: body.location)
        let command = try parser.parse(try body.string("run"))
        switch command {
        case .wgSet(let updates):
            guard wireguardNodes.contains(node) else { throw body.error("node '\(node)' has no wg0 (no `wireguard:` or `config:`)") }
            for u in updates where u.peer == .node(node) { throw body.error("node '\(node)' cannot be its own peer") }
            for u in updates {
                if case .node(let peer) = u.peer, !wireguardNodes.contains(peer) {
                    throw body.error("peer '\(peer)' has no wg0 (no `wireguard:` or `config:`), so it has no public key to name")
                }
            }
            return updates.map {
                .wgSet(node: node, peer: $0.peer, allowedIPs: $0.allowedIPs, endpoint: $0.endpoint,
                       persistentKeepalive: $0.persistentKeepalive, presharedKey: $0.presharedKey, remove: $0.remove)
            }
        case .wgShow:
            guard wireguardNodes.contains(node) else { throw body.error("node '\(node)' has no wg0 to show") }
            return [.wgShow(node: node)]
        case .routeAdd(let route): return [.routeAdd(node: node, route)]
        case .routeDelete(let route): return [.routeDelete(node: node, route)]
        case .linkState(let device, let up): return [.linkState(node: node, device: device, up: up)]
        }
    }

    private func ping(_ map: YAMLMap, _ body: YAMLValue, node: String, at: Int64) throws -> SimAction {
        let destination = try context.address(body, "ping")
        let source = try map["src"].map { try context.address($0, "src") }
        if let s = source, s.isIPv4 != destination.isIPv4 { throw try map.required("src", in: "an event").error("src \(s) and ping \(destination) are of different families") }
        let (count, interval) = try repetition(map, at: at, "echo requests")
        let size = try map["size"]?.int("size", in: 0...65_000) ?? 56
        return .ping(node: node, destination: destination, source: source, count: count, interval: interval, size: size)
    }

    private func send(_ body: YAMLValue, node: String, at: Int64) throws -> SimAction {
        let map = try body.map("send")
        try map.allowOnly(Self.sendKeys, in: "send")
        let destination = try context.address(try map.required("dst", in: "send"), "dst")
        let source = try map["src"].map { try context.address($0, "src") }
        if let s = source, s.isIPv4 != destination.isIPv4 { throw try map.required("src", in: "an event").error("src \(s) and dst \(destination) are of different families") }
        var proto = InnerProtocol.udp
        if let p = map["proto"] {
            let text = try p.string("proto")
            switch IPProtocol.number(text) {
            case 17?: proto = .udp
            case 6?: proto = .tcp
            case 1?, 58?: proto = .icmp
            case let n?: proto = .number(n)
            case nil: throw p.error("proto must be udp, tcp, icmp, icmpv6 or a number 0-255, not '\(text)'")
            }
        }
        let dport = UInt16(try map["dport"]?.int("dport", in: 0...65535) ?? 9)
        let sport = UInt16(try map["sport"]?.int("sport", in: 0...65535) ?? 40000)
        let size = try map["size"]?.int("size", in: 0...65_000) ?? 32
        let packet = InnerPacketSpec(destination: destination, source: source, proto: proto, sourcePort: sport,
                                     destinationPort: dport, size: size)
        let (count, interval) = try repetition(map, at: at, "packets")
        return .send(node: node, packet: packet, count: count, interval: interval)
    }

    private func replay(_ body: YAMLValue, node: String, at: Int64) throws -> SimAction {
        let name = try body.string("replay")
        let path = TextFile.resolve(name, in: context.directory)
        let packets = try TraceLoader.load(path: path, shownAs: name, location: body.location, startingAt: at, limit: limit)
        return .replay(node: node, trace: name, packets: packets)
    }
}
