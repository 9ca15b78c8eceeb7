import Packet

/// Builds the packet a scenario `send:` event describes, with valid headers and checksums:
/// UDP, a TCP SYN, an ICMP/ICMPv6 echo request, or any other protocol number with a zero
/// payload. `size` counts the bytes after the transport header (after the IP header for a bare
/// protocol number).
enum InnerPacketFactory {
    static func make(_ spec: InnerPacketSpec, source: IPAddress, identifier: UInt16) -> [UInt8] {
        let payload = [UInt8](repeating: 0, count: max(0, spec.size))
        let destination = spec.destination
        switch spec.proto {
        case .udp:
            return PacketBuilder.udp(from: Endpoint(address: source, port: spec.sourcePort),
                                     to: Endpoint(address: destination, port: spec.destinationPort), payload: payload)
        case .icmp:
            return PacketBuilder.echoRequest(from: source, to: destination, identifier: identifier, sequence: 1,
                                             payloadSize: max(0, spec.size))
        case .tcp:
            return ip(source, destination, protocolNumber: 6,
                      payload: tcpSyn(spec, source: source, destination: destination, payload: payload))
        case .number(let number):
            return ip(source, destination, protocolNumber: number, payload: payload)
        }
    }

    private static func ip(_ source: IPAddress, _ destination: IPAddress, protocolNumber: UInt8,
                           payload: [UInt8]) -> [UInt8] {
        switch (source, destination) {
        case (.v4(let s), .v4(let d)):
            return IPv4Repr(source: s, destination: d, protocolNumber: protocolNumber).emit(payload: payload)
        case (.v6(let s), .v6(let d)):
            return IPv6Repr(source: s, destination: d, nextHeader: protocolNumber).emit(payload: payload)
        default:
            // Mixed families cannot form one packet; callers pick a source of the destination's
            // family, so this only happens when a scenario insists on a mismatched `src`.
            return []
        }
    }

    /// A 20-byte TCP header with SYN set and a correct checksum, then the payload.
    private static func tcpSyn(_ spec: InnerPacketSpec, source: IPAddress, destination: IPAddress,
                               payload: [UInt8]) -> [UInt8] {
        var segment = [UInt8](repeating: 0, count: 20)
        segment[0] = UInt8(spec.sourcePort >> 8); segment[1] = UInt8(spec.sourcePort & 0xff)
        segment[2] = UInt8(spec.destinationPort >> 8); segment[3] = UInt8(spec.destinationPort & 0xff)
        segment[12] = 5 << 4          // data offset: 5 words
        segment[13] = 0x02            // SYN
        segment[14] = 0xff; segment[15] = 0xff   // window 65535
        segment.append(contentsOf: payload)
        let pseudo = InternetChecksum.pseudoHeaderSum(source: source, destination: destination,
                                                      protocolNumber: 6, length: segment.count)
        let checksum = InternetChecksum.compute(segment, 0..<segment.count, pseudoHeader: pseudo)
        segment[16] = UInt8(checksum >> 8); segment[17] = UInt8(checksum & 0xff)
        return segment
    }
}
