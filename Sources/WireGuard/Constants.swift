/// WireGuard's protocol constants as the Linux kernel defines them [compat src/messages.h]
/// (behaviour doc §5.1). Times are simulated nanoseconds. Where the kernel and wireguard-go
/// differ, the kernel value is used and the difference is noted.
public enum WireGuardConstants {
    public static let nanosecondsPerSecond: Int64 = 1_000_000_000

    /// Send counter above which `keep_key_fresh` asks for a new handshake: 2^60.
    public static let rekeyAfterMessages: UInt64 = 1 << 60
    /// Bits the kernel keeps for the replay bitmap (`COUNTER_BITS_TOTAL`).
    public static let counterBitsTotal = 8192
    /// `COUNTER_REDUNDANT_BITS` = `BITS_PER_LONG`; this model follows a 64-bit host.
    public static let counterRedundantBits = 64
    /// `COUNTER_WINDOW_SIZE` = 8192 - 64 = 8128 on a 64-bit host.
    public static let counterWindowSize: UInt64 = UInt64(counterBitsTotal - counterRedundantBits)
    /// The kernel's `REJECT_AFTER_MESSAGES` = 2^64 - 1 - COUNTER_WINDOW_SIZE - 1
    /// = 18446744073709543486 on a 64-bit host. wireguard-go (and the whitepaper) use
    /// 2^64 - 2^13 - 1 instead; this model follows the kernel.
    public static let rejectAfterMessages: UInt64 = UInt64.max - counterWindowSize - 1

    /// `REKEY_AFTER_TIME`: the initiator of a key starts a new handshake once it is 120 s old.
    public static let rekeyAfterTime: Int64 = 120 * nanosecondsPerSecond
    /// `REJECT_AFTER_TIME`: a key is never used after 180 s.
    public static let rejectAfterTime: Int64 = 180 * nanosecondsPerSecond
    /// `REKEY_TIMEOUT`: at most one initiation per 5 s per peer; retransmit delay.
    public static let rekeyTimeout: Int64 = 5 * nanosecondsPerSecond
    /// Exclusive upper bound of the retransmit jitter. The kernel draws uniformly from
    /// [0, HZ/3) jiffies; wireguard-go from 0..333 ms. Modelled as [0, 333,333,334) ns.
    public static let rekeyTimeoutJitterMax: Int64 = 333_333_334
    /// `KEEPALIVE_TIMEOUT`: reply keepalive delay, and part of the new-handshake delay.
    public static let keepaliveTimeout: Int64 = 10 * nanosecondsPerSecond
    /// `MAX_TIMER_HANDSHAKES` = 90 s / REKEY_TIMEOUT = 18; retries go on while the count is at most 18, so 19 retries (20 initiations in all).
    public static let maxTimerHandshakes = 18
    /// Zero-key-material delay: 3 x REJECT_AFTER_TIME = 540 s.
    public static let zeroKeyMaterialDelay: Int64 = 3 * rejectAfterTime
    /// Receive-side "last minute" rekey age: REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT
    /// = 165 s (the kernel fires at >= 165 s; wireguard-go at > 165 s).
    public static let lastMinuteRekeyAge: Int64 = rejectAfterTime - keepaliveTimeout - rekeyTimeout
    /// What a fresh peer, `ip link set down` and key expiry set "last sent handshake" to: 6 s in
    /// the past (REKEY_TIMEOUT + 1 s), so the first initiation is not rate limited
    /// [compat src/noise.h `wg_noise_reset_last_sent_handshake`].
    public static let lastSentHandshakeResetAge: Int64 = rekeyTimeout + nanosecondsPerSecond

    /// `INITIATIONS_PER_SECOND`: a responder consumes at most one initiation per 20 ms per peer.
    public static let initiationsPerSecond: Int64 = 50
    public static let minimumInitiationInterval: Int64 = nanosecondsPerSecond / initiationsPerSecond

    /// `MAX_STAGED_PACKETS`: staged packets kept per peer before the oldest is dropped.
    public static let maxStagedPackets = 128
    /// `MAX_QUEUED_INCOMING_HANDSHAKES` (kernel 4096; wireguard-go 1024).
    public static let maxQueuedIncomingHandshakes = 4096
    /// Under load once the handshake queue holds 4096 / 8 = 512 messages.
    public static let underLoadQueueLength = maxQueuedIncomingHandshakes / 8
    /// The under-load state sticks for 1 s after it was last observed.
    public static let underLoadAfterTime: Int64 = nanosecondsPerSecond

    /// Handshake rate limiter under load [compat src/ratelimiter.c]: 20 packets/s, burst 5.
    public static let ratelimiterPacketsPerSecond: Int64 = 20
    public static let ratelimiterPacketsBurstable: Int64 = 5
    public static let ratelimiterPacketCost: Int64 = nanosecondsPerSecond / ratelimiterPacketsPerSecond
    public static let ratelimiterTokenMax: Int64 = ratelimiterPacketCost * ratelimiterPacketsBurstable

    /// Default interface MTU: 1500 - 80 [compat src/device.c `wg_setup`].
    /// `MAX_PEERS_PER_DEVICE` [compat src/messages.h]: creating one more fails with -ENOMEM.
    public static let maxPeersPerDevice = 1 << 20
    public static let defaultMTU = 1420
    /// Size of a transport message carrying no payload (a keepalive): header 16 + tag 16.
    public static let keepaliveMessageLength = 32
    /// Exact handshake message sizes.
    public static let initiationLength = 148
    public static let responseLength = 92
    public static let cookieReplyLength = 64
    public static let transportHeaderLength = 16
    public static let authTagLength = 16
}
