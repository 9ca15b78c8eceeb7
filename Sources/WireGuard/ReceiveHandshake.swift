import Packet
import Routing

/// Handshake messages on receive [compat src/receive.c `wg_receive_handshake_packet`],
/// behaviour doc §3.2, and the response we send [compat src/send.c
/// `wg_packet_send_handshake_response`].
extension Device {
    func receiveHandshake(_ message: [UInt8], type: UInt8, from source: Endpoint, now: Int64) {
        if type == 3 {
            receiveCookieReply(message, from: source, now: now)
            return
        }
        guard cookieChecker.validMac1(message) else {
            record(.droppedInvalid, .rx, DecisionSubject(endpoint: source), reason: .invalid(.badMac1))
            return
        }
        if isUnderLoad(now: now) {
            guard cookieChecker.validMac2(message, source: source, now: now, random: &random) else {
                let reply = cookieChecker.makeReply(to: message, source: source, now: now, random: &random)
                record(.cookieReplySent, .tx, DecisionSubject(receiverIndex: readLE32(message, 4), endpoint: source),
                       reason: .cookieReplySent)
                outlet?.transmit(reply, to: source, context: .none)
                return
            }
            guard rateLimiter.allow(source.address, now: now) else {
                record(.droppedInvalid, .rx, DecisionSubject(endpoint: source), reason: .invalid(.rateLimited))
                return
            }
        }
        let peer = type == 1 ? receiveInitiation(message, from: source, now: now)
                             : receiveResponse(message, from: source, now: now)
        guard let peer else { return }
        peer.rxBytes += UInt64(message.count)
        peer.timers.anyAuthenticatedPacketReceived()
        peer.timers.traversal(now: now)
        reschedule(peer)
    }

    /// The kernel's under-load test with the queue length replaced by the `underLoad` flag (the
    /// simulation processes handshakes instantly, so no queue builds up); the state sticks for
    /// 1 s after it was last seen. The kernel keeps `last_under_load` in one static variable
    /// for the whole host; here each device has its own.
    func isUnderLoad(now: Int64) -> Bool {
        if underLoad {
            lastUnderLoad = now
            return true
        }
        guard let last = lastUnderLoad else { return false }
        return last + WireGuardConstants.underLoadAfterTime > now
    }

    /// A valid initiation: checks the peer, timestamp and flood limit, learns the endpoint and
    /// answers with a response (which derives our `next` keypair).
    private func receiveInitiation(_ message: [UInt8], from source: Endpoint, now: Int64) -> Peer? {
        logStaticKey()
        let consumed: ConsumedInitiation
        do {
            consumed = try Noise.consumeInitiation(message, local: identity, staticShared: { [unowned self] key in
                self.peersByKey[key].flatMap(self.staticShared)
            })
        } catch {
            record(.droppedInvalid, .rx, DecisionSubject(endpoint: source), reason: .invalid(.handshake("\(error)")))
            return nil
        }
        guard let peer = peersByKey[consumed.initiatorStatic] else {
            record(.droppedInvalid, .rx, DecisionSubject(endpoint: source), reason: .invalid(.unknownPeer))
            return nil
        }
        if let latest = peer.latestTimestamp, !(consumed.timestamp > latest) {
            record(.droppedInvalid, .rx, DecisionSubject(peer: peer.publicKey, endpoint: source), reason: .invalid(.timestampReplay))
            return nil
        }
        if let last = peer.lastInitiationConsumption, last + WireGuardConstants.minimumInitiationInterval > now {
            record(.droppedInvalid, .rx, DecisionSubject(peer: peer.publicKey, endpoint: source), reason: .invalid(.initiationFlood))
            return nil
        }
        peer.latestTimestamp = consumed.timestamp
        peer.lastInitiationConsumption = now
        // Consuming an initiation replaces any initiation of ours still pending.
        clearHandshake(peer)
        // The initiator's sender index: the receiver index of our response and data to it.
        record(.handshakeInitiationReceived, .rx, DecisionSubject(peer: peer.publicKey,
                                                                  receiverIndex: consumed.initiatorIndex, endpoint: source), reason: .initiationReceived)
        updateEndpoint(peer, to: source)
        sendResponse(to: consumed, peer: peer, now: now)
        return peer
    }

