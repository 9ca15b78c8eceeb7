import Routing

/// An allowed IP as a `PositionTable` of prefixes hashes it (`Simulation.uniqueLongestFirst`):
/// its address bits and length mixed by `SaltedMix` instead of the standard library's SipHash
/// of the struct, as `UnderlayKey` does for addresses. Equal prefixes (same family, network
/// address and length) give equal values.
struct PrefixKey: Hashable {
    let prefix: IPPrefix

    init(_ prefix: IPPrefix) { self.prefix = prefix }

    static func == (a: PrefixKey, b: PrefixKey) -> Bool { a.prefix == b.prefix }

    /// The mixed bits: the length goes above an IPv4 address's 32 bits, and an IPv6 address's
    /// two halves are folded (their product with an odd constant keeps every low bit's effect).
    @inline(__always)
    var mixed: Int {
        let length = UInt64(prefix.length)
        switch prefix.address {
        case .v4(let a): return SaltedMix.mixed(UInt64(a.value) | length << 32)
        case .v6(let a):
            return SaltedMix.mixed(a.high ^ (a.low &* 0x9E37_79B9_7F4A_7C15) ^ length << 56 ^ 0x8000_0000_0000_0000)
        }
    }

    func hash(into hasher: inout Hasher) { hasher.combine(mixed) }

    /// What `hashValue` (which `PositionTable` reads) returns: the mixed bits, without SipHash
    /// over them (as `UnderlayKey._rawHashValue(seed:)`).
    func _rawHashValue(seed: Int) -> Int { mixed ^ seed }
}
