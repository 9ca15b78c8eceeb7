import Routing

/// One wg0, sans-IO: peers with their allowed IPs, sessions, timers and staged packets, driven by
/// calls that take bytes and the simulated time and append what happens (`DeviceEvent`s) to the
/// caller's array, whose storage the caller reuses from call to call; `send`, `receive` and
/// `advance` can hand each event to a `DeviceEventOutlet` as it is made instead. Time (Int64 ns)
/// and randomness are passed in; it never reads a clock.
///
/// A new device is down, as after `ip link add wg0 type wireguard`: configure it with
/// `setPeer`, then call `up(now:)` as wg-quick does. Behaviour follows the Linux kernel
/// (behaviour doc §2, §3, §4.6-4.8, §5).
///
/// Its state (and that of `Peer` and `Keypair`) is marked `@exclusivity(unchecked)`: a device is
/// driven by one caller at a time and never holds overlapping accesses, and the runtime
/// exclusivity checks cost about a fifth of the per-packet instructions.
public final class Device {
    /// The interface's static key pair; `privateKey` and `publicKey` read it (one copy: a hub's
    /// million clients each have a device).
    @exclusivity(unchecked) var identity: StaticIdentity
    var privateKey: PrivateKey { identity.privateKey }
    public var publicKey: PublicKey { identity.publicKey }
    @exclusivity(unchecked) var listenPort: UInt16
    /// Interface MTU used for padding (behaviour doc §2 step 3).
    @exclusivity(unchecked) var mtu: Int
    /// Unix time (ns) of simulated time 0: TAI64N timestamps are `unixTimeOrigin + now`.
    @exclusivity(unchecked) var unixTimeOrigin: Int64
    /// Forces the under-load state (handshake queue at or above 512) for the cookie path; like
    /// the kernel it sticks for 1 s after it was last observed.
    @exclusivity(unchecked) public var underLoad = false
    /// When false, no `.decision` events are produced (and no candidate lists computed).
    @exclusivity(unchecked) var recordsDecisions = true
    @exclusivity(unchecked) var isUp = false
    /// Whether this device's static secrets are in the key log already. Beside the other flags,
    /// not in a word of its own: the object stays within a smaller malloc size (241 bytes, not 249).
    @exclusivity(unchecked) var staticKeyLogged = false
    @exclusivity(unchecked) var counters = DeviceCounters()
    /// The cryptokey routing table shared by all peers, mapping prefixes to the peers themselves
    /// so the send path needs no key lookup. Change it through `setPeer`/`removePeer` (decisions
    /// cache lookup explanations between changes).
    let routes = AllowedIPs<Peer>()
    /// The routing table with peers named by public key (`wgsim lookup`, tests).
    public var allowedIPs: DeviceAllowedIPs { DeviceAllowedIPs(routes: routes) }

    @exclusivity(unchecked) var random: SeededRandom
    @exclusivity(unchecked) var peersByKey = PeersByKey()
    @exclusivity(unchecked) var peersBySerial: [Peer?] = []
    /// Receiver index → handshake or keypair (`ReceiverIndexTable`: no SipHash per message).
    @exclusivity(unchecked) var indexTable = ReceiverIndexTable<IndexEntry>()
    /// What only a received handshake message reads or writes (cookie secret and MAC1 key, the
    /// rate limiter, the under-load time), made by the first one: nil on a device that has never
    /// received one, as most clients of a big hub never do (`HandshakeGuard`).
    private var handshakeGuard: HandshakeGuard?
    /// Whether the device has checked a handshake message (tests: devices that never do stay without a guard).
    var hasHandshakeGuard: Bool { handshakeGuard != nil }
    /// The guard, made now if this is the first handshake message the device checks.
    private var madeHandshakeGuard: HandshakeGuard {
        if let made = handshakeGuard { return made }
        let made = HandshakeGuard(localStatic: identity.publicKey)
        handshakeGuard = made
        return made
    }
    var cookieChecker: CookieChecker {
        get { handshakeGuard?.cookieChecker ?? CookieChecker(localStatic: identity.publicKey) }
        _modify { yield &madeHandshakeGuard.cookieChecker }
    }
    var rateLimiter: HandshakeRateLimiter {
        get { handshakeGuard?.rateLimiter ?? HandshakeRateLimiter() }
        _modify { yield &madeHandshakeGuard.rateLimiter }
    }
    var lastUnderLoad: Int64? {
        get { handshakeGuard?.lastUnderLoad }
        set { if newValue != nil || handshakeGuard != nil { madeHandshakeGuard.lastUnderLoad = newValue } }
    }
    @exclusivity(unchecked) var timerHeap = TimerHeap()
    /// Where the events of the call running now go (`DeviceEventOutlet`), nil between calls.
    /// Not retained: the caller keeps it alive for the call (`collect(into:)`, `sending(to:)`).
    /// One word, as the events array it replaced. The packet path hands events over through
    /// `emit(_:)`, which uses it without a reference count.
    @exclusivity(unchecked) var outletReference: Unmanaged<DeviceEventOutlet>?

