/// HMAC-BLAKE2s-256 and WireGuard's HKDF-style `KDF1/2/3` built on it
/// [wireguard-behaviour.md §4.1; kernel src/noise.c `kdf`, zinc `blake2s_hmac`].
public enum KDF {
    /// BLAKE2s block size: HMAC pads its key to this length.
    static let blockLength = 64

    /// `HMAC(key, parts…)` with BLAKE2s-256; keys longer than the 64-byte block are hashed first.
    public static func hmac(key: [UInt8], _ parts: [UInt8]...) -> [UInt8] {
        hmac(key: key, parts: parts)
    }

    static func hmac(key: [UInt8], parts: [[UInt8]]) -> [UInt8] {
        var block = key.count > blockLength ? Blake2s.hash(key) : key
        block.append(contentsOf: repeatElement(0, count: blockLength - block.count))
        let inner = block.map { $0 ^ 0x36 }
        let outer = block.map { $0 ^ 0x5c }
        let innerDigest = Blake2s.digest(outputLength: Blake2s.hashLength, key: [], parts: [inner] + parts)
        return Blake2s.hash(outer, innerDigest)
    }

    /// `KDFn(key, input)`: `t0 = HMAC(key, input)`, `t1 = HMAC(t0, 0x01)`,
    /// `ti = HMAC(t0, t(i-1) || i)`; returns `t1 … tn` (n = 1, 2 or 3).
    public static func derive(_ count: Int, key: [UInt8], input: [UInt8]) -> [[UInt8]] {
        let secret = hmac(key: key, input)
        var outputs: [[UInt8]] = []
        var previous: [UInt8] = []
        for i in 1...max(1, count) {
            previous = hmac(key: secret, previous, [UInt8(truncatingIfNeeded: i)])
            outputs.append(previous)
        }
        return outputs
    }

    /// `KDF1(key, input)`.
    public static func kdf1(key: [UInt8], input: [UInt8]) -> [UInt8] {
        derive(1, key: key, input: input)[0]
    }

    /// `KDF2(key, input)`.
    public static func kdf2(key: [UInt8], input: [UInt8]) -> ([UInt8], [UInt8]) {
        let t = derive(2, key: key, input: input)
        return (t[0], t[1])
    }

    /// `KDF3(key, input)`.
    public static func kdf3(key: [UInt8], input: [UInt8]) -> ([UInt8], [UInt8], [UInt8]) {
        let t = derive(3, key: key, input: input)
        return (t[0], t[1], t[2])
    }
}
