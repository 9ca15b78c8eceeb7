import Routing
import WireGuard

/// The share of the network one process simulates when a run is split over several processes
/// (MPI ranks, docs/mpi.md): which nodes it owns, and the datagrams its nodes sent to nodes of
/// other processes during the current window, each with the place (`EventKey`) its arrival takes
/// in the agenda of the process that owns the receiver.
///
/// Every process builds every node's name, underlay address, listen port and public key (so that
/// peers, endpoints and names resolve as in one process) but only its own nodes' devices, routes
/// and captures, and runs only its own nodes' events. Scenario actions that change state shared
/// by all nodes (link properties, underlay addresses) and the count of `wg set` actions are
/// carried out in every process, at the same place in the agenda; their decision is logged only
/// by the owner of the node they name.
final class DistributedPart {
    /// Per node index: whether this process owns the node.
    let owns: [Bool]
    /// Datagrams for other processes' nodes, in the order they were sent.
    var outbox: [(key: EventKey, datagram: UnderlayDatagram)] = []

    init(owns: [Bool]) { self.owns = owns }
}

/// A datagram in flight from one process to another, as bytes: its arrival's place, then the
/// datagram. Only processes of the same build read what another wrote.
public struct RemoteDatagram: Sendable {
    /// Where the arrival goes in the receiver's agenda.
    public let key: EventKey
    /// The receiving node.
    public let node: Int
    let datagram: UnderlayDatagram
}

extension Simulation {
    /// `specs` settled for the process of a split run that owns the nodes flagged in `owned`:
    /// keys derived (`preparingKeys`) only for the nodes whose keys its nodes can meet, the
    /// peers of other processes' nodes left out (their stubs read none), and the wg0 of every
    /// other node of another process left out, so that the process derives no key it has no
    /// use for (X25519 for every node in every process was a quarter of a process's CPU). The nodes whose keys matter: its own; the nodes they name as peers, in the scenario
    /// or in a `wg set` action (`actions`); and the nodes that name one of its nodes as a peer
    /// (by name, or by a key that is one of its nodes' keys), the only ones whose handshakes can
    /// reach its nodes. Their decisions can name no other node's key. When one of its nodes names
    /// a peer by key, every key is derived: only then is it known which node that key is.
    public static func preparingKeys(of specs: [NodeSpec], seed: UInt64, owned: [Bool], actions: [SimAction]) -> [NodeSpec] {
        var prepared = preparingKeys(of: specs, seed: seed, only: owned)
        var index: [String: Int] = [:]
        for (i, spec) in specs.enumerated() { index[spec.name] = i }
        let ownKeys = Set(prepared.indices.compactMap { owned[$0] ? prepared[$0].wireguard?.privateKey?.publicKey : nil })
        var needed = owned
        var needsAll = false
        func names(_ peer: PeerRef, owner: Int) {
            switch peer {
            case .node(let name):
                guard let other = index[name] else { return }
                if owned[owner] { needed[other] = true }
                if owned[other] { needed[owner] = true }
            case .key(let key):
                if ownKeys.contains(key) { needed[owner] = true }
                // One of its nodes names a peer by key: which node has that key (whose name its
                // decisions print) is known only once every key is derived.
                if owned[owner] { needsAll = true }
            }
        }
        for (i, spec) in specs.enumerated() {
            for peer in spec.wireguard?.peers ?? [] { names(peer.peer, owner: i) }
        }
        for action in actions {
            if case let .wgSet(name, peer, _, _, _, _, _) = action, let owner = index[name] { names(peer, owner: owner) }
        }
        if needsAll { needed = [Bool](repeating: true, count: specs.count) }
        let rest = specs.indices.map { needed[$0] && !owned[$0] }
        prepared = preparingKeys(of: prepared, seed: seed, only: rest)
        // Another process's node is a stub here (`Simulation.init`: name, addresses, key): its
        // peers go now, so that only this process's share of the copied peer lists is held
        // while the devices are built (4 MB of a process's peak on 4 × 25,000 clients).
        for i in prepared.indices where !owned[i] {
            if needed[i] { prepared[i].wireguard?.peers = [] } else { prepared[i].wireguard = nil }
        }
        return prepared
    }

    /// Whether this process runs node `index` (always, unless the run is split).
    func isLocal(_ index: Int) -> Bool { distributed?.owns[index] ?? true }

    /// Whether to queue a repeated `send` of `node` here.
    func scheduleAction(ownedBy node: Int) -> Bool { isLocal(node) }

    /// Whether to queue a scenario action here: an action of this process's node, or one every
    /// process carries out (`performElsewhere`).
    func scheduleAction(_ action: SimAction) -> Bool {
        guard distributed != nil, let node = actionNode(action) else { return true }
        switch action {
        case .setLink, .moveUnderlay, .wgSet: return true
        default: return isLocal(node)
        }
    }

    /// What a process does with an action of a node it does not own: what every process must
    /// know happened (link properties, underlay addresses, the count of `wg set` actions), with
    /// no decision logged. Returns false for an action of its own node, which `perform` runs.
    func performElsewhere(_ action: SimAction) -> Bool {
        guard let node = actionNode(action), !isLocal(node) else { return false }
        switch action {
        case .wgSet:
            wgSetActionsRun += 1
        case let .setLink(between, change):
            if let a = nodeIndex[between.0], let b = nodeIndex[between.1], a != b { underlay.change(a, b, change) }
        case let .moveUnderlay(_, address):
            let moving = nodes[node]
            if let other = nodeByUnderlay[address], other != node { break }
            if nodeByUnderlay[moving.underlay] == node { nodeByUnderlay[moving.underlay] = nil }
            moving.underlay = address
            nodeByUnderlay[address] = node
        default:
            break
        }
        return true
    }

