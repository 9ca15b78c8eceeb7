import CSodium
import Dispatch

/// `sodium_init()` run exactly once, lazily and thread-safely (Swift initialises globals once,
/// under a lock), before the first libsodium call picks its optimised implementations.
private let sodiumReady: Bool = sodium_init() >= 0

/// Makes sure libsodium is initialised; cheap after the first call.
@inline(__always) func ensureSodium() { _ = sodiumReady }

/// Failures of the cryptographic primitives, each saying what went wrong.
public enum CryptoError: Error, Equatable, CustomStringConvertible {
    /// The AEAD tag did not verify: wrong key, wrong nonce, wrong associated data or altered bytes.
    case authenticationFailed
    /// A key or nonce had the wrong length (expected, actual).
    case wrongLength(what: String, expected: Int, actual: Int)
    /// X25519 produced the all-zero shared secret (a low-order public key); the kernel aborts
    /// the handshake [compat src/noise.c `mix_dh`].
    case zeroSharedSecret

    public var description: String {
        switch self {
        case .authenticationFailed: return "authentication tag did not verify"
        case let .wrongLength(what, expected, actual): return "\(what) must be \(expected) bytes, got \(actual)"
        case .zeroSharedSecret: return "X25519 shared secret is all zeros (low-order public key)"
        }
    }
}

/// ChaCha20-Poly1305 (IETF, 96-bit nonce) as WireGuard uses it: the nonce is four zero bytes
/// followed by the little-endian 64-bit counter [wireguard-behaviour.md §2 step 10, §4.1].
public enum AEAD {
    public static let keyLength = 32
    public static let tagLength = 16

    /// The 12-byte nonce for `counter`.
    @inline(__always) static func withNonce<R>(_ counter: UInt64, _ body: (UnsafePointer<UInt8>) -> R) -> R {
        var nonce: (UInt64, UInt64) = (0, counter.littleEndian)
        return withUnsafeBytes(of: &nonce) { raw in
            // 16 bytes, zero then the LE counter at offset 8; the nonce is bytes 4..<16.
            body(raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + 4)
        }
    }

    /// Encrypts `length` bytes at `plaintext` into `output` (which receives `length + 16` bytes;
    /// it may equal `plaintext` for in-place sealing). `key` points at 32 bytes.
    @inline(__always)
    static func seal(key: UnsafePointer<UInt8>, counter: UInt64, plaintext: UnsafePointer<UInt8>?, length: Int,
                     ad: UnsafePointer<UInt8>?, adLength: Int, output: UnsafeMutablePointer<UInt8>) {
        withNonce(counter) { nonce in
            _ = crypto_aead_chacha20poly1305_ietf_encrypt(output, nil, plaintext, UInt64(length), ad, UInt64(adLength),
                                                          nil, nonce, key)
        }
    }

    /// Decrypts `length` bytes (ciphertext plus tag) at `ciphertext` into `output`
    /// (`length - 16` bytes). Returns false if the tag does not verify.
    @inline(__always)
    static func open(key: UnsafePointer<UInt8>, counter: UInt64, ciphertext: UnsafePointer<UInt8>, length: Int,
                     ad: UnsafePointer<UInt8>?, adLength: Int, output: UnsafeMutablePointer<UInt8>?) -> Bool {
        withNonce(counter) { nonce in
            crypto_aead_chacha20poly1305_ietf_decrypt(output, nil, nil, ciphertext, UInt64(length), ad, UInt64(adLength),
                                                      nonce, key) == 0
        }
    }

    /// `AEAD(key, counter, plaintext, ad)` → ciphertext || tag.
    public static func seal(key: [UInt8], counter: UInt64, plaintext: [UInt8], ad: [UInt8]) throws -> [UInt8] {
        try checkLength("ChaCha20-Poly1305 key", key, keyLength)
        ensureSodium()
        var out = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        key.withUnsafeBufferPointer { k in
            plaintext.withUnsafeBufferPointer { p in
                ad.withUnsafeBufferPointer { a in
                    out.withUnsafeMutableBufferPointer { o in
                        seal(key: k.baseAddress!, counter: counter, plaintext: p.baseAddress, length: p.count,
                             ad: a.baseAddress, adLength: a.count, output: o.baseAddress!)
                    }
                }
            }
        }
        return out
    }

    /// Inverse of `seal`; throws `authenticationFailed` if the tag does not verify.
    public static func open(key: [UInt8], counter: UInt64, ciphertext: [UInt8], ad: [UInt8]) throws -> [UInt8] {
        try checkLength("ChaCha20-Poly1305 key", key, keyLength)
        guard ciphertext.count >= tagLength else { throw CryptoError.authenticationFailed }
        ensureSodium()
        var out = [UInt8](repeating: 0, count: ciphertext.count - tagLength)
        let ok = key.withUnsafeBufferPointer { k in
            ciphertext.withUnsafeBufferPointer { c in
                ad.withUnsafeBufferPointer { a in
                    out.withUnsafeMutableBufferPointer { o in
                        open(key: k.baseAddress!, counter: counter, ciphertext: c.baseAddress!, length: c.count,
                             ad: a.baseAddress, adLength: a.count, output: o.baseAddress)
                    }
                }
            }
        }
        guard ok else { throw CryptoError.authenticationFailed }
        return out
    }
}

