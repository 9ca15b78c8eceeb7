import Packet
import Routing

/// Where `DecisionText` writes a decision's explanation. The words are fixed by `DecisionText`;
/// a sink supplies the decision's own fields in their written form, so that a log writer can
/// copy text it already formatted for the same line (the addresses, the counter, the endpoint)
/// instead of formatting it again, and write straight into its buffer.
public protocol DecisionTextSink {
    /// Words of the explanation.
    mutating func write(_ words: StaticString)
    /// Words with values in them (the rarer explanations).
    mutating func writeText(_ text: String)
    /// The decision's peer by name, or "unknown peer" when it has none.
    mutating func writePeer()
    /// Another peer by name (a candidate's, or the owner of a prefix).
    mutating func writeName(of key: PublicKey)
    /// An allowed-ips prefix; the decision's own is `writePrefix()`.
    mutating func writePrefix(_ prefix: IPPrefix)
    /// The decision's matched prefix (only asked for when it has one).
    mutating func writePrefix()
    /// The decision's counter, or "-".
    mutating func writeCounter()
    /// The decision's receiver index, or "-".
    mutating func writeReceiverIndex()
    /// The decision's endpoint, or "no endpoint".
    mutating func writeEndpoint()
    /// The inner packet's source (or destination) address as its IP header reads it; writes
    /// nothing and answers false when the decision has no packet with a readable header.
    mutating func writeInnerAddress(source: Bool) -> Bool
    /// Whether `writeInnerAddress` would write an address.
    var hasInnerAddress: Bool { get }
}

/// The short explanation of a device decision, in words: the one place they are worded. The
/// per-packet three (sealed, decrypted, delivered) are written for every data packet when the
/// decision log is on, so the words go to a sink piece by piece rather than into one String.
public enum DecisionText {
    /// Retries of one handshake before the give-up: MAX_TIMER_HANDSHAKES + 1.
    @usableFromInline static let maximumRetries = WireGuardConstants.maxTimerHandshakes + 1

    /// Writes the explanation of `reason` about `subject` to `out`. Inlinable, so that the log
    /// writer's sink gets its own specialised copy: through the generic entry point every
    /// piece would be a witness-table call, per decision.
    @inlinable
    public static func write<Sink: DecisionTextSink>(_ reason: DecisionReason, subject: borrowing DecisionSubject,
                                                     to out: inout Sink) {
        // The three every data packet gets are worded in a small function of their own, the rest
        // in another that is never inlined: the log writer's per-packet code stays compact
        // (docs/performance.md, "Decision words").
        switch reason {
        case .sealed:
            writeMatch(subject, source: false, to: &out)
            out.write("; sealed with counter "); out.writeCounter()
            out.write(" for "); out.writeEndpoint()
        case .decrypted:
            out.write("opened under index "); out.writeReceiverIndex()
            out.write(" with counter "); out.writeCounter()
            out.write(" from "); out.writePeer()
        case .delivered:
            writeMatch(subject, source: true, to: &out)
            writePeer(between: "; source allowed for ", and: ": delivered", to: &out)
        default:
            writeRare(reason, subject: subject, to: &out)
        }
    }

