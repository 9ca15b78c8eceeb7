import NetAddress

/// The fixed header of an IPv4 or IPv6 packet, checked once and read without allocating: the
/// fields every hop asks for (version, addresses, protocol, declared length). The device reads
/// it to route a packet (the kernel's `wg_xmit` looks up `ip_hdr(skb)->daddr` /
/// `ipv6_hdr(skb)->daddr` [compat src/device.c]) and to check a decrypted one
/// (`wg_packet_consume_data_done` [compat src/receive.c]); the simulator's route table and the
/// decision log read the same fields from the same view.
///
/// The check is the one those kernel paths make before trusting the header: the version nibble
/// is 4 with at least 20 bytes, or 6 with at least 40. The declared length is read, not checked
/// against the bytes present; `declaredLengthFits` says whether it fits.
public struct IPHeaderView: Sendable, Equatable {
    /// 4 or 6.
    public let version: UInt8
    public let source: IPAddress
    public let destination: IPAddress
    /// IPv4 Protocol, or the IPv6 fixed header's Next Header (before any extension header).
    public let protocolNumber: UInt8
    /// IPv4 Total Length, or 40 + IPv6 Payload Length, as the header declares it.
    public let declaredLength: Int
    /// How many bytes the packet had when the view was read.
    public let capturedLength: Int

    /// Nil unless `bytes` start with a complete IPv4 (20-byte) or IPv6 (40-byte) fixed header.
    /// Borrows the bytes: reading a header costs no retain of the packet's storage.
    @inlinable
    public init?(_ bytes: borrowing [UInt8]) {
        guard let first = bytes.first else { return nil }
        switch first >> 4 {
        case 4 where bytes.count >= 20:
            version = 4
            declaredLength = Int(readBE16(bytes, 2))
            protocolNumber = bytes[9]
            source = .v4(IPv4Address(readBE32(bytes, 12)))
            destination = .v4(IPv4Address(readBE32(bytes, 16)))
        case 6 where bytes.count >= 40:
            version = 6
            declaredLength = 40 + Int(readBE16(bytes, 4))
            protocolNumber = bytes[6]
            source = .v6(IPv6Address(high: readBE64(bytes, 8), low: readBE64(bytes, 16)))
            destination = .v6(IPv6Address(high: readBE64(bytes, 24), low: readBE64(bytes, 32)))
        default:
            return nil
        }
        capturedLength = bytes.count
    }

    public var isIPv4: Bool { version == 4 }

    /// The fixed header's size: 20 (IPv4 without options) or 40.
    public var fixedHeaderLength: Int { version == 4 ? 20 : 40 }

    /// Whether the declared length is at least the fixed header and at most the bytes present:
    /// the length check Linux makes of a decrypted packet before it delivers it, and the one
    /// `IPPacketSummary` makes before it reads further.
    public var declaredLengthFits: Bool {
        declaredLength >= fixedHeaderLength && declaredLength <= capturedLength
    }
}
