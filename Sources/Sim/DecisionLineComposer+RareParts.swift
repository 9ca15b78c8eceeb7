import Packet
import Routing
import WireGuard

/// The rarer parts of a decision's lines (candidate and moved-from lists, route-choice words,
/// the words of decisions that are not the device's, indices as tshark writes them), kept out
/// of `composeLines` so that its per-packet code stays compact (docs/performance.md,
/// "Decision words").
extension DecisionLineComposer {
    /// `,"candidates":[{"prefix":…,"peer":…},…]` or `,"moved-from":[…]`.
    @inline(never)
    static func appendJSONEntries(_ opening: StaticString, _ entries: [(prefix: IPPrefix, peer: String)],
                                          to json: ByteBuffer) {
        json.appendLiteral(opening)
        for (i, entry) in entries.enumerated() {
            json.appendLiteral(i == 0 ? #"{"prefix":""# : #",{"prefix":""#)
            ByteText.appendPrefix(entry.prefix, to: json)
            json.appendLiteral(#"","peer":"#)
            ByteText.appendJSONString(entry.peer, to: json)
            json.append(0x7D)
        }
        json.append(0x5D)
    }

    /// ` (also 10.0.0.0/8 B, …)`.
    @inline(never)
    static func appendTextCandidates(_ candidates: [(prefix: IPPrefix, peer: String)], to text: ByteBuffer) {
        text.appendLiteral(" (also ")
        for (i, candidate) in candidates.enumerated() {
            if i > 0 { text.appendLiteral(", ") }
            ByteText.appendPrefix(candidate.prefix, to: text)
            text.append(0x20)
            text.append(candidate.peer)
        }
        text.append(0x29)
    }

    /// A route choice's words into `scratch` (`destination`: the packet's, already in it); whether
    /// they can go into JSON as they are. The route is read out of the record here, for the
    /// quarter of decisions that are route choices.
    @inline(never)
    func appendRouteChoice(of record: borrowing DecisionRecord, destination: BufferPiece?) -> Bool {
        guard case .host(.chose(let route)) = record.decider else { return true }
        DecisionRecord.appendRouteChoice(route, destination: destination, fields: fields, to: scratch) {
            nameSlots.appendBytes(of: $0, to: scratch)
        }
        return nameSlots.textSlot(route.device).pointee.isPlainJSON
    }

    /// A decision that is neither the device's nor a route choice: its words as the record has them.
    @inline(never)
    func appendWhy(of record: borrowing DecisionRecord) {
        scratch.append(record.why)
    }

    /// A device decision's words written again (for the text line's index).
    @inline(never)
    func appendWhy(_ reason: DecisionReason, of record: borrowing DecisionRecord, sink: consuming DecisionScratchSink) {
        DecisionText.write(reason, subject: record.subject, to: &sink)
        sink.finish()
    }

    /// Writes a 32-bit index as `0x` and eight lowercase hex digits: the form of WireGuard's
    /// `hex32` (the decoder's outputs) and of tshark's `wg.sender`/`wg.receiver` fields, written
    /// into the buffer without making a String, as every transport decision carries one.
    static func appendIndexAsTshark(_ value: UInt32, to out: ByteBuffer) {
        out.reserve(10)
        let at = out.base + out.count
        at[0] = 0x30; at[1] = 0x78   // "0x"
        for i in 0..<8 {
            let nibble = UInt8((value >> UInt32(28 - 4 * i)) & 0xF)
            at[2 + i] = nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
        }
        out.advance(by: 10)
    }
}
