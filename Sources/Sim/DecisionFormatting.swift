import Packet
import Routing

/// The two written forms of a decision: one JSON object per line (decisions.jsonl, keys in the
/// fixed order of scenario-format.md, absent fields left out) and one readable line
/// (decisions.txt). Both are written straight into byte buffers, so a long log costs no
/// intermediate strings beyond the explanation itself.
extension DecisionRecord {
    /// `{"t":…,"node":…,"iface":…,"dir":…,"src":…,"dst":…,"proto":…,"len":…,"action":…,
    /// "peer":…,"prefix":…,"candidates":[{"prefix":…,"peer":…}],"counter":…,"receiver-index":…,
    /// "endpoint":…,"trace":{"file":…,"frame":…},"why":…}`
    public var jsonLine: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(320)
        appendJSONLine(to: &bytes, summary: parsedSummary, why: why)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `12.000000500 server wg0 tx encrypted icmp 192.168.0.1 > 192.168.32.19 len 84 peer EFGH
    /// prefix 192.168.32.19/32 (also 192.168.32.0/24 ABCD) counter 3 endpoint …: why`
    public var textLine: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(240)
        appendTextLine(to: &bytes, summary: parsedSummary, why: why)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends both lines (each ending in a newline), reading the packet and composing the
    /// explanation once.
    public func appendLines(json: inout [UInt8], text: inout [UInt8]) {
        let summary = parsedSummary
        let why = self.why
        appendJSONLine(to: &json, summary: summary, why: why)
        json.append(0x0A)
        appendTextLine(to: &text, summary: summary, why: why)
        text.append(0x0A)
    }

    var parsedSummary: IPPacketSummary? {
        guard let packet else { return nil }
        return try? IPPacketSummary(parsing: packet)
    }

    func appendJSONLine(to out: inout [UInt8], summary: IPPacketSummary?, why: String) {
        out.append(contentsOf: #"{"t":"#.utf8)
        ByteText.appendInteger(t, to: &out)
        ByteText.append(#","node":"#, to: &out); ByteText.appendJSONString(node, to: &out)
        ByteText.append(#","iface":"#, to: &out); ByteText.appendJSONString(iface, to: &out)
        if let dir { ByteText.append(dir == .tx ? #","dir":"tx""# : #","dir":"rx""#, to: &out) }
        if let summary {
            ByteText.append(#","src":""#, to: &out); ByteText.appendAddress(summary.source, to: &out)
            ByteText.append(#"","dst":""#, to: &out); ByteText.appendAddress(summary.destination, to: &out)
            ByteText.append(#"","proto":""#, to: &out); ByteText.append(Self.protocolName(summary.protocolNumber), to: &out)
            ByteText.append(#"","len":"#, to: &out); ByteText.appendInteger(summary.totalLength, to: &out)
        } else if let packet {
            ByteText.append(#","len":"#, to: &out); ByteText.appendInteger(packet.count, to: &out)
        }
        ByteText.append(#","action":"#, to: &out); ByteText.appendJSONString(action, to: &out)
        if let peer { ByteText.append(#","peer":"#, to: &out); ByteText.appendJSONString(peer, to: &out) }
        if let prefix {
            ByteText.append(#","prefix":""#, to: &out); ByteText.appendPrefix(prefix, to: &out); out.append(0x22)
        }
        if !candidateKeys.isEmpty {
            ByteText.append(#","candidates":["#, to: &out)
            for (i, candidate) in candidates.enumerated() {
                ByteText.append(i == 0 ? #"{"prefix":""# : #",{"prefix":""#, to: &out)
                ByteText.appendPrefix(candidate.prefix, to: &out)
                ByteText.append(#"","peer":"#, to: &out)
                ByteText.appendJSONString(candidate.peer, to: &out)
                out.append(0x7D)
            }
            out.append(0x5D)
        }
        if let counter { ByteText.append(#","counter":"#, to: &out); ByteText.appendInteger(counter, to: &out) }
        if let receiverIndex {
            ByteText.append(#","receiver-index":"#, to: &out); ByteText.appendInteger(receiverIndex, to: &out)
        }
        if let endpoint {
            ByteText.append(#","endpoint":""#, to: &out); ByteText.appendEndpoint(endpoint, to: &out); out.append(0x22)
        }
        if let trace {
            ByteText.append(#","trace":{"file":"#, to: &out); ByteText.appendJSONString(trace.file, to: &out)
            ByteText.append(#","frame":"#, to: &out); ByteText.appendInteger(trace.frame, to: &out); out.append(0x7D)
        }
        ByteText.append(#","why":"#, to: &out); ByteText.appendJSONString(why, to: &out)
        out.append(0x7D)
    }

    func appendTextLine(to out: inout [UInt8], summary: IPPacketSummary?, why: String) {
        ByteText.appendSeconds(t, to: &out)
        out.append(0x20); ByteText.append(node, to: &out)
        out.append(0x20); ByteText.append(iface, to: &out)
        if let dir { ByteText.append(dir == .tx ? " tx" : " rx", to: &out) }
        out.append(0x20); ByteText.append(action, to: &out)
        if let summary {
            out.append(0x20); ByteText.append(Self.protocolName(summary.protocolNumber), to: &out)
            out.append(0x20); ByteText.appendAddress(summary.source, to: &out)
            ByteText.append(" > ", to: &out); ByteText.appendAddress(summary.destination, to: &out)
            ByteText.append(" len ", to: &out); ByteText.appendInteger(summary.totalLength, to: &out)
        }
        if let peer { ByteText.append(" peer ", to: &out); ByteText.append(peer, to: &out) }
        if let prefix { ByteText.append(" prefix ", to: &out); ByteText.appendPrefix(prefix, to: &out) }
        if !candidateKeys.isEmpty {
            ByteText.append(" (also ", to: &out)
            for (i, candidate) in candidates.enumerated() {
                if i > 0 { ByteText.append(", ", to: &out) }
                ByteText.appendPrefix(candidate.prefix, to: &out)
                out.append(0x20)
                ByteText.append(candidate.peer, to: &out)
            }
            out.append(0x29)
        }
        if let counter { ByteText.append(" counter ", to: &out); ByteText.appendInteger(counter, to: &out) }
        if let receiverIndex { ByteText.append(" receiver-index ", to: &out); ByteText.appendInteger(receiverIndex, to: &out) }
        if let endpoint { ByteText.append(" endpoint ", to: &out); ByteText.appendEndpoint(endpoint, to: &out) }
        if let trace {
            ByteText.append(" [", to: &out); ByteText.append(trace.file, to: &out)
            ByteText.append(" #", to: &out); ByteText.appendInteger(trace.frame, to: &out); out.append(0x5D)
        }
        if !why.isEmpty {
            ByteText.append(": ", to: &out)
            // One line per decision: a multi-line note (e.g. `wg show`) is indented under it.
            if why.utf8.contains(0x0A) {
                for byte in why.utf8 {
                    out.append(byte)
                    if byte == 0x0A { ByteText.append("    ", to: &out) }
                }
            } else {
                out.append(contentsOf: why.utf8)
            }
        }
    }

    /// Simulated nanoseconds as seconds with nine decimals: `1.000000500`.
    static func secondsText(_ t: Int64) -> String {
        var bytes: [UInt8] = []
        ByteText.appendSeconds(t, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
