import WireGuard

/// Key pairs `Simulation.init(keysAhead:)` takes from a job as the build needs them.
struct PendingKeyPairs {
    let job: DerivedKeyPairs
    /// The job position of each node's key pair (-1: the node has its key already, or none).
    let positions: [Int32]
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
