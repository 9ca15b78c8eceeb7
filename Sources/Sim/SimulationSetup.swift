import Routing
import WireGuard

/// Bringing a node up at time 0 the way wg-quick does (wg-quick(8) `cmd_up`): configure the
/// device and its peers, add the wg0 addresses (each adds its connected route), set the link up,
/// then add a route for every allowed IP not already covered by a wg0 route.
extension Simulation {
    func bringUp(_ node: SimNode, _ spec: NodeSpec) throws {
        try addSetupRoute(node, RouteSpec(prefix: spec.underlay.isIPv4 ? .allIPv4 : .allIPv6, device: "eth0"))
        if let device = node.device, let wireguard = spec.wireguard {
            for peer in wireguard.peers {
                let key = try resolve(peer.peer, from: node)
                let endpoint = try peer.endpoint.map { try resolve($0) }
                let update = AllowedIPsUpdate(replacingWith: peer.allowedIPs)
                var events = spareEvents()
                device.setPeer(key, presharedKey: peer.presharedKey, endpoint: endpoint,
                               persistentKeepalive: peer.persistentKeepalive, allowedIPs: update, now: now,
                               into: &events)
                handle(&events, at: node)
            }
            for route in wireguard.addresses.compactMap(Self.connectedRoute) {
                try addSetupRoute(node, route, connected: true)
            }
            node.wg0Up = true
            // The device itself comes up in the first engine event (time 0, before any scheduled
            // action), so that what it does then (persistent keepalives) reaches `onDecision`,
            // which is set after the simulation is built.
            queue.push(at: 0, .deviceUp(node: node.index))
            try addWgQuickRoutes(node, peers: wireguard.peers)
        }
        for requested in spec.routes {
            do {
                try addSetupRoute(node, try checkedRoute(requested, on: node))
            } catch let error as SimulationError {
                throw SimulationError("node '\(node.name)': ip route add \(requested): \(error)")
            }
        }
    }

    /// The prefix route the kernel adds with an interface address (`proto kernel scope link`).
    /// An IPv4 /32 gets none: net/ipv4/fib_frontend.c `fib_add_ifaddr` skips the prefix route
    /// when the prefix equals the address and the length is 32 (IPv6 adds a /128 route).
    static func connectedRoute(_ address: InterfaceAddress) -> RouteSpec? {
        if address.address.isIPv4 && address.prefixLength == 32 { return nil }
        return RouteSpec(prefix: address.prefix, device: "wg0")
    }

    /// wg-quick's `add_route` for each allowed IP, longest prefixes first (`sort -nr -k 2 -t /`):
    /// a /0 goes to table 51820 (its fwmark policy routing); any other is added to the main table
    /// unless `ip route show dev wg0 match PREFIX` already finds a wg0 route covering it.
    private func addWgQuickRoutes(_ node: SimNode, peers: [PeerSpec]) throws {
        var seen = Set<IPPrefix>()
        let prefixes = peers.flatMap(\.allowedIPs).filter { seen.insert($0).inserted }
        let ordered = prefixes.enumerated().sorted { a, b in
            a.element.length != b.element.length ? a.element.length > b.element.length : a.offset < b.offset
        }.map(\.element)
        for prefix in ordered {
            if prefix.length == 0 {
                try addSetupRoute(node, RouteSpec(prefix: prefix, device: "wg0", table: 51820))
            } else if !node.routes.hasRoute(on: .wg0, covering: prefix) {
                try addSetupRoute(node, RouteSpec(prefix: prefix, device: "wg0"))
            }
        }
    }

    private func addSetupRoute(_ node: SimNode, _ route: RouteSpec, connected: Bool = false) throws {
        do {
            try node.routes.add(route, connected: connected)
        } catch let error as RouteTableError {
            throw SimulationError("node '\(node.name)': ip route add \(route): \(error)")
        }
    }

    /// A peer's public key: a simulated node's wg0 key, or the key given.
    func resolve(_ peer: PeerRef, from node: SimNode) throws -> PublicKey {
        switch peer {
        case .key(let key):
            return key
        case .node(let name):
            guard let index = nodeIndex[name] else {
                throw SimulationError("node '\(node.name)': peer '\(name)' is not a node of the scenario")
            }
            guard let key = publicKeys[index] else {
                throw SimulationError("node '\(node.name)': peer '\(name)' has no wireguard interface")
            }
            return key
        }
    }

    /// An endpoint: a node's current underlay address and listen port, or the address given.
    func resolve(_ endpoint: EndpointRef) throws -> Endpoint {
        switch endpoint {
        case .address(let address):
            return address
        case .node(let name):
            guard let index = nodeIndex[name] else {
                throw SimulationError("endpoint '\(name)' is not a node of the scenario")
            }
            return nodes[index].listenEndpoint
        }
    }
}

extension Simulation {
    /// `specs` with every wg0 private key settled — the one given, or the one `init` would
    /// derive from `seed` and the node name — and its public key derived already, on all cores.
    /// Building from these gives the same network as building from `specs` with `seed`; it only
    /// takes the ~25 µs X25519 derivation per node (most of a 100k-node build) off the one thread.
    public static func preparingKeys(of specs: [NodeSpec], seed: UInt64) -> [NodeSpec] {
        let keyed = specs.indices.filter { specs[$0].wireguard != nil }
        let keys = PrivateKey.withPublicKeys(keyed.map {
            specs[$0].wireguard?.privateKey ?? derivedPrivateKey(seed: seed, node: specs[$0].name)
        })
        var prepared = specs
        for (index, key) in zip(keyed, keys) { prepared[index].wireguard?.privateKey = key }
        return prepared
    }
}
