import CBlake2

/// The one source of randomness in a simulation: a xoshiro256** generator whose state is the
/// BLAKE2s hash of the scenario seed and a domain label (node name + purpose), so that adding a
/// node or a draw in one domain never perturbs another. Not for real-world keys.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64, label: String) {
        self.init(seed: seed, label: label, then: "")
    }

    /// `init(seed:label:)` with the label `first` followed by `second` (a node's
    /// "NAME/wireguard"), without building that string.
    ///
    /// The hashed input, "wgsim seed SEED label LABEL" (SEED in decimal), is written into one
    /// buffer on the stack and the digest read from another: building it as a `String` and
    /// copying it into an array, then the digest into another, cost about 0.45 µs a generator
    /// where BLAKE2s itself takes about 0.1 µs, and a million-node build makes two a node
    /// (docs/performance.md, session 16).
    public init(seed: UInt64, label first: String, then second: String) {
        let head: StaticString = "wgsim seed ", middle: StaticString = " label "
        var digits = 1, rest = seed / 10
        while rest > 0 { digits += 1; rest /= 10 }
        let count = head.utf8CodeUnitCount + digits + middle.utf8CodeUnitCount + first.utf8.count + second.utf8.count
        var state = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count + 32) { buffer in
            let input = buffer.baseAddress!
            var at = 0
            func append(_ text: StaticString) {
                (input + at).initialize(from: text.utf8Start, count: text.utf8CodeUnitCount)
                at += text.utf8CodeUnitCount
            }
            func append(_ text: String) {
                at += UnsafeMutableBufferPointer(start: input + at, count: count - at).initialize(fromContentsOf: text.utf8)
            }
            append(head)
            var value = seed
            for k in stride(from: digits - 1, through: 0, by: -1) {
                (input + at + k).initialize(to: UInt8(ascii: "0") + UInt8(value % 10))
                value /= 10
            }
            at += digits
            append(middle)
            append(first)
            append(second)
            let digest = input + count
            _ = blake2s(digest, input, nil, 32, count, 0)
            // Each word big-endian, as the bytes were read one by one before.
            func word(_ i: Int) -> UInt64 {
                var v: UInt64 = 0
                for b in 0..<8 { v = v << 8 | UInt64(digest[i * 8 + b]) }
                return v
            }
            state = (word(0), word(1), word(2), word(3))
        }
        (s0, s1, s2, s3) = state
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
