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
final class Peer {
    let publicKey: PublicKey
    /// Position in creation order (`wg show` dump order) and in the timer heap.
    let serial: Int
    var presharedKey = PresharedKey.zero
    @exclusivity(unchecked) var endpoint: Endpoint?
    /// Seconds; 0 = off. Kept once, as the timers' interval in nanoseconds (`wg set` limits it
    /// to 65535 s, so the seconds come back exactly).
    var persistentKeepalive: Int {
        get { Int(timers.persistentKeepaliveInterval / WireGuardConstants.nanosecondsPerSecond) }
        set { timers.persistentKeepaliveInterval = Int64(newValue) * WireGuardConstants.nanosecondsPerSecond }
    }
    // Fields are laid out in the order written: the two flags follow `timers`, whose last field
    // is a flag too, and fill its tail instead of padding a word each. 16 bytes less per peer,
    // two peers per hub client; and 224 bytes in all, a smaller malloc size than 241 (the
    // interval kept once, the latest handshake time in the handshake record).
    @exclusivity(unchecked) var timers = PeerTimers()
    @exclusivity(unchecked) var sentLastMinuteHandshake = false
    @exclusivity(unchecked) var isRemoved = false
    @exclusivity(unchecked) var keypairs = KeypairSlots()
    @exclusivity(unchecked) var staged = StagedQueue<StagedPacket>()
    /// What only a handshake reads or writes, made by the first handshake write: nil for a peer
    /// that has never handshaked, which is most of a big hub's peers (see `PeerHandshakeRecord`).
    private var handshakeRecord: PeerHandshakeRecord?
    /// When we last sent a handshake message (initiation or response) to this peer.
    var lastSentHandshake: Int64
    @exclusivity(unchecked) var rxBytes: UInt64 = 0
    @exclusivity(unchecked) var txBytes: UInt64 = 0
    /// The other allowed-IPs candidates of the last winning prefix of this peer's (see
    /// `Device.otherCandidates(_:winner:owner:)`).
    @exclusivity(unchecked) var cachedCandidates: Optional<CachedCandidates>
    /// Simulated time of the latest completed handshake, nil if none (`wg show`'s latest
    /// handshake): only a peer that has handshaked has one, so it lives in the record.
    var latestHandshake: Int64? {
        get { handshakeRecord?.latestHandshake }
        set { if newValue != nil || handshakeRecord != nil { madeHandshakeRecord.latestHandshake = newValue } }
    }

    init(publicKey: PublicKey, serial: Int, now: Int64) {
        self.publicKey = publicKey
        self.serial = serial
        self.lastSentHandshake = now - WireGuardConstants.lastSentHandshakeResetAge
        self.cachedCandidates = nil
    }

    /// Whether this peer has ever had handshake state written (tests: cold peers stay without).
    var hasHandshakeRecord: Bool { handshakeRecord != nil }

    /// The handshake record, made now if this is the peer's first handshake write.
    private var madeHandshakeRecord: PeerHandshakeRecord {
        if let record = handshakeRecord { return record }
        let record = PeerHandshakeRecord(remoteStatic: publicKey)
        handshakeRecord = record
        return record
    }

    // Each accessor reads the record without making it, and writing the "nothing yet" value
    // to a peer without one makes none (`clearHandshake` runs on every peer at interface down).

    var handshake: HandshakeState {
        get { handshakeRecord?.handshake ?? .zeroed }
        set {
            if case .zeroed = newValue, handshakeRecord == nil { return }
            madeHandshakeRecord.handshake = newValue
        }
    }
    /// Index registered for the pending handshake, if any.
    var handshakeIndex: UInt32? {
        get { handshakeRecord?.handshakeIndex }
        set { if newValue != nil || handshakeRecord != nil { madeHandshakeRecord.handshakeIndex = newValue } }
    }
    /// Newest initiation timestamp accepted from this peer (kept across handshakes).
    var latestTimestamp: TAI64N? {
        get { handshakeRecord?.latestTimestamp }
        set { if newValue != nil || handshakeRecord != nil { madeHandshakeRecord.latestTimestamp = newValue } }
    }
    /// When we last consumed an initiation from this peer (flood check), nil = never.
    var lastInitiationConsumption: Int64? {
        get { handshakeRecord?.lastInitiationConsumption }
        set { if newValue != nil || handshakeRecord != nil { madeHandshakeRecord.lastInitiationConsumption = newValue } }
    }
    /// `DH(our static, its static)`, computed on first use and kept (the kernel precomputes it
    /// per peer); `.some(nil)` when the DH is all-zero and no handshake can be made.
    var staticShared: [UInt8]?? {
        get {
            switch handshakeRecord?.staticShared {
            case .none, .some(.unknown): return .none
            case .some(.unusable): return .some(nil)
            case .some(.known(let key)): return .some(key.bytes)
            }
        }
        set {
            if case .none = newValue, handshakeRecord == nil { return }
            switch newValue {
            case .none: madeHandshakeRecord.staticShared = .unknown
            case .some(.none): madeHandshakeRecord.staticShared = .unusable
            case .some(.some(let bytes)): madeHandshakeRecord.staticShared = .known(InlineKey(bytes))
            }
        }
    }
    /// MAC1/MAC2 of the handshake messages we send, and the cookie a reply gave us.
    var cookie: CookieGenerator {
        get { handshakeRecord?.cookie ?? CookieGenerator(remoteStatic: publicKey) }
        _modify { yield &madeHandshakeRecord.cookie }
    }

    /// `wg_noise_reset_last_sent_handshake`: the next initiation may go out at once.
    func resetLastSentHandshake(now: Int64) {
        lastSentHandshake = now - WireGuardConstants.lastSentHandshakeResetAge
    }

    /// At least REKEY_TIMEOUT since the last handshake message we sent (inclusive expiry).
    func mayInitiate(now: Int64) -> Bool {
        lastSentHandshake + WireGuardConstants.rekeyTimeout <= now
    }
}

/// The part of a peer's state only handshakes touch [compat src/noise.h `struct
/// noise_handshake`, src/cookie.h `struct cookie`], held apart from `Peer` and made on the
/// first handshake write: a generated hub has a peer per client and most of them may never
/// handshake in a run, so this state (about 150 bytes a peer) costs nothing until one does.
/// The kernel keeps it inline; here it is the difference between a cold peer and a warm one.
///
/// Laid out for size (129 bytes, a 144-byte malloc chunk where 193 took 208; both sides of
/// every session of a hub have one): the pending initiation in a box of its own (held only
/// between an initiation and its response), the two times as `Int64.min` for "never" and the
/// handshake index as a value and a flag instead of optionals, which padding made larger, and
/// the fields in this order so that the cookie generator (41 bytes) starts at byte 88.
final class PeerHandshakeRecord {
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
