import Routing

/// Turns a `Decision` into its short explanation, naming peers with the given function.
struct DecisionText {
    let decision: Decision
    let naming: (PublicKey) -> String

    var text: String {
        switch decision.reason {
        case .interfaceDown: return "wg0 is down"
        case .notIP(let length):
            return "not an IPv4 or IPv6 packet (\(length) bytes): dropped, tx_errors += 1, no ICMP"
        case .noPeer(let destination):
            let d = destination.map { "\($0)" } ?? "the destination"
            return "no allowed-ips entry matches \(d): dropped, tx_errors += 1, ICMP unreachable to the sender"
        case .noEndpoint:
            return "\(match); but \(peerName) has no endpoint configured or learned: dropped, ICMP unreachable"
        case .initiationWithoutEndpoint:
            return "handshake initiation for \(peerName) built but not sent: no endpoint configured or learned"
        case .staged(let problem):
            return "\(match); \(describe(problem)): staged awaiting a handshake"
        case .queueFull(let held):
            return "staged queue of \(peerName) held \(held) > 128 packets: the oldest dropped (tx_dropped += 1)"
        case .sealed:
            return "\(match); sealed with counter \(counterText) for \(endpointText)"
        case .initiation(let trigger):
            return "handshake initiation to \(peerName) at \(endpointText): \(describe(trigger))"
        case .initiationReceived:
            return "valid initiation from \(peerName) (mac1, timestamp newer than the last, not a flood)"
        case .responseSent:
            return "response to \(peerName); new session waits in `next` until a packet arrives under it"
        case .responseReceived:
            return "valid response from \(peerName): new session is current; sending staged packets or a keepalive"
        case .cookieReplySent:
            return "under load and no valid mac2 from \(endpointText): cookie reply instead of a response"
        case .cookieReplyReceived:
            return "cookie from \(peerName) stored; the next handshake message carries mac2"
        case .keepalive(let trigger):
            return "keepalive to \(peerName) (counter \(counterText)): \(describe(trigger))"
        // `confirmsSession` is kept in the reason for callers; the text stays as the shipped
        // scenarios' golden logs have it.
        case .keepaliveReceived:
            return "keepalive from \(peerName) (counter \(counterText)): not delivered, no reply keepalive armed"
        case .decrypted:
            return "opened under index \(indexText) with counter \(counterText) from \(peerName)"
        case .delivered:
            return "\(sourceMatch); source allowed for \(peerName): delivered"
        case .sourceNotAllowed(let source, let owner):
            if let prefix = decision.prefix, let owner {
                return "inner source \(source) looks up to \(prefix) of \(naming(owner)), not to sender \(peerName): dropped (rx_errors += 1)"
            }
            return "inner source \(source) matches no allowed-ips entry of sender \(peerName): dropped (rx_errors += 1)"
        case .replay(let nonce, let highest):
            let h = highest.map { "\($0)" } ?? "none"
            return "counter \(nonce) already seen or more than 8128 behind the newest (\(h)): dropped"
        case .invalid(let reason):
            return describe(reason)
        case .endpointUpdated(let from):
            let old = from.map { "\($0)" } ?? "none"
            return "authenticated packet from \(endpointText): endpoint of \(peerName) was \(old)"
        case .rekey(let trigger):
            return "\(describe(trigger)): new handshake with \(peerName)"
        case .sessionExpired(let cause):
            switch cause {
            case .zeroKeyMaterial: return "540 s (3 x REJECT_AFTER_TIME) after the last session: keys of \(peerName) wiped"
            case .interfaceDown: return "wg0 went down: keys, handshake and staged packets of \(peerName) cleared"
            case .peerRemoved: return "peer \(peerName) removed: keys and staged packets discarded"
            }
        case .gaveUp(let initiations, let purged):
            return "handshake with \(peerName) did not complete after \(initiations) attempts: \(purged) staged packet(s) dropped"
        }
    }

    /// Retries of one handshake before the give-up: MAX_TIMER_HANDSHAKES + 1.
    static let maximumRetries = WireGuardConstants.maxTimerHandshakes + 1

    private var peerName: String { decision.peer.map(naming) ?? "unknown peer" }
    private var counterText: String { decision.counter.map { "\($0)" } ?? "-" }
    private var indexText: String { decision.receiverIndex.map { "\($0)" } ?? "-" }
    private var endpointText: String { decision.endpoint.map { "\($0)" } ?? "no endpoint" }

