import Routing
import WireGuard

/// A node's host route table as wg-quick leaves it, and the tables nodes set up alike share.
extension Simulation {
    /// Why a node's routes cannot be set up as `init` sets them up, or nil. `route` is the
    /// position in `spec.routes` of the route refused (nil: one wg-quick adds). A scenario
    /// loader calls this to report the problem at the route's line before anything runs.
    public static func routeSetupProblem(of spec: NodeSpec) -> (route: Int?, message: String)? {
        do {
            _ = try setupRouting(for: spec)
            return nil
        } catch let error as RouteSetupError {
            return (error.route, error.message)
        } catch {
            return (nil, "\(error)")
        }
    }

    /// The route table wg-quick leaves on a node: eth0's default route, the connected routes of
    /// wg0's addresses, a route per allowed IP (and, for a `/0`, its policy rules), then the
    /// node's own routes (the kernel's checks as for `ip route add` with wg0 and eth0 up); with
    /// it, wg0's firewall mark.
    static func setupRouting(for spec: NodeSpec) throws -> (routes: HostRouteTable, fwmark: UInt32) {
        var table = HostRouteTable()
        var fwmark: UInt32 = 0
        func add(_ route: RouteSpec, connected: Bool = false, requested: Int? = nil) throws {
            do {
                try table.add(route, connected: connected)
            } catch {
                throw RouteSetupError(route: requested, message: "ip route add \(route): \(error)")
            }
        }
        try add(RouteSpec(prefix: spec.underlay.isIPv4 ? .allIPv4 : .allIPv6, device: "eth0"))
        if let wireguard = spec.wireguard {
            fwmark = wireguard.fwmark
            for route in wireguard.addresses.compactMap(Self.connectedRoute) {
                try add(route, connected: true)
            }
            try addWgQuickRoutes(peers: wireguard.peers, setting: wireguard.table, to: &table, fwmark: &fwmark)
        }
        let hasWg0 = spec.wireguard != nil
        for (position, requested) in spec.routes.enumerated() {
            let route: RouteSpec
            do {
                route = try checkedRoute(requested, in: table, hasWg0: hasWg0, wg0Up: hasWg0, eth0Up: true)
            } catch {
                throw RouteSetupError(route: position, message: "ip route add \(requested): \(error)")
            }
            try add(route, requested: position)
        }
        return (table, fwmark)
    }

    /// The prefix route the kernel adds with an interface address (`proto kernel scope link`).
    /// An IPv4 /32 gets none: net/ipv4/fib_frontend.c `fib_add_ifaddr` skips the prefix route
    /// when the prefix equals the address and the length is 32 (IPv6 adds a /128 route).
    static func connectedRoute(_ address: InterfaceAddress) -> RouteSpec? {
        if address.address.isIPv4 && address.prefixLength == 32 { return nil }
        return RouteSpec(prefix: address.prefix, device: "wg0")
    }

    /// wg-quick's `add_route` for each allowed IP, longest prefixes first (`sort -nr -k 2 -t /`),
    /// as wg-quick(8)'s script does it:
    /// - `Table = off`: no route at all;
    /// - `Table = N`: every prefix goes into table N, and no rule is added (nothing consults N
    ///   unless the user adds a rule, so the tunnel carries nothing the host routes);
    /// - `Table = auto`: a `/0` goes through `add_default` (below); any other prefix goes into the
    ///   main table unless `ip route show dev wg0 match PREFIX` already finds a wg0 route covering
    ///   it. That includes `0.0.0.0/1` and `128.0.0.0/1`, which then cover the endpoints too.
    private static func addWgQuickRoutes(peers: [PeerSpec], setting: WgQuickTable, to table: inout HostRouteTable,
                                         fwmark: inout UInt32) throws {
        if setting == .off { return }
        let ordered = uniqueLongestFirst(peers)
        func add(_ route: RouteSpec) throws {
            do {
                try table.add(route)
            } catch {
                throw RouteSetupError(route: nil, message: "ip route add \(route): \(error)")
            }
        }
        for position in ordered.order {
            let prefix = ordered.prefixes[Int(position)]
            // Later prefixes are tested against the routes added for earlier ones, as in
            // wg-quick's loop.
            if case .number(let number) = setting {
                try add(RouteSpec(prefix: prefix, device: "wg0", table: number == RouteTableID.main ? nil : number))
            } else if prefix.length == 0 {
                try add(RouteSpec(prefix: prefix, device: "wg0", table: addDefault(prefix, to: &table, fwmark: &fwmark)))
            } else if !table.hasRoute(on: .wg0, covering: prefix) {
                try add(RouteSpec(prefix: prefix, device: "wg0"))
            }
        }
    }

