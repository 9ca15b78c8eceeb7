import Routing

/// The two session lookups of Wireshark's WireGuard dissector, answered from indexes keyed by
/// (index, endpoint) instead of by walking a per-index list.
///
/// Wireshark keeps, per sender index, a list of sessions in the order they were inserted (an
/// initiation inserts its session under the initiator's index; a linked response inserts the
/// same session again under the responder's index) and walks it newest first
/// (packet-wireguard.c `wg_sessions_insert`, `wg_sessions_lookup_initiation`,
/// `wg_sessions_lookup`). Walking is quadratic when many messages share an index (40 000
/// initiations with one sender index took close to a minute). The answers here are the same:
///
/// - *Pending initiation* (responses, cookie replies): the newest unanswered session in the list
///   of `index` whose initiator is the destination. Only initiations insert unanswered sessions,
///   and the endpoints of an unanswered session never change (transport data only updates
///   answered ones), so a stack per (index, initiator endpoint) holds exactly the candidates in
///   list order; the one a lookup finds is its top, and only a found session becomes answered,
///   so answering pops the top.
/// - *Established session* (transport data): the newest answered session in the list of
///   `index` whose initiator or responder is the destination. Transport data moves endpoints,
///   so each (index, endpoint) has a max-heap by list position, filled when a session is
///   answered, inserted under another index, or takes a new endpoint; an entry whose session no
///   longer has that endpoint is dropped when it reaches the top (each entry is dropped at most
///   once, so the work stays linear in the messages).
struct DecodeSessionIndex {
    private struct Key: Hashable {
        let index: UInt32
        let endpoint: Endpoint
    }

    private var pending: [Key: [DecodeSession]] = [:]
    private var answered: [Key: SessionHeap] = [:]
    /// The next list position; positions order every insertion of the capture, as list order does.
    private var nextPosition = 0
    /// Sessions looked at by both lookups so far: at most one per lookup plus one per heap entry
    /// ever pushed, so tests can check the work stays linear.
    private(set) var candidatesExamined = 0

    /// An initiation inserted `session` under its sender index (`wg_sessions_insert`).
    mutating func insertInitiation(_ session: DecodeSession, senderIndex: UInt32) {
        session.memberships.append((senderIndex, takePosition()))
        pending[Key(index: senderIndex, endpoint: session.initiatorEndpoint), default: []].append(session)
    }

    /// The newest unanswered initiation with sender index `index` sent from `destination`.
    mutating func pendingInitiation(_ index: UInt32, to destination: Endpoint) -> DecodeSession? {
        guard let session = pending[Key(index: index, endpoint: destination)]?.last else { return nil }
        candidatesExamined += 1
        return session
    }

    /// `session`, found by `pendingInitiation`, now has its response frame and responder
    /// endpoint (a linked response or a cookie reply).
    mutating func answered(_ session: DecodeSession) {
        let key = Key(index: session.memberships[0].index, endpoint: session.initiatorEndpoint)
        if pending[key]?.last === session {
            pending[key]?.removeLast()
            if pending[key]?.isEmpty == true { pending[key] = nil }
        }
        for membership in session.memberships { pushEndpoints(of: session, index: membership.index, position: membership.position) }
    }

    /// A linked response inserted the answered `session` again, under the responder's index.
    mutating func insertResponse(_ session: DecodeSession, senderIndex: UInt32) {
        let position = takePosition()
        session.memberships.append((senderIndex, position))
        pushEndpoints(of: session, index: senderIndex, position: position)
    }

    /// Transport data moved an endpoint of the answered `session` to `endpoint`.
    mutating func endpointMoved(_ session: DecodeSession, to endpoint: Endpoint) {
        for membership in session.memberships {
            answered[Key(index: membership.index, endpoint: endpoint), default: SessionHeap()]
                .push(position: membership.position, session: session)
        }
    }

    /// The newest answered session named by `index` whose initiator or responder is
    /// `destination`, and whether the message goes to the initiator.
    mutating func establishedSession(_ index: UInt32, to destination: Endpoint) -> (DecodeSession, toInitiator: Bool)? {
        let key = Key(index: index, endpoint: destination)
        guard answered[key] != nil else { return nil }
        while let top = answered[key]?.top {
            candidatesExamined += 1
            if top.initiatorEndpoint == destination { return (top, true) }
            if top.responderEndpoint == destination { return (top, false) }
            answered[key]?.popTop()
        }
        answered[key] = nil
        return nil
    }

    private mutating func takePosition() -> Int {
        defer { nextPosition += 1 }
        return nextPosition
    }

    private mutating func pushEndpoints(of session: DecodeSession, index: UInt32, position: Int) {
        answered[Key(index: index, endpoint: session.initiatorEndpoint), default: SessionHeap()]
            .push(position: position, session: session)
        if let responder = session.responderEndpoint, responder != session.initiatorEndpoint {
            answered[Key(index: index, endpoint: responder), default: SessionHeap()].push(position: position, session: session)
        }
    }
}

/// A max-heap of sessions by list position (newest on top).
private struct SessionHeap {
    private var entries: [(position: Int, session: DecodeSession)] = []

    var top: DecodeSession? { entries.first?.session }

    mutating func push(position: Int, session: DecodeSession) {
        entries.append((position, session))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[parent].position < entries[child].position else { break }
            entries.swapAt(parent, child)
            child = parent
        }
    }

    mutating func popTop() {
        guard !entries.isEmpty else { return }
        entries.swapAt(0, entries.count - 1)
        entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var largest = parent
            if left < entries.count, entries[left].position > entries[largest].position { largest = left }
            if right < entries.count, entries[right].position > entries[largest].position { largest = right }
            guard largest != parent else { return }
            entries.swapAt(parent, largest)
            parent = largest
        }
    }
}
