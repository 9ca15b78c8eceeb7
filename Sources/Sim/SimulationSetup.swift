import Routing
import WireGuard

/// Bringing a node up at time 0 the way wg-quick does (wg-quick(8) `cmd_up`): configure the
/// device and its peers, add the wg0 addresses (each adds its connected route), set the link up,
/// then add a route for every allowed IP not already covered by a wg0 route.
extension Simulation {
    func bringUp(_ node: SimNode, _ spec: NodeSpec, sharing tables: inout SharedRouteTables) throws {
        try setUpRoutes(of: node, spec, sharing: &tables)
        var configuration = PeerConfiguration(peers: PeerQueue(spec.wireguard?.peers ?? []))
        try configurePeers(of: node, &configuration)
    }

    /// A node's route table. It does not depend on the peers' keys, so it is built first (and
    /// for a node `bringUpNodes` sets aside, in its turn), by the same function a loader calls
    /// to name the line of a route that cannot be added.
    func setUpRoutes(of node: SimNode, _ spec: NodeSpec, sharing tables: inout SharedRouteTables) throws {
        do {
            (node.routeBox, node.fwmark) = try tables.routing(for: spec)
        } catch let error as RouteSetupError {
            throw SimulationError("node '\(node.name)': \(error.message)")
        }
    }

    /// Configures the wg0 peers of a node with a wg0, in order, taking them from `configuration`:
    /// all of them, or (`onlyKeysAtHand`) those up to the first whose key the key job still
    /// holds (`keyIsAtHand`), the rest to be taken by a later call. wg0 is set up once the last
    /// is configured.
    func configurePeers(of node: SimNode, _ configuration: inout PeerConfiguration, onlyKeysAtHand: Bool = false) throws {
        guard let device = node.device, !configuration.isDone else { return }
        if configuration.position == 0 {
            configuration.reserveCapacity(configuration.peers.count)
            device.reservePeerCapacity(configuration.peers.count)      // and so for the device's own peer tables
        }
        // Where the node the next peer names is looked for first (`nodePosition(of:guess:)`).
        var guess = configuration.lastNodeNamed + 1
        while let peer = configuration.peers.next(if: { !onlyKeysAtHand || keyIsAtHand($0, guess: guess) }) {
            let position = configuration.position
            configuration.position += 1
            let (key, nodeIndex) = try resolveNamingNode(peer.peer, from: node, guess: guess)
            if let nodeIndex {
                configuration.lastNodeNamed = nodeIndex
                guess = nodeIndex + 1
            }
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
                noteMove(move.prefix, from: move.previousOwner.publicKey, leftEmpty: move.previousOwnerLeftEmpty, to: key, at: node,
                         cause: .setup(peer: position, previousPeer: configuration.configuredPosition(ofSerial: previous)))
            }
            if let serial = configured?.serial { configuration.note(serial: serial, position: position) }
            handle(&events, at: node)
        }
        guard configuration.peers.isEmpty else { return }
        configuration.isDone = true
        // The device itself comes up in the first engine event (time 0, before any scheduled
        // action), so that what it does then (persistent keepalives) reaches `onDecision`,
        // which is set after the simulation is built: `bringUpNodes` queues it once every
        // node is configured (`scheduleDeviceUp`).
        node.wg0Up = true
    }

    /// Queues wg-quick's `ip link set wg0 up` of node `index` at time 0, in the place
    /// `EventKey(0, setup(index), n)` where n counts what its set-up scheduled before. Called
    /// with node `index`'s set-up as the origin, for each node in node order, once every node
    /// is configured (`bringUpNodes`).
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

    /// A peer's public key: a simulated node's wg0 key, or the key given.
    func resolve(_ peer: PeerRef, from node: SimNode) throws -> PublicKey {
        try resolveNamingNode(peer, from: node).key
    }

    /// `resolve(_:from:)`, with the index of the node named (nil for a key given). `guess`: where
    /// the node named is looked for first (`nodePosition(of:guess:)`).
    func resolveNamingNode(_ peer: PeerRef, from node: SimNode, guess: Int = -1) throws -> (key: PublicKey, node: Int?) {
        switch peer {
        case .key(let key):
            return (key, nil)
        case .node(let name):
            guard let peer = nodePosition(of: name, guess: guess) else {
                throw SimulationError("node '\(node.name)': peer '\(name)' is not a node of the scenario")
            }
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

    /// The position of the node named `name`, tried first at `guess` (any number): the peers of
    /// a node usually name nodes in node order (a hub's clients follow it, and each client's one
    /// peer is the hub, node 0), so the node after the last one a node's peers named is usually
    /// the next one. A right guess costs one comparison of names where the lookup hashed the
    /// name (SipHash) and read a slot of a table far larger than the cache: the set-aside hub of
    /// a million clients looked each client's name up three times, 1.0 s of its build
    /// (docs/performance.md, session 16). Names are unique (`init` refuses a name twice), so a
    /// node with the name is the node.
    func nodePosition(of name: String, guess: Int) -> Int? {
        if guess >= 0, guess < nodes.count, nodes[guess].name == name { return guess }
        return nodeIndex[name]
    }

    /// The index of the scenario's node with this name; `problem` is the error when there is none.
    private func index(ofNode name: String, else problem: @autoclosure () -> String) throws -> Int {
        guard let index = nodeIndex[name] else { throw SimulationError(problem()) }
        return index
    }
}

/// The device-up events `scheduleDeviceUp` has merged: each queued one's first node and the
/// last node it brings up.
struct DeviceUpBatches {
    /// The first node of the batch still taking nodes, if any.
    var open: Int?
    /// The last node of each queued batch, by its first node (removed when it runs).
    var lastOf: [Int: Int] = [:]
}
