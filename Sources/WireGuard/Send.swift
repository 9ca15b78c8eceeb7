import Packet
import Routing

/// The send path [compat src/device.c `wg_xmit`, src/send.c], behaviour doc §2.
extension Device {
    /// A packet from the host stack enters wg0: look up the destination among the allowed IPs,
    /// stage it on that peer, and send what the current session allows. `context` travels with
    /// the packet (through the staged queue) and comes back on every decision about it and on
    /// the datagram that carries it.
    public func send(_ packet: [UInt8], context: PacketContext = .none, now: Int64,
                     into events: inout [DeviceEvent]) {
        let call = collect(into: &events)
        defer { finish(call, into: &events) }
        send(packet, context: context, now: now)
    }

    /// `send(_:context:now:into:)` with each event handed to `outlet` as it is made.
    public func send(_ packet: [UInt8], context: PacketContext = .none, now: Int64, to outlet: DeviceEventOutlet) {
        sending(to: outlet) { send(packet, context: context, now: now) }
    }

    private func send(_ packet: [UInt8], context: PacketContext, now: Int64) {
        guard isUp else {
            record(.noRoute, .tx, DecisionSubject(packet: packet, context: context), reason: .interfaceDown)
            return
        }
        guard let destination = IPHeaderView(packet)?.destination else {
            counters.txErrors += 1
            record(.droppedInvalid, .tx, DecisionSubject(packet: packet, context: context), reason: .notIP(length: packet.count))
            return
        }
        // In two steps (`longestMatch`, `peer(inSlot:)`): no optional (prefix, peer) tuple to destroy.
        guard let match = routes.longestMatch(destination), let peer = routes.peer(inSlot: match.slot) else {
            counters.txErrors += 1
            record(.droppedNoPeer, .tx, DecisionSubject(candidates: otherCandidates(destination, winner: nil), packet: packet,
                                                        context: context), reason: .noPeer(destination: destination))
            outlet?.icmpUnreachable(offending: packet)
            return
        }
        let prefix = match.prefix
        let candidates = otherCandidates(destination, winner: prefix, owner: peer)
        guard peer.endpoint != nil else {
            counters.txErrors += 1
            record(.droppedNoEndpoint, .tx, DecisionSubject(peer: peer.publicKey, prefix: prefix, candidates: candidates, packet: packet,
                                                            context: context), reason: .noEndpoint)
            outlet?.icmpUnreachable(offending: packet)
            return
        }
        let item = StagedPacket(packet: packet, context: context, prefix: prefix, candidates: candidates)
        let problem = sessionProblem(peer, now: now)
        if problem == nil, peer.staged.isEmpty {
            // Nothing staged and a usable key: sent at once, exactly as staging it and taking it
            // straight back out would (nothing is dropped from an empty queue, and the queue is
            // empty after either way), without the queue's write and read of the packet.
            sendStaged(peer, now: now, arriving: item)
        } else {
            stage(item, on: peer)
            if let problem {
                record(.queued, .tx, DecisionSubject(peer: peer.publicKey, prefix: prefix, candidates: candidates, packet: packet,
                                                     context: context), reason: .staged(problem))
            }
            sendStaged(peer, now: now)
        }
        reschedule(peer)
    }

    /// Appends to the staged queue, dropping the oldest beyond MAX_STAGED_PACKETS (`tx_dropped`).
    func stage(_ item: StagedPacket, on peer: Peer) {
        let held = peer.staged.count
        for old in peer.staged.append(item) {
            counters.txDropped += 1
            record(.droppedQueueFull, .tx, DecisionSubject(peer: peer.publicKey, prefix: old.prefix,
                                                           packet: old.isKeepalive ? nil : old.packet, context: old.context),
                   reason: .queueFull(held: held))
        }
    }

    /// Why `current` cannot send now, or nil if it can (behaviour doc §2 step 5).
    func sessionProblem(_ peer: Peer, now: Int64) -> SessionProblem? {
        guard let k = peer.keypairs.current else { return .noKeypair }
        if !k.sendingValid { return .sendingInvalid }
        if k.hasExpired(after: WireGuardConstants.rejectAfterTime, now: now) { return .expired }
        if k.sendCounter >= WireGuardConstants.rejectAfterMessages { return .exhausted }
        return nil
    }

