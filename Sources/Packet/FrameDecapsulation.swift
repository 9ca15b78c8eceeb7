/// Why a captured frame yields no IP packet. Frames are skipped, counted and reported, never
/// mis-parsed.
public enum SkipReason: Hashable, Sendable, CustomStringConvertible {
    /// The frame carries something other than IP (ARP, LLDP, an unknown family...).
    case notIP(String)
    /// The capture kept fewer bytes than were on the wire (caplen < len).
    case truncatedCapture(captured: Int, original: Int)
    /// The frame is shorter than its own link-layer header.
    case shortLinkHeader(need: Int, have: Int)
    /// The link layer says IP but the bytes are not a consistent IP header.
    case malformedIP(String)
    /// The frame's time does not fit Int64 nanoseconds since the epoch (years 1678–2262).
    case timestampOutOfRange(seconds: Int64)

    public var description: String {
        switch self {
        case .notIP(let what): return "not IP: \(what)"
        case .truncatedCapture(let c, let o): return "truncated capture: \(c) of \(o) bytes kept"
        case .shortLinkHeader(let need, let have): return "frame of \(have) bytes is shorter than its \(need)-byte link header"
        case .malformedIP(let why): return "malformed IP: \(why)"
        case .timestampOutOfRange(let s): return "timestamp \(s) s is outside Int64 nanoseconds"
        }
    }
}

/// Where the IP packet sits in a captured frame, or why there is none.
public enum FrameContents: Equatable, Sendable {
    /// Byte range of the IP packet, trimmed to its own declared length (link padding dropped).
    case ip(Range<Int>)
    case skipped(SkipReason)
}

/// Strips link-layer framing to the IP packet inside, for every `LinkType`. Works on raw memory
/// (libpcap's buffer) so the reader copies only the IP bytes it hands out.
public enum FrameDecapsulation {
    static let etherTypeIPv4: UInt16 = 0x0800
    static let etherTypeIPv6: UInt16 = 0x86dd

    /// Finds the IP packet in `frame`.
    public static func locate(in frame: UnsafeRawBufferPointer, linkType: LinkType) -> FrameContents {
        switch linkType {
        case .raw: return ipPacket(frame, at: 0, version: nil)
        case .ipv4: return ipPacket(frame, at: 0, version: 4)
        case .ipv6: return ipPacket(frame, at: 0, version: 6)
        case .ethernet: return ethernet(frame)
        case .null, .loop: return bsdLoopback(frame, networkOrder: linkType == .loop)
        case .linuxSLL: return cooked(frame, protocolAt: 14, headerLength: 16)
        case .linuxSLL2: return cooked(frame, protocolAt: 0, headerLength: 20)
        }
    }

    /// Ethernet II: destination, source, EtherType; 802.1Q (0x8100), 802.1ad (0x88a8) and the
    /// pre-standard QinQ 0x9100 tags each insert 4 bytes before the real EtherType.
    static func ethernet(_ f: UnsafeRawBufferPointer) -> FrameContents {
        var offset = 12
        while true {
            guard f.count >= offset + 2 else { return .skipped(.shortLinkHeader(need: offset + 2, have: f.count)) }
            let type = be16(f, offset)
            switch type {
            case 0x8100, 0x88a8, 0x9100:
                offset += 4
            case etherTypeIPv4:
                return ipPacket(f, at: offset + 2, version: 4)
            case etherTypeIPv6:
                return ipPacket(f, at: offset + 2, version: 6)
            default:
                return .skipped(.notIP(etherTypeName(type)))
            }
        }
    }

    /// DLT_NULL / DLT_LOOP: a 4-byte address family. AF_INET is 2 everywhere; AF_INET6 is 24
    /// (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly) or 30 (Darwin). NULL's family is in the
    /// writer's byte order, so a value that only makes sense byte-swapped is read swapped.
    static func bsdLoopback(_ f: UnsafeRawBufferPointer, networkOrder: Bool) -> FrameContents {
        guard f.count >= 4 else { return .skipped(.shortLinkHeader(need: 4, have: f.count)) }
        let bigEndian = UInt32(be16(f, 0)) << 16 | UInt32(be16(f, 2))
        var family = networkOrder ? bigEndian : bigEndian.byteSwapped
        if !networkOrder && family > 0xffff { family = bigEndian }
        switch family {
        case 2: return ipPacket(f, at: 4, version: 4)
        case 24, 28, 30: return ipPacket(f, at: 4, version: 6)
        default: return .skipped(.notIP("loopback address family \(family)"))
        }
    }

    /// Linux cooked captures: the EtherType-valued protocol field at `protocolAt`.
    static func cooked(_ f: UnsafeRawBufferPointer, protocolAt: Int, headerLength: Int) -> FrameContents {
        guard f.count >= headerLength else { return .skipped(.shortLinkHeader(need: headerLength, have: f.count)) }
        switch be16(f, protocolAt) {
        case etherTypeIPv4: return ipPacket(f, at: headerLength, version: 4)
        case etherTypeIPv6: return ipPacket(f, at: headerLength, version: 6)
        case let other: return .skipped(.notIP(etherTypeName(other)))
        }
    }

    /// Checks the IP header at `offset` against the version the link layer announced (nil: the
    /// version nibble decides) and trims the frame to the packet's declared length.
    static func ipPacket(_ f: UnsafeRawBufferPointer, at offset: Int, version expected: UInt8?) -> FrameContents {
        let available = f.count - offset
        guard available >= 1 else { return .skipped(.malformedIP("no bytes after the link header")) }
        let version = f[offset] >> 4
        if let expected, version != expected {
            return .skipped(.malformedIP("link layer announces IPv\(expected) but the version nibble is \(version)"))
        }
        let declared: Int
        switch version {
        case 4:
            guard available >= 20 else { return .skipped(.malformedIP("IPv4 header needs 20 bytes, \(available) present")) }
            declared = Int(be16(f, offset + 2))
            let ihl = Int(f[offset] & 0x0f) * 4
            guard ihl >= 20, declared >= ihl else {
                return .skipped(.malformedIP("IPv4 total length \(declared) with header length \(ihl)"))
            }
        case 6:
            guard available >= 40 else { return .skipped(.malformedIP("IPv6 header needs 40 bytes, \(available) present")) }
            declared = 40 + Int(be16(f, offset + 4))
        default:
            return .skipped(.malformedIP("version nibble \(version) is neither 4 nor 6"))
        }
        guard declared <= available else {
            return .skipped(.malformedIP("IPv\(version) declares \(declared) bytes but the frame holds \(available)"))
        }
        return .ip(offset..<(offset + declared))
    }

    static func etherTypeName(_ type: UInt16) -> String {
        let digits = String(type, radix: 16)
        let hex = "EtherType 0x" + String(repeating: "0", count: 4 - digits.count) + digits
        switch type {
        case 0x0806: return "ARP (\(hex))"
        case 0x8035: return "RARP (\(hex))"
        case 0x88cc: return "LLDP (\(hex))"
        case 0x8863, 0x8864: return "PPPoE (\(hex))"
        case 0x88e5: return "MACsec (\(hex))"
        case 0x8847, 0x8848: return "MPLS (\(hex))"
        case ..<0x0600: return "IEEE 802.3 length field \(type) (LLC frame)"
        default: return hex
        }
    }

    @inline(__always)
    static func be16(_ f: UnsafeRawBufferPointer, _ i: Int) -> UInt16 {
        UInt16(f[i]) << 8 | UInt16(f[i + 1])
    }
}
