import CSodium
@testable import WireGuard

/// libsodium's IETF ChaCha20-Poly1305 with an arbitrary 12-byte nonce, used only to check the
/// RFC 8439 vector (whose nonce's first word is not zero) and WireGuard's nonce layout.
func rawIETFSeal(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], ad: [UInt8]) throws -> [UInt8] {
    ensureSodium()
    var out = [UInt8](repeating: 0, count: plaintext.count + 16)
    _ = crypto_aead_chacha20poly1305_ietf_encrypt(&out, nil, plaintext, UInt64(plaintext.count), ad, UInt64(ad.count),
                                                  nil, nonce, key)
    return out
}