/// XChaCha20-Poly1305 with a 24-byte nonce: only cookie replies use it [wireguard-behaviour.md §4.5].
public enum XAEAD {
    public static let nonceLength = 24

    /// `XAEAD(key, nonce, plaintext, ad)` → ciphertext || tag.
    public static func seal(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], ad: [UInt8]) throws -> [UInt8] {
        try checkLength("XChaCha20-Poly1305 key", key, AEAD.keyLength)
        try checkLength("XChaCha20-Poly1305 nonce", nonce, nonceLength)
        ensureSodium()
        var out = [UInt8](repeating: 0, count: plaintext.count + AEAD.tagLength)
        _ = crypto_aead_xchacha20poly1305_ietf_encrypt(&out, nil, plaintext, UInt64(plaintext.count), ad,
                                                       UInt64(ad.count), nil, nonce, key)
        return out
    }

    /// Inverse of `seal`; throws `authenticationFailed` if the tag does not verify.
    public static func open(key: [UInt8], nonce: [UInt8], ciphertext: [UInt8], ad: [UInt8]) throws -> [UInt8] {
        try checkLength("XChaCha20-Poly1305 key", key, AEAD.keyLength)
        try checkLength("XChaCha20-Poly1305 nonce", nonce, nonceLength)
        guard ciphertext.count >= AEAD.tagLength else { throw CryptoError.authenticationFailed }
        ensureSodium()
        var out = [UInt8](repeating: 0, count: ciphertext.count - AEAD.tagLength)
        let status = crypto_aead_xchacha20poly1305_ietf_decrypt(&out, nil, nil, ciphertext, UInt64(ciphertext.count),
                                                               ad, UInt64(ad.count), nonce, key)
        guard status == 0 else { throw CryptoError.authenticationFailed }
        return out
    }

    /// HChaCha20(key, 16-byte input) → 32-byte subkey: the step XChaCha20 takes before ChaCha20
    /// (exposed so that tests can check the draft's §2.2.1 vector).
    public static func hChaCha20(key: [UInt8], input: [UInt8]) throws -> [UInt8] {
        try checkLength("HChaCha20 key", key, 32)
        try checkLength("HChaCha20 input", input, 16)
        ensureSodium()
        var out = [UInt8](repeating: 0, count: 32)
        _ = crypto_core_hchacha20(&out, input, key, nil)
        return out
    }
}

/// X25519 (RFC 7748) from libsodium; private keys are clamped by the function itself.
public enum X25519 {
    public static let keyLength = 32

    /// The public key of a 32-byte private key.
    static func publicKey(of privateKey: [UInt8]) -> [UInt8] {
        ensureSodium()
        var out = [UInt8](repeating: 0, count: keyLength)
        _ = crypto_scalarmult_curve25519_base(&out, privateKey)
        return out
    }

    /// The static public keys of many 32-byte private keys, in order, the same bytes
    /// `publicKey(of:)` gives each (`StaticPublicKey`, off the packet path). Each derivation is
    /// a pure function of its own key and writes only its own 32 bytes, so spreading them over
    /// the cores (a 100k-node network needs 100k of them, ~16 µs each) cannot change any result.
    static func staticPublicKeys(of privateKeys: [[UInt8]]) -> [[UInt8]] {
        let count = privateKeys.count
        guard count > 0, privateKeys.allSatisfy({ $0.count == keyLength }) else { return privateKeys.map(StaticPublicKey.derive(from:)) }
        var flat = [UInt8](repeating: 0, count: count * keyLength)
        // Chunks of ≥ 256 keys keep the per-chunk dispatch cost negligible.
        let chunks = min(64, (count + 255) / 256)
        flat.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                for i in (chunk * count / chunks)..<((chunk + 1) * count / chunks) {
                    privateKeys[i].withUnsafeBytes { key in
                        StaticPublicKey.derive(from: key, into: UnsafeMutableRawBufferPointer(start: base + i * keyLength, count: keyLength))
                    }
                }
            }
        }
        return (0..<count).map { Array(flat[($0 * keyLength)..<(($0 + 1) * keyLength)]) }
    }

    /// `DH(private, public)`; an all-zero result is an error [compat src/noise.c `mix_dh`].
    public static func sharedSecret(privateKey: PrivateKey, publicKey: PublicKey) throws -> [UInt8] {
        ensureSodium()
        var out = [UInt8](repeating: 0, count: keyLength)
        let status = crypto_scalarmult_curve25519(&out, privateKey.bytes, publicKey.bytes)
        // libsodium returns -1 for an all-zero output; check the bytes as well so the rule does
        // not depend on the library version.
        guard status == 0, out.contains(where: { $0 != 0 }) else { throw CryptoError.zeroSharedSecret }
        return out
    }
}

func checkLength(_ what: String, _ bytes: [UInt8], _ expected: Int) throws {
    guard bytes.count == expected else {
        throw CryptoError.wrongLength(what: what, expected: expected, actual: bytes.count)
    }
}
