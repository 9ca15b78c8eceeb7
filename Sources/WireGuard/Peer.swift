import Routing

/// One packet waiting in a peer's staged queue, with the caller's context and what the allowed-IPs
/// lookup found when it was staged (so the `encrypted` decision made after the handshake still
/// explains it and names it as the caller knows it). An empty packet is a keepalive.
struct StagedPacket {
    var packet: [UInt8]
    /// The caller's context of the packet, handed back on its decisions and datagram.
    var context: PacketContext
    /// `Optional<…>`, not `IPPrefix?`: no implicit `= nil`, which made the optimizer copy.
    var prefix: Optional<IPPrefix>
    var candidates: [(prefix: IPPrefix, peer: PublicKey)]
    var isKeepalive: Bool { packet.isEmpty }
}

/// A winning prefix's other allowed-IPs candidates, as computed in one table generation. A class:
/// a peer holds one reference (8 bytes) instead of the 48 an inline optional took in every peer,
/// most of which never have candidates worked out (a hub's peer and its client's, per client).
///
/// The winner is kept as its address and a one-byte length (an `IPPrefix` holds the length in a
/// word): 56 bytes, a 64-byte malloc chunk instead of an 80-byte one, on both sides of every
/// pair a hub's packets go between.
final class CachedCandidates {
    let generation: Int
    private let winnerAddress: IPAddress
    private let winnerLength: UInt8
    let others: [(prefix: IPPrefix, peer: PublicKey)]

    init(generation: Int, winner: IPPrefix, others: [(prefix: IPPrefix, peer: PublicKey)]) {
        self.generation = generation
        winnerAddress = winner.address
        winnerLength = UInt8(winner.length)   // 0...128
        self.others = others
    }

    /// Whether these are the candidates of `winner`.
    func isFor(_ winner: IPPrefix) -> Bool {
        winnerLength == UInt8(truncatingIfNeeded: winner.length) && winnerAddress == winner.address
    }
}

/// A peer's handshake state [compat src/noise.h `enum noise_handshake_state`], behaviour doc §4.6.
/// The responder's "consumed initiation -> created response" happens within one call, so only
/// the initiator's pending state is kept between calls.
enum HandshakeState {
    case zeroed
    case createdInitiation(InitiatorHandshake)
}

/// What `wg show` reports about one peer.
public struct PeerStatus: Sendable {
    public var publicKey: PublicKey
    public var hasPresharedKey: Bool
    public var endpoint: Endpoint?
    public var allowedIPs: [IPPrefix]
    /// Simulated time (ns) of the latest completed handshake, nil if none.
    public var latestHandshake: Int64?
    public var rxBytes: UInt64
    public var txBytes: UInt64
    /// Seconds; 0 = off.
    public var persistentKeepalive: Int
}

/// One peer of a device: its keys, endpoint, sessions, handshake, timers and staged packets
/// [compat src/peer.h `struct wg_peer`].
///
/// The fields every data packet reads or writes are `@exclusivity(unchecked)` (one thread drives
/// a device and never overlaps accesses; the runtime checks cost measurably per packet, see
/// docs/performance.md); those only a handshake touches keep Swift's checks.
///
/// What every peer needs, and every data packet touches, is held here: its key, position,
/// endpoint, timers, keypairs and staged packets. What a peer gets only once it handshakes or
/// carries packets and that no packet reaches through a coroutine accessor (byte counts, the
/// cached allowed-IPs candidates, the preshared key, handshake state) lives in a
/// `PeerActiveState` made by the first write of such a value: most of a big hub's peers never
/// get one. A cold peer is then 152 bytes, a 160-byte malloc chunk, where it was 224 (240), on
/// both sides of every pair. (Keypairs and staged packets stay here: reached through the state
/// object, every packet paid a retain and release around each access, +1 % of `Simulation.run`'s
/// instructions, BENCHMARKS.md "Session 9: memory per pair".)
final class Peer {
    let publicKey: PublicKey
    @exclusivity(unchecked) var endpoint: Endpoint?
    /// `serial`, in the four bytes an endpoint's 20 leave before the timers' first word.
    private let serialNumber: UInt32
    /// Position in creation order (`wg show` dump order) and in the timer heap: below 2^32, as
    /// a device's peers, even counting every removed one, never reach that.
    var serial: Int { Int(serialNumber) }
    /// Seconds; 0 = off. Kept once, as the timers' interval in nanoseconds (`wg set` limits it
    /// to 65535 s, so the seconds come back exactly).
    var persistentKeepalive: Int {
        get { Int(timers.persistentKeepaliveInterval / WireGuardConstants.nanosecondsPerSecond) }
        set { timers.persistentKeepaliveInterval = Int64(newValue) * WireGuardConstants.nanosecondsPerSecond }
    }
    // Fields are laid out in the order written: the two flags follow `timers`, whose last fields
    // are flags too, and fill its tail instead of padding a word each.
    @exclusivity(unchecked) var timers = PeerTimers()
    @exclusivity(unchecked) var sentLastMinuteHandshake = false
    @exclusivity(unchecked) var isRemoved = false
    @exclusivity(unchecked) var keypairs = KeypairSlots()
    @exclusivity(unchecked) var staged = StagedQueue<StagedPacket>()
    /// Everything past a cold peer's, made by the first write that needs it (`madeActive`):
    /// nil for a peer that has never handshaked, counted a byte or been given a preshared key.
    @exclusivity(unchecked) private var active: PeerActiveState?

