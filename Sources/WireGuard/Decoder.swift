import Packet
import Routing

/// Finds WireGuard messages in captured IP packets and validates / decrypts them with the
/// secrets of a Wireshark key log, the way Wireshark's dissector does: messages are recognised
/// by shape in any UDP payload; responses, cookie replies and transport data are linked to an
/// initiation by index and address; one pass in capture order (packet-wireguard.c
/// `dissect_wg_heur`, `wg_sessions_lookup_initiation`, `wg_sessions_lookup`).
public final class CaptureDecoder {
    private let keys: DecodeKeys
    /// Sessions by the indices and endpoints that find them (Wireshark's lookups, in linear time).
    private var sessions = DecodeSessionIndex()

    public init(keyLog: KeyLog) {
        keys = DecodeKeys(keyLog)
    }

    /// Key-log lines that had no effect (e.g. a PRESHARED_KEY with no ephemeral line before it).
    public var unusedKeyLines: [KeyLog.IgnoredLine] { keys.unusedLines }

    /// Decodes one captured IP packet; nil if it is not a UDP datagram whose payload has the
    /// shape of a WireGuard message.
    public func decode(frame: Int, ipPacket: [UInt8]) -> DecodedMessage? {
        guard let (source, destination, payload) = CaptureDecoder.udpPayload(ipPacket) else { return nil }
        return decode(frame: frame, source: source, destination: destination, payload: payload)
    }

    /// Decodes one UDP payload sent from `source` to `destination`.
    public func decode(frame: Int, source: Endpoint, destination: Endpoint, payload: [UInt8]) -> DecodedMessage? {
        guard let type = CaptureDecoder.shape(payload) else { return nil }
        let link = Link(frame: frame, source: source, destination: destination)
        switch type {
        case .initiation: return initiation(payload, link)
        case .response: return response(payload, link)
        case .cookieReply: return cookieReply(payload, link)
        case .transport: return transport(payload, link)
        }
    }

    struct Link { let frame: Int; let source: Endpoint; let destination: Endpoint }

    /// Wireshark's heuristic: a known type with its exact size (transport: at least 32); the
    /// reserved bytes must be zero for cookie replies and transport data only (Cloudflare's
    /// implementation uses them in handshakes).
    static func shape(_ payload: [UInt8]) -> MessageType? {
        guard payload.count >= 4, let type = MessageType(rawValue: payload[0]) else { return nil }
        let sizeOK = type == .transport ? payload.count >= type.requiredLength : payload.count == type.requiredLength
        guard sizeOK else { return nil }
        if type == .cookieReply || type == .transport, payload[1] | payload[2] | payload[3] != 0 { return nil }
        return type
    }

    private func initiation(_ payload: [UInt8], _ link: Link) -> DecodedMessage {
        let senderIndex = readLE32(payload, 4)
        var handshake: DecodeHandshake?
        var note: String
        if let responder = keys.receiverStatic(of: payload) {
            handshake = DecodeHandshake(initiation: payload, responder: responder, keys: keys)
            if let h = handshake {
                note = h.initiationProblem ?? "initiator \(h.initiatorStatic?.publicKey.base64 ?? "?") -> responder \(responder.publicKey.base64)"
            } else {
                note = "mac1 names responder \(responder.publicKey.base64), but neither its private key nor the initiator's ephemeral private key is in the key log"
            }
        } else {
            note = "mac1 matches no static public key in the key log"
        }
        let session = DecodeSession(initiatorFrame: link.frame, initiatorEndpoint: link.source, handshake: handshake)
        sessions.insertInitiation(session, senderIndex: senderIndex)
        let valid = handshake?.afterInitiation != nil
        return DecodedMessage(frame: link.frame, type: .initiation, source: link.source, destination: link.destination,
                              sender: senderIndex, receiver: nil, counter: nil, valid: valid, keepalive: false,
                              inner: nil, note: note)
    }

    private func response(_ payload: [UInt8], _ link: Link) -> DecodedMessage {
        let senderIndex = readLE32(payload, 4), receiverIndex = readLE32(payload, 8)
        var valid = false
        var note = "no initiation in the capture matches receiver index \(hex32(receiverIndex)) and this destination"
        if let session = sessions.pendingInitiation(receiverIndex, to: link.destination) {
            var linked = true
            if var handshake = session.handshake {
                switch handshake.processResponse(payload, keys: keys) {
                case .processed:
                    valid = handshake.responseOK
                    note = handshake.responseOK ? "transport keys derived" : (handshake.responseProblem ?? "not validated")
                case .ignoredRepeat:
                    note = "a second response to the handshake of frame \(session.initiatorFrame): ignored"
                case .cannotLink:
                    linked = false
                    note = "the initiation of frame \(session.initiatorFrame) did not decrypt, so its response cannot be processed"
                }
                session.handshake = handshake
            } else {
                note = "the initiation of frame \(session.initiatorFrame) could not be decrypted with this key log"
            }
            if linked {
                session.responseFrame = link.frame
                session.responderEndpoint = link.source
                sessions.answered(session)
                sessions.insertResponse(session, senderIndex: senderIndex)
            }
        }
        return DecodedMessage(frame: link.frame, type: .response, source: link.source, destination: link.destination,
                              sender: senderIndex, receiver: receiverIndex, counter: nil, valid: valid,
                              keepalive: false, inner: nil, note: note)
    }

