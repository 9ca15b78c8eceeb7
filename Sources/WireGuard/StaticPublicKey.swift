import Crypto

/// Deriving a node's static (long-term) public key from its private key: the one function every
/// place off the packet path uses for it (a network's node keys at load and build, `wgsim
/// pubkey`, the keys of wg-quick files, a key log's static keys).
///
/// It is BoringSSL's `X25519_public_from_private` reached through swift-crypto: the same
/// RFC 7748 function as libsodium's `crypto_scalarmult_curve25519_base` (both clamp the scalar:
/// bits 0–2 and 255 cleared, bit 254 set; the kernel's `curve25519_generate_public` does the
/// same), but it multiplies the Ed25519 base point with a precomputed table and converts to
/// Montgomery form with one inversion, where libsodium runs the generic ladder. Measured here
/// (CryptoBench, "static public key"): about 16–17 µs a key against libsodium's 29–33 µs, and a
/// million-node network derives a million of them (docs/performance.md, "Session 8").
///
/// The packet path does not use it: a handshake's ephemeral public keys and every
/// Diffie-Hellman stay on libsodium (`X25519.publicKey(of:)`, `X25519.sharedSecret`).
/// `StaticPublicKeyTests` checks that both give the same bytes on random and edge-case keys.
enum StaticPublicKey {
    /// The public key of a 32-byte private key (any other length gives libsodium's answer on
    /// the same bytes, as before; `PrivateKey` never holds one).
    static func derive(from privateKey: [UInt8]) -> [UInt8] {
        guard privateKey.count == X25519.keyLength else { return X25519.publicKey(of: privateKey) }
        return privateKey.withUnsafeBytes { source in
            [UInt8](unsafeUninitializedCapacity: X25519.keyLength) { out, count in
                derive(from: source, into: UnsafeMutableRawBufferPointer(out))
                count = X25519.keyLength
            }
        }
    }

    /// Writes the public key of the 32 bytes at `privateKey` to the 32 bytes at `out`.
    static func derive(from privateKey: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        // The initialiser throws only for a length other than 32, which callers rule out; should
        // it ever fail, libsodium derives the same key.
        guard privateKey.count == X25519.keyLength, out.count >= X25519.keyLength,
              let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateKey) else {
            var padded = Array(privateKey.prefix(X25519.keyLength))
            padded += [UInt8](repeating: 0, count: X25519.keyLength - padded.count)
            let fallback = X25519.publicKey(of: padded)
            fallback.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(out.count))) }
            return
        }
        key.publicKey.rawRepresentation.withUnsafeBytes { out.copyMemory(from: $0) }
    }
}
