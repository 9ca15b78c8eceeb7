import Routing

/// What a `Device` asks its environment to do, in order.
public enum DeviceEvent {
    /// A UDP payload to send from the device's listen port; `context` is that of the inner
    /// packet it seals (`.none` for handshake messages and keepalives).
    case transmit(datagram: [UInt8], to: Endpoint, context: PacketContext)
    /// A decrypted, source-checked inner packet for the host stack, with the context the caller
    /// gave the datagram it came in.
    case deliver(packet: [UInt8], context: PacketContext)
    /// No peer / no endpoint for a packet from the host: the environment builds the ICMP error
    /// (v4 type 3 code 1, v6 type 1 code 3) back to the packet's sender.
    case icmpUnreachable(offending: [UInt8])
    /// A decision for the log.
    case decision(Decision)
    /// A key for the Wireshark key log (`wireguard.keys`).
    case secret(KeyLogEntry)
}

/// The interface counters the kernel keeps in `dev->stats` that the WireGuard paths touch.
struct DeviceCounters: Equatable, Sendable {
    var txErrors: UInt64 = 0
    var txDropped: UInt64 = 0
    var rxErrors: UInt64 = 0
    var rxFrameErrors: UInt64 = 0
    var rxLengthErrors: UInt64 = 0
}
