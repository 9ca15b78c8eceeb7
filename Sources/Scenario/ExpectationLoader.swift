import Packet
import Routing
import Sim
import WireGuard

/// Reads `expect:` entries: table lookups at a time, and filters over the decision log.
struct ExpectationLoader {
    let context: LoadContext

    static let lookupKeys = ["at", "node", "lookup", "peer", "note"]
    static let decisionKeys = ["node", "iface", "dir", "src", "dst", "proto", "peer", "after", "before", "action", "count", "delivered", "note"]

    func expectations(_ value: YAMLValue) throws -> [Expectation] {
        try value.list("expect").map { try expectation($0) }
    }

    private func expectation(_ item: YAMLValue) throws -> Expectation {
        let map = try item.map("an expectation")
        let note = try map["note"].map { try $0.string("note") }
        if let lookupValue = map["lookup"] {
            try map.allowOnly(Self.lookupKeys, in: "a lookup expectation")
            let node = try context.nodeName(try map.required("node", in: "a lookup expectation"))
            let address = try context.address(lookupValue, "lookup")
            let peerValue = try map.required("peer", in: "a lookup expectation")
            let peer = try peerName(peerValue)
            let at = try map["at"].map { try context.limit.time($0, "at") }
            return Expectation(kind: .lookup(at: at, node: node, address: address, peer: peer == "none" ? nil : peer),
                               note: note, location: item.location)
        }
        try map.allowOnly(Self.decisionKeys, in: "an expectation")
        var filter = DecisionFilter()
        filter.node = try map["node"].map { try context.nodeName($0) }
        if let i = map["iface"] {
            let v = try i.string("iface")
            guard v == "wg0" || v == "eth0" else { throw i.error("iface must be wg0 or eth0") }
            filter.iface = v
        }
        if let d = map["dir"] {
            let v = try d.string("dir")
            guard v == "tx" || v == "rx" else { throw d.error("dir must be tx or rx") }
            filter.dir = v
        }
        filter.src = try map["src"].map { try context.prefix($0, "src") }
        filter.dst = try map["dst"].map { try context.prefix($0, "dst") }
        if let p = map["proto"] {
            let text = try p.string("proto")
            guard let n = IPProtocol.number(text) else { throw p.error("proto must be udp, tcp, icmp, icmpv6 or a number") }
            filter.proto = IPProtocol.name(n)
        }
        filter.peer = try map["peer"].map { try peerName($0) }
        filter.after = try map["after"].map { try context.limit.time($0, "after") }
        filter.before = try map["before"].map { try context.limit.time($0, "before") }
        if let a = filter.after, let b = filter.before, b <= a {
            throw item.error("`before` (\(TimeText.shortest(b))) must be later than `after` (\(TimeText.shortest(a)))")
        }
        if let delivered = map["delivered"] {
            guard !map.has("action"), !map.has("count") else {
                throw delivered.error("`delivered: N` is short for `action: delivered` with `count: N`; do not give those too")
            }
            let n = try delivered.int("delivered", in: 0...Int(Int32.max))
            return Expectation(kind: .decisions(filter, action: "delivered", count: n), note: note, location: item.location)
        }
        let actionValue = try map.required("action", in: "an expectation (or `lookup:` / `delivered:`)")
        let action = try actionValue.string("action")
        guard DecisionActions.all.contains(action) || DecisionActions.extensions.contains(action) else {
            var message = "unknown action '\(action)'"
            if let near = DidYouMean.nearest(action, in: DecisionActions.all + DecisionActions.extensions) { message += " (did you mean '\(near)'?)" }
            throw actionValue.error(message)
        }
        let count = try map["count"].map { try $0.int("count", in: 0...Int(Int32.max)) }
        return Expectation(kind: .decisions(filter, action: action, count: count), note: note, location: item.location)
    }

    /// A node name, `none`, or a base64 public key (a peer that is not simulated).
    private func peerName(_ value: YAMLValue) throws -> String {
        let text = try value.string("peer")
        if text == "none" || context.nodeNames.contains(text) { return text }
        if (try? PublicKey(base64: text)) != nil { return text }
        throw value.error("peer '\(text)' is not a node of this scenario, `none`, or a base64 public key")
    }
}
