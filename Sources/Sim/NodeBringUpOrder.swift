import WireGuard

/// The order `Simulation.init` brings nodes up in, and why it is not observable.
///
/// Nodes are brought up in node order, each with its own set-up as the origin of what it
/// schedules — except, when keys are derived ahead (`init(keysAhead:)`), a node that would wait
/// for many keys (`waitsForPendingKeys`): its key, device and route table are made in its turn,
/// but its peers are set aside and configured beside the later nodes, each as soon as its key
/// is at hand (`keyIsAtHand`: the node it names has taken its own), the rest once every node is
/// up. A hub is such a node: configuring its peers needs every client's public key, and a
/// generated hub is node 0, reached while the key job has done about half the keys; the
/// building thread then derived the rest beside the job's worker (4 s of a million-peer load's
/// CPU here), after which the worker had nothing left to do while that thread built the clients
/// alone. Set aside, the hub takes each key after its client did, and the worker derives them
/// while the clients are built. (Configured whole after the clients instead, the building
/// thread, bringing clients up faster than one worker derives keys on this machine, still
/// caught up with the job and derived 2-3 s of keys, and then configured the hub alone.)
///
/// Nothing in the outputs depends on that order:
/// - what a node's set-up schedules goes at places `EventKey(time, setup(i), n)`, n counting what
///   node i's own set-up scheduled (`scheduledBy[i]`): no other node's set-up touches them, and
///   the queue pops by place, not by the order of pushes;
/// - the device-ups, which `scheduleDeviceUp` merges over consecutive nodes, are queued here in
///   a pass of their own in node order, after every node is configured, each with its own set-up
///   as the origin, so the same batches form at the same places;
/// - each node's set-up moves are in the order it made them, so `orderSetUpMoves` (a stable
///   sort by node) restores the list bring-up in node order makes;
/// - a set-up records no decision and uses no secret (the devices are not up: `configurePeer`
///   sends nothing), so the decision log and the key log are not touched;
/// - keys are pure functions of the seed and the name, and whichever of a client's device and the
///   hub's peer takes the key pair first, the other shares its public key (`knownPublicKey`);
/// - route tables are built in every node's turn, as before;
/// - the first error in node order is the one reported (`bringUpNodes`, `configureSetAside`);
/// - `currentKey` and `progressKey` are left at the last node's set-up place, as before.
extension Simulation {
    /// Brings up every node this process simulates, each under its own set-up origin: in node
    /// order, but with the peers of the nodes that wait for many keys (`waitsForPendingKeys`)
    /// configured as their keys come to hand. Then queues every device-up in node order.
    ///
    /// `peers`: as `init` takes it (each wg0 node's peers, asked once, in node order).
    func bringUpNodes(_ specs: [NodeSpec], owned: [Bool]?, peers: ((_ node: Int) -> [PeerSpec])?) throws {
        var tables = SharedRouteTables()
        // The nodes set aside, in node order, with their peers not configured yet.
        var later: [(index: Int, configuration: PeerConfiguration)] = []
        for i in specs.indices where owned?[i] ?? true {
            enterSetUp(of: i)
            // The spec with its peers: one copy of it (a copy retains each of its arrays and strings).
            var whole = specs[i]
            if let peers, whole.wireguard != nil { whole.wireguard?.peers = peers(i) }
            // Its public key may be known already (a peer configured earlier took it): shared.
            if let wireguard = whole.wireguard, let privateKey = pendingKeyPair(of: i, knownPublicKey: publicKeys[i]) {
                nodes[i].device = Self.makeDevice(wireguard, of: whole.name, privateKey: privateKey, seed: seed,
                                                  startUnixNanoseconds: startUnixNanoseconds)
                publicKeys[i] = privateKey.publicKey
            }
            do {
                if waitsForPendingKeys(whole) {
                    // The routes need no key: built in its turn, as in node order.
                    try setUpRoutes(of: nodes[i], whole, sharing: &tables)
                    later.append((i, PeerConfiguration(peers: PeerQueue(chunking: whole.wireguard?.peers ?? []))))
                } else {
                    try bringUp(nodes[i], whole, sharing: &tables)
                }
            } catch {
                // The nodes set aside come before this one: an error of theirs is reported first.
                try configureSetAside(&later)
                throw error
            }
            // The set-aside peers whose keys this node's turn made known (a hub's next client's):
            // configured beside the clients, so that this thread takes the keys no faster than
            // the job's workers derive them, rather than all at the end.
            if !later.isEmpty { try configureSetAside(&later, onlyKeysAtHand: true) }
        }
        nodesSetAside = later.map(\.index)
        try configureSetAside(&later)
        orderSetUpMoves()
        for i in specs.indices where owned?[i] ?? true {
            enterSetUp(of: i)
            if nodes[i].wg0Up { scheduleDeviceUp(i) }
        }
    }

    /// Whether a node's peers are better configured after the other nodes are up: at least a
    /// chunk of the key job's work (`KeyPairJob.chunkSize`) among its wg0 peers names nodes
    /// whose key pair the job still holds (`keyIsAtHand`). Configuring them now would make this
    /// thread derive those chunks itself, or wait for them; configured as the nodes they name
    /// come up, their keys are derived by the job beside the rest of the build. With fewer,
    /// this thread would do at most about one chunk (~8 ms), and the node keeps its turn. Never
    /// without keys derived ahead.
    func waitsForPendingKeys(_ spec: NodeSpec) -> Bool {
        guard pendingKeys != nil, let peers = spec.wireguard?.peers, peers.count >= KeyPairJob.chunkSize else { return false }
        var pending = 0
        for peer in peers where !keyIsAtHand(peer) {
            pending += 1
            if pending == KeyPairJob.chunkSize { return true }
        }
        return false
    }

