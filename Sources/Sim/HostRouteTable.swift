import Routing

/// A network interface of a simulated host, as routes and the decision log name it.
public enum Interface: Equatable, Sendable {
    case wg0, eth0
    /// Any other name (`lo`, or a device a route names that is not simulated).
    case other(String)

    /// The loopback interface, where packets for the host's own addresses are delivered.
    static let lo = Interface.other("lo")

    init(name: String) {
        switch name {
        case "wg0": self = .wg0
        case "eth0": self = .eth0
        default: self = .other(name)
        }
    }

    public var name: String {
        switch self {
        case .wg0: return "wg0"
        case .eth0: return "eth0"
        case .other(let name): return name
        }
    }
}

/// Why a route could not be added or deleted, in `ip route`'s words.
public struct RouteTableError: Error, Equatable, CustomStringConvertible {
    public let description: String
}

/// A node's kernel routing: its route tables, with `ip route` semantics (the longest matching
/// prefix wins, then the lowest metric, then the route added first), and its policy rules
/// (`ip rule`), which say which table a packet consults. A packet without a firewall mark under
/// the kernel's default rules consults the main table (then the empty `default` table); wg-quick's
/// full-tunnel rules send it to table 51820 unless the main table has something more specific
/// than a default route, and WireGuard's own datagrams, which carry wg0's fwmark, skip that table.
struct HostRouteTable {
    struct Entry {
        var spec: RouteSpec
        var device: Interface
        /// A connected route the kernel adds for an interface address (`proto kernel`).
        var connected: Bool
    }

    private(set) var entries: [Entry] = []
    /// The policy rules of each family (`ip rule`, `ip -6 rule`).
    private(set) var rulesIPv4 = PolicyRuleList.defaultIPv4
    private(set) var rulesIPv6 = PolicyRuleList.defaultIPv6
    private var index = Index()
    private var keys: Set<RouteKey> = []

    /// What makes two routes the same to the kernel ("File exists").
    private struct RouteKey: Hashable {
        var prefix: IPPrefix
        var metric: Int
        var table: Int?
        init(_ spec: RouteSpec) {
            prefix = spec.prefix
            metric = spec.metric ?? 0
            table = spec.table
        }
    }

    /// Per family and prefix length, the masked network → entry indices; lengths longest first.
    private struct Index {
        /// IPv4: one cheap probe per candidate length (IPv4RouteIndex.swift).
        var v4 = IPv4RouteIndex()
        var v6: [Int: [IPv6Address: [Int]]] = [:]
        var v6Lengths: [Int] = []

        mutating func insert(_ prefix: IPPrefix, position: Int) {
            let length = prefix.length
            switch prefix.address {
            case .v4(let address):
                v4.insert(length: length, network: address.value, position: position)
            case .v6(let address):
                if v6[length] == nil { v6Lengths.append(length); v6Lengths.sort(by: >) }
                v6[length, default: [:]][address, default: []].append(position)
            }
        }

        /// Positions of routes whose prefix is at most `maxLength` long and contains `address`.
        func positions(containing address: IPAddress, maxLength: Int) -> [Int] {
            var found: [Int] = []
            switch address {
            case .v4(let a):
                for length in v4.lengths where length <= maxLength {
                    v4.forEachRoute(length: length, network: IPv4RouteIndex.masked(a.value, length)) {
                        found.append($0)
                        return true
                    }
                }
            case .v6(let a):
                for length in v6Lengths where length <= maxLength {
                    found += v6[length]?[HostRouteTable.masked(a, length)] ?? []
                }
            }
            return found
        }
    }

    /// `ip route add`: fails as the kernel does ("File exists") when a route with the same
    /// prefix, metric and table is already there.
    mutating func add(_ spec: RouteSpec, connected: Bool = false) throws {
        guard keys.insert(RouteKey(spec)).inserted else {
            throw RouteTableError(description: "RTNETLINK answers: File exists (\(spec))")
        }
        entries.append(Entry(spec: spec, device: Interface(name: spec.device), connected: connected))
        index.insert(spec.prefix, position: entries.count - 1)
    }

