/// A device's peers by public key. A device with few peers (a generated hub's client has one)
/// finds a key by comparing it with each peer's, in creation order; past `linearLimit` peers a
/// dictionary is built and kept. A one-entry Swift dictionary costs a heap block of about 100
/// bytes, which a hub's million clients would each pay for a lookup that only a handshake or a
/// configuration step makes.
struct PeersByKey {
    /// Up to this many peers are searched linearly (8 keys compared: well under one hash).
    static let linearLimit = 8

    /// The peers while there are at most `linearLimit` (and no dictionary yet).
    private var few: [Peer] = []
    /// Every peer by key, once there have been more than `linearLimit`.
    private var many: [PublicKey: Peer]?

    /// How many peers are held.
    var count: Int { many?.count ?? few.count }

    subscript(key: PublicKey) -> Peer? {
        get {
            if let many { return many[key] }
            return few.first { $0.publicKey == key }
        }
        set {
            if many != nil {
                many![key] = newValue
                return
            }
            let position = few.firstIndex { $0.publicKey == key }
            switch (position, newValue) {
            case (let i?, let peer?): few[i] = peer
            case (let i?, nil): few.remove(at: i)
            case (nil, let peer?):
                few.append(peer)
                if few.count > Self.linearLimit {
                    many = Dictionary(uniqueKeysWithValues: few.map { ($0.publicKey, $0) })
                    few = []
                }
            case (nil, nil): break
            }
        }
    }
}