    /// The peers' allowed IPs each once, in the order wg-quick adds their routes: longest first,
    /// prefixes of one length in the order they first appear (`prefixes`, and `order`: positions
    /// in it). Duplicates are found in a `PositionTable` of positions keyed by `PrefixKey` and
    /// ordered by a counting sort on the length. A hub's million peers (two million allowed IPs)
    /// took 0.9 s of the build through a `Set<IPPrefix>` (SipHash), a flattened copy of every
    /// allowed IP, a filtered copy and a sorted copy of enumerated pairs; this keeps one copy
    /// of the unique prefixes, a 4-byte slot each (two slots a prefix at most) and a 4-byte
    /// position each, and hashes no prefix with SipHash (docs/performance.md, session 16).
    static func uniqueLongestFirst(_ peers: [PeerSpec]) -> (prefixes: [IPPrefix], order: [Int32]) {
        var prefixes: [IPPrefix] = []
        var seen = PositionTable()
        // Room for every allowed IP, so the list never grows by copying (a hub's million peers
        // have a few more unique prefixes than peers): the pages of the room never written are
        // never touched. The table is sized for about a prefix a peer or more (a hub's peer
        // has its own address): sized once, not rehashed while a hub's million are added.
        prefixes.reserveCapacity(peers.reduce(0) { $0 + $1.allowedIPs.count })
        seen.reserveCapacity(peers.count) { PrefixKey(prefixes[$0]) }
        var countOfLength = [Int](repeating: 0, count: 129)
        for peer in peers {
            for prefix in peer.allowedIPs
            where seen.insertUnlessPresent(prefixes.count, key: PrefixKey(prefix), keyAt: { PrefixKey(prefixes[$0]) }) == nil {
                prefixes.append(prefix)
                countOfLength[prefix.length] += 1
            }
        }
        // Where each length's prefixes start in the order: 128 first, 0 last.
        var next = 0
        for length in stride(from: 128, through: 0, by: -1) {
            (countOfLength[length], next) = (next, next + countOfLength[length])
        }
        var order = [Int32](repeating: 0, count: prefixes.count)
        for (position, prefix) in prefixes.enumerated() {
            order[countOfLength[prefix.length]] = Int32(position)
            countOfLength[prefix.length] += 1
        }
        return (prefixes, order)
    }

    /// wg-quick's `add_default` for a `/0`: the table is wg0's fwmark; when that is off, the first
    /// table from 51820 up that holds no route, and wg0's fwmark is set to it (`wg set wg0
    /// fwmark T`). Then, for the prefix's family, `ip rule add not fwmark T table T` (unmarked
    /// packets consult T, WireGuard's own datagrams do not) and `ip rule add table main
    /// suppress_prefixlength 0` (the main table still wins with anything more specific than its
    /// default route). Returns the table for the `/0` route (nil: main).
    private static func addDefault(_ prefix: IPPrefix, to table: inout HostRouteTable, fwmark: inout UInt32) -> Int? {
        if fwmark == 0 {
            var free = 51820
            while table.hasRoutes(inTable: free) { free += 1 }
            fwmark = UInt32(free)
        }
        let number = Int(fwmark)
        let ipv4 = prefix.address.isIPv4
        table.addRule(PolicyRule(priority: 0, fwmark: fwmark, inverted: true, table: number), ipv4: ipv4)
        table.addRule(PolicyRule(priority: 0, table: RouteTableID.main, suppressPrefixLength: 0), ipv4: ipv4)
        return number == RouteTableID.main ? nil : number
    }
}

