import Routing

/// A device's peers by public key. A device with few peers (a generated hub's client has one)
/// finds a key by comparing it with each peer's; past `linearLimit` peers a `PositionTable` of
/// positions in `list` is built and kept, keys read back from the peers themselves. A one-entry
/// Swift dictionary costs a heap block of about 100 bytes, which a hub's million clients would
/// each pay for a lookup that only a handshake or a configuration step makes; and a hub's
/// `[PublicKey: Peer]` of 100,000 peers took about 42 bytes a peer where the table takes 10.
struct PeersByKey {
    /// Up to this many peers are searched linearly (8 keys compared: well under one hash).
    static let linearLimit = 8

    /// Every peer, in no particular order (a removal moves the last one into its place).
    private var list: [Peer] = []
    /// Positions in `list` by key, once there have been more than `linearLimit` peers.
    private var index: PositionTable?

    /// How many peers are held.
    var count: Int { list.count }

    subscript(key: PublicKey) -> Peer? {
        get { position(of: key).map { list[$0] } }
        set {
            let position = position(of: key)
            switch (position, newValue) {
            case (let i?, let peer?):
                // Another object under the same key: the key, and so the table, is unchanged.
                list[i] = peer
            case (let i?, nil):
                remove(at: i)
            case (nil, let peer?):
                insertNew(peer)
            case (nil, nil): break
            }
        }
    }

    /// Adds `peer`, whose key is not held (the caller has looked): the setter without its lookup.
    mutating func insertNew(_ peer: Peer) {
        list.append(peer)
        if index != nil {
            let all = list
            index!.insert(all.count - 1, key: peer.publicKey) { all[$0].publicKey }
        } else if list.count > Self.linearLimit {
            let all = list
            var table = PositionTable()
            for i in all.indices { table.insert(i, key: all[i].publicKey) { all[$0].publicKey } }
            index = table
        }
    }

    /// Room for `capacity` peers in all without growing (a hub about to be given its peers): the
    /// table is then sized once, as adding them one by one would leave it, with no rehash on the
    /// way and no old and new table held at once.
    mutating func reserveCapacity(_ capacity: Int) {
        guard capacity > list.count else { return }
        list.reserveCapacity(capacity)
        guard capacity > Self.linearLimit else { return }
        let all = list
        if index == nil {
            var table = PositionTable()
            table.reserveCapacity(capacity) { all[$0].publicKey }
            for i in all.indices { table.insert(i, key: all[i].publicKey) { all[$0].publicKey } }
            index = table
        } else {
            index!.reserveCapacity(capacity) { all[$0].publicKey }
        }
    }

    private func position(of key: PublicKey) -> Int? {
        if let index { return index.position(of: key) { list[$0].publicKey } }
        return list.firstIndex { $0.publicKey == key }
    }

    /// Takes the peer at `i` out; the last peer moves into its place. (Each copy of `list` is
    /// scoped so that it is gone before `list` changes: no copy of the array is made.)
    private mutating func remove(at i: Int) {
        let last = list.count - 1
        if index != nil {
            let all = list
            index!.remove(all[i].publicKey) { all[$0].publicKey }
            if i != last { index!.remove(all[last].publicKey) { all[$0].publicKey } }
        }
        list.swapAt(i, last)
        list.removeLast()
        if i != last, index != nil {
            let all = list
            index!.insert(i, key: all[i].publicKey) { all[$0].publicKey }
        }
    }
}