    private func cookieReply(_ payload: [UInt8], _ link: Link) -> DecodedMessage {
        let receiverIndex = readLE32(payload, 4)
        var note = "cookie replies are not decrypted (as in Wireshark)"
        if let session = sessions.pendingInitiation(receiverIndex, to: link.destination) {
            session.responseFrame = link.frame
            session.responderEndpoint = link.source
            sessions.answered(session)
            note += "; answers the initiation of frame \(session.initiatorFrame)"
        }
        return DecodedMessage(frame: link.frame, type: .cookieReply, source: link.source, destination: link.destination,
                              sender: nil, receiver: receiverIndex, counter: nil, valid: false, keepalive: false,
                              inner: nil, note: note)
    }

    private func transport(_ payload: [UInt8], _ link: Link) -> DecodedMessage {
        let receiverIndex = readLE32(payload, 4), counter = readLE64(payload, 8)
        let keepalive = payload.count == TransportHeader.minimumMessageLength
        var valid = false, inner: DecodedInnerPacket?
        var note: String? = "no completed handshake in the capture has index \(hex32(receiverIndex)) for this destination"
        if let (session, toInitiator) = sessions.establishedSession(receiverIndex, to: link.destination) {
            // The sender's endpoint becomes the one on record (`wg_session_update_address`).
            let moved = toInitiator ? session.responderEndpoint != link.source : session.initiatorEndpoint != link.source
            if toInitiator { session.responderEndpoint = link.source } else { session.initiatorEndpoint = link.source }
            if moved { sessions.endpointMoved(session, to: link.source) }
            let key = toInitiator ? session.handshake?.initiatorReceiving : session.handshake?.responderReceiving
            if let key {
                var plaintext = [UInt8]()
                if (try? Transport.open(payload, key: key, into: &plaintext)) != nil {
                    valid = true
                    (inner, note) = CaptureDecoder.innerSummary(plaintext)
                } else {
                    note = "does not decrypt with the keys of the handshake of frame \(session.initiatorFrame)"
                }
            } else {
                note = "the handshake of frame \(session.initiatorFrame) was not validated, so there are no transport keys"
            }
        }
        return DecodedMessage(frame: link.frame, type: .transport, source: link.source, destination: link.destination,
                              sender: nil, receiver: receiverIndex, counter: counter, valid: valid,
                              keepalive: keepalive, inner: inner, note: note)
    }

    /// Sessions the lookups have looked at so far (linear in the messages; see `DecodeSessionIndex`).
    var sessionCandidatesExamined: Int { sessions.candidatesExamined }

    /// The inner packet's addresses, protocol and length; nil with a note if it is not IP.
    static func innerSummary(_ plaintext: [UInt8]) -> (DecodedInnerPacket?, String?) {
        if plaintext.isEmpty { return (nil, nil) }
        guard let summary = try? IPPacketSummary(parsing: plaintext) else {
            return (nil, "decrypted, but the plaintext is not a well-formed IP packet")
        }
        return (DecodedInnerPacket(source: summary.source, destination: summary.destination,
                                   protocolNumber: summary.protocolNumber, length: summary.totalLength), nil)
    }

    /// Source, destination and payload of an IPv4 or IPv6 UDP datagram (first fragments only).
    public static func udpPayload(_ packet: [UInt8]) -> (Endpoint, Endpoint, [UInt8])? {
        guard let version = packet.first.map({ $0 >> 4 }) else { return nil }
        let source: IPAddress, destination: IPAddress, range: Range<Int>
        if version == 4 {
            guard let ip = try? IPv4Packet(checking: packet), ip.protocolNumber == IPProtocol.udp,
                  ip.fragmentOffset == 0, !ip.moreFragments else { return nil }
            (source, destination, range) = (.v4(ip.source), .v4(ip.destination), ip.payloadRange)
        } else if version == 6 {
            guard let ip = try? IPv6Packet(checking: packet), let chain = try? ip.extensionChain(),
                  chain.upperProtocol == IPProtocol.udp, chain.upperLayerIsPresent, chain.fragment == nil else { return nil }
            (source, destination, range) = (.v6(ip.source), .v6(ip.destination), chain.upperOffset..<ip.totalLength)
        } else {
            return nil
        }
        guard let udp = try? UDPDatagram(checking: packet, range: range) else { return nil }
        return (Endpoint(address: source, port: udp.sourcePort), Endpoint(address: destination, port: udp.destinationPort),
                udp.payload)
    }
}
