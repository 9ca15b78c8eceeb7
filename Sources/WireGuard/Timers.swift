/// The five per-peer timers of the kernel [compat src/timers.c] (behaviour doc §5.2).
public enum PeerTimer: Int, CaseIterable, Sendable {
    case retransmitHandshake, sendKeepalive, newHandshake, zeroKeyMaterial, persistentKeepalive
}

/// What the owner of a peer must do because a timer expired.
public enum TimerExpiry: Equatable, Sendable {
    /// Send an initiation again (a retry; `attempt` is the new retry count, 1 through 19).
    case retransmitHandshake(attempt: Int)
    /// The handshake did not complete after `initiations` initiations: purge the staged queue.
    /// The timers have already cancelled send-keepalive and armed zero-key-material.
    case giveUp(initiations: Int)
    /// Send a keepalive, then call `PeerTimers.sendKeepaliveDone(now:)`.
    case sendKeepalive
    /// No reply to our data for 15 s: start a new (non-retry) handshake.
    case newHandshake
    /// Wipe the handshake and all three keypairs.
    case zeroKeyMaterial
    /// Send a keepalive (the persistent-keepalive interval elapsed with no traffic).
    case persistentKeepalive
}

/// The timer state of one peer as a pure state machine over simulated time: the hooks the
/// kernel calls on the packet paths arm or cancel deadlines; `expire(now:)` reports the earliest
/// due timer. Jitter is passed in (drawn by the owner from its `SeededRandom`). Nothing is armed
/// while `isEnabled` is false (interface down or peer removed), as the kernel's `mod_peer_timer`.
public struct PeerTimers: Sendable {
    /// The five deadlines in place (not an array: an array was a heap block per peer, and a hub
    /// holds a peer per client); `Int64.min` marks a timer that is not armed.
    private var deadlines = TimerDeadlines()
    /// Persistent keepalive interval in nanoseconds; 0 = off.
    public var persistentKeepaliveInterval: Int64 = 0
    // The small fields last, in bytes, so that the struct ends in 3 bytes its owner's flags can
    // follow (51 bytes in all, not 65: a cold `Peer` within a 160-byte malloc chunk).
    private var attemptCount: UInt8 = 0
    /// Retries of the current handshake so far (the kernel's `timer_handshake_attempts`; at
    /// most MAX_TIMER_HANDSHAKES + 1).
    public private(set) var handshakeAttempts: Int {
        get { Int(attemptCount) }
        set { attemptCount = UInt8(clamping: newValue) }
    }
    /// Set when data arrived while the reply keepalive was already pending.
    public private(set) var needAnotherKeepalive = false
    /// Armed only while the interface is up and the peer alive.
    public var isEnabled = false

    public init() {}

    public func deadline(_ timer: PeerTimer) -> Int64? { deadlines[timer] }
    public func isPending(_ timer: PeerTimer) -> Bool { deadlines[timer] != nil }

    /// The earliest armed deadline, if any.
    public var nextDeadline: Int64? {
        var best: Int64?
        for timer in PeerTimer.allCases {
            if let d = deadlines[timer], d < (best ?? Int64.max) { best = d }
        }
        return best
    }

    // MARK: hooks (names follow compat src/timers.c)

    /// An initiation was sent: (re)arm retransmit at REKEY_TIMEOUT + jitter.
    public mutating func handshakeInitiated(now: Int64, jitter: Int64) {
        arm(.retransmitHandshake, at: now + WireGuardConstants.rekeyTimeout + jitter)
    }

    /// Initiator consumed a response, or responder received the first packet under `next`.
    public mutating func handshakeComplete() {
        cancel(.retransmitHandshake)
        handshakeAttempts = 0
    }

    /// A keypair was derived: (re)arm zero-key-material at 540 s.
    public mutating func sessionDerived(now: Int64) {
        arm(.zeroKeyMaterial, at: now + WireGuardConstants.zeroKeyMaterialDelay)
    }

    /// Any authenticated packet (initiation, response, data, keepalive) was sent.
    public mutating func anyAuthenticatedPacketSent() { cancel(.sendKeepalive) }

    /// Any authenticated packet (not a cookie reply) was received.
    public mutating func anyAuthenticatedPacketReceived() { cancel(.newHandshake) }

    /// An authenticated packet went either way: re-arm persistent keepalive if it is on.
    public mutating func traversal(now: Int64) {
        if persistentKeepaliveInterval > 0 {
            arm(.persistentKeepalive, at: now + persistentKeepaliveInterval)
        }
    }