    /// `wg_packet_send_staged_packets`: seal everything staged under `current` with consecutive
    /// counters, or leave it staged and ask for a handshake when no key is usable.
    func sendStaged(_ peer: Peer, now: Int64) {
        guard !peer.staged.isEmpty else { return }
        if let problem = sessionProblem(peer, now: now) {
            noUsableKey(peer, problem, now: now)
            return
        }
        guard let keypair = peer.keypairs.current, let endpoint = peer.endpoint else { return }
        // Every packet needs a nonce below REJECT_AFTER_MESSAGES. The kernel hands out nonces
        // until one reaches it (the counter ends one past it), then marks the key invalid and
        // requeues the whole batch.
        if UInt64(peer.staged.count) > WireGuardConstants.rejectAfterMessages - keypair.sendCounter {
            keypair.sendCounter = WireGuardConstants.rejectAfterMessages + 1
            keypair.sendingValid = false
            noUsableKey(peer, .exhausted, now: now)
            return
        }
        peer.timers.traversal(now: now)
        peer.timers.anyAuthenticatedPacketSent()
        var dataSent = false
        while let item = peer.staged.popFirst() {
            guard sealAndTransmit(item, keypair: keypair, endpoint: endpoint, of: peer, now: now, dataSent: &dataSent) else {
                return
            }
        }
        finishSending(peer, dataSent: dataSent, now: now)
    }

    /// `sendStaged` for one packet that was not staged (`send` found the queue empty and the key
    /// usable): the same steps, in the same order, as staging it and sending the queue.
    private func sendStaged(_ peer: Peer, now: Int64, arriving item: consuming StagedPacket) {
        guard let keypair = peer.keypairs.current, let endpoint = peer.endpoint else { return }
        if WireGuardConstants.rejectAfterMessages - keypair.sendCounter < 1 {
            // Staged and sent, it would meet the nonce check below: keep the one path for that.
            stage(item, on: peer)
            sendStaged(peer, now: now)
            return
        }
        peer.timers.traversal(now: now)
        peer.timers.anyAuthenticatedPacketSent()
        var dataSent = false
        guard sealAndTransmit(item, keypair: keypair, endpoint: endpoint, of: peer, now: now, dataSent: &dataSent) else {
            return
        }
        finishSending(peer, dataSent: dataSent, now: now)
    }

    /// Seals one packet under `keypair` with the next counter, records it and hands the message
    /// to the outlet; false (the packet requeued at the front, a handshake asked for) when it
    /// cannot be sealed.
    private func sealAndTransmit(_ item: consuming StagedPacket, keypair: Keypair, endpoint: Endpoint, of peer: Peer,
                                 now: Int64, dataSent: inout Bool) -> Bool {
        let counter = keypair.sendCounter
        keypair.sendCounter += 1
        // A data packet's seal may be left to the environment (`PendingTransportSeal`): the
        // message then goes out with its header and padded plaintext, sealed where its bytes are
        // written. Keepalives are sealed here (they are few, and a receiver opens them for real).
        let defersSeal = !item.packet.isEmpty && keypair.sending.keyByteCount == AEAD.keyLength
            && (outletReference?._withUnsafeGuaranteedRef { $0.defersTransportSeals } ?? false)
        guard let message = defersSeal ? unsealedMessage(item.packet, keypair: keypair, counter: counter)
                                       : try? seal(item.packet, keypair: keypair, counter: counter) else {
            // Only a key that is not 32 bytes fails to seal (keys come from the KDF, so this
            // is not reachable from input). Answer as the kernel answers an unusable key
            // (§2 step 5): requeue at the front and ask for a handshake.
            peer.staged.prepend([item])
            keypair.sendingValid = false
            noUsableKey(peer, .sendingInvalid, now: now)
            return false
        }
        peer.txBytes += UInt64(message.count)
        // The packet and candidates are swapped out of the consumed item and moved on (to the
        // datagram and the decision): read as fields, each was retained again here and released
        // with the item.
        var packet: [UInt8] = []
        swap(&packet, &item.packet)
        let context = item.context
        if packet.isEmpty {
            record(.keepaliveSent, .tx, DecisionSubject(peer: peer.publicKey, counter: counter,
                                                        receiverIndex: keypair.remoteIndex, endpoint: endpoint),
                   reason: .keepalive(pendingKeepaliveTrigger ?? .keyConfirmation))
        } else {
            dataSent = true
            var candidates: [(prefix: IPPrefix, peer: PublicKey)] = []
            swap(&candidates, &item.candidates)
            record(.encrypted, .tx, DecisionSubject(peer: peer.publicKey, prefix: item.prefix, candidates: candidates,
                                                    counter: counter, receiverIndex: keypair.remoteIndex, endpoint: endpoint,
                                                    packet: packet, context: context), reason: .sealed)
        }
        // The packet and key go with the message (`SealedPlaintext`): a receiver holding the same
        // key then knows what its open gives and may leave libsodium's open to a verification.
        // Both taken into the closure (`take`): captured plainly, each was copied for the call.
        let pending = defersSeal ? PendingTransportSeal(unsealed: message, key: keypair.sending) : nil
        var sealed = Optional(SealedPlaintext(packet: consume packet, keypair: keypair, pending: pending))
        var datagram = Optional(consume message)
        emit { $0.transmit(datagram.take()!, to: endpoint, context: context, sealed: sealed.take()!) }
        return true
    }

