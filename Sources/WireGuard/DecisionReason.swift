import Routing

/// Why the device made a decision: a small value recorded on the packet path and turned into
/// words only when the log is written (`DecisionText`).
public enum DecisionReason: Equatable {
    case interfaceDown
    /// Send path: not an IPv4/IPv6 packet (`tx_errors`, no ICMP).
    case notIP(length: Int)
    case noPeer(destination: IPAddress?)
    case noEndpoint
    case initiationWithoutEndpoint
    /// Staged because no session can send it.
    case staged(SessionProblem)
    case queueFull(held: Int)
    case sealed
    case initiation(InitiationTrigger)
    case initiationReceived
    case responseSent
    case responseReceived
    case cookieReplySent
    case cookieReplyReceived
    case keepalive(KeepaliveTrigger)
    /// `confirmsSession`: the first packet under the responder's `next` keypair (§4.8).
    case keepaliveReceived(confirmsSession: Bool)
    case decrypted(confirmsSession: Bool)
    case delivered
    case sourceNotAllowed(source: IPAddress, owner: PublicKey?)
    case replay(nonce: UInt64, highest: UInt64?)
    case invalid(InvalidReason)
    case endpointUpdated(from: Endpoint?)
    case rekey(InitiationTrigger)
    case sessionExpired(ExpiryCause)
    case gaveUp(initiations: Int, purged: Int)
}

/// Why no session could send a staged packet (behaviour doc §2 step 5).
public enum SessionProblem: Equatable {
    case noKeypair
    case sendingInvalid
    case expired
    case exhausted
}

/// What made the device send a handshake initiation.
public enum InitiationTrigger: Equatable {
    case stagedPackets(SessionProblem)
    case retry(attempt: Int)
    case noReplyToData
    case rekeyAfterTime
    case rekeyAfterMessages
    case lastMinute
}

/// Why a keepalive went out.
public enum KeepaliveTrigger: Equatable {
    case replyToData
    case persistent(seconds: Int)
    case keyConfirmation
    case persistentTurnedOn(seconds: Int)
    case interfaceUp(seconds: Int)
}

/// Why a message was dropped as invalid.
public enum InvalidReason: Equatable {
    case tooShort(length: Int)
    case unknownType(UInt32)
    case wrongLength(type: UInt8, length: Int)
    case unknownIndex(UInt32)
    case keyUnusable
    case authenticationFailed
    case innerNotIP
    case innerBadLength(declared: Int, actual: Int)
    case badMac1
    case handshake(String)
    case unknownPeer
    case timestampReplay
    case initiationFlood
    case rateLimited
    case noPendingHandshake(UInt32)
    case cookieRejected(String)
}

/// What discarded a peer's keys.
public enum ExpiryCause: Equatable {
    case zeroKeyMaterial
    case interfaceDown
    case peerRemoved

    /// The explanation's words before and after the peer's name.
    @inlinable
    var wordsAroundPeer: (before: StaticString, after: StaticString) {
        switch self {
        case .zeroKeyMaterial: ("540 s (3 x REJECT_AFTER_TIME) after the last session: keys of ", " wiped")
        case .interfaceDown: ("wg0 went down: keys, handshake and staged packets of ", " cleared")
        case .peerRemoved: ("peer ", " removed: keys and staged packets discarded")
        }
    }
}
