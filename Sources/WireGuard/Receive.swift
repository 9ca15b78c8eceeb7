import Packet
import Routing

/// The receive path for transport data [compat src/receive.c], in the order of behaviour doc
/// §3.1. Handshake messages are in ReceiveHandshake.swift.
extension Device {
    /// A UDP payload arrived at the listen port from `source`. `context` is the caller's for the
    /// datagram: it comes back on the decisions about the inner packet it carries and on its
    /// delivery.
    public func receive(_ datagram: [UInt8], from source: Endpoint, context: PacketContext = .none, now: Int64,
                        into events: inout [DeviceEvent]) {
        let call = collect(into: &events)
        defer { finish(call, into: &events) }
        receive(datagram, from: source, context: context, sealed: nil, now: now)
    }

    /// `receive(_:from:context:now:into:)` with each event handed to `outlet` as it is made.
    /// `sealed`: what the datagram's sender sealed in it, when the caller carried that with it
    /// (`SealedPlaintext`); only ever for the very bytes that sender sealed.
    public func receive(_ datagram: [UInt8], from source: Endpoint, context: PacketContext = .none,
                        sealed: SealedPlaintext? = nil, now: Int64, to outlet: DeviceEventOutlet) {
        sending(to: outlet) { receive(datagram, from: source, context: context, sealed: sealed, now: now) }
    }

    private func receive(_ datagram: [UInt8], from source: Endpoint, context: PacketContext,
                         sealed: SealedPlaintext?, now: Int64) {
        guard isUp else {
            record(.droppedInvalid, .rx, DecisionSubject(endpoint: source), reason: .interfaceDown)
            return
        }
        // Step 1: a little-endian u32 type whose upper three bytes are zero, and exact sizes.
        guard datagram.count >= 4 else {
            record(.droppedInvalid, .rx, DecisionSubject(endpoint: source), reason: .invalid(.tooShort(length: datagram.count)))
            return
        }
        let type = readLE32(datagram, 0)
        switch type {
        case 1, 2, 3:
            let required = [WireGuardConstants.initiationLength, WireGuardConstants.responseLength,
                            WireGuardConstants.cookieReplyLength][Int(type) - 1]
            guard datagram.count == required else {
                record(.droppedInvalid, .rx, DecisionSubject(endpoint: source),
                       reason: .invalid(.wrongLength(type: UInt8(type), length: datagram.count)))
                return
            }
            receiveHandshake(datagram, type: UInt8(type), from: source, now: now)
        case 4:
            guard datagram.count >= WireGuardConstants.keepaliveMessageLength else {
                record(.droppedInvalid, .rx, DecisionSubject(endpoint: source),
                       reason: .invalid(.wrongLength(type: 4, length: datagram.count)))
                return
            }
            receiveTransport(datagram, from: source, context: context, sealed: sealed, now: now)
        default:
            record(.droppedInvalid, .rx, DecisionSubject(endpoint: source), reason: .invalid(.unknownType(type)))
        }
    }

