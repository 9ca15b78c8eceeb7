import CBlake2

/// The one source of randomness in a simulation: a xoshiro256** generator whose state is the
/// BLAKE2s hash of the scenario seed and a domain label (node name + purpose), so that adding a
/// node or a draw in one domain never perturbs another. Not for real-world keys.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64, label: String) {
        var input = Array("wgsim seed \(seed) label \(label)".utf8)
        var digest = [UInt8](repeating: 0, count: 32)
        _ = blake2s(&digest, &input, nil, 32, input.count, 0)
        func word(_ i: Int) -> UInt64 {
            var v: UInt64 = 0
            for b in digest[(i * 8)..<(i * 8 + 8)] { v = v << 8 | UInt64(b) }
            return v
        }
        (s0, s1, s2, s3) = (word(0), word(1), word(2), word(3))
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the all-zero state is a fixed point
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// `count` random bytes (ephemeral keys, nonces, cookie secrets).
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            var w = next()
            for _ in 0..<8 where out.count < count {
                out.append(UInt8(truncatingIfNeeded: w))
                w >>= 8
            }
        }
        return out
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
