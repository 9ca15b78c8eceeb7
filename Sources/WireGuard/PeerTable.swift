/// The device's peers by public key. Keys are uniformly random, so hashing their first 8 bytes
/// is as good as hashing all 32 and much cheaper on the per-packet send path (the standard
/// `[UInt8]` hash feeds the hasher byte by byte).
struct PeerTable {
    private struct Key: Hashable {
        let publicKey: PublicKey

        static func == (a: Key, b: Key) -> Bool { a.publicKey == b.publicKey }

        func hash(into hasher: inout Hasher) {
            let b = publicKey.bytes
            guard b.count >= 8 else { hasher.combine(b); return }
            var word: UInt64 = 0
            for i in 0..<8 { word = word << 8 | UInt64(b[i]) }
            hasher.combine(word)
        }
    }

    private var storage: [Key: Peer] = [:]

    subscript(key: PublicKey) -> Peer? {
        get { storage[Key(publicKey: key)] }
        set { storage[Key(publicKey: key)] = newValue }
    }

    var count: Int { storage.count }
}