    /// Whether configuring `peer` now takes no key the key job still holds: its key is given,
    /// or the node it names took its key already or gets none from the job (or it names no
    /// node: configuring it reports that). `guess`: where the node named is looked for first
    /// (`nodePosition(of:guess:)`).
    func keyIsAtHand(_ peer: PeerSpec, guess: Int = -1) -> Bool {
        guard let pendingKeys, case .node(let name) = peer.peer, let index = nodePosition(of: name, guess: guess) else { return true }
        return publicKeys[index] != nil || pendingKeys.positions[index] < 0
    }

    /// Configures the peers of the nodes set aside, in node order, each under its own set-up
    /// origin: all that are left, or (`onlyKeysAtHand`) each node's up to the first whose key
    /// is not at hand. An error of one is reported after the earlier ones are configured whole,
    /// so the first error in node order is the one reported.
    private func configureSetAside(_ later: inout [(index: Int, configuration: PeerConfiguration)],
                                   onlyKeysAtHand: Bool = false) throws {
        for k in later.indices {
            enterSetUp(of: later[k].index)
            do {
                try configurePeers(of: nodes[later[k].index], &later[k].configuration, onlyKeysAtHand: onlyKeysAtHand)
            } catch {
                if onlyKeysAtHand {
                    var earlier = Array(later[..<k])
                    try configureSetAside(&earlier)
                }
                throw error
            }
        }
    }

    /// Makes node `index`'s set-up the origin of what is scheduled now, and its place (time
    /// `Int64.min`) the place of what is logged.
    func enterSetUp(of index: Int) {
        currentOrigin = EventOrigin.setup(index)
        currentKey = EventKey(time: Int64.min, origin: currentOrigin, sequence: 0)
        progressKey = currentKey
    }
}

/// A node's configured peers as `Simulation.configurePeers` takes them, in order. A node set
/// aside (`bringUpNodes`) keeps its peers in chunks, each let go of once configured: a hub's
/// peer list then shrinks as its device grows instead of adding to the memory the build peaks
/// at once every client is built. Held whole until its node was configured, it added 0.17 KiB
/// a client to a generated hub's peak (100k peers: 230.7 → 246.6 MB).
struct PeerQueue {
    /// Peers per chunk: 256 KiB of them, over the 128 KiB from which each block is a mapping of
    /// its own (`MallocSettings`), so each chunk's memory goes back to the system once it is let
    /// go of. (Chunks of 512 peers, ~40 KiB, left holes on the heap: a generated hub of 100k
    /// peers peaked 1.3 MB above the build in node order, against 0.3 MB for these; medians.)
    static let chunkSize = (256 << 10) / MemoryLayout<PeerSpec>.stride

    private var chunks: [[PeerSpec]]
    private var chunk = 0
    private var position = 0
    private var taken = 0
    /// How many peers in all (taken or not).
    let count: Int

    /// The peers as one chunk (a node brought up in its turn: the list is its spec's).
    init(_ peers: [PeerSpec]) {
        chunks = [peers]
        count = peers.count
    }

    /// The peers copied into chunks of `chunkSize`, so that the list they came from can go.
    init(chunking peers: [PeerSpec]) {
        chunks = stride(from: 0, to: peers.count, by: Self.chunkSize).map { Array(peers[$0..<min($0 + Self.chunkSize, peers.count)]) }
        count = peers.count
    }

    /// Whether every peer was taken.
    var isEmpty: Bool { taken == count }

    /// The next peer, if any and if `accept` takes it (else it stays next); a chunk is let go
    /// of once every peer in it was taken.
    mutating func next(if accept: (PeerSpec) -> Bool = { _ in true }) -> PeerSpec? {
        while chunk < chunks.count {
            if position < chunks[chunk].count {
                guard accept(chunks[chunk][position]) else { return nil }
                position += 1
                taken += 1
                return chunks[chunk][position - 1]
            }
            chunks[chunk] = []
            chunk += 1
            position = 0
        }
        return nil
    }
}

/// A node's wg0 peers while `Simulation.configurePeers` configures them, in one call or (a node
/// set aside) in several: those left, and what the device made of those taken.
struct PeerConfiguration {
    var peers: PeerQueue
    /// How many peers were taken (the next one's position).
    var position = 0
    /// The position of the node the last peer taken that names a node named (-1: none yet):
    /// the node after it is where the next peer's node is looked for first.
    var lastNodeNamed = -1
    /// Whether the last peer was configured (wg0 is then set up).
    var isDone = false
    /// The configured peer each device peer was last given by, to name the claim a move undoes,
    /// by the device's serial of the peer (the device is fresh: its serials count from 0 in the
    /// order its peers are created here), so no key is hashed for it; -1 for none.
    private(set) var positionOfSerial: [Int] = []

    init(peers: PeerQueue) { self.peers = peers }

    mutating func reserveCapacity(_ count: Int) { positionOfSerial.reserveCapacity(count) }

    /// The configured peer device peer `serial` was last given by, if any.
    func configuredPosition(ofSerial serial: Int) -> Int? {
        serial < positionOfSerial.count && positionOfSerial[serial] >= 0 ? positionOfSerial[serial] : nil
    }

    /// Device peer `serial` was given by configured peer `position`.
    mutating func note(serial: Int, position: Int) {
        while positionOfSerial.count <= serial { positionOfSerial.append(-1) }
        positionOfSerial[serial] = position
    }
}
