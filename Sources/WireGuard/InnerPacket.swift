import Routing

/// Reads the few inner IP header fields the device needs (version, addresses, total length)
/// straight from the bytes, without allocating: the send and receive paths run it per packet.
enum InnerPacket {
    /// 4 or 6 when the packet is long enough for that version's fixed header, else nil.
    static func version(_ p: [UInt8]) -> Int? {
        guard let first = p.first else { return nil }
        switch first >> 4 {
        case 4 where p.count >= 20: return 4
        case 6 where p.count >= 40: return 6
        default: return nil
        }
    }

    static func source(_ p: [UInt8]) -> IPAddress? {
        switch version(p) {
        case 4: return .v4(IPv4Address(readUInt32(p, 12)))
        case 6: return .v6(IPv6Address(high: readUInt64(p, 8), low: readUInt64(p, 16)))
        default: return nil
        }
    }

    static func destination(_ p: [UInt8]) -> IPAddress? {
        switch version(p) {
        case 4: return .v4(IPv4Address(readUInt32(p, 16)))
        case 6: return .v6(IPv6Address(high: readUInt64(p, 24), low: readUInt64(p, 32)))
        default: return nil
        }
    }

    /// The length the IP header claims: v4 `tot_len`, v6 40 + `payload_len`.
    static func declaredLength(_ p: [UInt8]) -> Int? {
        switch version(p) {
        case 4: return Int(p[2]) << 8 | Int(p[3])
        case 6: return 40 + (Int(p[4]) << 8 | Int(p[5]))
        default: return nil
        }
    }

    private static func readUInt32(_ p: [UInt8], _ at: Int) -> UInt32 {
        UInt32(p[at]) << 24 | UInt32(p[at + 1]) << 16 | UInt32(p[at + 2]) << 8 | UInt32(p[at + 3])
    }

    private static func readUInt64(_ p: [UInt8], _ at: Int) -> UInt64 {
        UInt64(readUInt32(p, at)) << 32 | UInt64(readUInt32(p, at + 4))
    }
}
