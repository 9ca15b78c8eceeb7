import Packet
import Pcap
import Routing
import Sim

/// Reads `events:`: each has `at:` and one of `run:`, `ping:`, `send:`, `replay:`,
/// `underlay:`, `under-load:` (with `node:`) or `set:` (with `link:`). Sorted by time, ties in file order.
struct EventLoader {
    let context: LoadContext
    /// The nodes that have a wg0 (events that act on wg0 need one).
    let wireguardNodes: Set<String>

    static let kinds = ["run", "ping", "send", "replay", "underlay", "under-load", "set"]
    static let sendKeys = ["dst", "src", "proto", "dport", "sport", "size", "count", "interval"]

    func events(_ value: YAMLValue) throws -> [ScenarioEvent] {
        let loaded = try value.list("events").flatMap { try event($0) }
        // A stable sort: events at one time keep their file order.
        return loaded.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    private func event(_ item: YAMLValue) throws -> [ScenarioEvent] {
        let map = try item.map("an event")
        let given = Self.kinds.filter { map.has($0) }
        guard given.count == 1, let kind = given.first else {
            throw item.error(given.isEmpty
                ? "an event needs one of: \(Self.kinds.joined(separator: ", "))"
                : "an event does one thing; this one has \(given.joined(separator: " and "))")
        }
        let at = try map.required("at", in: "an event").duration("at")
        let location = item.location
        let actions: [(offset: Int64, action: SimAction)]
        switch kind {
        case "set":
            try map.allowOnly(["at", "link", "set"], in: "a link event")
            let (a, b) = try context.pair(try map.required("link", in: "a `set:` event"))
            let setMap = try map.required("set", in: "a link event").map("set")
            try setMap.allowOnly(["latency", "jitter", "loss", "mtu", "up", "down"], in: "a link change")
            let change = try context.linkChange(setMap)
            guard change != LinkChange() else { throw location.error("`set:` changes nothing") }
            actions = [(0, .setLink(between: (a, b), change))]
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
            case "run": actions = try run(body, node: node).map { (0, $0) }
            case "ping": actions = [(0, try ping(map, body, node: node))]
            case "send":
                let (packet, count, interval) = try send(body)
                actions = (0..<count).map { (Int64($0) * interval, .send(node: node, packet: packet)) }
            case "replay": actions = [(0, try replay(body, node: node))]
            case "under-load":
                guard wireguardNodes.contains(node) else { throw body.error("node '\(node)' has no wg0 to put under load") }
                actions = [(0, .underLoad(node: node, on: try body.bool("under-load")))]
            default: actions = [(0, .moveUnderlay(node: node, to: try context.address(body, "underlay")))]
            }
        }
        return actions.map { ScenarioEvent(at: at + $0.offset, location: location, action: $0.action) }
    }

    private func run(_ body: YAMLValue, node: String) throws -> [SimAction] {
        let parser = CommandLineParser(nodeNames: context.nodeNames, directory: context.directory, location: body.location)
        let command = try parser.parse(try body.string("run"))
        switch command {
        case .wgSet(let updates):
            guard wireguardNodes.contains(node) else { throw body.error("node '\(node)' has no wg0 (no `wireguard:` or `config:`)") }
            for u in updates where u.peer == .node(node) { throw body.error("node '\(node)' cannot be its own peer") }
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

    private func ping(_ map: YAMLMap, _ body: YAMLValue, node: String) throws -> SimAction {
        let destination = try context.address(body, "ping")
        let source = try map["src"].map { try context.address($0, "src") }
        if let s = source, s.isIPv4 != destination.isIPv4 { throw try map.required("src", in: "an event").error("src \(s) and ping \(destination) are of different families") }
        let count = try map["count"]?.int("count", in: 1...1_000_000) ?? 1
        let interval = try map["interval"]?.duration("interval") ?? 1_000_000_000
        let size = try map["size"]?.int("size", in: 0...65_000) ?? 56
        return .ping(node: node, destination: destination, source: source, count: count, interval: interval, size: size)
    }

    private func send(_ body: YAMLValue) throws -> (InnerPacketSpec, count: Int, interval: Int64) {
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
        let count = try map["count"]?.int("count", in: 1...1_000_000) ?? 1
        let interval = try map["interval"]?.duration("interval") ?? 1_000_000_000
        return (packet, count, interval)
    }

    private func replay(_ body: YAMLValue, node: String) throws -> SimAction {
        let name = try body.string("replay")
        let path = TextFile.resolve(name, in: context.directory)
        let packets = try TraceLoader.load(path: path, shownAs: name, location: body.location)
        return .replay(node: node, trace: name, packets: packets)
    }
}