    /// The response: a new ephemeral and index; the derived keypair goes to `next`.
    private func sendResponse(to consumed: ConsumedInitiation, peer: Peer, now: Int64) {
        peer.lastSentHandshake = now
        let ephemeral = PrivateKey.generate(using: &random)
        let index = newIndex()
        guard case (var message, let keys)? = try? Noise.createResponse(
            to: consumed, local: identity, presharedKey: peer.presharedKey, senderIndex: index, ephemeral: ephemeral)
        else {
            record(.droppedInvalid, .tx, DecisionSubject(peer: peer.publicKey),
                   reason: .invalid(.handshake("cannot build a response for this initiation")))
            return
        }
        peer.cookie.addMacs(to: &message, now: now)
        logSecrets(ephemeral: ephemeral, presharedKey: peer.presharedKey)
        installKeypair(keys, peer: peer, isInitiator: false, now: now)
        peer.timers.sessionDerived(now: now)
        peer.timers.traversal(now: now)
        peer.timers.anyAuthenticatedPacketSent()
        peer.lastSentHandshake = now
        guard let endpoint = peer.endpoint else { return }
        record(.handshakeResponseSent, .tx, DecisionSubject(peer: peer.publicKey, receiverIndex: consumed.initiatorIndex,
                                                            endpoint: endpoint), reason: .responseSent)
        peer.txBytes += UInt64(message.count)
        outlet?.transmit(message, to: endpoint, context: .none)
    }

    /// A valid response to our pending initiation: the keypair becomes `current` at once and we
    /// confirm it with staged packets or a keepalive.
    private func receiveResponse(_ message: [UInt8], from source: Endpoint, now: Int64) -> Peer? {
        let index = readLE32(message, 8)
        guard case .handshake(let peer)? = indexTable[index], case .createdInitiation(let state) = peer.handshake,
              peer.handshakeIndex == index else {
            record(.droppedInvalid, .rx, DecisionSubject(receiverIndex: index, endpoint: source),
                   reason: .invalid(.noPendingHandshake(index)))
            return nil
        }
        let keys: SessionKeys
        do {
            keys = try Noise.consumeResponse(message, state: state, local: identity, presharedKey: peer.presharedKey)
        } catch {
            record(.droppedInvalid, .rx, DecisionSubject(peer: peer.publicKey, receiverIndex: index, endpoint: source),
                   reason: .invalid(.handshake("\(error)")))
            return nil
        }
        record(.handshakeResponseReceived, .rx, DecisionSubject(peer: peer.publicKey, receiverIndex: index, endpoint: source),
               reason: .responseReceived)
        updateEndpoint(peer, to: source)
        installKeypair(keys, peer: peer, isInitiator: true, now: now)
        peer.timers.sessionDerived(now: now)
        handshakeCompleted(peer, now: now)
        sendKeepalive(peer, .keyConfirmation, now: now)
        return peer
    }

    /// Derived keys become a keypair under the handshake's index (`wg_index_hashtable_replace`).
    private func installKeypair(_ keys: SessionKeys, peer: Peer, isInitiator: Bool, now: Int64) {
        clearHandshake(peer)
        let keypair = Keypair(sendingKey: keys.sending, receivingKey: keys.receiving, localIndex: keys.localIndex,
                              remoteIndex: keys.remoteIndex, isInitiator: isInitiator, birth: now)
        unregister(peer.keypairs.install(keypair))
        indexTable[keypair.localIndex] = .keypair(keypair, peer)
    }

    /// A cookie reply: matched by index among handshakes and keypairs; no mac check, no timers,
    /// no endpoint update.
    private func receiveCookieReply(_ message: [UInt8], from source: Endpoint, now: Int64) {
        let index = readLE32(message, 4)
        let peer: Peer
        switch indexTable[index] {
        case .handshake(let p)?: peer = p
        case .keypair(_, let p)?: peer = p
        case nil:
            record(.droppedInvalid, .rx, DecisionSubject(receiverIndex: index, endpoint: source), reason: .invalid(.unknownIndex(index)))
            return
        }
        do { try peer.cookie.consume(message, now: now) } catch {
            record(.droppedInvalid, .rx, DecisionSubject(peer: peer.publicKey, receiverIndex: index, endpoint: source),
                   reason: .invalid(.cookieRejected("\(error)")))
            return
        }
        record(.cookieReplyReceived, .rx, DecisionSubject(peer: peer.publicKey, receiverIndex: index, endpoint: source),
               reason: .cookieReplyReceived)
    }
}
