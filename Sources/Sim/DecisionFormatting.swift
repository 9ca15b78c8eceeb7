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
        let bytes = ByteBuffer(capacity: 512)
        appendJSONLine(to: bytes, summary: parsedSummary, why: explainedRoute == nil && perPacketReason == nil ? why : "")
        return bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// `12.000000500 server wg0 tx encrypted icmp 192.168.0.1 > 192.168.32.19 len 84 peer EFGH
    /// prefix 192.168.32.19/32 (also 192.168.32.0/24 ABCD) counter 3 endpoint …: why`
    public var textLine: String {
        let bytes = ByteBuffer(capacity: 512)
        appendTextLine(to: bytes, summary: parsedSummary, why: explainedRoute == nil && perPacketReason == nil ? why : "")
        return bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Appends both lines (each ending in a newline), reading the packet and composing the
    /// explanation once.
    public func appendLines(json: ByteBuffer, text: ByteBuffer) {
        let summary = parsedSummary
        let why = explainedRoute == nil && perPacketReason == nil ? self.why : ""
        let peerName = peer
        appendJSONLine(to: json, summary: summary, why: why, peerName: peerName)
        json.append(0x0A)
        appendTextLine(to: text, summary: summary, why: why, peerName: peerName)
        text.append(0x0A)
    }

    var parsedSummary: IPPacketSummary? {
        guard let packet else { return nil }
        return try? IPPacketSummary(parsing: packet)
    }

    func appendJSONLine(to out: ByteBuffer, summary: IPPacketSummary?, why: String) {
        appendJSONLine(to: out, summary: summary, why: why, peerName: peer)
    }

    /// `peerName`: the record's `peer`, looked up once for both lines.
    func appendJSONLine(to out: ByteBuffer, summary: IPPacketSummary?, why: String, peerName: String?) {
        out.appendLiteral(#"{"t":"#)
        ByteText.appendInteger(t, to: out)
        out.appendLiteral(#","node":"#); ByteText.appendJSONString(node, to: out)
        out.appendLiteral(#","iface":"#); ByteText.appendJSONString(iface, to: out)
        if let dir { if dir == .tx { out.appendLiteral(#","dir":"tx""#) } else { out.appendLiteral(#","dir":"rx""#) } }
        if let summary {
            out.appendLiteral(#","src":""#); ByteText.appendAddress(summary.source, to: out)
            out.appendLiteral(#"","dst":""#); ByteText.appendAddress(summary.destination, to: out)
            out.appendLiteral(#"","proto":""#); out.append(ProtocolNames.name(summary.protocolNumber))
            out.appendLiteral(#"","len":"#); ByteText.appendInteger(summary.totalLength, to: out)
        } else if let packet {
            out.appendLiteral(#","len":"#); ByteText.appendInteger(packet.count, to: out)
        }
        out.appendLiteral(#","action":"#); ByteText.appendJSONString(action, to: out)
        if let peer = peerName { out.appendLiteral(#","peer":"#); ByteText.appendJSONString(peer, to: out) }
        if let prefix {
            out.appendLiteral(#","prefix":""#); ByteText.appendPrefix(prefix, to: out); out.append(0x22)
        }
        if !candidateKeys.isEmpty {
            out.appendLiteral(#","candidates":["#)
            for (i, candidate) in candidates.enumerated() {
                out.append(i == 0 ? #"{"prefix":""# : #",{"prefix":""#)
                ByteText.appendPrefix(candidate.prefix, to: out)
                out.appendLiteral(#"","peer":"#)
                ByteText.appendJSONString(candidate.peer, to: out)
                out.append(0x7D)
            }
            out.append(0x5D)
        }
        if let counter { out.appendLiteral(#","counter":"#); ByteText.appendInteger(counter, to: out) }
        if let receiverIndex {
            out.appendLiteral(#","receiver-index":"#); ByteText.appendInteger(receiverIndex, to: out)
        }
        if let endpoint {
            out.appendLiteral(#","endpoint":""#); ByteText.appendEndpoint(endpoint, to: out); out.append(0x22)
        }
        if let trace {
            out.appendLiteral(#","trace":{"file":"#); ByteText.appendJSONString(trace.file, to: out)
            out.appendLiteral(#","frame":"#); ByteText.appendInteger(trace.frame, to: out); out.append(0x7D)
        }
        if let route = explainedRoute {
            out.appendLiteral(#","why":""#)
            Self.appendRouteChoice(route, destination: summary?.destination, to: out, json: true)
            out.append(0x22)
        } else if let reason = perPacketReason {
            out.appendLiteral(#","why":""#)
            appendPerPacketWhy(reason, peerName: peerName, to: out, json: true)
            out.append(0x22)
        } else {
            out.appendLiteral(#","why":"#); ByteText.appendJSONString(why, to: out)
        }
        out.append(0x7D)
    }

    func appendTextLine(to out: ByteBuffer, summary: IPPacketSummary?, why: String) {
        appendTextLine(to: out, summary: summary, why: why, peerName: peer)
    }

    func appendTextLine(to out: ByteBuffer, summary: IPPacketSummary?, why: String, peerName: String?) {
        ByteText.appendSeconds(t, to: out)
        out.append(0x20); out.append(node)
        out.append(0x20); out.append(iface)
        if let dir { if dir == .tx { out.appendLiteral(" tx") } else { out.appendLiteral(" rx") } }
        out.append(0x20); out.append(action)
        if let summary {
            out.append(0x20); out.append(ProtocolNames.name(summary.protocolNumber))
            out.append(0x20); ByteText.appendAddress(summary.source, to: out)
            out.appendLiteral(" > "); ByteText.appendAddress(summary.destination, to: out)
            out.appendLiteral(" len "); ByteText.appendInteger(summary.totalLength, to: out)
        }
        if let peer = peerName { out.appendLiteral(" peer "); out.append(peer) }
        if let prefix { out.appendLiteral(" prefix "); ByteText.appendPrefix(prefix, to: out) }
        if !candidateKeys.isEmpty {
            out.appendLiteral(" (also ")
            for (i, candidate) in candidates.enumerated() {
                if i > 0 { out.appendLiteral(", ") }
                ByteText.appendPrefix(candidate.prefix, to: out)
                out.append(0x20)
                out.append(candidate.peer)
            }
            out.append(0x29)
        }
        if let counter { out.appendLiteral(" counter "); ByteText.appendInteger(counter, to: out) }
        if let receiverIndex { out.appendLiteral(" receiver-index "); ByteText.appendInteger(receiverIndex, to: out) }
        if let endpoint { out.appendLiteral(" endpoint "); ByteText.appendEndpoint(endpoint, to: out) }
        if let trace {
            out.appendLiteral(" ["); out.append(trace.file)
            out.appendLiteral(" #"); ByteText.appendInteger(trace.frame, to: out); out.append(0x5D)
        }
        if let route = explainedRoute {
            out.appendLiteral(": ")
            Self.appendRouteChoice(route, destination: summary?.destination, to: out, json: false)
        } else if let reason = perPacketReason {
            out.appendLiteral(": ")
            appendPerPacketWhy(reason, peerName: peerName, to: out, json: false)
        } else if !why.isEmpty {
            out.appendLiteral(": ")
            // One line per decision: a multi-line note (e.g. `wg show`) is indented under it.
            if why.utf8.contains(0x0A) {
                for byte in why.utf8 {
                    out.append(byte)
                    if byte == 0x0A { out.appendLiteral("    ") }
                }
            } else {
                out.append(why)
            }
        }
    }

    /// `route 10.0.0.0/24 dev wg0 is the best match for 10.0.0.1`, the same words as `why`,
    /// written without building a string (a quarter of all decisions are route choices).
    static func appendRouteChoice(_ route: RouteSpec, destination: IPAddress?, to out: ByteBuffer, json: Bool) {
        out.appendLiteral("route ")
        if route.prefix.length == 0 { out.appendLiteral("default") } else { ByteText.appendPrefix(route.prefix, to: out) }
        if let via = route.via { out.appendLiteral(" via "); ByteText.appendAddress(via, to: out) }
        out.appendLiteral(" dev ")
        if json { ByteText.appendJSONContent(route.device, to: out) } else { out.append(route.device) }
        if let metric = route.metric { out.appendLiteral(" metric "); ByteText.appendInteger(metric, to: out) }
        if let table = route.table { out.appendLiteral(" table "); ByteText.appendInteger(table, to: out) }
        out.appendLiteral(" is the best match")
        if let destination { out.appendLiteral(" for "); ByteText.appendAddress(destination, to: out) }
    }

    /// Simulated nanoseconds as seconds with nine decimals: `1.000000500`.
    static func secondsText(_ t: Int64) -> String {
        let bytes = ByteBuffer(capacity: 32)
        ByteText.appendSeconds(t, to: bytes)
        return bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
}
