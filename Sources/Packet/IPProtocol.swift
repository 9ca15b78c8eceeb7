/// IANA protocol numbers ("Next Header" values) that this layer names.
public enum IPProtocol {
    public static let hopByHop: UInt8 = 0
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    public static let ipv6Route: UInt8 = 43
    public static let ipv6Fragment: UInt8 = 44
    public static let esp: UInt8 = 50
    public static let authenticationHeader: UInt8 = 51
    public static let icmpv6: UInt8 = 58
    public static let noNextHeader: UInt8 = 59
    public static let ipv6DestinationOptions: UInt8 = 60
    public static let mobility: UInt8 = 135
    public static let hip: UInt8 = 139
    public static let shim6: UInt8 = 140

    /// The short lowercase name of a protocol this table names ("udp", "icmpv6"), or nil.
    /// The one protocol-name table: packet summaries, the decision log's `proto` field and the
    /// scenario readers (`send:` events, expectation filters) all go through it.
    @inlinable
    public static func knownName(_ number: UInt8) -> StaticString? {
        switch number {
        case icmp: return "icmp"
        case tcp: return "tcp"
        case udp: return "udp"
        case icmpv6: return "icmpv6"
        case esp: return "esp"
        case authenticationHeader: return "ah"
        case noNextHeader: return "ipv6-nonxt"
        default: return nil
        }
    }

    /// A short lowercase name for logs ("udp", "icmpv6"), or the number in decimal.
    public static func name(_ number: UInt8) -> String {
        knownName(number).map { $0.description } ?? String(number)
    }

    /// The protocol number for a name `knownName` gives (any letter case; "ipv6-icmp", the IANA
    /// keyword, also means ICMPv6) or for a decimal number 0...255; nil for anything else.
    public static func number(_ text: String) -> UInt8? {
        let lowered = text.lowercased()
        if lowered == "ipv6-icmp" { return icmpv6 }
        if let number = UInt8(text) { return number }
        for number in [icmp, tcp, udp, icmpv6, esp, authenticationHeader, noNextHeader]
        where knownName(number)?.description == lowered {
            return number
        }
        return nil
    }
}