    /// A new peer, made at `now`: its last sent handshake reads as reset then (none), which
    /// answers `mayInitiate` as the kernel's "REKEY_TIMEOUT + 1 s ago" does from `now` on.
    init(publicKey: PublicKey, serial: Int, now: Int64) {
        self.publicKey = publicKey
        serialNumber = UInt32(truncatingIfNeeded: serial)
    }

    /// Whether this peer has ever had state past a cold peer's written (tests: cold peers stay
    /// without).
    var hasActiveState: Bool { active != nil }

    /// The active state, made now if this is the peer's first write that needs it.
    private var madeActive: PeerActiveState {
        if let state = active { return state }
        let state = PeerActiveState(remoteStatic: publicKey)
        active = state
        return state
    }

    // Each accessor reads the state without making it, and writing the "nothing yet" value to a
    // peer without one makes none: interface down and up go over every peer (zeroing handshakes,
    // resetting times) and must leave the cold ones cold. A peer with state (every peer that
    // carries packets) reaches its field through one more pointer, with plain gets and sets.

    var rxBytes: UInt64 {
        get { active?.rxBytes ?? 0 }
        set { if let state = active { state.rxBytes = newValue } else if newValue != 0 { madeActive.rxBytes = newValue } }
    }
    var txBytes: UInt64 {
        get { active?.txBytes ?? 0 }
        set { if let state = active { state.txBytes = newValue } else if newValue != 0 { madeActive.txBytes = newValue } }
    }
    /// The other allowed-IPs candidates of the last winning prefix of this peer's (see
    /// `Device.otherCandidates(_:winner:owner:)`).
    var cachedCandidates: Optional<CachedCandidates> {
        get { active?.cachedCandidates }
        set { if let state = active { state.cachedCandidates = newValue } else if newValue != nil { madeActive.cachedCandidates = newValue } }
    }
    var presharedKey: PresharedKey {
        get { active?.presharedKey ?? .zero }
        set { if let state = active { state.presharedKey = newValue } else if newValue != .zero { madeActive.presharedKey = newValue } }
    }
    /// When we last sent a handshake message (initiation or response) to this peer; nil when it
    /// has not since it was made or last reset (`resetLastSentHandshake`), when the next
    /// initiation may go out at once.
    var lastSentHandshake: Int64? {
        get { active?.lastSentHandshake }
        set { if let state = active { state.lastSentHandshake = newValue } else if newValue != nil { madeActive.lastSentHandshake = newValue } }
    }

    /// Simulated time of the latest completed handshake, nil if none (`wg show`'s latest
    /// handshake).
    var latestHandshake: Int64? {
        get { active?.latestHandshake }
        set { if newValue != nil || active != nil { madeActive.latestHandshake = newValue } }
    }
    var handshake: HandshakeState {
        get { active?.handshake ?? .zeroed }
        set {
            if case .zeroed = newValue, active == nil { return }
            madeActive.handshake = newValue
        }
    }
    /// Index registered for the pending handshake, if any.
    var handshakeIndex: UInt32? {
        get { active?.handshakeIndex }
        set { if newValue != nil || active != nil { madeActive.handshakeIndex = newValue } }
    }
    /// Newest initiation timestamp accepted from this peer (kept across handshakes).
    var latestTimestamp: TAI64N? {
        get { active?.latestTimestamp }
        set { if newValue != nil || active != nil { madeActive.latestTimestamp = newValue } }
    }
    /// When we last consumed an initiation from this peer (flood check), nil = never.
    var lastInitiationConsumption: Int64? {
        get { active?.lastInitiationConsumption }
        set { if newValue != nil || active != nil { madeActive.lastInitiationConsumption = newValue } }
    }
    /// `DH(our static, its static)`, computed on first use and kept (the kernel precomputes it
    /// per peer); `.some(nil)` when the DH is all-zero and no handshake can be made.
    var staticShared: [UInt8]?? {
        get {
            switch active?.staticShared {
            case .none, .some(.unknown): return .none
            case .some(.unusable): return .some(nil)
            case .some(.known(let key)): return .some(key.bytes)
            }
        }
        set {
            if case .none = newValue, active == nil { return }
            switch newValue {
            case .none: madeActive.staticShared = .unknown
            case .some(.none): madeActive.staticShared = .unusable
            case .some(.some(let bytes)): madeActive.staticShared = .known(InlineKey(bytes))
            }
        }
    }
    /// MAC1/MAC2 of the handshake messages we send, and the cookie a reply gave us.
    var cookie: CookieGenerator {
        get { active?.cookie ?? CookieGenerator(remoteStatic: publicKey) }
        _modify { yield &madeActive.cookie }
    }