    /// `outletReference` as a reference (retained while the caller holds it).
    var outlet: DeviceEventOutlet? {
        get { outletReference?.takeUnretainedValue() }
        set { outletReference = newValue.map { Unmanaged.passUnretained($0) } }
    }

    /// Calls `body` with the outlet, if there is one, through a guaranteed reference: an
    /// `outlet?.…` call read the unowned field into a strong reference, a retain and a release
    /// of the outlet per event handed over (docs/performance.md, session 11's device events).
    @inline(__always)
    func emit(_ body: (DeviceEventOutlet) -> Void) {
        outletReference?._withUnsafeGuaranteedRef(body)
    }
    /// `otherCandidates` results per winning prefix; emptied whenever the table changes.
    @exclusivity(unchecked) var candidateCache: [IPPrefix: [(prefix: IPPrefix, peer: PublicKey)]] = [:]
    /// Bumped whenever the allowed-IPs table changes: a peer's cached candidate list
    /// (`Peer.cachedCandidates`) is valid only for the generation it was made in.
    @exclusivity(unchecked) var allowedIPsGeneration = 0
    /// Why the keepalive being sent right now was sent (for its decision).
    @exclusivity(unchecked) var pendingKeepaliveTrigger: KeepaliveTrigger?

    /// What a sender index refers to (type-filtered lookups, behaviour doc §4.7).
    enum IndexEntry {
        case handshake(Peer)
        case keypair(Keypair, Peer)
    }

    public init(privateKey: PrivateKey, listenPort: UInt16 = 51820, mtu: Int = WireGuardConstants.defaultMTU,
                random: SeededRandom, unixTimeOrigin: Int64 = 0) {
        self.identity = StaticIdentity(privateKey: privateKey)
        self.listenPort = listenPort
        self.mtu = mtu
        self.random = random
        self.unixTimeOrigin = unixTimeOrigin
    }

    /// Peers in creation order (the kernel's peer list; `wg show … dump` order).
    public var peers: [PublicKey] { peersBySerial.compactMap { $0?.publicKey } }

    public func status(of key: PublicKey) -> PeerStatus? {
        guard let p = peersByKey[key] else { return nil }
        return PeerStatus(publicKey: key, hasPresharedKey: p.presharedKey != .zero, endpoint: p.endpoint,
                          allowedIPs: routes.prefixes(of: p), latestHandshake: p.latestHandshake,
                          rxBytes: p.rxBytes, txBytes: p.txBytes, persistentKeepalive: p.persistentKeepalive)
    }

    // MARK: configuration (`wg set`, `ip link set`)

    /// `wg set wg0 peer KEY …` [compat src/netlink.c `set_peer`], behaviour doc §1.11: creates the
    /// peer if unknown (our own public key is silently ignored), sets the preshared key and the
    /// endpoint, applies the allowed-IPs update, sets the persistent keepalive (0 -> n while up
    /// sends a keepalive at once), and if up tries to send staged packets.
    ///
    /// Returns the allowed-IPs entries the update took from other peers (peers named by key),
    /// which the kernel moves silently (§1.4); empty when it took none.
    @discardableResult
    public func setPeer(_ key: PublicKey, presharedKey: PresharedKey? = nil, endpoint: Endpoint? = nil,
                        persistentKeepalive: Int? = nil, allowedIPs update: AllowedIPsUpdate? = nil,
                        now: Int64, into events: inout [DeviceEvent]) -> [AllowedIPsMove<PublicKey>] {
        configurePeer(key, presharedKey: presharedKey, endpoint: endpoint, persistentKeepalive: persistentKeepalive,
                      allowedIPs: update, now: now, into: &events).moves.map {
            AllowedIPsMove(prefix: $0.prefix, previousOwner: $0.previousOwner.publicKey, previousOwnerLeftEmpty: $0.previousOwnerLeftEmpty)
        }
    }

