import Routing
import WireGuard

/// The two written forms of a decision, one at a time: the JSON object of decisions.jsonl and
/// the readable line of decisions.txt (see `DecisionLineComposer`, which writes both), and the
/// route-choice explanation both forms share.
extension DecisionRecord {
    /// `{"t":…,"node":…,"iface":…,"dir":…,"src":…,"dst":…,"proto":…,"len":…,"action":…,
    /// "peer":…,"prefix":…,"candidates":[{"prefix":…,"peer":…}],"counter":…,"receiver-index":…,
    /// "endpoint":…,"trace":{"file":…,"frame":…},"moved-from":[{"prefix":…,"peer":…}],"why":…}`
    public var jsonLine: String { lines.json }

    /// `12.000000500 server wg0 tx encrypted icmp 192.168.0.1 > 192.168.32.19 len 84 peer EFGH
    /// prefix 192.168.32.19/32 (also 192.168.32.0/24 ABCD) counter 3 endpoint …: why`
    public var textLine: String { lines.text }

    private var lines: (json: String, text: String) {
        let json = ByteBuffer(capacity: 512)
        let text = ByteBuffer(capacity: 512)
        DecisionLineComposer(lineTemplates: false).append(self, json: json, text: text)
        return (json.withUnsafeBytes { String(decoding: $0, as: UTF8.self) },
                text.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
    }

    /// `textLine`, written by `lines`' composer (kept from one call to the next).
    public func textLine(with lines: DecisionTextLines) -> String { lines.textLine(of: self) }

    /// The device's reason, when the device made this decision.
    var deviceReason: DecisionReason? {
        if case .device(let reason) = decider { return reason }
        return nil
    }

    /// Whether `reason` is one of the three every data packet gets (sealed, decrypted,
    /// delivered): their words are plain but for the names in them.
    static func isPerPacket(_ reason: DecisionReason) -> Bool {
        switch reason {
        case .sealed, .decrypted, .delivered: return true
        default: return false
        }
    }

    /// `route 10.0.0.0/24 dev wg0 is the best match for 10.0.0.1`, the same words as `why`,
    /// written without building a string (a quarter of all decisions are route choices).
    /// Unescaped: the device name is written as it is, by `appendDevice` (the composer copies
    /// the bytes it keeps for the name). `fields`: the composer's cache of IPv4 texts.
    /// `destination`: the packet's destination, already written earlier in `out`.
    @inline(__always)
    static func appendRouteChoice(_ route: RouteSpec, destination: BufferPiece?, fields: FieldTextCache, to out: ByteBuffer,
                                  appendDevice: (String) -> Void) {
        out.appendLiteral("route ")
        if route.prefix.length == 0 { out.appendLiteral("default") } else { fields.appendPrefix(route.prefix, to: out) }
        if let via = route.via { out.appendLiteral(" via "); fields.appendAddress(via, to: out) }
        out.appendLiteral(" dev ")
        appendDevice(route.device)
        if let metric = route.metric { out.appendLiteral(" metric "); ByteText.appendInteger(metric, to: out) }
        if let table = route.table { out.appendLiteral(" table "); ByteText.appendInteger(table, to: out) }
        out.appendLiteral(" is the best match")
        if let destination { out.appendLiteral(" for "); out.appendCopy(of: destination) }
    }
}

/// Writes decisions' text lines one at a time as Strings, with one composer kept from call to
/// call: `textLine` makes a composer per line, which builds and tears down its 3,072 cache slots
/// each time (~358 k instructions a line; BENCHMARKS.md, "Session 10: the records"). For one
/// thread at a time, as the composer is.
public final class DecisionTextLines {
    private let composer = DecisionLineComposer()
    private let json = ByteBuffer(capacity: 512)
    private let text = ByteBuffer(capacity: 512)

    public init() {}

    /// The record's `textLine`.
    public func textLine(of record: borrowing DecisionRecord) -> String {
        json.removeAll()
        text.removeAll()
        composer.append(record, json: json, text: text)
        return text.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
}