    /// "D matched P (peer); also matched Q (other) — most specific wins"
    private var match: String {
        let address = decision.packet.flatMap(InnerPacket.destination).map { "\($0)" } ?? "destination"
        return lookupText(address)
    }

    private var sourceMatch: String {
        let address = decision.packet.flatMap(InnerPacket.source).map { "source \($0)" } ?? "source"
        return lookupText(address)
    }

    private func lookupText(_ address: String) -> String {
        guard let prefix = decision.prefix else { return "\(address) routed to \(peerName)" }
        var s = "\(address) matched \(prefix) (\(peerName))"
        if !decision.candidates.isEmpty {
            let others = decision.candidates.map { "\($0.prefix) (\(naming($0.peer)))" }.joined(separator: ", ")
            s += "; also matched \(others) — most specific wins"
        }
        return s
    }

    private func describe(_ p: SessionProblem) -> String {
        switch p {
        case .noKeypair: return "no session with \(peerName) yet"
        case .sendingInvalid: return "the session with \(peerName) may no longer send"
        case .expired: return "the session with \(peerName) is 180 s old (REJECT_AFTER_TIME)"
        case .exhausted: return "the session with \(peerName) used up its counters (REJECT_AFTER_MESSAGES)"
        }
    }

    private func describe(_ t: InitiationTrigger) -> String {
        switch t {
        case .stagedPackets(let p): return "packets staged and \(describe(p))"
        case .retry(let attempt):
            // The kernel retries while `timer_handshake_attempts` is at most MAX_TIMER_HANDSHAKES
            // (18) before the increment, so the count runs 1 through 19 and the timer expiring
            // after retry 19 gives up: 20 initiations in all, the "after %d attempts" (MAX + 2)
            // of its give-up message [compat src/timers.c `wg_expired_retransmit_handshake`].
            return "no response after REKEY_TIMEOUT + jitter, retry \(attempt) of \(DecisionText.maximumRetries)"
        case .noReplyToData: return "sent data but heard nothing for 15 s (KEEPALIVE + REKEY_TIMEOUT)"
        case .rekeyAfterTime: return "our session is 120 s old (REKEY_AFTER_TIME)"
        case .rekeyAfterMessages: return "our session sent 2^60 messages (REKEY_AFTER_MESSAGES)"
        case .lastMinute: return "received on a 165 s old session we initiated (last-minute rekey)"
        }
    }

    private func describe(_ t: KeepaliveTrigger) -> String {
        switch t {
        case .replyToData: return "data arrived 10 s ago and nothing was sent back (KEEPALIVE_TIMEOUT)"
        case .persistent(let s): return "no packet either way for \(s) s (persistent keepalive)"
        case .keyConfirmation: return "confirms the new session to the responder"
        case .persistentTurnedOn(let s): return "persistent keepalive turned on (\(s) s) while up"
        case .interfaceUp(let s): return "wg0 came up with persistent keepalive \(s) s"
        }
    }

    private func describe(_ r: InvalidReason) -> String {
        switch r {
        case .tooShort(let n): return "\(n)-byte datagram is too short for a WireGuard message"
        case .unknownType(let t): return "message type \(t) is not 1-4 with zero reserved bytes"
        case .wrongLength(let t, let n): return "type \(t) message of \(n) bytes has the wrong size"
        case .unknownIndex(let i): return "no session has receiver index \(i)"
        case .keyUnusable: return "the session under index \(indexText) is invalid, 180 s old or exhausted"
        case .authenticationFailed: return "authentication failed under index \(indexText)"
        case .innerNotIP: return "decrypted packet from \(peerName) is neither IPv4 nor IPv6 (rx_frame_errors)"
        case .innerBadLength(let declared, let actual):
            return "inner IP length \(declared) does not fit the \(actual) decrypted bytes (rx_length_errors)"
        case .badMac1: return "handshake message from \(endpointText) has an invalid mac1"
        case .handshake(let why): return "handshake message from \(endpointText) rejected: \(why)"
        case .unknownPeer: return "initiation from a static key that is not a peer"
        case .timestampReplay: return "initiation from \(peerName) does not carry a newer timestamp (replay)"
        case .initiationFlood: return "initiation from \(peerName) within 20 ms of the last one (flood)"
        case .rateLimited: return "under load: handshake from \(endpointText) over 20/s (burst 5)"
        case .noPendingHandshake(let i): return "response for index \(i) matches no initiation we sent"
        case .cookieRejected(let why): return "cookie reply rejected: \(why)"
        }
    }
}
