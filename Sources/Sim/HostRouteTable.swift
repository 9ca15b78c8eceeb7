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

/// A node's kernel route table, with `ip route` semantics: the longest matching prefix wins, then
/// the lowest metric (then the route added first). A route in wg-quick's table 51820 (its
/// full-tunnel default route) is used only when the main table has nothing more specific than a
/// default route, which is what wg-quick's rules `not fwmark 51820 table 51820` and
/// `table main suppress_prefixlength 0` achieve for every packet except WireGuard's own, and the
/// simulator always sends WireGuard's own datagrams out of eth0.
struct HostRouteTable {
    struct Entry {
        var spec: RouteSpec
        var device: Interface
        /// A connected route the kernel adds for an interface address (`proto kernel`).
        var connected: Bool
    }

    private(set) var entries: [Entry] = []
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
        /// Keyed by `length << 32 | network`: one hash probe per candidate length.
        var v4: [UInt64: [Int]] = [:]
        var v4Lengths: [Int] = []
        var v6: [Int: [IPv6Address: [Int]]] = [:]
        var v6Lengths: [Int] = []

        static func key(_ length: Int, _ network: UInt32) -> UInt64 { UInt64(length) << 32 | UInt64(network) }

        mutating func insert(_ prefix: IPPrefix, position: Int) {
            let length = prefix.length
            switch prefix.address {
            case .v4(let address):
                if !v4Lengths.contains(length) { v4Lengths.append(length); v4Lengths.sort(by: >) }
                v4[Self.key(length, address.value), default: []].append(position)
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
                for length in v4Lengths where length <= maxLength {
                    let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
                    found += v4[Self.key(length, a.value & mask)] ?? []
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

    /// The route a packet to `destination` takes, or nil when no route matches.
    func lookup(_ destination: IPAddress) -> Entry? {
        guard let position = lookupIndex(destination) else { return nil }
        return entries[position]
    }

    /// Every route matching `destination`, the chosen one first, then by preference.
    func matches(_ destination: IPAddress) -> [RouteSpec] {
        entries.enumerated()
            .filter { $0.element.spec.prefix.contains(destination) }
            .sorted { a, b in Self.preferred(a.element.spec, a.offset, over: b.element.spec, b.offset) }
            .map(\.element.spec)
    }

    /// The routes as `ip route show table all` would list them: main first, by address then length.
    var sortedSpecs: [RouteSpec] {
        entries.map(\.spec).sorted { a, b in
            if (a.table ?? 0) != (b.table ?? 0) { return (a.table ?? 0) < (b.table ?? 0) }
            if a.prefix.address != b.prefix.address { return a.prefix.address < b.prefix.address }
            if a.prefix.length != b.prefix.length { return a.prefix.length < b.prefix.length }
            return (a.metric ?? 0) < (b.metric ?? 0)
        }
    }

    /// Main table before table 51820 only when more specific than a default route; within a
    /// table: longer prefix, lower metric, earlier added.
    private static func preferred(_ a: RouteSpec, _ ai: Int, over b: RouteSpec, _ bi: Int) -> Bool {
        func rank(_ spec: RouteSpec) -> Int {
            if spec.table == nil { return spec.prefix.length > 0 ? 2 : 0 }
            return 1
        }
        if rank(a) != rank(b) { return rank(a) > rank(b) }
        if a.prefix.length != b.prefix.length { return a.prefix.length > b.prefix.length }
        if (a.metric ?? 0) != (b.metric ?? 0) { return (a.metric ?? 0) < (b.metric ?? 0) }
        return ai < bi
    }

    private func lookupIndex(_ destination: IPAddress) -> Int? {
        var best: Int?
        switch destination {
        case .v4(let address):
            for length in index.v4Lengths {
                let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
                if let candidates = index.v4[Index.key(length, address.value & mask)] {
                    best = bestOf(candidates, current: best)
                    if let best, entries[best].spec.table == nil { return best }
                }
            }
        case .v6(let address):
            for length in index.v6Lengths {
                if let candidates = index.v6[length]?[Self.masked(address, length)] {
                    best = bestOf(candidates, current: best)
                    if let best, entries[best].spec.table == nil { return best }
                }
            }
        }
        return best
    }

    /// Lengths are visited longest first, so a main-table hit of length > 0 returns at once;
    /// only /0 routes of both tables reach the comparison across tables.
    private func bestOf(_ candidates: [Int], current: Int?) -> Int? {
        var best = current
        for candidate in candidates {
            if let b = best {
                if Self.preferred(entries[candidate].spec, candidate, over: entries[b].spec, b) { best = candidate }
            } else {
                best = candidate
            }
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