    /// `ip route del`: removes the route with that prefix and table whose given fields match.
    mutating func delete(_ spec: RouteSpec) throws {
        guard let position = entries.firstIndex(where: { entry in
            entry.spec.prefix == spec.prefix && entry.spec.table == spec.table
                && (spec.metric == nil || (entry.spec.metric ?? 0) == spec.metric)
                && (spec.device.isEmpty || entry.spec.device == spec.device)
                && (spec.via == nil || entry.spec.via == spec.via)
        }) else {
            throw RouteTableError(description: "RTNETLINK answers: No such process (\(spec))")
        }
        keys.remove(RouteKey(entries[position].spec))
        entries.remove(at: position)
        rebuildIndex()
    }

    /// The kernel flushes every route through an interface when it goes down
    /// (net/ipv4/fib_frontend.c `fib_netdev_event` NETDEV_DOWN → `fib_disable_ip`).
    mutating func removeRoutes(through device: Interface) {
        entries.removeAll { $0.device == device }
        keys = Set(entries.map { RouteKey($0.spec) })
        rebuildIndex()
    }

    /// Whether a route on `device` in the main table already covers `prefix` — wg-quick's
    /// `ip route show dev wg0 match PREFIX` test before it adds a route for an allowed IP.
    func hasRoute(on device: Interface, covering prefix: IPPrefix) -> Bool {
        let covering = index.positions(containing: prefix.address, maxLength: prefix.length)
        return covering.contains { entries[$0].device == device && entries[$0].spec.table == nil }
    }

    /// Whether table `table` (nil: main) holds a route of either family — wg-quick's test for a
    /// free table number.
    func hasRoutes(inTable table: Int?) -> Bool {
        entries.contains { $0.spec.table == table }
    }

    /// `ip rule add`: the rule goes just before the main table's rule (see `PolicyRuleList.add`).
    mutating func addRule(_ rule: PolicyRule, ipv4: Bool) {
        if ipv4 { rulesIPv4.add(rule) } else { rulesIPv6.add(rule) }
    }

    /// The rules of one family, in the order they are tried.
    func rules(ipv4: Bool) -> [PolicyRule] { ipv4 ? rulesIPv4.rules : rulesIPv6.rules }

    /// Whether the rules of both families are still the kernel's defaults.
    var hasDefaultRules: Bool { rulesIPv4 == .defaultIPv4 && rulesIPv6 == .defaultIPv6 }

    /// The route a packet to `destination` carrying firewall mark `mark` takes, or nil when no
    /// rule's table has one. The caller has already delivered packets for its own addresses
    /// (the `local` table).
    func lookup(_ destination: IPAddress, mark: UInt32 = 0) -> Entry? {
        lookupPosition(destination, mark: mark).map { entries[$0] }
    }

    /// `lookup`'s route as its position in `entries`: the packet path reads the fields it needs
    /// in place instead of copying the entry (its route's strings retained and released).
    func lookupPosition(_ destination: IPAddress, mark: UInt32 = 0) -> Int? {
        let rules = destination.isIPv4 ? rulesIPv4 : rulesIPv6
        return rules.rules.withUnsafeBufferPointer { rules in
            for rule in rules where rule.table != RouteTableID.local && rule.matches(mark: mark) {
                guard let position = lookupIndex(destination, table: rule.table) else { continue }
                if let limit = rule.suppressPrefixLength, entries[position].spec.prefix.length <= limit { continue }
                return position
            }
            return nil
        }
    }

