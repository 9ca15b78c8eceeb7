import Packet

/// A node's own IP stack, as far as the simulator needs one: it answers ICMP and ICMPv6 echo
/// requests addressed to the node and counts everything else that reaches it. Linux hosts do not
/// forward by default, so a packet for another address is counted and dropped here.
struct LocalStack {
    private(set) var echoRequestsAnswered = 0
    private(set) var echoRepliesReceived = 0
    private(set) var unreachablesReceived = 0
    private(set) var notForThisHost = 0

    /// What the stack does with one packet addressed to it.
    enum Outcome: Equatable {
        case reply([UInt8])
        case consumed
        case notLocal
    }

    mutating func accept(_ packet: [UInt8], isLocal: (IPAddress) -> Bool) -> Outcome {
        guard let summary = try? IPPacketSummary(parsing: packet) else { return .consumed }
        guard isLocal(summary.destination) else {
            notForThisHost += 1
            return .notLocal
        }
        switch Self.icmpType(packet, summary) {
        case 8?, 128?:
            if let reply = try? PacketBuilder.echoReply(to: packet) {
                echoRequestsAnswered += 1
                return .reply(reply)
            }
        case 0?, 129?:
            echoRepliesReceived += 1
        case 3?, 1?:
            unreachablesReceived += 1
        default:
            break
        }
        return .consumed
    }

    /// The ICMP (v4) or ICMPv6 type byte, when the packet is one and its header is in reach.
    static func icmpType(_ packet: [UInt8], _ summary: IPPacketSummary) -> UInt8? {
        if summary.isIPv4 {
            guard summary.protocolNumber == 1, !summary.isFragment else { return nil }
            let offset = Int(packet[0] & 0x0f) * 4
            return offset < packet.count ? packet[offset] : nil
        }
        // ICMPv6 right after the fixed header; extension headers before it are not walked here.
        guard summary.protocolNumber == 58, packet.count > 40, packet[6] == 58 else { return nil }
        return packet[40]
    }
}
