/// Running the per-peer timers in simulated time [compat src/timers.c `wg_expired_*`],
/// behaviour doc §5.2.
extension Device {
    /// The earliest time at which some peer timer is due, nil when none is armed.
    public var nextTimerDeadline: Int64? { timerHeap.top?.deadline }

    /// Fires every timer due at or before `now`, in deadline order (ties by peer creation
    /// order), each at its own deadline.
    public func advance(to now: Int64, into events: inout [DeviceEvent]) {
        let call = collect(into: &events)
        defer { finish(call, into: &events) }
        advance(to: now)
    }

    /// `advance(to:into:)` with each event handed to `outlet` as it is made.
    public func advance(to now: Int64, outlet: DeviceEventOutlet) {
        sending(to: outlet) { advance(to: now) }
    }

    private func advance(to now: Int64) {
        while let (deadline, serial) = timerHeap.top, deadline <= now {
            timerHeap.popTop()
            // A removed peer's entry is taken out when it is removed; skip one defensively.
            guard let peer = peersBySerial[serial] else { continue }
            if let expiry = peer.timers.expire(now: deadline) { handle(expiry, peer: peer, now: deadline) }
            reschedule(peer)
        }
    }

    private func handle(_ expiry: TimerExpiry, peer: Peer, now: Int64) {
        switch expiry {
        case .retransmitHandshake(let attempt):
            requestInitiation(peer, isRetry: true, trigger: .retry(attempt: attempt), now: now)
        case .giveUp(let initiations):
            let purged = peer.staged.takeAll().count
            counters.txDropped += UInt64(purged)
            record(.handshakeGaveUp, .tx, DecisionSubject(peer: peer.publicKey, endpoint: peer.endpoint),
                   reason: .gaveUp(initiations: initiations, purged: purged))
        case .sendKeepalive:
            sendKeepalive(peer, .replyToData, now: now)
            peer.timers.sendKeepaliveDone(now: now)
        case .newHandshake:
            requestInitiation(peer, isRetry: false, trigger: .noReplyToData, now: now)
        case .zeroKeyMaterial:
            let hadKeys = !peer.keypairs.all.isEmpty
            wipeSessions(peer)
            if hadKeys {
                record(.sessionExpired, .tx, DecisionSubject(peer: peer.publicKey), reason: .sessionExpired(.zeroKeyMaterial))
            }
        case .persistentKeepalive:
            sendKeepalive(peer, .persistent(seconds: peer.persistentKeepalive), now: now)
        }
    }

    /// Moves the peer's heap entry to its earliest deadline (out of the heap when none).
    func reschedule(_ peer: Peer) {
        let deadline = peer.isRemoved ? nil : peer.timers.nextDeadline
        guard deadline != timerHeap.deadline(of: peer.serial) else { return }
        timerHeap.schedule(peer.serial, at: deadline)
    }
}