    /// A peer as `configurePeer` names it: its key, and its serial — the device's count of
    /// peers created before it — which a caller giving a fresh device its peers can index an
    /// array by instead of hashing keys.
    public struct ConfiguredPeer {
        public let publicKey: PublicKey
        public let serial: Int
    }

    /// `setPeer`, naming the peer configured and the previous owners of the entries moved by
    /// key and serial (`ConfiguredPeer`); `peer` is nil when nothing was done (our own key, or
    /// a new peer beyond the kernel's limit).
    public func configurePeer(_ key: PublicKey, presharedKey: PresharedKey? = nil, endpoint: Endpoint? = nil,
                              persistentKeepalive: Int? = nil, allowedIPs update: AllowedIPsUpdate? = nil,
                              now: Int64, into events: inout [DeviceEvent])
        -> (peer: ConfiguredPeer?, moves: [AllowedIPsMove<ConfiguredPeer>]) {
        guard key != publicKey else { return (nil, []) }
        // One lookup: a hub given a million peers paid four hashes of each key here.
        let known = peersByKey[key]
        // The kernel refuses a peer beyond MAX_PEERS_PER_DEVICE (-ENOMEM) and changes nothing.
        guard known != nil || peersByKey.count < WireGuardConstants.maxPeersPerDevice else { return (nil, []) }
        let call = collect(into: &events)
        defer { finish(call, into: &events) }
        let peer = known ?? createPeer(key, now: now)
        if let presharedKey { peer.presharedKey = presharedKey }
        if let endpoint { peer.endpoint = endpoint }
        var moves: [AllowedIPsMove<ConfiguredPeer>] = []
        if let update {
            moves = update.apply(to: routes, peer: peer, ownsNothing: known == nil).map {
                AllowedIPsMove(prefix: $0.prefix, previousOwner: ConfiguredPeer(publicKey: $0.previousOwner.publicKey, serial: $0.previousOwner.serial),
                               previousOwnerLeftEmpty: $0.previousOwnerLeftEmpty)
            }
            allowedIPsChanged()
        }
        if let interval = persistentKeepalive {
            let turnedOn = peer.persistentKeepalive == 0 && interval > 0 && isUp
            peer.persistentKeepalive = max(0, min(interval, 65535))
            if turnedOn { sendKeepalive(peer, .persistentTurnedOn(seconds: peer.persistentKeepalive), now: now) }
        }
        if isUp { sendStaged(peer, now: now) }
        reschedule(peer)
        return (ConfiguredPeer(publicKey: key, serial: peer.serial), moves)
    }

    /// Makes room for `count` peers in all (a node about to be given its configured peers), so
    /// that the peer tables are sized once rather than rehashed as they grow; nothing a peer
    /// does or is told changes. At most the kernel's limit is reserved.
    public func reservePeerCapacity(_ count: Int) {
        let count = min(count, WireGuardConstants.maxPeersPerDevice)
        peersByKey.reserveCapacity(count)
        peersBySerial.reserveCapacity(count)
        routes.reservePeerCapacity(count)
    }

    /// `wg set wg0 peer KEY remove`: its allowed IPs, sessions and staged packets go
    /// (staged packets count as `tx_dropped`).
    public func removePeer(_ key: PublicKey, now: Int64, into events: inout [DeviceEvent]) {
        let call = collect(into: &events)
        defer { finish(call, into: &events) }
        removePeer(key)
    }

    private func removePeer(_ key: PublicKey) {
        guard let peer = peersByKey[key] else { return }
        let hadKeys = !peer.keypairs.all.isEmpty
        routes.removeAll(for: peer)
        allowedIPsChanged()
        wipeSessions(peer)
        counters.txDropped += UInt64(peer.staged.takeAll().count)
        peer.timers.stopAll()
        peer.timers.isEnabled = false
        peer.isRemoved = true
        peersByKey[key] = nil
        peersBySerial[peer.serial] = nil
        timerHeap.schedule(peer.serial, at: nil)
        if hadKeys { record(.sessionExpired, .tx, DecisionSubject(peer: key), reason: .sessionExpired(.peerRemoved)) }
    }