    /// The end of `sendStaged`: the new-handshake timer after data, and the key's freshness.
    private func finishSending(_ peer: Peer, dataSent: Bool, now: Int64) {
        // Jitter is drawn only when the timer is actually armed, as the kernel does.
        if dataSent && !peer.timers.isPending(.newHandshake) {
            peer.timers.dataSent(now: now, jitter: random.rekeyTimeoutJitter())
        }
        keepKeyFreshAfterSending(peer, now: now)
    }

    private func noUsableKey(_ peer: Peer, _ problem: SessionProblem, now: Int64) {
        if problem == .expired || problem == .exhausted { peer.keypairs.current?.sendingValid = false }
        requestInitiation(peer, isRetry: false, trigger: .stagedPackets(problem), now: now)
    }

    /// The type-4 message: 16-byte header space, the packet, zero padding (§2 step 7), sealed in
    /// place. The returned array is the only allocation; it is made at its final size (tag space
    /// included), so sealing never grows it.
    func seal(_ packet: [UInt8], keypair: Keypair, counter: UInt64) throws -> [UInt8] {
        var buffer = unsealedMessage(packet, keypair: keypair, counter: counter)
        try Transport.sealInPlace(&buffer, plaintextLength: buffer.count - TransportHeader.minimumMessageLength,
                                  key: keypair.sending, receiverIndex: keypair.remoteIndex, counter: counter)
        return buffer
    }

    /// The type-4 message before its seal: the header (receiver index, counter) written, then
    /// the packet and its zero padding, then zeros where the tag goes; what `seal` seals in place.
    func unsealedMessage(_ packet: [UInt8], keypair: Keypair, counter: UInt64) -> [UInt8] {
        let padded = Transport.paddedLength(packet.count, mtu: mtu)
        let header = WireGuardConstants.transportHeaderLength
        let tag = WireGuardConstants.authTagLength
        return [UInt8](zeroedCount: header + padded + tag) { base in
            Transport.writeHeader(base, receiverIndex: keypair.remoteIndex, counter: counter)
            packet.withUnsafeBufferPointer { p in
                if let source = p.baseAddress { (base + header).update(from: source, count: p.count) }
            }
        }
    }

    /// `keep_key_fresh` after sending: rekey when `current` sent more than REKEY_AFTER_MESSAGES,
    /// or we initiated it and it is at least REKEY_AFTER_TIME old.
    private func keepKeyFreshAfterSending(_ peer: Peer, now: Int64) {
        guard let k = peer.keypairs.current, k.sendingValid else { return }
        if k.sendCounter > WireGuardConstants.rekeyAfterMessages {
            requestInitiation(peer, isRetry: false, trigger: .rekeyAfterMessages, now: now)
        } else if k.isInitiator && k.hasExpired(after: WireGuardConstants.rekeyAfterTime, now: now) {
            requestInitiation(peer, isRetry: false, trigger: .rekeyAfterTime, now: now)
        }
    }

