import Routing

/// The inner IP packet a decrypted transport message carried (what Wireshark shows as the
/// second ip.src / ip.dst / ip.proto / ip.len).
public struct DecodedInnerPacket: Equatable, Sendable {
    public let source: IPAddress
    public let destination: IPAddress
    /// IPv4 protocol / IPv6 upper-layer protocol number.
    public let protocolNumber: UInt8
    /// IPv4 Total Length, or 40 + IPv6 Payload Length.
    public let length: Int
}

/// One WireGuard message found in a capture by `CaptureDecoder`, with what the key log allowed.
public struct DecodedMessage: Equatable, Sendable {
    public let frame: Int
    public let type: MessageType
    public let source: Endpoint
    public let destination: Endpoint
    public let sender: UInt32?
    public let receiver: UInt32?
    public let counter: UInt64?
    /// Initiation: static key and timestamp decrypted. Response: transport keys derived (the
    /// response authenticated; Wireshark's wg.handshake_ok). Transport: decrypted. Cookie reply:
    /// never (Wireshark does not decrypt cookies).
    public let valid: Bool
    /// A transport message with an empty plaintext (32 bytes on the wire).
    public let keepalive: Bool
    public let inner: DecodedInnerPacket?
    /// What was learned, or why nothing could be: always set when `valid` is false.
    public let note: String?

    /// One readable line, e.g.
    /// `frame 3 transport receiver=0xab7df406 counter=0 decrypted 10.10.0.2 -> 10.10.0.1 proto 1 len 84`.
    public var textLine: String {
        var parts = ["frame \(frame)", type.name]
        if let sender { parts.append("sender=\(hex32(sender))") }
        if let receiver { parts.append("receiver=\(hex32(receiver))") }
        if let counter { parts.append("counter=\(counter)") }
        if keepalive { parts.append("keepalive") }
        switch type {
        case .transport: parts.append(valid ? "decrypted" : "not-decrypted")
        case .initiation, .response: parts.append(valid ? "valid" : "not-validated")
        case .cookieReply: parts.append("not-decrypted")
        }
        if let inner {
            parts.append("\(inner.source) -> \(inner.destination) proto \(inner.protocolNumber) len \(inner.length)")
        }
        if let note { parts.append("(\(note))") }
        return parts.joined(separator: " ")
    }

    /// One JSON object (no newline): `frame`, `type`, `sender`, `receiver`, `counter` (present
    /// when the message type has them), `valid`, `keepalive`, `inner` when decrypted, and
    /// `note` when set. Keys in a fixed order.
    public var jsonLine: String {
        var fields = ["\"frame\":\(frame)", "\"type\":\"\(type.name)\""]
        if let sender { fields.append("\"sender\":\(sender)") }
        if let receiver { fields.append("\"receiver\":\(receiver)") }
        if let counter { fields.append("\"counter\":\(counter)") }
        fields.append("\"valid\":\(valid)")
        fields.append("\"keepalive\":\(keepalive)")
        if let inner {
            fields.append("\"inner\":{\"src\":\"\(inner.source)\",\"dst\":\"\(inner.destination)\","
                          + "\"proto\":\(inner.protocolNumber),\"len\":\(inner.length)}")
        }
        if let note { fields.append("\"note\":\(jsonString(note))") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// A 32-bit index as the decoder's outputs write it: `0x` and eight lowercase hex digits.
public func hex32(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

/// A JSON string literal with the escapes RFC 8259 requires, as the command-line outputs quote
/// strings (`wgsim decode --json`, `wgsim table --json`); the same escapes as the decision log's.
public func jsonString(_ s: String) -> String {
    var out: [UInt8] = [0x22]
    out.reserveCapacity(s.utf8.count + 2)
    for byte in s.utf8 { JSONEscape.append(byte) { out.append($0) } }
    out.append(0x22)
    return String(decoding: out, as: UTF8.self)
}

/// The one place JSON's escapes are written: what a byte of UTF-8 text becomes inside a JSON
/// string (RFC 8259 section 7). Bytes of multi-byte characters stand as they are.
public enum JSONEscape {
    /// Hands `emit` the bytes `byte` is written as: `\"`, `\\`, `\n`, `\r`, `\t`, `\u00XX` for
    /// the other control characters, else the byte itself.
    @inlinable
    public static func append(_ byte: UInt8, _ emit: (UInt8) -> Void) {
        switch byte {
        case 0x22: emit(0x5C); emit(0x22)
        case 0x5C: emit(0x5C); emit(0x5C)
        case 0x0A: emit(0x5C); emit(0x6E)
        case 0x0D: emit(0x5C); emit(0x72)
        case 0x09: emit(0x5C); emit(0x74)
        case 0..<0x20:
            let digits: StaticString = "0123456789abcdef"
            emit(0x5C); emit(0x75); emit(0x30); emit(0x30)
            emit(digits.utf8Start[Int(byte >> 4)]); emit(digits.utf8Start[Int(byte & 0xF)])
        default:
            emit(byte)
        }
    }
}
