import Routing

/// The per-source limiter for handshake messages under load [compat src/ratelimiter.c]
/// (behaviour doc §4.5): a token bucket in nanoseconds per source, 20 packets/s with a burst of
/// 5 (cost 50 ms, cap 250 ms; a new source starts with cap - cost). IPv4 sources are keyed by
/// address, IPv6 by their top 64 bits.
///
/// The kernel garbage-collects entries idle for more than 1 s once a second. An idle entry would
/// have refilled to the cap anyway, so forgetting it early or late changes no decision; here the
/// sweep runs lazily when the table has grown.
public struct HandshakeRateLimiter {
    private struct Source: Hashable { let isIPv6: Bool; let bits: UInt64 }
    private struct Bucket { var tokens: Int64; var lastTime: Int64 }

    private var buckets: [Source: Bucket] = [:]
    private var sweepThreshold = 1024

    public init() {}

    public var trackedSources: Int { buckets.count }

    /// Whether a handshake message from `address` may be processed at `now` (takes a token).
    public mutating func allow(_ address: IPAddress, now: Int64) -> Bool {
        let key: Source
        switch address {
        case .v4(let a): key = Source(isIPv6: false, bits: UInt64(a.value))
        case .v6(let a): key = Source(isIPv6: true, bits: a.high)
        }
        let cost = WireGuardConstants.ratelimiterPacketCost
        let cap = WireGuardConstants.ratelimiterTokenMax
        if var bucket = buckets[key] {
            let tokens = min(cap, bucket.tokens + max(0, now - bucket.lastTime))
            bucket.lastTime = now
            let allowed = tokens >= cost
            bucket.tokens = allowed ? tokens - cost : tokens
            buckets[key] = bucket
            return allowed
        }
        if buckets.count >= sweepThreshold { sweep(now: now) }
        buckets[key] = Bucket(tokens: cap - cost, lastTime: now)
        return true
    }

    /// Drops entries idle for more than 1 s, as the kernel's periodic garbage collection.
    private mutating func sweep(now: Int64) {
        buckets = buckets.filter { now - $0.value.lastTime <= WireGuardConstants.nanosecondsPerSecond }
        sweepThreshold = max(1024, buckets.count * 2)
    }
}