    /// `wg_packet_send_keepalive`: stage an empty packet if nothing is staged, then send staged.
    func sendKeepalive(_ peer: Peer, _ trigger: KeepaliveTrigger, now: Int64) {
        if peer.staged.isEmpty { stage(StagedPacket(packet: [], context: .none, prefix: nil, candidates: []), on: peer) }
        pendingKeepaliveTrigger = trigger
        sendStaged(peer, now: now)
        pendingKeepaliveTrigger = nil
    }

    /// `wg_packet_send_queued_handshake_initiation`: a non-retry request resets the attempt
    /// count; nothing is sent within REKEY_TIMEOUT of the last handshake message we sent.
    func requestInitiation(_ peer: Peer, isRetry: Bool, trigger: InitiationTrigger, now: Int64) {
        if !isRetry { peer.timers.resetHandshakeAttempts() }
        guard !peer.isRemoved, peer.mayInitiate(now: now) else { return }
        sendInitiation(peer, trigger: trigger, now: now)
    }

    /// `wg_packet_send_handshake_initiation`: a new ephemeral and index, mac1/mac2, timers.
    private func sendInitiation(_ peer: Peer, trigger: InitiationTrigger, now: Int64) {
        peer.lastSentHandshake = now
        clearHandshake(peer)
        let ephemeral = PrivateKey.generate(using: &random)
        let index = newIndex()
        let timestamp = TAI64N(unixNanoseconds: unixTimeOrigin &+ now)
        guard case (var message, let state)? = try? Noise.createInitiation(
            local: identity, remote: peer.publicKey, presharedKey: peer.presharedKey,
            senderIndex: index, ephemeral: ephemeral, timestamp: timestamp, staticShared: staticShared(peer)) else {
            // Only a low-order (all-zero DH) peer key makes this fail; the kernel refuses too.
            record(.droppedInvalid, .tx, DecisionSubject(peer: peer.publicKey),
                   reason: .invalid(.handshake("cannot build an initiation for this peer key")))
            return
        }
        peer.cookie.addMacs(to: &message, now: now)
        peer.handshake = .createdInitiation(state)
        peer.handshakeIndex = index
        indexTable[index] = .handshake(peer)
        logSecrets(ephemeral: ephemeral, presharedKey: peer.presharedKey)
        switch trigger {
        case .rekeyAfterTime, .rekeyAfterMessages, .lastMinute:
            record(.rekey, .tx, DecisionSubject(peer: peer.publicKey, endpoint: peer.endpoint), reason: .rekey(trigger))
        default: break
        }
        peer.timers.traversal(now: now)
        peer.timers.anyAuthenticatedPacketSent()
        peer.lastSentHandshake = now
        if let endpoint = peer.endpoint {
            // The index recorded is our sender index: the receiver index of every message that
            // will come back under this handshake (response and transport data).
            record(.handshakeInitiationSent, .tx, DecisionSubject(peer: peer.publicKey, receiverIndex: index,
                                                                  endpoint: endpoint), reason: .initiation(trigger))
            peer.txBytes += UInt64(message.count)
            outlet?.transmit(message, to: endpoint, context: .none)
        } else {
            record(.droppedNoEndpoint, .tx, DecisionSubject(peer: peer.publicKey), reason: .initiationWithoutEndpoint)
        }
        peer.timers.handshakeInitiated(now: now, jitter: random.rekeyTimeoutJitter())
    }

    /// Key-log lines for Wireshark: the static key once, then per handshake the ephemeral key and
    /// (when set) the preshared key right after it, which is how Wireshark pairs them.
    func logSecrets(ephemeral: PrivateKey?, presharedKey: PresharedKey) {
        logStaticKey()
        guard let ephemeral else { return }
        outlet?.secret(KeyLogEntry(kind: .localEphemeralPrivate, key: ephemeral.bytes))
        if presharedKey != .zero {
            outlet?.secret(KeyLogEntry(kind: .presharedKey, key: presharedKey.bytes))
        }
    }

    func logStaticKey() {
        guard !staticKeyLogged else { return }
        staticKeyLogged = true
        outlet?.secret(KeyLogEntry(kind: .localStaticPrivate, key: privateKey.bytes))
    }
}
