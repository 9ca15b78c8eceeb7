/// Running the per-peer timers in simulated time [compat src/timers.c `wg_expired_*`],
/// behaviour doc §5.2.
extension Device {
    /// The earliest time at which some peer timer is due, nil when none is armed.
    public var nextTimerDeadline: Int64? {
        dropStaleTimerEntries()
        return timerHeap.top?.deadline
    }

    /// Fires every timer due at or before `now`, in deadline order (ties by peer creation
    /// order), each at its own deadline.
    public func advance(to now: Int64) -> [DeviceEvent] {
        while true {
            dropStaleTimerEntries()
            guard let (deadline, serial) = timerHeap.top, deadline <= now,
                  let peer = peersBySerial[serial] else { break }
            timerHeap.popTop()
            peer.scheduledDeadline = nil
            if let expiry = peer.timers.expire(now: deadline) { handle(expiry, peer: peer, now: deadline) }
            reschedule(peer)
        }
        return takeEvents()
    }

    private func handle(_ expiry: TimerExpiry, peer: Peer, now: Int64) {
        switch expiry {
        case .retransmitHandshake(let attempt):
            requestInitiation(peer, isRetry: true, trigger: .retry(attempt: attempt), now: now)
        case .giveUp(let initiations):
            let purged = peer.staged.takeAll().count
            counters.txDropped += UInt64(purged)
            record(Decision(.handshakeGaveUp, .tx, peer: peer.publicKey, endpoint: peer.endpoint,
                            reason: .gaveUp(initiations: initiations, purged: purged)))
        case .sendKeepalive:
            sendKeepalive(peer, .replyToData, now: now)
            peer.timers.sendKeepaliveDone(now: now)
        case .newHandshake:
            requestInitiation(peer, isRetry: false, trigger: .noReplyToData, now: now)
        case .zeroKeyMaterial:
            let hadKeys = !peer.keypairs.all.isEmpty
            wipeSessions(peer)
            if hadKeys {
                record(Decision(.sessionExpired, .tx, peer: peer.publicKey, reason: .sessionExpired(.zeroKeyMaterial)))
            }
        case .persistentKeepalive:
            sendKeepalive(peer, .persistent(seconds: peer.persistentKeepalive), now: now)
        }
    }

    /// Pushes the peer's earliest deadline to the heap when it changed.
    func reschedule(_ peer: Peer) {
        let deadline = peer.isRemoved ? nil : peer.timers.nextDeadline
        guard deadline != peer.scheduledDeadline else { return }
        peer.scheduledDeadline = deadline
        if let deadline { timerHeap.push(deadline, peer.serial) }
        if timerHeap.count > 4 * peersByKey.count + 1024 { rebuildTimerHeap() }
    }

    /// Discards heap entries that no longer match their peer's scheduled deadline.
    private func dropStaleTimerEntries() {
        while let (deadline, serial) = timerHeap.top {
            if let peer = peersBySerial[serial], peer.scheduledDeadline == deadline { return }
            timerHeap.popTop()
        }
    }

    private func rebuildTimerHeap() {
        timerHeap.removeAll()
        for case let peer? in peersBySerial {
            if let d = peer.scheduledDeadline { timerHeap.push(d, peer.serial) }
        }
    }
}