    /// A data packet (not a keepalive) was sent: arm new-handshake unless already pending.
    public mutating func dataSent(now: Int64, jitter: Int64) {
        guard !isPending(.newHandshake) else { return }
        arm(.newHandshake, at: now + WireGuardConstants.keepaliveTimeout + WireGuardConstants.rekeyTimeout + jitter)
    }

    /// A data packet (not a keepalive) was received: arm the reply keepalive, or flag another.
    public mutating func dataReceived(now: Int64) {
        guard isEnabled else { return }
        if isPending(.sendKeepalive) {
            needAnotherKeepalive = true
        } else {
            arm(.sendKeepalive, at: now + WireGuardConstants.keepaliveTimeout)
        }
    }

    /// A non-retry initiation was requested: the attempt count starts again
    /// [compat src/send.c `wg_packet_send_queued_handshake_initiation`].
    public mutating func resetHandshakeAttempts() { handshakeAttempts = 0 }

    /// After the keepalive of a send-keepalive expiry went out: re-arm once if data arrived
    /// meanwhile.
    public mutating func sendKeepaliveDone(now: Int64) {
        if needAnotherKeepalive {
            needAnotherKeepalive = false
            arm(.sendKeepalive, at: now + WireGuardConstants.keepaliveTimeout)
        }
    }

    /// Stops every timer (interface down, peer removal) [compat src/timers.c `wg_timers_stop`].
    public mutating func stopAll() {
        deadlines = TimerDeadlines()
        needAnotherKeepalive = false
    }

    /// Takes the earliest timer due at `now` (ties in `PeerTimer` order), clears it, applies the
    /// timer's own state changes, and says what the owner must do. Nil when none is due.
    public mutating func expire(now: Int64) -> TimerExpiry? {
        var due: PeerTimer?
        for timer in PeerTimer.allCases {
            guard let d = deadline(timer), d <= now else { continue }
            if let best = due, let bd = deadline(best), bd <= d { continue }
            due = timer
        }
        guard let timer = due else { return nil }
        cancel(timer)
        switch timer {
        case .retransmitHandshake:
            if handshakeAttempts > WireGuardConstants.maxTimerHandshakes {
                cancel(.sendKeepalive)
                if !isPending(.zeroKeyMaterial) {
                    arm(.zeroKeyMaterial, at: now + WireGuardConstants.zeroKeyMaterialDelay)
                }
                return .giveUp(initiations: handshakeAttempts + 1)
            }
            handshakeAttempts += 1
            return .retransmitHandshake(attempt: handshakeAttempts)
        case .sendKeepalive: return .sendKeepalive
        case .newHandshake: return .newHandshake
        case .zeroKeyMaterial: return .zeroKeyMaterial
        case .persistentKeepalive:
            // Turned off since it was armed: nothing to send; look for another due timer.
            return persistentKeepaliveInterval > 0 ? .persistentKeepalive : expire(now: now)
        }
    }

    private mutating func arm(_ timer: PeerTimer, at time: Int64) {
        guard isEnabled else { return }
        deadlines[timer] = time
    }

    private mutating func cancel(_ timer: PeerTimer) { deadlines[timer] = nil }
}

/// One deadline per `PeerTimer`, stored inline; `Int64.min` (never a simulated time) is "off".
struct TimerDeadlines: Sendable {
    private var retransmitHandshake = Int64.min
    private var sendKeepalive = Int64.min
    private var newHandshake = Int64.min
    private var zeroKeyMaterial = Int64.min
    private var persistentKeepalive = Int64.min

    subscript(timer: PeerTimer) -> Int64? {
        get {
            var copy = self
            let raw = copy.withDeadline(of: timer) { $0 }
            return raw == Int64.min ? nil : raw
        }
        set {
            let raw = newValue ?? Int64.min
            withDeadline(of: timer) { $0 = raw }
        }
    }

    /// The one mapping from a timer to its field (`Int64.min`: not armed).
    @inline(__always)
    private mutating func withDeadline<R>(of timer: PeerTimer, _ body: (inout Int64) -> R) -> R {
        switch timer {
        case .retransmitHandshake: return body(&retransmitHandshake)
        case .sendKeepalive: return body(&sendKeepalive)
        case .newHandshake: return body(&newHandshake)
        case .zeroKeyMaterial: return body(&zeroKeyMaterial)
        case .persistentKeepalive: return body(&persistentKeepalive)
        }
    }
}

extension SeededRandom {
    /// Uniform jitter in [0, REKEY_TIMEOUT_JITTER_MAX) nanoseconds (modulo bias is negligible).
    public mutating func rekeyTimeoutJitter() -> Int64 {
        Int64(next() % UInt64(WireGuardConstants.rekeyTimeoutJitterMax))
    }
}
