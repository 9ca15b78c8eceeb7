/// IP protocol names as the decision log writes them and as scenario `send:` events and
/// expectation filters read them: the four the simulator speaks by name, any other by number.
public enum ProtocolNames {
    /// The protocol number for a name ("icmp", "tcp", "udp", "icmpv6"/"ipv6-icmp") or a decimal number.
    public static func number(_ text: String) -> UInt8? {
        switch text.lowercased() {
        case "icmp": return 1
        case "tcp": return 6
        case "udp": return 17
        case "icmpv6", "ipv6-icmp": return 58
        default: return UInt8(text)
        }
    }

    /// The decision log's name for a protocol number.
    public static func name(_ number: UInt8) -> String {
        switch number {
        case 1: return "icmp"
        case 6: return "tcp"
        case 17: return "udp"
        case 58: return "icmpv6"
        default: return String(number)
        }
    }

    /// Writes `name(number)` without making a String.
    static func appendName(_ number: UInt8, to out: ByteBuffer) {
        switch number {
        case 1: out.appendLiteral("icmp")
        case 6: out.appendLiteral("tcp")
        case 17: out.appendLiteral("udp")
        case 58: out.appendLiteral("icmpv6")
        default: ByteText.appendUnsigned(UInt64(number), to: out)
        }
    }
}
