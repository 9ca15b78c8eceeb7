import Routing
import WireGuard

/// The explanations of the three decisions every data packet gets (sealed, decrypted,
/// delivered) written straight into the log buffers, word for word what `DecisionText` says,
/// without composing a String per decision. Every other explanation goes through `why`.
extension DecisionRecord {
    /// The device reason if it is one of the per-packet three, else nil.
    var perPacketReason: DecisionReason? {
        guard case .device(let reason) = explanationMaterial else { return nil }
        switch reason {
        case .sealed, .decrypted, .delivered: return reason
        default: return nil
        }
    }

    /// Appends the explanation of a per-packet reason, unescaped (the JSON line escapes it, the
    /// text line indents a name's newline as it does multi-line notes). `peerName` is the
    /// record's `peer`, already looked up.
    func appendPerPacketWhy(_ reason: DecisionReason, peerName: String?, to out: ByteBuffer) {
        switch reason {
        case .sealed:
            appendLookup(address: Self.innerAddress(packet, offset: 16, offset6: 24), label: "", peerName: peerName, to: out)
            out.appendLiteral("; sealed with counter ")
            appendOptional(counter, to: out)
            out.appendLiteral(" for ")
            if let endpoint { ByteText.appendEndpoint(endpoint, to: out) } else { out.appendLiteral("no endpoint") }
        case .decrypted:
            out.appendLiteral("opened under index ")
            appendOptional(receiverIndex.map(UInt64.init), to: out)
            out.appendLiteral(" with counter ")
            appendOptional(counter, to: out)
            out.appendLiteral(" from ")
            appendName(peerName, to: out)
        default:
            appendLookup(address: Self.innerAddress(packet, offset: 12, offset6: 8), label: "source", peerName: peerName, to: out)
            out.appendLiteral("; source allowed for ")
            appendName(peerName, to: out)
            out.appendLiteral(": delivered")
        }
    }

    private func appendOptional(_ value: UInt64?, to out: ByteBuffer) {
        if let value { ByteText.appendUnsigned(value, to: out) } else { out.append(0x2D) }
    }

    /// `ADDRESS matched PREFIX (PEER); also matched Q (OTHER), … — most specific wins`, or
    /// `ADDRESS routed to PEER` without a prefix; ADDRESS is "[label ]address" or the label
    /// alone ("destination" when the label is empty) when the packet has no address.
    private func appendLookup(address: IPAddress?, label: String, peerName: String?, to out: ByteBuffer) {
        if let address {
            if !label.isEmpty { out.append(label); out.append(0x20) }
            ByteText.appendAddress(address, to: out)
        } else {
            out.append(label.isEmpty ? "destination" : label)
        }
        guard let prefix else {
            out.appendLiteral(" routed to ")
            appendName(peerName, to: out)
            return
        }
        out.appendLiteral(" matched ")
        ByteText.appendPrefix(prefix, to: out)
        out.appendLiteral(" (")
        appendName(peerName, to: out)
        out.append(0x29)
        guard !candidateKeys.isEmpty else { return }
        out.appendLiteral("; also matched ")
        for (i, candidate) in candidateKeys.enumerated() {
            if i > 0 { out.appendLiteral(", ") }
            ByteText.appendPrefix(candidate.prefix, to: out)
            out.appendLiteral(" (")
            appendPeerName(candidate.peer, to: out)
            out.append(0x29)
        }
        out.appendLiteral(" — most specific wins")
    }

    private func appendPeerName(_ key: PublicKey, to out: ByteBuffer) {
        appendName(names?.name(of: key) ?? key.base64, to: out)
    }

    /// A peer's name as `DecisionText` words it ("unknown peer" when there is none).
    private func appendName(_ name: String?, to out: ByteBuffer) {
        guard let name else { out.appendLiteral("unknown peer"); return }
        out.append(name)
    }

    /// The inner packet's address at `offset` (IPv4, at least 20 bytes) or `offset6` (IPv6, at
    /// least 40 bytes), as the device reads it.
    static func innerAddress(_ packet: [UInt8]?, offset: Int, offset6: Int) -> IPAddress? {
        guard let p = packet, let first = p.first else { return nil }
        func word(_ at: Int) -> UInt32 {
            UInt32(p[at]) << 24 | UInt32(p[at + 1]) << 16 | UInt32(p[at + 2]) << 8 | UInt32(p[at + 3])
        }
        switch first >> 4 {
        case 4 where p.count >= 20:
            return .v4(IPv4Address(word(offset)))
        case 6 where p.count >= 40:
            return .v6(IPv6Address(high: UInt64(word(offset6)) << 32 | UInt64(word(offset6 + 4)),
                                   low: UInt64(word(offset6 + 8)) << 32 | UInt64(word(offset6 + 12))))
        default:
            return nil
        }
    }
}