    /// `wg set wg0 private-key …` [compat src/netlink.c `set_device`]: a peer with the new public
    /// key is removed; every peer's handshake is cleared, its "last sent handshake" reset and the
    /// sending halves of `current` and `next` invalidated.
    public func setPrivateKey(_ key: PrivateKey, now: Int64, into events: inout [DeviceEvent]) {
        guard key != privateKey else { return }
        let call = collect(into: &events)
        defer { finish(call, into: &events) }
        let newIdentity = StaticIdentity(privateKey: key)
        removePeer(newIdentity.publicKey)
        identity = newIdentity
        // The cookie secret and MAC1 key start again under the new key (a device without a
        // guard yet makes it with this key when it first needs one).
        handshakeGuard?.cookieChecker = CookieChecker(localStatic: publicKey)
        staticKeyLogged = false
        for case let peer? in peersBySerial {
            clearHandshake(peer)
            peer.resetLastSentHandshake(now: now)
            peer.keypairs.expireSending()
            peer.staticShared = nil
        }
    }

    /// `ip link set wg0 up` [compat src/device.c `wg_open`]: timers may run; each peer sends its
    /// staged packets and, if persistent keepalive is on, a keepalive.
    public func up(now: Int64, into events: inout [DeviceEvent]) {
        guard !isUp else { return }
        let call = collect(into: &events)
        defer { finish(call, into: &events) }
        isUp = true
        for case let peer? in peersBySerial {
            peer.timers.isEnabled = true
            sendStaged(peer, now: now)
            if peer.persistentKeepalive > 0 {
                sendKeepalive(peer, .interfaceUp(seconds: peer.persistentKeepalive), now: now)
            }
            reschedule(peer)
        }
    }

    /// `ip link set wg0 down` [compat src/device.c `wg_stop`]: staged packets purged (counted in
    /// `tx_dropped`), timers stopped, handshakes and keypairs cleared, "last sent handshake" reset.
    public func down(now: Int64, into events: inout [DeviceEvent]) {
        guard isUp else { return }
        let call = collect(into: &events)
        defer { finish(call, into: &events) }
        isUp = false
        for case let peer? in peersBySerial {
            let hadKeys = !peer.keypairs.all.isEmpty
            counters.txDropped += UInt64(peer.staged.takeAll().count)
            peer.timers.stopAll()
            peer.timers.isEnabled = false
            wipeSessions(peer)
            peer.resetLastSentHandshake(now: now)
            if hadKeys {
                record(.sessionExpired, .tx, DecisionSubject(peer: peer.publicKey), reason: .sessionExpired(.interfaceDown))
            }
        }
        timerHeap.removeAll()
    }

    // MARK: shared helpers

    private func createPeer(_ key: PublicKey, now: Int64) -> Peer {
        let peer = Peer(publicKey: key, serial: peersBySerial.count, now: now)
        peer.timers.isEnabled = isUp
        peersByKey.insertNew(peer)
        peersBySerial.append(peer)
        return peer
    }

    /// The peer's precomputed static-static DH (`wg_noise_precompute_static_static`), computed
    /// once per peer and private key; nil if it is all-zero.
    func staticShared(_ peer: Peer) -> [UInt8]? {
        if let known = peer.staticShared { return known }
        let computed = try? Noise.staticShared(local: identity, remote: peer.publicKey)
        peer.staticShared = .some(computed)
        return computed
    }

    /// A random 32-bit index not in use on this device [compat src/peerlookup.c].
    func newIndex() -> UInt32 {
        while true {
            let candidate = UInt32(truncatingIfNeeded: random.next())
            if indexTable[candidate] == nil { return candidate }
        }
    }

    /// Drops the pending handshake (and its index).
    func clearHandshake(_ peer: Peer) {
        if let index = peer.handshakeIndex { indexTable[index] = nil }
        peer.handshakeIndex = nil
        peer.handshake = .zeroed
    }

    func unregister(_ dropped: [Keypair]) {
        for k in dropped {
            if case .keypair(let registered, _)? = indexTable[k.localIndex], registered === k {
                indexTable[k.localIndex] = nil
            }
        }
    }

    /// Clears the handshake and all three keypairs.
    func wipeSessions(_ peer: Peer) {
        clearHandshake(peer)
        unregister(peer.keypairs.clear())
    }