    /// Every explanation but the three per-packet ones.
    @inlinable @inline(never)
    static func writeRare<Sink: DecisionTextSink>(_ reason: DecisionReason, subject: borrowing DecisionSubject,
                                                  to out: inout Sink) {
        switch reason {
        case .sealed, .decrypted, .delivered:
            write(reason, subject: subject, to: &out)
        case .interfaceDown: out.write("wg0 is down")
        case .notIP(let length):
            out.writeText("not an IPv4 or IPv6 packet (\(length) bytes): dropped, tx_errors += 1, no ICMP")
        case .noPeer(let destination):
            let d = destination.map { "\($0)" } ?? "the destination"
            out.writeText("no allowed-ips entry matches \(d): dropped, tx_errors += 1, ICMP unreachable to the sender")
        case .noEndpoint:
            writeMatch(subject, source: false, to: &out)
            writePeer(between: "; but ", and: " has no endpoint configured or learned: dropped, ICMP unreachable", to: &out)
        case .initiationWithoutEndpoint:
            writePeer(between: "handshake initiation for ", and: " built but not sent: no endpoint configured or learned", to: &out)
        case .staged(let problem):
            writeMatch(subject, source: false, to: &out)
            out.write("; "); write(problem, to: &out); out.write(": staged awaiting a handshake")
        case .queueFull(let held):
            out.write("staged queue of "); out.writePeer()
            out.writeText(" held \(held) > 128 packets: the oldest dropped (tx_dropped += 1)")
        case .initiation(let trigger):
            writePeer(between: "handshake initiation to ", and: " at ", to: &out); out.writeEndpoint()
            out.write(": "); write(trigger, to: &out)
        case .initiationReceived:
            writePeer(between: "valid initiation from ", and: " (mac1, timestamp newer than the last, not a flood)", to: &out)
        case .responseSent:
            writePeer(between: "response to ", and: "; new session waits in `next` until a packet arrives under it", to: &out)
        case .responseReceived:
            writePeer(between: "valid response from ", and: ": new session is current; sending staged packets or a keepalive", to: &out)
        case .cookieReplySent:
            out.write("under load and no valid mac2 from "); out.writeEndpoint()
            out.write(": cookie reply instead of a response")
        case .cookieReplyReceived:
            writePeer(between: "cookie from ", and: " stored; the next handshake message carries mac2", to: &out)
        case .keepalive(let trigger):
            writePeer(between: "keepalive to ", and: " (counter ", to: &out); out.writeCounter()
            out.write("): "); write(trigger, to: &out)
        // `confirmsSession` is kept in the reason for callers; the text stays as the shipped
        // scenarios' golden logs have it.
        case .keepaliveReceived:
            writePeer(between: "keepalive from ", and: " (counter ", to: &out); out.writeCounter()
            out.write("): not delivered, no reply keepalive armed")
        case .sourceNotAllowed(let source, let owner):
            out.writeText("inner source \(source) ")
            if subject.prefix != nil, let owner {
                out.write("looks up to "); out.writePrefix(); out.write(" of "); out.writeName(of: owner)
                out.write(", not to sender ")
            } else {
                out.write("matches no allowed-ips entry of sender ")
            }
            out.writePeer(); out.write(": dropped (rx_errors += 1)")
        case .replay(let nonce, let highest):
            let h = highest.map { "\($0)" } ?? "none"
            out.writeText("counter \(nonce) already seen or more than 8128 behind the newest (\(h)): dropped")
        case .invalid(let reason):
            write(reason, to: &out)
        case .endpointUpdated(let from):
            out.write("authenticated packet from "); out.writeEndpoint(); out.write(": endpoint of "); out.writePeer()
            out.writeText(" was \(from.map { "\($0)" } ?? "none")")
        case .rekey(let trigger):
            write(trigger, to: &out); out.write(": new handshake with "); out.writePeer()
        case .sessionExpired(let cause):
            let words = cause.wordsAroundPeer
            writePeer(between: words.before, and: words.after, to: &out)
        case .gaveUp(let initiations, let purged):
            out.write("handshake with "); out.writePeer()
            out.writeText(" did not complete after \(initiations) attempts: \(purged) staged packet(s) dropped")
        }
    }

    /// Words, the decision's peer, words: the shape of most explanations.
    @inlinable
    static func writePeer<Sink: DecisionTextSink>(between before: StaticString, and after: StaticString, to out: inout Sink) {
        out.write(before); out.writePeer(); out.write(after)
    }

    /// `ADDRESS matched PREFIX (PEER); also matched Q (OTHER), … — most specific wins`, or
    /// `ADDRESS routed to PEER` when nothing matched. ADDRESS is the inner packet's destination
    /// (send), or "source" and its source (receive); "destination" or "source" alone when the
    /// packet's header cannot be read.
    @inlinable
    static func writeMatch<Sink: DecisionTextSink>(_ subject: borrowing DecisionSubject, source: Bool,
                                                            to out: inout Sink) {
        if source {
            out.write("source")
            if out.hasInnerAddress { out.write(" "); _ = out.writeInnerAddress(source: true) }
        } else if !out.writeInnerAddress(source: false) {
            out.write("destination")
        }
        guard subject.prefix != nil else {
            out.write(" routed to "); out.writePeer()
            return
        }
        out.write(" matched "); out.writePrefix(); writePeer(between: " (", and: ")", to: &out)
        guard !subject.candidates.isEmpty else { return }
        out.write("; also matched ")
        for (i, candidate) in subject.candidates.enumerated() {
            if i > 0 { out.write(", ") }
            out.writePrefix(candidate.prefix); out.write(" ("); out.writeName(of: candidate.peer); out.write(")")
        }
        out.write(" — most specific wins")
    }

    @inlinable
    static func write<Sink: DecisionTextSink>(_ p: SessionProblem, to out: inout Sink) {
        switch p {
        case .noKeypair: writePeer(between: "no session with ", and: " yet", to: &out)
        case .sendingInvalid: writePeer(between: "the session with ", and: " may no longer send", to: &out)
        case .expired: writePeer(between: "the session with ", and: " is 180 s old (REJECT_AFTER_TIME)", to: &out)
        case .exhausted:
            writePeer(between: "the session with ", and: " used up its counters (REJECT_AFTER_MESSAGES)", to: &out)
        }
    }

