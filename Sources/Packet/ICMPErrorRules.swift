import NetAddress

/// When Linux sends no ICMP error about a packet although asked to (`icmp_ndo_send` →
/// `__icmp_send` in net/ipv4/icmp.c, `icmp6_send` in net/ipv6/icmp.c), following RFC 1122
/// §3.2.2 and RFC 4443 §2.4(e). `PacketBuilder.destinationUnreachable` applies these.
enum ICMPErrorRules {
    /// Linux's `NR_ICMP_TYPES`: inner types above it are treated like errors.
    static let highestKnownICMPType: UInt8 = 18

    static func checkV4(_ b: [UInt8], _ s: IPPacketSummary) throws {
        guard case .v4(let src) = s.source, case .v4(let dst) = s.destination else { return }
        if dst.value >> 28 == 0xe || dst.value == 0xffff_ffff {
            throw ICMPErrorSuppressed(reason: "the offending packet went to a multicast or broadcast address \(dst) (__icmp_send: RTCF_BROADCAST|RTCF_MULTICAST)")
        }
        if src.value == 0 || src.value >> 28 == 0xe || src.value == 0xffff_ffff {
            throw ICMPErrorSuppressed(reason: "the offending packet's source \(src) does not name one host (RFC 1122 §3.2.2)")
        }
        if readBE16(b, 6) & 0x1fff != 0 {
            throw ICMPErrorSuppressed(reason: "the offending packet is a non-first fragment (__icmp_send: IP_OFFSET)")
        }
        if s.protocolNumber == IPProtocol.icmp {
            let typeOffset = Int(b[0] & 0x0f) * 4
            guard typeOffset >= 20, typeOffset < s.totalLength else {
                throw ICMPErrorSuppressed(reason: "the offending ICMP packet has no readable type byte (__icmp_send)")
            }
            let inner = b[typeOffset]
            if inner > highestKnownICMPType || ICMPv4Repr.isError(type: inner) {
                throw ICMPErrorSuppressed(reason: "the offending packet is itself an ICMP error or of unknown type \(inner) (RFC 1122 §3.2.2)")
            }
        }
    }

    static func checkV6(_ b: [UInt8], _ s: IPPacketSummary) throws {
        guard case .v6(let src) = s.source, case .v6(let dst) = s.destination else { return }
        if dst.high >> 56 == 0xff {
            throw ICMPErrorSuppressed(reason: "the offending packet went to multicast \(dst) (RFC 4443 §2.4(e.3), icmp6_send)")
        }
        if (src.high == 0 && src.low == 0) || src.high >> 56 == 0xff {
            throw ICMPErrorSuppressed(reason: "the offending packet's source \(src) does not name one node (RFC 4443 §2.4(e.5))")
        }
        guard s.protocolNumber == IPProtocol.icmpv6, s.extensionChainError == nil,
              let packet = try? IPv6Packet(checking: b), let chain = try? packet.extensionChain() else { return }
        // is_ineligible(): an ICMPv6 error, or an ICMPv6 first fragment without its type byte.
        if chain.upperOffset < packet.totalLength {
            if ICMPv6Repr.isError(type: b[chain.upperOffset]) {
                throw ICMPErrorSuppressed(reason: "the offending packet is itself an ICMPv6 error (RFC 4443 §2.4(e.1))")
            }
        } else if (chain.fragment?.offset ?? 0) == 0 {
            throw ICMPErrorSuppressed(reason: "the offending ICMPv6 packet has no type byte (icmp6_send is_ineligible)")
        }
    }
}
