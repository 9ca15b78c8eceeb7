/// The running chaining key `C` and transcript hash `H` of a Noise_IKpsk2 handshake, with the
/// operations of wireguard-behaviour.md §4.3 as methods. Internal: `Noise` and the capture
/// decoder (which derives the same values from key-log secrets) are built on it.
struct SymmetricState: Sendable {
    static let construction = Array("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s".utf8)
    static let identifier = Array("WireGuard v1 zx2c4 Jason@zx2c4.com".utf8)
    /// `C0 = HASH(CONSTRUCTION)`.
    static let initialChainingKey = Blake2s.hash(construction)
    /// `H0 = HASH(C0 || IDENTIFIER)`.
    static let initialHash = Blake2s.hash(initialChainingKey, identifier)

    var chainingKey: [UInt8]
    var hash: [UInt8]

    /// Step 1 of the initiation, on both sides: `C = C0`, `H = HASH(H0 || Spub_r)`.
    init(responderStatic: PublicKey) {
        chainingKey = Self.initialChainingKey
        hash = Blake2s.hash(Self.initialHash, responderStatic.bytes)
    }

    init(chainingKey: [UInt8], hash: [UInt8]) {
        self.chainingKey = chainingKey
        self.hash = hash
    }

    /// `H = HASH(H || data)`.
    mutating func mixHash(_ data: [UInt8]) { hash = Blake2s.hash(hash, data) }

    /// An ephemeral public key enters both: `H = HASH(H || e)`, `C = KDF1(C, e)`.
    mutating func mixEphemeral(_ ephemeral: [UInt8]) {
        mixHash(ephemeral)
        chainingKey = KDF.kdf1(key: chainingKey, input: ephemeral)
    }

    /// `(C, k) = KDF2(C, dh)`; returns `k`.
    mutating func mixKey(_ dh: [UInt8]) -> [UInt8] {
        let (c, k) = KDF.kdf2(key: chainingKey, input: dh)
        chainingKey = c
        return k
    }

    /// `C = KDF1(C, dh)` (the response's "ee" and "se" steps).
    mutating func mixChain(_ dh: [UInt8]) { chainingKey = KDF.kdf1(key: chainingKey, input: dh) }

    /// `(C, tau, k) = KDF3(C, Q)`, `H = HASH(H || tau)`; returns `k`.
    mutating func mixPresharedKey(_ psk: PresharedKey) -> [UInt8] {
        let (c, tau, k) = KDF.kdf3(key: chainingKey, input: psk.bytes)
        chainingKey = c
        mixHash(tau)
        return k
    }

    /// `ct = AEAD(k, 0, plaintext, H)`, `H = HASH(H || ct)`.
    mutating func encryptAndHash(key: [UInt8], _ plaintext: [UInt8]) throws -> [UInt8] {
        let sealed = try AEAD.seal(key: key, counter: 0, plaintext: plaintext, ad: hash)
        mixHash(sealed)
        return sealed
    }

    /// Inverse of `encryptAndHash`; `H` is only advanced when the tag verifies.
    mutating func decryptAndHash(key: [UInt8], _ ciphertext: [UInt8]) throws -> [UInt8] {
        let plain = try AEAD.open(key: key, counter: 0, ciphertext: ciphertext, ad: hash)
        mixHash(ciphertext)
        return plain
    }

    /// `(T1, T2) = KDF2(C, empty)`: T1 is the initiator's sending key, T2 the responder's.
    func transportKeys() -> (initiatorSending: [UInt8], responderSending: [UInt8]) {
        KDF.kdf2(key: chainingKey, input: [])
    }
}
