/// Why a key could not be made from bytes or text.
public enum KeyError: Error, Equatable, CustomStringConvertible {
    case wrongLength(Int)
    case notBase64(String)

    public var description: String {
        switch self {
        case .wrongLength(let n): return "a key is 32 bytes, got \(n)"
        case .notBase64(let text): return "not a base64-encoded 32-byte key: \"\(text.prefix(60))\""
        }
    }
}

/// Decodes a 44-character base64 key as `wg` does (surrounding whitespace is ignored).
func decodeKey(base64 text: String) throws -> [UInt8] {
    let trimmed = text.drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed()
    let body = Substring(String(trimmed))
    guard body.utf8.count == 44, let bytes = Base64.decode(body), bytes.count == 32 else {
        throw KeyError.notBase64(text)
    }
    return bytes
}

/// Feeds a key's bytes to `hasher` in one call: an array's own `hash(into:)` feeds its count and
/// then each byte separately, which made hashing keys a visible cost of building 100k peers.
func hashKeyBytes(_ bytes: [UInt8], into hasher: inout Hasher) {
    bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
}

/// `bytes` when they are a key's 32; what every key type's `init(bytes:)` checks.
func checkedKeyBytes(_ bytes: [UInt8]) throws -> [UInt8] {
    guard bytes.count == 32 else { throw KeyError.wrongLength(bytes.count) }
    return bytes
}

/// A Curve25519 private key (32 bytes). Kept exactly as given: X25519 clamps when it is used, so
/// keys differing only in clamped bits behave the same (as `wg` and the kernel treat them).
public struct PrivateKey: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]
    /// The public key when it was derived ahead of use (`withPublicKeys`), so that building a
    /// large network derives each key once, in parallel; not part of the key's identity.
    private var derivedPublicKey: PublicKey?

    public init(bytes: [UInt8]) throws { self.bytes = try checkedKeyBytes(bytes) }

    public init(base64: String) throws { self.bytes = try decodeKey(base64: base64) }

    /// Two keys are the same key whether or not either has its public key derived already.
    public static func == (lhs: PrivateKey, rhs: PrivateKey) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hashKeyBytes(bytes, into: &hasher) }

    /// A fresh key from the simulation's random source, clamped exactly as `wg genkey` clamps
    /// (`curve25519_clamp_secret`: clear bits 0–2 and 255, set bit 254).
    public static func generate(using random: inout SeededRandom) -> PrivateKey {
        PrivateKey(unchecked: clamp(random.bytes(32)))
    }

    /// RFC 7748 clamping of a 32-byte scalar (other lengths are returned unchanged).
    public static func clamp(_ raw: [UInt8]) -> [UInt8] {
        guard raw.count == 32 else { return raw }
        var b = raw
        b[0] &= 248
        b[31] = (b[31] & 127) | 64
        return b
    }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// A key whose public key was derived elsewhere already (`KeyPairJob`).
    init(unchecked bytes: [UInt8], publicKey: PublicKey) {
        self.bytes = bytes
        derivedPublicKey = publicKey
    }

    /// The public key of this key used as a static (long-term) key, derived off the packet path
    /// (`StaticPublicKey`); a handshake's ephemeral key uses `ephemeralPublicKey`.
    public var publicKey: PublicKey { derivedPublicKey ?? PublicKey(unchecked: StaticPublicKey.derive(from: bytes)) }

    /// The public key of this key used as a handshake's ephemeral key: libsodium's
    /// `crypto_scalarmult_curve25519_base`, as every X25519 of the packet path (the same bytes
    /// as `publicKey`).
    var ephemeralPublicKey: PublicKey { derivedPublicKey ?? PublicKey(unchecked: X25519.publicKey(of: bytes)) }

    /// The same keys, each carrying its public key, derived on all cores at once (X25519 base
    /// point multiplications are independent): what a many-node network build needs first.
    public static func withPublicKeys(_ keys: [PrivateKey]) -> [PrivateKey] {
        let publicKeys = X25519.staticPublicKeys(of: keys.map(\.bytes))
        return zip(keys, publicKeys).map { key, publicKey in
            var prepared = key
            prepared.derivedPublicKey = PublicKey(unchecked: publicKey)
            return prepared
        }
    }

    public var base64: String { Base64.encode(bytes) }
    /// Never prints the secret: shows the public key instead.
    public var description: String { "PrivateKey(public: \(publicKey.base64))" }
}

/// A Curve25519 public key (32 bytes); identifies a peer. Ordered bytewise so that anything
/// sorted by key is deterministic.
public struct PublicKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws { self.bytes = try checkedKeyBytes(bytes) }

    public init(base64: String) throws { self.bytes = try decodeKey(base64: base64) }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    public func hash(into hasher: inout Hasher) { hashKeyBytes(bytes, into: &hasher) }

    public var base64: String { Base64.encode(bytes) }
    public var description: String { base64 }

    public static func < (lhs: PublicKey, rhs: PublicKey) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

/// A preshared key (32 bytes) mixed into the handshake's last step; all zeros when none is
/// configured [wireguard-behaviour.md §4.3].
public struct PresharedKey: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws { self.bytes = try checkedKeyBytes(bytes) }

    public init(base64: String) throws { self.bytes = try decodeKey(base64: base64) }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// The "no preshared key" value: 32 zero bytes.
    public static let zero = PresharedKey(unchecked: [UInt8](repeating: 0, count: 32))

    public var base64: String { Base64.encode(bytes) }
}
