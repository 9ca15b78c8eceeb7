import Packet
import Routing
import WireGuard

/// The composer's inner-packet fields: an IP packet's addresses, protocol and length formatted
/// once as pieces both lines share (`composeLines` and the line templates read them).
extension DecisionLineComposer {
    /// Writes the packet's src, dst, proto and len pieces into `scratch` (empty) and again at the
    /// start of `text`, then the packet's part of each line after them in `text`; sets `out` to
    /// them. With `lengthMarker`, the length is its marker (a line template's). The number of
    /// bytes the pieces take.
    func formatPacket(_ packet: borrowing [UInt8], into text: ByteBuffer, pieces out: UnsafeMutablePointer<PacketPieces>,
                              lengthMarker: Bool) -> Int {
        assert(scratch.count == 0, "the packet's pieces come first in scratch")
        var pieces: PacketPieces = (nil, nil, BufferPiece(), BufferPiece(), nil, nil)
        pieces.header = IPHeaderView(packet)
        if let fields = Self.loggedFields(packet, header: pieces.header) {
            do {
                let start = scratch.count
                self.fields.appendAddress(fields.source, to: scratch)
                pieces.source = piece(since: start)
            }
            do {
                let start = scratch.count
                self.fields.appendAddress(fields.destination, to: scratch)
                pieces.destination = piece(since: start)
            }
            do {
                let start = scratch.count
                ByteText.appendProtocolName(fields.protocolNumber, to: scratch)
                pieces.proto = piece(since: start)
            }
            if lengthMarker {
                pieces.length = marker(.length)
            } else {
                let start = scratch.count
                ByteText.appendInteger(fields.totalLength, to: scratch)
                pieces.length = piece(since: start)
            }
        } else {
            do {
                let start = scratch.count
                ByteText.appendInteger(packet.count, to: scratch)
                pieces.length = piece(since: start)
            }
        }
        text.removeAll()
        text.append(UnsafePointer(scratch.base), count: scratch.count)
        let piecesCount = scratch.count
        // The packet's part of each line, written once for the decisions about it:
        // `,"src":"…","dst":"…","proto":"…","len":…` and ` proto src > dst len …`.
        scratch.reserve(16)   // so that each piece may be moved in 16-byte steps
        let base = UnsafePointer(scratch.base)
        var c = text.cursor(reserving: 128 + 2 * piecesCount)
        let jsonStart = c.at - text.base
        if let source = pieces.source, let destination = pieces.destination {
            c.appendLiteral(#","src":""#); c.appendPiece(source, of: base)
            c.appendLiteral(#"","dst":""#); c.appendPiece(destination, of: base)
            c.appendLiteral(#"","proto":""#); c.appendPiece(pieces.proto, of: base)
            c.appendLiteral(#"","len":"#); c.appendPiece(pieces.length, of: base)
        } else {
            c.appendLiteral(#","len":"#); c.appendPiece(pieces.length, of: base)
        }
        let textStart = c.at - text.base
        if let source = pieces.source, let destination = pieces.destination {
            c.append(0x20); c.appendPiece(pieces.proto, of: base)
            c.append(0x20); c.appendPiece(source, of: base)
            c.appendLiteral(" > "); c.appendPiece(destination, of: base)
            c.appendLiteral(" len "); c.appendPiece(pieces.length, of: base)
        }
        let end = c.at - text.base
        text.commit(c)
        pieces.lines = (BufferPiece(start: jsonStart, count: textStart - jsonStart),
                        BufferPiece(start: textStart, count: end - textStart))
        text.reserve(16)   // so that each part may be moved in 16-byte steps
        out.pointee = pieces
        return piecesCount
    }

    /// The src, dst, proto and len the log writes, exactly as `IPPacketSummary(parsing:)` reads
    /// them; nil exactly when it throws. An IPv4 packet, almost every one the log sees, needs
    /// only its header's fields (the summary also walks ports and fragments the log never
    /// writes); IPv6's protocol is the one after its extension headers, so it goes through the
    /// summary.
    static func loggedFields(_ packet: borrowing [UInt8], header: IPHeaderView?)
        -> (source: IPAddress, destination: IPAddress, protocolNumber: UInt8, totalLength: Int)? {
        guard let header else {
            // Not a complete fixed header: the summary throws for every such packet.
            return nil
        }
        if header.isIPv4 {
            guard header.declaredLengthFits else { return nil }
            return (header.source, header.destination, header.protocolNumber, header.declaredLength)
        }
        guard let summary = try? IPPacketSummary(parsing: copy packet) else { return nil }
        return (summary.source, summary.destination, summary.protocolNumber, summary.totalLength)
    }
}