    @inlinable
    static func write<Sink: DecisionTextSink>(_ t: InitiationTrigger, to out: inout Sink) {
        switch t {
        case .stagedPackets(let p): out.write("packets staged and "); write(p, to: &out)
        case .retry(let attempt):
            // The kernel retries while `timer_handshake_attempts` is at most MAX_TIMER_HANDSHAKES
            // (18) before the increment, so the count runs 1 through 19 and the timer expiring
            // after retry 19 gives up: 20 initiations in all, the "after %d attempts" (MAX + 2)
            // of its give-up message [compat src/timers.c `wg_expired_retransmit_handshake`].
            out.writeText("no response after REKEY_TIMEOUT + jitter, retry \(attempt) of \(maximumRetries)")
        case .noReplyToData: out.write("sent data but heard nothing for 15 s (KEEPALIVE + REKEY_TIMEOUT)")
        case .rekeyAfterTime: out.write("our session is 120 s old (REKEY_AFTER_TIME)")
        case .rekeyAfterMessages: out.write("our session sent 2^60 messages (REKEY_AFTER_MESSAGES)")
        case .lastMinute: out.write("received on a 165 s old session we initiated (last-minute rekey)")
        }
    }

    @inlinable
    static func write<Sink: DecisionTextSink>(_ t: KeepaliveTrigger, to out: inout Sink) {
        switch t {
        case .replyToData: out.write("data arrived 10 s ago and nothing was sent back (KEEPALIVE_TIMEOUT)")
        case .persistent(let s): out.writeText("no packet either way for \(s) s (persistent keepalive)")
        case .keyConfirmation: out.write("confirms the new session to the responder")
        case .persistentTurnedOn(let s): out.writeText("persistent keepalive turned on (\(s) s) while up")
        case .interfaceUp(let s): out.writeText("wg0 came up with persistent keepalive \(s) s")
        }
    }

    @inlinable
    static func write<Sink: DecisionTextSink>(_ r: InvalidReason, to out: inout Sink) {
        switch r {
        case .tooShort(let n): out.writeText("\(n)-byte datagram is too short for a WireGuard message")
        case .unknownType(let t): out.writeText("message type \(t) is not 1-4 with zero reserved bytes")
        case .wrongLength(let t, let n): out.writeText("type \(t) message of \(n) bytes has the wrong size")
        // The index is the decision's own receiver index (Receive.swift, ReceiveHandshake.swift
        // record it with the reason), so the sink writes it: decisions.txt in tshark's form.
        case .unknownIndex: out.write("no session has receiver index "); out.writeReceiverIndex()
        case .keyUnusable:
            out.write("the session under index "); out.writeReceiverIndex(); out.write(" is invalid, 180 s old or exhausted")
        case .authenticationFailed: out.write("authentication failed under index "); out.writeReceiverIndex()
        case .innerNotIP:
            writePeer(between: "decrypted packet from ", and: " is neither IPv4 nor IPv6 (rx_frame_errors)", to: &out)
        case .innerBadLength(let declared, let actual):
            out.writeText("inner IP length \(declared) does not fit the \(actual) decrypted bytes (rx_length_errors)")
        case .badMac1: out.write("handshake message from "); out.writeEndpoint(); out.write(" has an invalid mac1")
        case .handshake(let why): out.write("handshake message from "); out.writeEndpoint(); out.writeText(" rejected: \(why)")
        case .unknownPeer: out.write("initiation from a static key that is not a peer")
        case .timestampReplay:
            writePeer(between: "initiation from ", and: " does not carry a newer timestamp (replay)", to: &out)
        case .initiationFlood:
            writePeer(between: "initiation from ", and: " within 20 ms of the last one (flood)", to: &out)
        case .rateLimited:
            out.write("under load: handshake from "); out.writeEndpoint(); out.write(" over 20/s (burst 5)")
        case .noPendingHandshake:
            out.write("response for index "); out.writeReceiverIndex(); out.write(" matches no initiation we sent")
        case .cookieRejected(let why): out.writeText("cookie reply rejected: \(why)")
        }
    }
}

/// Writes an explanation into a String, naming peers with a function: `Decision.why(naming:)`.
struct DecisionStringSink: DecisionTextSink {
    let subject: DecisionSubject
    let naming: (PublicKey) -> String
    var text = ""

    mutating func write(_ words: StaticString) { text += words.description }
    mutating func writeText(_ words: String) { text += words }
    mutating func writePeer() { text += subject.peer.map(naming) ?? "unknown peer" }
    mutating func writeName(of key: PublicKey) { text += naming(key) }
    mutating func writePrefix(_ prefix: IPPrefix) { text += "\(prefix)" }
    mutating func writePrefix() { text += subject.prefix.map { "\($0)" } ?? "" }
    mutating func writeCounter() { text += subject.counter.map { "\($0)" } ?? "-" }
    mutating func writeReceiverIndex() { text += subject.receiverIndex.map { "\($0)" } ?? "-" }
    mutating func writeEndpoint() { text += subject.endpoint.map { "\($0)" } ?? "no endpoint" }
    var hasInnerAddress: Bool { subject.packet.flatMap(IPHeaderView.init) != nil }
    mutating func writeInnerAddress(source: Bool) -> Bool {
        guard let header = subject.packet.flatMap(IPHeaderView.init) else { return false }
        text += "\(source ? header.source : header.destination)"
        return true
    }
}
