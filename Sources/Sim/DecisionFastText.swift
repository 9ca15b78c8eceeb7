import Routing
import WireGuard

/// The pieces of a decision already written earlier in the same buffer, which a per-packet
/// explanation repeats: copied instead of formatted again. Nil where the record has no such
/// field (or, for the addresses, where the packet's summary could not be read).
struct RepeatedPieces {
    var source: BufferPiece?
    var destination: BufferPiece?
    var prefix: BufferPiece?
    var counter: BufferPiece?
    var receiverIndex: BufferPiece?
    var endpoint: BufferPiece?
}

/// The explanations of the three decisions every data packet gets (sealed, decrypted,
/// delivered) written straight into the log buffers, word for word what `DecisionText` says,
/// without composing a String per decision. Every other explanation goes through `why`.
extension DecisionRecord {
    /// The device reason if it is one of the per-packet three, else nil.
    var perPacketReason: DecisionReason? {
        guard case .device(let reason) = decider else { return nil }
        switch reason {
        case .sealed, .decrypted, .delivered: return reason
        default: return nil
        }
    }

    /// Appends the explanation of a per-packet reason, unescaped (the JSON line escapes it, the
    /// text line indents a name's newline as it does multi-line notes). `peerName` is the
    /// record's `peer`, already looked up; `pieces` are this record's fields already in `out`.
    func appendPerPacketWhy(_ reason: DecisionReason, peerName: String?, pieces: RepeatedPieces, to out: ByteBuffer) {
        switch reason {
        case .sealed:
            appendLookup(address: pieces.destination, offset: 16, offset6: 24, label: "", peerName: peerName, pieces: pieces, to: out)
            out.appendLiteral("; sealed with counter ")
            appendOptional(pieces.counter, to: out)
            out.appendLiteral(" for ")
            if let endpoint = pieces.endpoint { out.appendCopy(of: endpoint) } else { out.appendLiteral("no endpoint") }
        case .decrypted:
            out.appendLiteral("opened under index ")
            appendOptional(pieces.receiverIndex, to: out)
            out.appendLiteral(" with counter ")
            appendOptional(pieces.counter, to: out)
            out.appendLiteral(" from ")
            appendName(peerName, to: out)
        default:
            appendLookup(address: pieces.source, offset: 12, offset6: 8, label: "source", peerName: peerName, pieces: pieces, to: out)
            out.appendLiteral("; source allowed for ")
            appendName(peerName, to: out)
            out.appendLiteral(": delivered")
        }
    }

    private func appendOptional(_ piece: BufferPiece?, to out: ByteBuffer) {
        if let piece { out.appendCopy(of: piece) } else { out.append(0x2D) }
    }

    /// `ADDRESS matched PREFIX (PEER); also matched Q (OTHER), … — most specific wins`, or
    /// `ADDRESS routed to PEER` without a prefix; ADDRESS is "[label ]address" or the label
    /// alone ("destination" when the label is empty) when the packet has no address. The
    /// address is the summary's (`address`) or, when the summary could not be read, the one the
    /// device reads at `offset` (IPv4) or `offset6` (IPv6).
    private func appendLookup(address: BufferPiece?, offset: Int, offset6: Int, label: String, peerName: String?,
                              pieces: RepeatedPieces, to out: ByteBuffer) {
        if let address {
            if !label.isEmpty { out.append(label); out.append(0x20) }
            out.appendCopy(of: address)
        } else if let address = Self.innerAddress(packet, offset: offset, offset6: offset6) {
            if !label.isEmpty { out.append(label); out.append(0x20) }
            ByteText.appendAddress(address, to: out)
        } else {
            out.append(label.isEmpty ? "destination" : label)
        }
        guard let prefix = pieces.prefix else {
            out.appendLiteral(" routed to ")
            appendName(peerName, to: out)
            return
        }
        out.appendLiteral(" matched ")
        out.appendCopy(of: prefix)
        out.appendLiteral(" (")
        appendName(peerName, to: out)
        out.append(0x29)
        guard !candidateKeys.isEmpty else { return }
        out.appendLiteral("; also matched ")
        for (i, candidate) in candidateKeys.enumerated() {
            if i > 0 { out.appendLiteral(", ") }
            ByteText.appendPrefix(candidate.prefix, to: out)
            out.appendLiteral(" (")
            appendName(names?.name(of: candidate.peer) ?? candidate.peer.base64, to: out)
            out.append(0x29)
        }
        out.appendLiteral(" — most specific wins")
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
