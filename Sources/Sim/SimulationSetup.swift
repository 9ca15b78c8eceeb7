import Routing
import WireGuard

/// Bringing a node up at time 0 the way wg-quick does (wg-quick(8) `cmd_up`): configure the
/// device and its peers, add the wg0 addresses (each adds its connected route), set the link up,
/// then add a route for every allowed IP not already covered by a wg0 route.
extension Simulation {
    func bringUp(_ node: SimNode, _ spec: NodeSpec, sharing tables: inout SharedRouteTables) throws {
        // The route table does not depend on the peers configured below, so it is built first,
        // by the same function a loader calls to name the line of a route that cannot be added.
        do {
            (node.routeBox, node.fwmark) = try tables.routing(for: spec)
        } catch let error as RouteSetupError {
            throw SimulationError("node '\(node.name)': \(error.message)")
        }
        if let device = node.device, let wireguard = spec.wireguard {
            // The configured peer each device peer was last given by, to name the claim a move
            // undoes, by the device's serial of the peer (the device is fresh: its serials count
            // from 0 in the order its peers are created here), so no key is hashed for it.
            var positionOfSerial: [Int] = []
            positionOfSerial.reserveCapacity(wireguard.peers.count)
            device.reservePeerCapacity(wireguard.peers.count)      // and so for the device's own peer tables
            for (position, peer) in wireguard.peers.enumerated() {
                let (key, nodeIndex) = try resolveNamingNode(peer.peer, from: node)
                // A peer's endpoint is usually the node it names (a hub's clients): found once.
                let endpoint: Endpoint?
                if let nodeIndex, case .node(let name)? = peer.endpoint, case .node(let peerName) = peer.peer, name == peerName {
                    endpoint = nodes[nodeIndex].listenEndpoint
                } else {
                    endpoint = try peer.endpoint.map { try resolve($0) }
                }
                let update = AllowedIPsUpdate(replacingWith: peer.allowedIPs)
                var events = spareEvents()
                let (configured, moves) = device.configurePeer(key, presharedKey: peer.presharedKey, endpoint: endpoint,
                                                               persistentKeepalive: peer.persistentKeepalive, allowedIPs: update,
                                                               now: now, into: &events)
                for move in moves {
                    let previous = move.previousOwner.serial
                    noteMoves([AllowedIPsMove(prefix: move.prefix, previousOwner: move.previousOwner.publicKey,
                                              previousOwnerLeftEmpty: move.previousOwnerLeftEmpty)],
                              to: key, at: node,
                              cause: .setup(peer: position, previousPeer: previous < positionOfSerial.count && positionOfSerial[previous] >= 0
                                         ? positionOfSerial[previous] : nil))
                }
                if let serial = configured?.serial {
                    while positionOfSerial.count <= serial { positionOfSerial.append(-1) }
                    positionOfSerial[serial] = position
                }
                handle(&events, at: node)
            }
            node.wg0Up = true
            // The device itself comes up in the first engine event (time 0, before any scheduled
            // action), so that what it does then (persistent keepalives) reaches `onDecision`,
            // which is set after the simulation is built.
            scheduleDeviceUp(node.index)
        }
    }

    /// Queues wg-quick's `ip link set wg0 up` of node `index` at time 0, in the place
    /// `EventKey(0, setup(index), n)` where n counts what its set-up scheduled before.
    ///
    /// Nodes whose set-up scheduled nothing else share one queued event: their device-ups sit
    /// at (0, setup(i), 0) for consecutive set-up origins with nothing between them, so one event
    /// at the first one's place that brings them all up in node order (each under its own place,
    /// `bringDevicesUp`) runs exactly what the separate events would have. A queued event costs
    /// about 250 bytes, which a hub's million clients would each pay until time 0.
    func scheduleDeviceUp(_ index: Int) {
        guard scheduledBy[index] == 0 else {
            // Its set-up scheduled something of its own: it runs alone, and ends the batch.
            deviceUpBatches.open = nil
            enqueue(at: 0, .deviceUp(node: index))
            return
        }
        if let first = deviceUpBatches.open {
            // Nodes between the batch's last and this one scheduled nothing at set-up: only a
            // node with a wg0 can, and every one reaches here, ending the batch if it did.
            deviceUpBatches.lastOf[first] = index
            scheduledBy[index] &+= 1   // the place its own event would have taken
        } else {
            deviceUpBatches.open = index
            deviceUpBatches.lastOf[index] = index
            enqueue(at: 0, .deviceUp(node: index))
        }
    }

