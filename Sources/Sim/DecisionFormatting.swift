import Packet
import Routing

/// The two written forms of a decision: one JSON object per line (decisions.jsonl, keys in the
/// fixed order of scenario-format.md, absent fields left out) and one readable line
/// (decisions.txt).
extension DecisionRecord {
    /// `{"t":…,"node":…,"iface":…,"dir":…,"src":…,"dst":…,"proto":…,"len":…,"action":…,
    /// "peer":…,"prefix":…,"candidates":[{"prefix":…,"peer":…}],"counter":…,"receiver-index":…,
    /// "endpoint":…,"trace":{"file":…,"frame":…},"why":…}`
    public var jsonLine: String {
        var out = "{\"t\":\(t)"
        out += ",\"node\":"; JSONText.appendString(node, to: &out)
        out += ",\"iface\":"; JSONText.appendString(iface, to: &out)
        if let dir { out += ",\"dir\":\"\(dir.rawValue)\"" }
        if let summary = packet.flatMap({ try? IPPacketSummaryBox.parse($0) }) {
            out += ",\"src\":\"\(summary.source)\",\"dst\":\"\(summary.destination)\""
            out += ",\"proto\":\"\(Self.protocolName(summary.protocolNumber))\",\"len\":\(summary.totalLength)"
        } else if let packet {
            out += ",\"len\":\(packet.count)"
        }
        out += ",\"action\":"; JSONText.appendString(action, to: &out)
        if let peer { out += ",\"peer\":"; JSONText.appendString(peer, to: &out) }
        if let prefix { out += ",\"prefix\":\"\(prefix)\"" }
        if !candidateKeys.isEmpty {
            out += ",\"candidates\":["
            for (i, candidate) in candidates.enumerated() {
                if i > 0 { out += "," }
                out += "{\"prefix\":\"\(candidate.prefix)\",\"peer\":"
                JSONText.appendString(candidate.peer, to: &out)
                out += "}"
            }
            out += "]"
        }
        if let counter { out += ",\"counter\":\(counter)" }
        if let receiverIndex { out += ",\"receiver-index\":\(receiverIndex)" }
        if let endpoint { out += ",\"endpoint\":"; JSONText.appendString(endpoint.description, to: &out) }
        if let trace {
            out += ",\"trace\":{\"file\":"
            JSONText.appendString(trace.file, to: &out)
            out += ",\"frame\":\(trace.frame)}"
        }
        out += ",\"why\":"; JSONText.appendString(why, to: &out)
        out += "}"
        return out
    }

    /// `12.000000500 server wg0 tx encrypted icmp 192.168.0.1 > 192.168.32.19 len 84 peer EFGH
    /// prefix 192.168.32.19/32 (also 192.168.32.0/24 ABCD) counter 3 endpoint …: why`
    public var textLine: String {
        var out = Self.secondsText(t) + " " + node + " " + iface
        if let dir { out += " " + dir.rawValue }
        out += " " + action
        if let summary = packet.flatMap({ try? IPPacketSummaryBox.parse($0) }) {
            out += " \(Self.protocolName(summary.protocolNumber)) \(summary.source) > \(summary.destination)"
            out += " len \(summary.totalLength)"
        }
        if let peer { out += " peer " + peer }
        if let prefix { out += " prefix \(prefix)" }
        let others = candidates
        if !others.isEmpty {
            out += " (also " + others.map { "\($0.prefix) \($0.peer)" }.joined(separator: ", ") + ")"
        }
        if let counter { out += " counter \(counter)" }
        if let receiverIndex { out += " receiver-index \(receiverIndex)" }
        if let endpoint { out += " endpoint \(endpoint)" }
        if let trace { out += " [\(trace.file) #\(trace.frame)]" }
        if !why.isEmpty { out += ": " + why }
        return out
    }

    /// Simulated nanoseconds as seconds with nine decimals: `1.000000500`.
    static func secondsText(_ t: Int64) -> String {
        let sign = t < 0 ? "-" : ""
        let magnitude = t.magnitude
        let fraction = String(magnitude % 1_000_000_000)
        return sign + String(magnitude / 1_000_000_000) + "."
            + String(repeating: "0", count: 9 - fraction.count) + fraction
    }
}

/// Reads an inner packet's summary for formatting; a thin indirection so formatting code names
/// one place that parses.
enum IPPacketSummaryBox {
    static func parse(_ bytes: [UInt8]) throws -> IPPacketSummary { try IPPacketSummary(parsing: bytes) }
}

/// JSON string escaping (RFC 8259): quotes, backslashes and control characters.
enum JSONText {
    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