    private func receiveTransport(_ message: [UInt8], from source: Endpoint, context: PacketContext,
                                  sealed: SealedPlaintext?, now: Int64) {
        let index = readLE32(message, 4)
        let counter = readLE64(message, 8)
        // Step 2: keypair entries only.
        guard case .keypair(let keypair, let peer)? = indexTable[index] else {
            record(.droppedInvalid, .rx, DecisionSubject(counter: counter, receiverIndex: index, endpoint: source),
                   reason: .invalid(.unknownIndex(index)))
            return
        }
        // Step 3: key usable, then authenticate and decrypt.
        if !keypair.receivingValid || keypair.hasExpired(after: WireGuardConstants.rejectAfterTime, now: now)
            || keypair.replay.counter >= WireGuardConstants.rejectAfterMessages {
            keypair.receivingValid = false
            record(.droppedInvalid, .rx, DecisionSubject(peer: peer.publicKey, counter: counter, receiverIndex: index,
                                                         endpoint: source), reason: .invalid(.keyUnusable))
            return
        }
        // The decrypted length: the message less header and tag, whoever opens it.
        let decryptedLength = message.count - WireGuardConstants.transportHeaderLength - WireGuardConstants.authTagLength
        var plaintext: [UInt8]
        if let known = knownOpen(message, sealed, keypair: keypair, decryptedLength: decryptedLength) {
            plaintext = known
        } else {
            plaintext = []
            // A message sent unsealed is opened as it would have been sent (`PendingTransportSeal`).
            let received = sealed?.pending?.sealedCopy() ?? message
            guard (try? Transport.open(received, key: keypair.receiving, into: &plaintext)) != nil else {
                record(.droppedInvalid, .rx, DecisionSubject(peer: peer.publicKey, counter: counter, receiverIndex: index,
                                                             endpoint: source), reason: .invalid(.authenticationFailed))
                return
            }
        }
        // Step 4: replay window.
        guard keypair.replay.validate(counter) else {
            record(.droppedReplay, .rx, DecisionSubject(peer: peer.publicKey, counter: counter, receiverIndex: index,
                                                        endpoint: source), reason: .replay(nonce: counter, highest: keypair.replay.highestAccepted))
            return
        }
        let isKeepalive = decryptedLength == 0
        // Padding is trimmed now (the kernel trims at step 11) so every decision shows the real
        // packet; the length checks below still see the decrypted length. (A known open may
        // hand over the packet already without its padding: `knownOpen`.)
        // The inner header is read once here and handed to the checks of steps 11-13, as the
        // kernel reads `ip_hdr(skb)` once in `wg_packet_consume_data_done` [compat src/receive.c].
        let header = IPHeaderView(plaintext)
        if let declared = header?.declaredLength, declared >= 20, declared < plaintext.count {
            plaintext.removeLast(plaintext.count - declared)
        }
        let confirms = peer.keypairs.next === keypair
        if isKeepalive {
            record(.keepaliveReceived, .rx, DecisionSubject(peer: peer.publicKey, counter: counter, receiverIndex: index,
                                                            endpoint: source), reason: .keepaliveReceived(confirmsSession: confirms))
        } else {
            record(.decrypted, .rx, DecisionSubject(peer: peer.publicKey, counter: counter, receiverIndex: index,
                                                    endpoint: source, packet: plaintext, context: context),
                   reason: .decrypted(confirmsSession: confirms))
        }
        // Step 5: roaming, before any inner check.
        updateEndpoint(peer, to: source)
        // Step 6: key confirmation.
        let (confirmed, dropped) = peer.keypairs.receivedWith(keypair)
        unregister(dropped)
        if confirmed {
            handshakeCompleted(peer, now: now)
            sendStaged(peer, now: now)
        }
        // Steps 7-8.
        keepKeyFreshAfterReceiving(peer, now: now)
        peer.timers.anyAuthenticatedPacketReceived()
        peer.timers.traversal(now: now)
        // Step 9: keepalives end here.
        if isKeepalive {
            peer.rxBytes += UInt64(message.count)
            reschedule(peer)
            return
        }
        // Step 10: the data-received timer is armed before the inner checks.
        peer.timers.dataReceived(now: now)
        deliverIfAllowed(consume plaintext, header: header, context: context, decryptedLength: decryptedLength, from: peer,
                         messageLength: message.count)
        reschedule(peer)
    }

    /// Step 3's open when its result is known, or nil to open the message now (today's path).
    ///
    /// Known means: the datagram came with its sender's plaintext and key (`SealedPlaintext`),
    /// that key is byte for byte the receiving keypair's, and the outlet takes the real open as a
    /// verification to run later (`DeviceEventOutlet.verifiesOpen`). The caller carries a
    /// `SealedPlaintext` only with the bytes its sender sealed, unchanged, so libsodium's open
    /// under that key authenticates them and gives the packet followed by the zero padding; the
    /// verification checks exactly that. Every other case (no plaintext carried, another key, an
    /// outlet that does not verify) returns nil, and an authentication failure is decided by the
    /// real open as before.
    ///
    /// The result is what the open would give after the trimming that follows it: the packet
    /// padded with zeros to `decryptedLength`, or the packet itself when that trimming would cut
    /// the padding off again (an IP header whose declared length is the packet's own: the header
    /// fields read from the first 20 or 40 bytes are the same, padded or not), which saves the
    /// padded copy.
    private func knownOpen(_ message: [UInt8], _ sealed: SealedPlaintext?, keypair: Keypair,
                           decryptedLength: Int) -> [UInt8]? {
        // The parts are read one by one: binding the whole `sealed` copied it (a retain and a
        // release of each of its references).
        guard let sealedBy = sealed?.keypair, sealedBy.sending == keypair.receiving,
              let packet = sealed?.packet, packet.count <= decryptedLength,
              let outletReference,
              outletReference._withUnsafeGuaranteedRef({
                  $0.verifiesOpen(TransportOpenCheck(message: message, key: keypair.receiving, packet: packet,
                                                     pending: sealed?.pending))
              })
        else { return nil }
        if packet.count == decryptedLength { return packet }
        if let header = IPHeaderView(packet), header.declaredLength == packet.count { return packet }
        return [UInt8](zeroedCount: decryptedLength) { base in
            packet.withUnsafeBufferPointer { p in
                if let source = p.baseAddress { base.update(from: source, count: p.count) }
            }
        }
    }

