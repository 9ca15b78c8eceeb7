import Pcap
import Routing
import WireGuard

/// What the engine runs.
enum SimEvent: InlineQueuedPayload {
    /// A timer wake-up, the one event a number stands for in the queue (`enqueueTimer`).
    static func inlined(_ value: Int32) -> SimEvent { .timer(node: Int(value)) }

    case action(SimAction)
    /// Fire the node's due WireGuard timers.
    case timer(node: Int)
    case arrival(UnderlayDatagram)
    /// A packet a local application (or the stack) hands to the node's routing.
    case output(node: Int, packet: [UInt8], context: PacketContext)
    case ping(PingRun)
    /// The next packet of a repeated `send`.
    case send(SendRun)
    case replay(ReplayRun)
    /// `ip link set wg0 up` of wg-quick, at time 0.
    case deviceUp(node: Int)
    /// A packet a forwarding node routes on (TTL already decremented).
    case forward(node: Int, packet: [UInt8], context: PacketContext)
}

/// A datagram in flight on the underlay.
struct UnderlayDatagram {
    var to: Int
    /// The whole outer IP packet, as eth0 captures show it; empty for a WireGuard datagram
    /// whose bytes no capture has needed yet (`outerPacket` builds them).
    var outer: [UInt8]
    /// The UDP payload (WireGuard message), or for plain traffic the inner IP packet itself.
    var payload: [UInt8]
    var source: Endpoint
    var destination: IPAddress
    var destinationPort: UInt16
    var isWireGuard: Bool
    /// The context of the inner packet it carries (its trace frame), `.none` for handshake
    /// messages and keepalives.
    var context: PacketContext
    /// For a transport message a simulated device sealed, what it sealed (packet and keypair:
    /// two words, so an event stays within the size the queue moves without a `memcpy`), when
    /// the run verifies opens beside the event loop (`Simulation.verifyTransportOpens(on:)`).
    /// Set only where `transmit` hands the device's own bytes to the link; nothing on the way
    /// changes `payload`, so the receiver may take its open as known. A datagram made any other
    /// way (one decoded from another MPI process, a test's) carries none and is opened for real.
    var sealed: SealedPlaintext? = nil
}

/// A `ping` in progress: sends one echo request per step.
struct PingRun {
    var node: Int
    var destination: IPAddress
    var source: Optional<IPAddress>
    var remaining: Int
    var interval: Int64
    var size: Int
    var identifier: UInt16
    var sequence: UInt16
}

/// A repeated `send` in progress: sends one packet per step and schedules the next at the
/// queue place reserved for it (`sequence`), so repetitions keep their place among equal-time
/// events as if all had been queued at the start.
struct SendRun {
    var node: Int
    var packet: InnerPacketSpec
    var remaining: Int
    var interval: Int64
    /// This repetition's queue sequence number; the next one has the following number.
    var sequence: UInt64
}

/// A trace replay in progress: the next packet to inject and the time origin.
struct ReplayRun {
    var node: Int
    /// The trace file's `PacketContext.origin`.
    var origin: UInt32
    /// Where the replay is in its trace (the packets after this one).
    var cursor: ReplayCursor
    /// The packet to inject when this event runs, and its frame number in the trace. The bytes
    /// are held on their own (not as a `CapturedPacket`, whose fields are constants) so that
    /// `step` can move them out of the run and on to `output`.
    var bytes: [UInt8]
    var frame: Int
    /// Simulated time of the first packet; packet k is due at start + (ts_k - ts_0).
    var start: Int64
}