/// The route tables `init` has built so far, by what they were built from, so that nodes set up
/// alike (a hub's generated clients: a default route, the same allowed IPs, the same
/// connected routes) share one table, box and all (`RouteTableBox`): a node that later changes
/// its routes (`ip route add` at run time) gets its own copy then, and the others keep theirs.
struct SharedRouteTables {
    /// Nodes with more inputs than this build their own table: hashing a hub's whole
    /// allowed-IPs list to find no twin would cost more than it saves.
    static let largestShared = 64

    /// What `Simulation.setupRouting(for:)` reads from a node's spec, and nothing else.
    private struct Inputs: Hashable {
        var underlayIsIPv4: Bool
        var hasWireGuard: Bool
        /// The connected routes of wg0's addresses (not the addresses: clients' differ, but a
        /// /32 adds no route).
        var connectedRoutes: [RouteSpec]
        var allowedIPs: [IPPrefix]
        var table: WgQuickTable?
        var fwmark: UInt32
        var routes: [RouteSpec]
    }

    private var built: [Inputs: (routes: RouteTableBox, fwmark: UInt32)] = [:]
    /// The inputs of the last node shared or built, and its table: consecutive nodes alike (a
    /// hub's clients) are matched against it field by field, without building and hashing
    /// their inputs.
    private var last: (inputs: Inputs, made: (routes: RouteTableBox, fwmark: UInt32))?

    /// `Simulation.setupRouting(for: spec)` in a box, or the box already built from the same inputs.
    mutating func routing(for spec: NodeSpec) throws -> (routes: RouteTableBox, fwmark: UInt32) {
        let wireguard = spec.wireguard
        let peers = wireguard?.peers ?? []
        let size = spec.routes.count + (wireguard?.addresses.count ?? 0)
            + peers.reduce(0) { $0 + $1.allowedIPs.count }
        guard size <= Self.largestShared else {
            let (routes, fwmark) = try Simulation.setupRouting(for: spec)
            return (RouteTableBox(routes), fwmark)
        }
        if let last, Self.spec(spec, hasInputs: last.inputs) { return last.made }
        let inputs = Inputs(underlayIsIPv4: spec.underlay.isIPv4, hasWireGuard: wireguard != nil,
                            connectedRoutes: (wireguard?.addresses ?? []).compactMap(Simulation.connectedRoute),
                            allowedIPs: peers.flatMap(\.allowedIPs),
                            table: wireguard?.table, fwmark: wireguard?.fwmark ?? 0, routes: spec.routes)
        let made: (routes: RouteTableBox, fwmark: UInt32)
        if let known = built[inputs] {
            made = known
        } else {
            let (routes, fwmark) = try Simulation.setupRouting(for: spec)
            made = (routes: RouteTableBox(routes), fwmark: fwmark)
            built[inputs] = made
        }
        last = (inputs, made)
        return made
    }

    /// Whether `spec`'s inputs are `inputs` (what `Inputs(…)` built from `spec` would equal).
    private static func spec(_ spec: NodeSpec, hasInputs inputs: Inputs) -> Bool {
        let wireguard = spec.wireguard
        guard inputs.underlayIsIPv4 == spec.underlay.isIPv4, inputs.hasWireGuard == (wireguard != nil),
              inputs.table == wireguard?.table, inputs.fwmark == (wireguard?.fwmark ?? 0), inputs.routes == spec.routes else {
            return false
        }
        var connected = 0
        for address in wireguard?.addresses ?? [] {
            guard let route = Simulation.connectedRoute(address) else { continue }
            guard connected < inputs.connectedRoutes.count, inputs.connectedRoutes[connected] == route else { return false }
            connected += 1
        }
        guard connected == inputs.connectedRoutes.count else { return false }
        var allowed = 0
        for peer in wireguard?.peers ?? [] {
            for prefix in peer.allowedIPs {
                guard allowed < inputs.allowedIPs.count, inputs.allowedIPs[allowed] == prefix else { return false }
                allowed += 1
            }
        }
        return allowed == inputs.allowedIPs.count
    }
}

/// A route `setupRouting` could not add; `route` is its position in the node's own routes.
struct RouteSetupError: Error {
    let route: Int?
    let message: String
}
