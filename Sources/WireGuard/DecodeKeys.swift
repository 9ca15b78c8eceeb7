/// The secrets a key log gives the capture decoder, organised as Wireshark organises them
/// (packet-wireguard.c `wg_add_static_key`, `wg_add_ephemeral_privkey`, `wg_add_psk`):
/// static keys by public key (a private key, when known, completes an entry), ephemeral private
/// keys by their public key, and each PRESHARED_KEY linked to the ephemeral line just before it
/// (one PSK per ephemeral line; a PSK with no fresh ephemeral line before it is ignored).
struct DecodeKeys {
    struct StaticKey {
        let publicKey: PublicKey
        var privateKey: PrivateKey?
        let mac1Key: [UInt8]
    }

    struct EphemeralKey {
        let publicKey: PublicKey
        let privateKey: PrivateKey
        /// Most recently added first, the order Wireshark tries them in.
        var presharedKeys: [PresharedKey]
    }

    /// In first-seen order, so MAC1 probing is deterministic.
    private(set) var statics: [StaticKey] = []
    private(set) var ephemerals: [[UInt8]: EphemeralKey] = [:]
    /// Lines that had no effect (a PSK without a fresh ephemeral line before it).
    private(set) var unusedLines: [KeyLog.IgnoredLine] = []

    init(_ log: KeyLog) {
        var lastEphemeral: [UInt8]?
        for entry in log.entries {
            switch entry.kind {
            case .localStaticPrivate:
                guard let key = try? PrivateKey(bytes: entry.key) else { continue }
                addStatic(key.publicKey, privateKey: key)
            case .remoteStaticPublic:
                guard let key = try? PublicKey(bytes: entry.key) else { continue }
                addStatic(key, privateKey: nil)
            case .localEphemeralPrivate:
                guard let key = try? PrivateKey(bytes: entry.key) else { continue }
                let publicKey = key.publicKey
                if ephemerals[publicKey.bytes] == nil {
                    ephemerals[publicKey.bytes] = EphemeralKey(publicKey: publicKey, privateKey: key, presharedKeys: [])
                }
                lastEphemeral = publicKey.bytes
            case .presharedKey:
                guard let owner = lastEphemeral, let psk = try? PresharedKey(bytes: entry.key) else {
                    unusedLines.append(KeyLog.IgnoredLine(number: entry.lineNumber ?? 0, text: entry.line,
                                                          reason: "PRESHARED_KEY without an ephemeral key line before it"))
                    continue
                }
                ephemerals[owner]?.presharedKeys.insert(psk, at: 0)
                lastEphemeral = nil
            }
        }
    }

    private mutating func addStatic(_ publicKey: PublicKey, privateKey: PrivateKey?) {
        if let i = statics.firstIndex(where: { $0.publicKey == publicKey }) {
            if statics[i].privateKey == nil, let privateKey { statics[i].privateKey = privateKey }
            return
        }
        statics.append(StaticKey(publicKey: publicKey, privateKey: privateKey, mac1Key: Mac1.key(for: publicKey)))
    }

    /// The static key whose MAC1 key authenticates this handshake message: the receiver's.
    /// MAC1 is computed with the three reserved bytes as zero (Wireshark `wg_mac1_key_probe`).
    func receiverStatic(of message: [UInt8]) -> StaticKey? {
        var zeroed = message
        for i in 1..<4 where i < zeroed.count { zeroed[i] = 0 }
        return statics.first { Mac1.verify(zeroed, key: $0.mac1Key) }
    }

    func staticKey(_ publicKey: PublicKey) -> StaticKey? { statics.first { $0.publicKey == publicKey } }

    func ephemeral(_ publicKeyBytes: [UInt8]) -> EphemeralKey? { ephemerals[publicKeyBytes] }
}
