/// The caller's note about one inner packet, carried with it through the device and handed back
/// on every decision and event about that packet: while the packet waits in a staged queue for
/// a handshake, when it is sealed, and when a received one is opened and delivered. The device
/// never reads it. The kernel keeps such per-packet metadata in the packet's own control block
/// (`PACKET_CB(skb)`, src/queueing.h), not in a side table.
///
/// Two plain integers, so that carrying it costs no reference counting: the caller decides what
/// they mean (the simulator: which trace file, and the frame number in it).
public struct PacketContext: Hashable, Sendable {
    /// Which of the caller's packet sources the packet came from; 0 is "none".
    public var origin: UInt32
    /// The packet's number within its origin.
    public var number: Int

    public init(origin: UInt32, number: Int) {
        self.origin = origin
        self.number = number
    }

    /// No context: a packet the caller keeps nothing about (keepalives, handshake messages).
    public static let none = PacketContext(origin: 0, number: 0)
}
