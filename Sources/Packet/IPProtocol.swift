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

    /// A short lowercase name for logs ("udp", "icmpv6"), or the number in decimal.
    public static func name(_ number: UInt8) -> String {
        switch number {
        case icmp: return "icmp"
        case tcp: return "tcp"
        case udp: return "udp"
        case icmpv6: return "icmpv6"
        case esp: return "esp"
        case authenticationHeader: return "ah"
        case noNextHeader: return "ipv6-nonxt"
        default: return String(number)
        }
    }
}
