import Packet
import Routing

/// The four fields of an inner packet the decision log names (src, dst, proto, len), exactly
/// as `IPPacketSummary(parsing:)` reads them. An IPv4 header, which is almost every packet the
/// log sees, is read straight from its bytes: the full summary also walks ports, fragments and
/// an error description the log never writes. IPv6 goes through the summary.
struct LoggedPacketFields {
    var source: IPAddress
    var destination: IPAddress
    var protocolNumber: UInt8
    var totalLength: Int

    /// Nil exactly when `IPPacketSummary(parsing:)` throws. Borrows the packet (an
    /// initializer otherwise takes its argument owned: a retain and a release per decision).
    init?(_ packet: borrowing [UInt8]) {
        guard let first = packet.first else { return nil }
        switch first >> 4 {
        case 4:
            // The summary's IPv4 checks: a fixed header, and a total length from 20 to the
            // captured size. A bad header length does not make it throw.
            guard packet.count >= 20 else { return nil }
            let total = Int(packet[2]) << 8 | Int(packet[3])
            guard total >= 20, total <= packet.count else { return nil }
            source = .v4(IPv4Address(Self.word(packet, 12)))
            destination = .v4(IPv4Address(Self.word(packet, 16)))
            protocolNumber = packet[9]
            totalLength = total
        case 6:
            guard let summary = try? IPPacketSummary(parsing: copy packet) else { return nil }
            source = summary.source
            destination = summary.destination
            protocolNumber = summary.protocolNumber
            totalLength = summary.totalLength
        default:
            return nil
        }
    }

    private static func word(_ p: borrowing [UInt8], _ at: Int) -> UInt32 {
        UInt32(p[at]) << 24 | UInt32(p[at + 1]) << 16 | UInt32(p[at + 2]) << 8 | UInt32(p[at + 3])
    }
}
