import NetAddress

/// The minimal TCP header (RFC 9293 §3.1, 20 bytes, no options) that scenario `send:` events
/// put in front of a payload. The simulator carries TCP opaquely; it never runs a TCP state
/// machine, so only building (with a correct checksum) is needed.
struct TCPSegmentHeader {
    var sourcePort: UInt16
    var destinationPort: UInt16
    var sequence: UInt32 = 0
    var acknowledgement: UInt32 = 0
    /// PSH | ACK: an established connection's data segment.
    var flags: UInt8 = 0x18
    var window: UInt16 = 65535

    /// Writes the header at `offset`; the payload already fills the rest of `b`.
    func emit(into b: inout [UInt8], at offset: Int, source: IPAddress, destination: IPAddress) {
        writeBE16(&b, offset, sourcePort)
        writeBE16(&b, offset + 2, destinationPort)
        writeBE32(&b, offset + 4, sequence)
        writeBE32(&b, offset + 8, acknowledgement)
        b[offset + 12] = 5 << 4
        b[offset + 13] = flags
        writeBE16(&b, offset + 14, window)
        writeBE16(&b, offset + 16, 0)
        writeBE16(&b, offset + 18, 0)
        let length = b.count - offset
        let pseudo = InternetChecksum.pseudoHeaderSum(source: source, destination: destination,
                                                      protocolNumber: IPProtocol.tcp, length: length)
        writeBE16(&b, offset + 16, InternetChecksum.compute(b, offset..<b.count, pseudoHeader: pseudo))
    }
}
