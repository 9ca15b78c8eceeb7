import Dispatch
import Sim
import WireGuard

/// The wg0 key pairs a scenario's nodes get when the file gives no private key (`wg genkey`
/// from "NODE/static", `Simulation.derivedPrivateKey`), derived on other threads while the
/// loader goes on reading the file: deriving a public key takes ~26 µs of X25519, a million of
/// them most of a million-peer load, and they depend only on the seed and the node names,
/// which the loader knows before it reads a single node's configuration.
///
/// The run takes them (`take()`) when it is built with the same seed; with another seed
/// (`--seed`) or once taken, it derives its own as before. Either way the keys are the same
/// bytes: this changes when they are computed, never what they are.
final class KeyDerivationJob: @unchecked Sendable {
    /// Below this many nodes the keys take too little time to be worth a thread.
    static let minimumNodes = 2048

    let seed: UInt64
    private let done = DispatchGroup()
    /// Written once by the job before `done` is left; read after waiting on `done`. The keys
    /// end to end, 32 bytes each: the job's thread makes two large blocks and no small ones, so
    /// nothing kept is spread over that thread's malloc arena (an array per key made there cost
    /// about 60 bytes a node more resident memory at 100k nodes than the same arrays made on
    /// the main thread, `take()`).
    private var privateKeys: [UInt8] = []
    private var publicKeys: [UInt8] = []
    private var taken = false

    /// Starts deriving a key pair for every name, in order, for `seed`.
    init(seed: UInt64, names: [String]) {
        self.seed = seed
        DispatchQueue.global().async(group: done) { [self] in
            var flat: [UInt8] = []
            flat.reserveCapacity(names.count * 32)
            for name in names { flat += Simulation.derivedPrivateKey(seed: seed, node: name).bytes }
            privateKeys = flat
            publicKeys = PrivateKey.flatPublicKeys(ofFlat: flat)
        }
    }

    /// The key pairs, by node position, once derived (waits for them); nil if already taken.
    /// The job then lets go of them. Called from the one thread that builds a run.
    func take() -> [PrivateKey]? {
        done.wait()
        guard !taken else { return nil }
        taken = true
        defer { (privateKeys, publicKeys) = ([], []) }
        return PrivateKey.keyPairs(private: privateKeys, public: publicKeys)
    }
}

extension ScenarioRun {
    /// Every wg0 of `specs` given its private key and, derived already, its public key, exactly
    /// as `Simulation.prepareKeys(in:seed:)` gives them: from `job` for the nodes without a key
    /// in the file when it was started for `seed`, the rest derived now on all cores.
    static func settleKeys(_ specs: inout [NodeSpec], seed: UInt64, job: KeyDerivationJob?) {
        guard let job, job.seed == seed, let derived = job.take(), derived.count == specs.count else {
            return Simulation.prepareKeys(in: &specs, seed: seed)
        }
        var rest = [Bool](repeating: false, count: specs.count)
        var restCount = 0
        for i in specs.indices where specs[i].wireguard != nil {
            if specs[i].wireguard?.privateKey == nil {
                specs[i].wireguard?.privateKey = derived[i]
            } else {
                rest[i] = true
                restCount += 1
            }
        }
        if restCount > 0 { Simulation.prepareKeys(in: &specs, seed: seed, only: rest) }
    }
}