    /// Queues a datagram's arrival, or, for a node another process owns, puts it in the outbox
    /// with the place it would have taken here.
    func enqueueArrival(at time: Int64, _ datagram: consuming UnderlayDatagram) {
        guard let distributed, !distributed.owns[datagram.to] else {
            // Moved into the event (`consume`): wrapped plainly, the datagram was copied and the
            // original destroyed (~160 instructions a datagram).
            enqueue(at: time, .arrival(consume datagram))
            return
        }
        let origin = currentOrigin
        guard let node = EventOrigin.nodeIndex(of: origin) else { return }
        let sequence = scheduledBy[node]
        scheduledBy[node] &+= 1
        distributed.outbox.append((EventKey(time: time, origin: origin, sequence: sequence), datagram))
    }

    /// The datagrams sent to other processes' nodes since the last call, emptied.
    public func takeOutbox() -> [RemoteDatagram] {
        guard let distributed else { return [] }
        let taken = distributed.outbox.map { RemoteDatagram(key: $0.key, node: $0.datagram.to, datagram: $0.datagram) }
        distributed.outbox.removeAll(keepingCapacity: true)
        return taken
    }

    /// Queues a datagram another process sent to one of this process's nodes, at its place.
    public func accept(_ remote: RemoteDatagram) {
        queue.push(at: remote.key.time, .arrival(remote.datagram), origin: remote.key.origin, sequence: remote.key.sequence)
    }

    /// The time of this process's earliest pending event (nil: none).
    public var nextEventTime: Int64? { queue.nextTime }

    /// Where `run(until:)` would stop (nil `until`: an idle horizon after the last scheduled
    /// activity), never past `latestTime`. The same in every process of a split run.
    public func stopTime(until: Int64?) -> Int64 {
        min(until ?? lastScheduledActivity.addingSaturated(Self.idleHorizon), latestTime)
    }

    /// Runs every event due at or before `end`, without moving `now` past the last event run:
    /// one window of a split run.
    public func runWindow(through end: Int64) { runEvents(through: end) }

    /// Ends a split run's stretch at `until` as `run(until:)` ends one: `now` moves there.
    public func finishRun(until: Int64?) {
        if let until { now = max(now, min(until, latestTime)) }
    }

    /// Sets `now` to the latest time any process reached (for the summary of a split run).
    public func agreeOnNow(_ latest: Int64) { now = max(now, latest) }
}

extension RemoteDatagram {
    /// Appends the datagram as bytes: key, node, flags, addresses, ports, context, both buffers.
    public func encode(into out: inout [UInt8]) {
        func int(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        func bytes(_ value: [UInt8]) { int(UInt64(value.count)); out.append(contentsOf: value) }
        let d = datagram
        int(UInt64(bitPattern: key.time)); int(UInt64(bitPattern: key.origin)); int(key.sequence)
        int(UInt64(node))
        out.append(d.isWireGuard ? 1 : 0)
        bytes(d.source.address.bytes); int(UInt64(d.source.port))
        bytes(d.destination.bytes); int(UInt64(d.destinationPort))
        int(UInt64(d.context.origin)); int(UInt64(bitPattern: Int64(d.context.number)))
        let outer = d.outerPacket   // built here if the sender's capture did not need it
        bytes(outer)
        // A WireGuard datagram's payload is the tail of its outer packet; plain traffic's is the packet.
        int(UInt64(outer.count - d.payload.count))
    }

    /// Reads the datagrams `encode` wrote into `bytes`, in order; nil if they are not whole.
    public static func decodeAll(_ bytes: [UInt8]) -> [RemoteDatagram]? {
        var at = 0
        func int() -> UInt64? {
            guard at + 8 <= bytes.count else { return nil }
            var value: UInt64 = 0
            for i in 0..<8 { value |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            at += 8
            return value
        }
        func slice() -> [UInt8]? {
            guard let count = int(), count <= UInt64(bytes.count - at) else { return nil }
            defer { at += Int(count) }
            return Array(bytes[at..<at + Int(count)])
        }
        var result: [RemoteDatagram] = []
        while at < bytes.count {
            guard let time = int(), let origin = int(), let sequence = int(), let nodeNumber = int(),
                  let node = Int(exactly: nodeNumber), at < bytes.count
            else { return nil }
            let isWireGuard = bytes[at] == 1
            at += 1
            guard let sourceBytes = slice(), let source = IPAddress(bytes: sourceBytes), let sourcePort = int(),
                  let destinationBytes = slice(), let destination = IPAddress(bytes: destinationBytes),
                  let destinationPort = int(), let contextOrigin = int(), let contextNumber = int(),
                  let outer = slice(), let headerLength = int(), headerLength <= UInt64(outer.count)
            else { return nil }
            let datagram = UnderlayDatagram(
                to: node, outer: outer, payload: Array(outer[Int(headerLength)...]),
                source: Endpoint(address: source, port: UInt16(truncatingIfNeeded: sourcePort)),
                destination: destination, destinationPort: UInt16(truncatingIfNeeded: destinationPort),
                isWireGuard: isWireGuard,
                context: PacketContext(origin: UInt32(truncatingIfNeeded: contextOrigin),
                                       number: Int(Int64(bitPattern: contextNumber))))
            result.append(RemoteDatagram(key: EventKey(time: Int64(bitPattern: time), origin: Int64(bitPattern: origin),
                                                       sequence: sequence),
                                         node: node, datagram: datagram))
        }
        return result
    }
}