    /// Steps 11-13: inner header sanity, trim the padding, cryptokey source check, deliver.
    /// `header` was read from the packet before its padding was trimmed (nil: not IP).
    private func deliverIfAllowed(_ packet: consuming [UInt8], header: IPHeaderView?, context: PacketContext, decryptedLength: Int,
                                  from peer: Peer, messageLength: Int) {
        guard let header else {
            counters.rxErrors += 1
            counters.rxFrameErrors += 1
            record(.droppedInvalid, .rx, DecisionSubject(peer: peer.publicKey, packet: packet, context: context),
                   reason: .invalid(.innerNotIP))
            return
        }
        let declared = header.declaredLength
        guard declared >= header.fixedHeaderLength, declared <= decryptedLength else {
            counters.rxErrors += 1
            counters.rxLengthErrors += 1
            record(.droppedInvalid, .rx, DecisionSubject(peer: peer.publicKey, packet: packet, context: context),
                   reason: .invalid(.innerBadLength(declared: declared, actual: decryptedLength)))
            return
        }
        let source = header.source
        // The winner's prefix and peer slot, compared in place: binding the optional (prefix,
        // peer) tuple cost a destroy of it per packet through the runtime's generic value
        // witnesses (~140 instructions; docs/performance.md). The rare refusal looks up again.
        guard let match = routes.longestMatch(source), routes.peer(inSlot: match.slot) === peer else {
            let routed = routes.lookupEntry(source)
            counters.rxErrors += 1
            counters.rxFrameErrors += 1
            record(.droppedSrcNotAllowed, .rx, DecisionSubject(peer: peer.publicKey, prefix: routed?.prefix,
                                                               candidates: otherCandidates(source, winner: routed?.prefix), endpoint: peer.endpoint,
                                                               packet: packet, context: context), reason: .sourceNotAllowed(source: source, owner: routed?.peer.publicKey))
            return
        }
        peer.rxBytes += UInt64(messageLength)
        record(.delivered, .rx, DecisionSubject(peer: peer.publicKey, prefix: match.prefix,
                                                candidates: otherCandidates(source, winner: match.prefix, owner: peer), endpoint: peer.endpoint,
                                                packet: packet, context: context), reason: .delivered)
        // The packet moves on to the outlet (`take`): passed plainly, it was retained for the
        // call and released after it, on top of the decision's own reference.
        var delivered = Optional(consume packet)
        emit { $0.deliver(delivered.take()!, context: context) }
    }

    /// Roaming (§3.3): the endpoint follows every authenticated packet; logged only on change.
    func updateEndpoint(_ peer: Peer, to source: Endpoint) {
        guard peer.endpoint != source else { return }
        let old = peer.endpoint
        peer.endpoint = source
        record(.endpointUpdated, .rx, DecisionSubject(peer: peer.publicKey, endpoint: source), reason: .endpointUpdated(from: old))
    }

    /// `wg_timers_handshake_complete` plus the bookkeeping that goes with it.
    func handshakeCompleted(_ peer: Peer, now: Int64) {
        peer.timers.handshakeComplete()
        peer.sentLastMinuteHandshake = false
        peer.latestHandshake = now
    }

    /// `keep_key_fresh` on receive: once per session we initiated, when it is 165 s old.
    private func keepKeyFreshAfterReceiving(_ peer: Peer, now: Int64) {
        guard !peer.sentLastMinuteHandshake, let k = peer.keypairs.current, k.sendingValid, k.isInitiator,
              k.hasExpired(after: WireGuardConstants.lastMinuteRekeyAge, now: now) else { return }
        peer.sentLastMinuteHandshake = true
        requestInitiation(peer, isRetry: false, trigger: .lastMinute, now: now)
    }
}