    /// `wg_noise_reset_last_sent_handshake`: the next initiation may go out at once. (The kernel
    /// sets the time to REKEY_TIMEOUT + 1 s ago; "none" answers `mayInitiate` the same way for
    /// every time from `now` on, and a cold peer stays cold.)
    func resetLastSentHandshake(now: Int64) {
        lastSentHandshake = nil
    }

    /// At least REKEY_TIMEOUT since the last handshake message we sent (inclusive expiry).
    func mayInitiate(now: Int64) -> Bool {
        guard let sent = lastSentHandshake else { return true }
        return sent + WireGuardConstants.rekeyTimeout <= now
    }
}

/// The part of a peer's state a cold peer does not need [compat src/noise.h `struct
/// noise_handshake`, src/cookie.h `struct cookie`, the counters and preshared key of src/peer.h
/// `struct wg_peer`], held apart from `Peer` and made by the first write of anything but its
/// "nothing yet" value: a generated hub has a peer per client and most of them may never
/// handshake or carry a packet in a run, so this state (about 170 bytes a peer) costs nothing
/// until one does. The kernel keeps it inline; here it is the difference between a cold peer and
/// a warm one.
///
/// The pending initiation is in a box of its own (held only between an initiation and its
/// response), the two handshake times are `Int64.min` for "never" and the handshake index a
/// value and a flag, which optionals' padding made larger.
final class PeerActiveState {
    @exclusivity(unchecked) var rxBytes: UInt64 = 0
    @exclusivity(unchecked) var txBytes: UInt64 = 0
    @exclusivity(unchecked) var cachedCandidates: Optional<CachedCandidates> = nil
    var presharedKey = PresharedKey.zero
    /// `Int64.min`: none since the peer was made or reset.
    private var lastSentHandshakeTime = Int64.min
    /// The initiation sent and not yet answered, nil when the state is zeroed.
    private var initiation: PendingInitiation?
    private var lastInitiationConsumptionTime = Int64.min
    private var latestHandshakeTime = Int64.min
    var latestTimestamp: TAI64N?
    /// The static-static DH, held inline (an array cost a heap object on both sides of every
    /// session of a big hub).
    var staticShared = StaticSharedCache.unknown
    private var hasHandshakeIndex = false
    private var handshakeIndexValue: UInt32 = 0
    var cookie: CookieGenerator

    init(remoteStatic: PublicKey) {
        cookie = CookieGenerator(remoteStatic: remoteStatic)
    }

    var handshake: HandshakeState {
        get { initiation.map { .createdInitiation($0.handshake) } ?? .zeroed }
        set {
            switch newValue {
            case .zeroed: initiation = nil
            case .createdInitiation(let handshake): initiation = PendingInitiation(handshake)
            }
        }
    }

    /// Simulated times can be any `Int64` but the smallest, which stands for "never": a run's
    /// times are at or after its start (0) and a set-up's (`Int64.min` is no event's time).
    var lastInitiationConsumption: Int64? {
        get { lastInitiationConsumptionTime == .min ? nil : lastInitiationConsumptionTime }
        set { lastInitiationConsumptionTime = newValue ?? .min }
    }

    var latestHandshake: Int64? {
        get { latestHandshakeTime == .min ? nil : latestHandshakeTime }
        set { latestHandshakeTime = newValue ?? .min }
    }

    var lastSentHandshake: Int64? {
        get { lastSentHandshakeTime == .min ? nil : lastSentHandshakeTime }
        set { lastSentHandshakeTime = newValue ?? .min }
    }

    var handshakeIndex: UInt32? {
        get { hasHandshakeIndex ? handshakeIndexValue : nil }
        set {
            hasHandshakeIndex = newValue != nil
            handshakeIndexValue = newValue ?? 0
        }
    }
}

/// An initiation this side sent, kept until the response or the next initiation.
final class PendingInitiation {
    let handshake: InitiatorHandshake

    init(_ handshake: InitiatorHandshake) { self.handshake = handshake }
}

/// What a peer knows of `DH(our static, its static)`: not computed yet, computed and all-zero (no
/// handshake can be made with this peer), or the 32 bytes.
enum StaticSharedCache {
    case unknown
    case unusable
    case known(InlineKey)
}