    /// Hands a decision to the outlet by its parts (`DeviceEventOutlet.decided`), the subject
    /// and reason built only when decisions are recorded. They are built straight into the
    /// outlet's call: a `Decision` built first and then taken apart had its subject copied out
    /// and the rest destroyed (callgrind, docs/performance.md session 13).
    @inline(__always)
    func record(_ action: Action, _ direction: Direction, _ subject: @autoclosure () -> DecisionSubject,
                reason: @autoclosure () -> DecisionReason) {
        if recordsDecisions { emit { $0.decided(action, direction, subject: subject(), reason: reason()) } }
    }

    /// Starts a public call whose events are appended to the caller's array: a collecting outlet
    /// takes the array's storage (so the call allocates no array of its own when the caller
    /// reuses it) and becomes `outlet`. Hand what it returns to `finish(_:into:)` at the call's end.
    func collect(into events: inout [DeviceEvent]) -> CollectingCall {
        let collector = DeviceEventOutlet()
        swap(&collector.events, &events)
        let call = CollectingCall(collector: collector, outer: outlet)
        outlet = collector
        return call
    }

    /// Ends a call begun by `collect(into:)`: the events go back to the caller's array.
    func finish(_ call: CollectingCall, into events: inout [DeviceEvent]) {
        outlet = call.outer
        swap(&call.collector.events, &events)
    }

    /// Runs `body` with its events going to `given` (a public call's outlet form).
    @inline(__always)
    func sending(to given: DeviceEventOutlet, _ body: () -> Void) {
        let outer = outlet
        outlet = given
        body()
        outlet = outer
    }

    /// The lookup explanation for a decision: every other matching entry, most specific first.
    /// Every entry that matches an address and is not the winner W is less specific and so
    /// contains W: the list depends only on W and is cached per winner until the table changes.
    /// Cached candidate lists are stale once the table changes.
    func allowedIPsChanged() {
        candidateCache.removeAll()
        allowedIPsGeneration &+= 1
    }

    /// `otherCandidates` for a winner owned by `owner`, cached on that peer: the peer is already
    /// in hand on the packet path, while a device-wide dictionary keyed by prefix costs a hash
    /// and, on a hub with thousands of peers, a cache miss or two per packet.
    func otherCandidates(_ address: IPAddress, winner: IPPrefix, owner: Peer) -> [(prefix: IPPrefix, peer: PublicKey)] {
        guard recordsDecisions else { return [] }
        if let cached = owner.cachedCandidates, cached.generation == allowedIPsGeneration, cached.isFor(winner) {
            return cached.others
        }
        let others = explainedCandidates(address, except: winner)
        owner.cachedCandidates = CachedCandidates(generation: allowedIPsGeneration, winner: winner, others: others)
        return others
    }

    func otherCandidates(_ address: IPAddress, winner: IPPrefix?) -> [(prefix: IPPrefix, peer: PublicKey)] {
        guard recordsDecisions else { return [] }
        guard let winner else { return explainedCandidates(address, except: nil) }
        if let cached = candidateCache[winner] { return cached }
        let others = explainedCandidates(address, except: winner)
        candidateCache[winner] = others
        return others
    }

    /// Every allowed-IPs entry matching `address` but `winner`, peers named by public key.
    private func explainedCandidates(_ address: IPAddress, except winner: IPPrefix?) -> [(prefix: IPPrefix, peer: PublicKey)] {
        routes.explain(address).compactMap { $0.prefix == winner ? nil : ($0.prefix, $0.peer.publicKey) }
    }
}

/// A call whose events are collected into the caller's array (`Device.collect(into:)`): the
/// collector, which holds the array meanwhile, and the outlet to restore after it.
struct CollectingCall {
    let collector: DeviceEventOutlet
    let outer: DeviceEventOutlet?
}

/// The state a device keeps for checking received handshake messages [compat src/cookie.h
/// `struct cookie_checker`, src/ratelimiter.c], held apart from `Device` and made on the first
/// handshake message it receives: about 60 bytes a device that a generated hub's clients, most
/// of which never receive one, need not pay. The kernel keeps it inline in `struct wg_device`.
final class HandshakeGuard {
    @exclusivity(unchecked) var cookieChecker: CookieChecker
    @exclusivity(unchecked) var rateLimiter = HandshakeRateLimiter()
    @exclusivity(unchecked) var lastUnderLoad: Int64?

    init(localStatic: PublicKey) {
        cookieChecker = CookieChecker(localStatic: localStatic)
    }
}
