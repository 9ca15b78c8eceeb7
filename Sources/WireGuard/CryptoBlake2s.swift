import CBlake2

/// BLAKE2s from libb2, in the three shapes WireGuard uses: `HASH` (unkeyed, 32-byte digest),
/// `MAC` (keyed, 16-byte digest — a digest-length parameter of 16, not a truncation) and the
/// keyed 32-byte digest that HMAC is built from [wireguard-behaviour.md §4.1].
public enum Blake2s {
    /// Digest length of `HASH`.
    public static let hashLength = 32
    /// Digest length of `MAC`.
    public static let macLength = 16

    /// `HASH(parts[0] || parts[1] || …)`: unkeyed BLAKE2s-256 over the concatenation, streamed
    /// so that callers never build the concatenated buffer.
    public static func hash(_ parts: [UInt8]...) -> [UInt8] {
        digest(outputLength: hashLength, key: [], parts: parts)
    }

    /// `MAC(key, parts…)`: keyed BLAKE2s with a 16-byte digest. `key` is 1…32 bytes.
    public static func mac(key: [UInt8], _ parts: [UInt8]...) -> [UInt8] {
        digest(outputLength: macLength, key: key, parts: parts)
    }

    /// BLAKE2s with any digest length (1…32) and key (0…32 bytes) over the concatenation of
    /// `parts`. Lengths outside those ranges are programming errors, never input-dependent.
    public static func digest(outputLength: Int, key: [UInt8], parts: [[UInt8]]) -> [UInt8] {
        var state = blake2s_state()
        if key.isEmpty {
            _ = blake2s_init(&state, outputLength)
        } else {
            _ = key.withUnsafeBytes { blake2s_init_key(&state, outputLength, $0.baseAddress, key.count) }
        }
        for part in parts where !part.isEmpty {
            _ = part.withUnsafeBufferPointer { blake2s_update(&state, $0.baseAddress, $0.count) }
        }
        var out = [UInt8](repeating: 0, count: outputLength)
        _ = out.withUnsafeMutableBufferPointer { blake2s_final(&state, $0.baseAddress, outputLength) }
        return out
    }
}