    /// `lookup` step by step: every rule tried and what it gave, for an explanation.
    func trace(_ destination: IPAddress, mark: UInt32 = 0) -> PolicyRouteTrace {
        var trace = PolicyRouteTrace(mark: mark, steps: [])
        for rule in rules(ipv4: destination.isIPv4) {
            guard rule.matches(mark: mark) else {
                trace.steps.append((rule, .selectorMismatch))
                continue
            }
            guard rule.table != RouteTableID.local else {
                trace.steps.append((rule, .notLocal))
                continue
            }
            guard let position = lookupIndex(destination, table: rule.table) else {
                trace.steps.append((rule, .noRoute))
                continue
            }
            let spec = entries[position].spec
            if let limit = rule.suppressPrefixLength, spec.prefix.length <= limit {
                trace.steps.append((rule, .suppressed(spec)))
                continue
            }
            trace.steps.append((rule, .chose(spec)))
            break
        }
        return trace
    }

    /// Every route of any table matching `destination`: the one an unmarked packet takes first,
    /// then by table (main first), longest prefix, lowest metric, earliest added.
    func matches(_ destination: IPAddress) -> [RouteSpec] {
        let chosen = lookup(destination).map(\.spec)
        return entries.enumerated()
            .filter { $0.element.spec.prefix.contains(destination) }
            .sorted { a, b in
                let x = a.element.spec, y = b.element.spec
                if (x == chosen) != (y == chosen) { return x == chosen }
                let tx = Self.tableOrder(x.table), ty = Self.tableOrder(y.table)
                if tx != ty { return tx < ty }
                if x.prefix.length != y.prefix.length { return x.prefix.length > y.prefix.length }
                if (x.metric ?? 0) != (y.metric ?? 0) { return (x.metric ?? 0) < (y.metric ?? 0) }
                return a.offset < b.offset
            }
            .map(\.element.spec)
    }

    /// The routes as `ip route show table all` would list them: main first, by address then length.
    var sortedSpecs: [RouteSpec] {
        entries.map(\.spec).sorted { a, b in
            if Self.tableOrder(a.table) != Self.tableOrder(b.table) { return Self.tableOrder(a.table) < Self.tableOrder(b.table) }
            if a.prefix.address != b.prefix.address { return a.prefix.address < b.prefix.address }
            if a.prefix.length != b.prefix.length { return a.prefix.length < b.prefix.length }
            return (a.metric ?? 0) < (b.metric ?? 0)
        }
    }

    /// Main (nil) first, then the other tables by number.
    private static func tableOrder(_ table: Int?) -> Int { table.map { $0 + 1 } ?? 0 }

    /// The best route for `destination` in table `table` (`RouteTableID`): the longest prefix,
    /// then the lowest metric, then the one added first.
    private func lookupIndex(_ destination: IPAddress, table: Int) -> Int? {
        let wanted: Int? = table == RouteTableID.main ? nil : table
        switch destination {
        case .v4(let address):
            for length in index.v4.lengths {
                var best: Int?
                index.v4.forEachRoute(length: length, network: IPv4RouteIndex.masked(address.value, length)) { candidate in
                    guard entries[candidate].spec.table == wanted else { return true }
                    if let b = best, (entries[candidate].spec.metric ?? 0) >= (entries[b].spec.metric ?? 0) { return true }
                    best = candidate
                    return true
                }
                if let best { return best }
            }
        case .v6(let address):
            for length in index.v6Lengths {
                if let candidates = index.v6[length]?[Self.masked(address, length)],
                   let best = bestOf(candidates, table: wanted) {
                    return best
                }
            }
        }
        return nil
    }

    /// Among routes of one prefix, those of `table`: the lowest metric, then the earliest added.
    private func bestOf(_ candidates: [Int], table: Int?) -> Int? {
        var best: Int?
        for candidate in candidates where entries[candidate].spec.table == table {
            if let b = best, (entries[candidate].spec.metric ?? 0) >= (entries[b].spec.metric ?? 0) { continue }
            best = candidate
        }
        return best
    }

    static func masked(_ address: IPv6Address, _ length: Int) -> IPv6Address {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - bits) }
        return IPv6Address(high: address.high & mask(length), low: address.low & mask(length - 64))
    }

    private mutating func rebuildIndex() {
        index = Index()
        for (position, entry) in entries.enumerated() { index.insert(entry.spec.prefix, position: position) }
    }
}