    /// Runs the device-up event queued at node `first`'s set-up place: that node's and those of
    /// the batch it heads (`scheduleDeviceUp`), each with the place and origin its own event
    /// would have had, so decisions, key-log places and what each schedules are unchanged.
    func bringDevicesUp(from first: Int) {
        let last = deviceUpBatches.lastOf.removeValue(forKey: first) ?? first
        let time = currentKey.time
        for index in first...last {
            let node = nodes[index]
            guard node.wg0Up, let device = node.device else { continue }
            if index != first {
                let key = EventKey(time: time, origin: EventOrigin.setup(index), sequence: 0)
                currentKey = key
                if progressKey < key { progressKey = key }
                currentOrigin = EventOrigin.node(index)
            }
            var events = spareEvents()
            device.up(now: now, into: &events)
            handle(&events, at: node)
        }
    }

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
        var seen = Set<IPPrefix>()
        // About a prefix a peer or more (a hub's peer has its own address): sized once, not
        // rehashed while a hub's million are added.
        seen.reserveCapacity(peers.count)
        let prefixes = peers.flatMap(\.allowedIPs).filter { seen.insert($0).inserted }
        let ordered = prefixes.enumerated().sorted { a, b in
            a.element.length != b.element.length ? a.element.length > b.element.length : a.offset < b.offset
        }.map(\.element)
        func add(_ route: RouteSpec) throws {
            do {
                try table.add(route)
            } catch {
                throw RouteSetupError(route: nil, message: "ip route add \(route): \(error)")
            }
        }
        for prefix in ordered {
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

    /// A peer's public key: a simulated node's wg0 key, or the key given.
    func resolve(_ peer: PeerRef, from node: SimNode) throws -> PublicKey {
        try resolveNamingNode(peer, from: node).key
    }

    /// `resolve(_:from:)`, with the index of the node named (nil for a key given).
    func resolveNamingNode(_ peer: PeerRef, from node: SimNode) throws -> (key: PublicKey, node: Int?) {
        switch peer {
        case .key(let key):
            return (key, nil)
        case .node(let name):
            let peer = try index(ofNode: name, else: "node '\(node.name)': peer '\(name)' is not a node of the scenario")
            if let key = publicKeys[peer] { return (key, peer) }
            // A key still being derived (`Simulation.init(keysAhead:)`): waited for now.
            guard let key = pendingKeyPair(of: peer)?.publicKey else {
                throw SimulationError("node '\(node.name)': peer '\(name)' has no wireguard interface")
            }
            publicKeys[peer] = key
            return (key, peer)
        }
    }

    /// An endpoint: a node's current underlay address and listen port, or the address given.
    func resolve(_ endpoint: EndpointRef) throws -> Endpoint {
        switch endpoint {
        case .address(let address):
            return address
        case .node(let name):
            return nodes[try index(ofNode: name, else: "endpoint '\(name)' is not a node of the scenario")].listenEndpoint
        }
    }

    /// The index of the scenario's node with this name; `problem` is the error when there is none.
    private func index(ofNode name: String, else problem: @autoclosure () -> String) throws -> Int {
        guard let index = nodeIndex[name] else { throw SimulationError(problem()) }
        return index
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

/// Key pairs `Simulation.init(keysAhead:)` takes from a job as the build needs them.
struct PendingKeyPairs {
    let job: DerivedKeyPairs
    /// The job position of each node's key pair (-1: the node has its key already, or none).
    let positions: [Int32]
}

/// The device-up events `scheduleDeviceUp` has merged: each queued one's first node and the
/// last node it brings up.
struct DeviceUpBatches {
    /// The first node of the batch still taking nodes, if any.
    var open: Int?
    /// The last node of each queued batch, by its first node (removed when it runs).
    var lastOf: [Int: Int] = [:]
}

/// A route `setupRouting` could not add; `route` is its position in the node's own routes.
struct RouteSetupError: Error {
    let route: Int?
    let message: String
}

extension Simulation {
    /// `specs` with every wg0 private key settled — the one given, or the one `init` would
    /// derive from `seed` and the node name — and its public key derived already, on all cores.
    /// Building from these gives the same network as building from `specs` with `seed`; it only
    /// takes the ~25 µs X25519 derivation per node (most of a 100k-node build) off the one thread.
    /// `only` (one flag per node) limits the work to the nodes flagged.
    public static func preparingKeys(of specs: [NodeSpec], seed: UInt64, only: [Bool]? = nil) -> [NodeSpec] {
        var prepared = specs
        prepareKeys(in: &prepared, seed: seed, only: only)
        return prepared
    }

    /// `preparingKeys(of:seed:only:)` in place: the node list is not copied (a million-node
    /// list is about 120 MB of specs), as it is when the caller still holds the original.
    ///
    /// `derived`: key pairs started ahead (`DerivedKeyPairs`, while a loader read the rest of the
    /// file); used for the nodes it covers when it was started for `seed` and the same names,
    /// the same keys `derivedPrivateKey` gives, so the result is unchanged.
    public static func prepareKeys(in specs: inout [NodeSpec], seed: UInt64, only: [Bool]? = nil, derived: DerivedKeyPairs? = nil) {
        var settled: [Bool]?
        if let derived, derived.seed != seed { derived.cancel() }
        if let derived, derived.seed == seed, let (nodes, names, keys) = derived.take() {
            var done = [Bool](repeating: false, count: specs.count)
            for k in keys.indices where specs.indices.contains(nodes[k]) && (only?[nodes[k]] ?? true) {
                let node = nodes[k]
                // The job derived from the name it was given: a node renamed or moved since
                // (never, from a loader) is derived below like any other.
                guard specs[node].wireguard != nil, specs[node].wireguard?.privateKey == nil,
                      names[k] == specs[node].name else { continue }
                specs[node].wireguard?.privateKey = keys[k]
                done[node] = true
            }
            settled = done
        }
        let keyed = specs.indices.filter { specs[$0].wireguard != nil && (only?[$0] ?? true) && !(settled?[$0] ?? false) }
        let keys = PrivateKey.withPublicKeys(keyed.map {
            specs[$0].wireguard?.privateKey ?? derivedPrivateKey(seed: seed, node: specs[$0].name)
        })
        for (index, key) in zip(keyed, keys) { specs[index].wireguard?.privateKey = key }
    }
}

extension Simulation {
    /// `prepareKeys(in:seed:)` for the nodes `derived` does not cover; those it covers are left
    /// without a key, for `Simulation.init(keysAhead:)` to take one by one as the build needs
    /// them, while the job still derives the rest: the build then does its other work beside
    /// the key derivation instead of after it. Returns the job to pass on (nil: `derived` was
    /// nil or for another seed; every node is settled then).
    public static func prepareKeys(in specs: inout [NodeSpec], seed: UInt64, leavingForBuild derived: DerivedKeyPairs?) -> DerivedKeyPairs? {
        guard let derived, derived.seed == seed, let positions = derived.positions(in: specs, seed: seed) else {
            prepareKeys(in: &specs, seed: seed, derived: derived)
            return nil
        }
        prepareKeys(in: &specs, seed: seed, only: positions.map { $0 < 0 })
        return derived
    }
}

/// The wg0 key pairs of a scenario's nodes that get their key from the seed and their name
/// (`Simulation.derivedPrivateKey`), derived on other threads from the moment a loader knows
/// the names, while it reads the rest of the file (`KeyPairJob`); `Simulation.prepareKeys`
/// takes them when the network is built with the same seed. Deriving them is most of a
/// million-node build's CPU; this moves them beside the rest of the loading.
///
/// Dropping it (or `cancel()`) before they are taken stops the work; a run built with another
/// seed (`--seed`) derives its own and cancels these.
public final class DerivedKeyPairs: @unchecked Sendable {
    public let seed: UInt64
    /// Node positions and names, in the job's order; let go once taken.
    private var nodes: [Int]
    private var names: [String]
    private let job: KeyPairJob
    /// Taken whole (`take()`) or one by one and closed (`close()`).
    private var taken = false

    /// Starts deriving the key pair of each node in `nodes` (positions) named `names`, for `seed`.
    public init(seed: UInt64, nodes: [Int], names: [String]) {
        self.seed = seed
        self.nodes = nodes
        self.names = names
        job = KeyPairJob(count: names.count) { [names] i in Simulation.derivedPrivateKey(seed: seed, node: names[i]) }
    }

    /// For each node of `specs`, the job position whose key pair it takes, or -1: a node the job
    /// covers, with the name the job derived from, a wg0 and no private key of its own, when
    /// the job was started for `seed` (else every entry is -1). The same nodes `prepareKeys`
    /// settles from the job. nil once taken.
    func positions(in specs: [NodeSpec], seed: UInt64) -> [Int32]? {
        guard !taken else { return nil }
        var positions = [Int32](repeating: -1, count: specs.count)
        guard seed == self.seed else { return positions }
        for k in nodes.indices where specs.indices.contains(nodes[k]) {
            let node = nodes[k]
            guard specs[node].wireguard != nil, specs[node].wireguard?.privateKey == nil, names[k] == specs[node].name else { continue }
            positions[node] = Int32(k)
        }
        return positions
    }

    /// `positions(in:seed:)`, then lets go of the names and node positions (the build needs
    /// only what this returns and `keyPair(at:)` from now on).
    func takePositions(in specs: [NodeSpec], seed: UInt64) -> [Int32]? {
        let positions = positions(in: specs, seed: seed)
        (nodes, names) = ([], [])
        taken = true   // nothing left to match a node list against: `take()` and this give nil now
        return positions
    }

    /// The key pair at job position `k` (`positions(in:seed:)`), waiting only for its own chunk
    /// and deriving others meanwhile (`KeyPairJob.pair(at:knownPublicKey:)`).
    func keyPair(at k: Int, knownPublicKey: PublicKey? = nil) -> PrivateKey? { job.pair(at: k, knownPublicKey: knownPublicKey) }

    /// Once the build has taken every key pair it needs: frees the job's buffers and the names.
    func close() {
        taken = true
        job.close()
        (nodes, names) = ([], [])
    }

    /// The node positions and their key pairs with the name each was derived from (waits for
    /// the rest, deriving on this thread too); nil once taken.
    func take() -> (nodes: [Int], names: [String], keys: [PrivateKey])? {
        guard !taken, let keys = job.finish() else { return nil }
        taken = true
        defer { (nodes, names) = ([], []) }
        return (nodes, names, keys)
    }

    /// Stops the work (the keys will not be taken).
    public func cancel() { job.cancel() }
}
