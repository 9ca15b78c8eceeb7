import Packet
import Routing
import Sim

/// What a network of wg-quick files does when run: every node pings every other node's tunnel
/// addresses, one echo request a second from 1 s, in file order (pinger, then target, then the
/// target's `Address` entries), for each address of a family the pinger has a tunnel address
/// of. Each ping comes with an expectation that its echo reply is delivered to the pinger within
/// that second, so the summary shows at once which pairs work (a pair that does not makes the
/// run exit 1). The run stops 5 s (one REKEY_TIMEOUT) after the last ping.
struct NetworkPings {
    private(set) var events: [ScenarioEvent] = []
    private(set) var expectations: [Expectation] = []
    private(set) var duration: Int64
    /// A line for the run's description.
    private(set) var summary: String

    static let spacing: Int64 = 1_000_000_000
    static let tail: Int64 = 5_000_000_000

    init(nodes: [ScenarioNode], files: [WgQuickFile]) {
        var at = Self.spacing
        for pinger in nodes {
            let families = Set((pinger.wireguard?.addresses ?? []).map(\.address.isIPv4))
            for (index, target) in nodes.enumerated() where target.name != pinger.name {
                for (k, address) in (target.wireguard?.addresses ?? []).enumerated() where families.contains(address.address.isIPv4) {
                    let location = files[index].location(files[index].addressLines[k])
                    let destination = address.address
                    events.append(ScenarioEvent(at: at, location: location,
                                                action: .ping(node: pinger.name, destination: destination, source: nil, count: 1,
                                                              interval: Self.spacing, size: 56)))
                    var filter = DecisionFilter()
                    filter.node = pinger.name
                    filter.iface = "wg0"
                    filter.dir = "rx"
                    filter.src = try? IPPrefix(address: destination, length: destination.bitWidth)
                    filter.proto = IPProtocol.name(destination.isIPv4 ? IPProtocol.icmp : IPProtocol.icmpv6)
                    filter.after = at
                    filter.before = at + Self.spacing
                    expectations.append(Expectation(kind: .decisions(filter, action: "delivered", count: nil),
                                                    note: "\(pinger.name) → \(target.name) \(destination): echo reply",
                                                    location: location))
                    at += Self.spacing
                }
            }
        }
        let last = at - Self.spacing
        duration = (events.isEmpty ? 0 : last) + Self.tail
        summary = events.isEmpty
            ? "no events given, and no two nodes have tunnel addresses of one family to ping each other\n"
            : "no events given: \(events.count) ping\(events.count == 1 ? "" : "s"), one a second from 1s, from every node to every "
              + "other node's tunnel addresses; each reply is an expectation below\n"
    }
}
