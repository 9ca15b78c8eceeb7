import NetAddress
import Packet
import WireGuard

/// Where one interface's captured packets go: what `tcpdump -i IFACE` on that node would see,
/// as raw IP packets (LINKTYPE_RAW) stamped with simulated time.
public protocol CaptureSink: AnyObject {
    /// `time` is simulated nanoseconds since the start of the run.
    func capture(time: Int64, packet: [UInt8])

    /// Whether the sink needs a UDP datagram's bytes when it is captured (the default). A sink
    /// that writes beside the event loop says false: it is handed the datagram's endpoints and
    /// payload (`captureDatagram`) and builds the outer packet there, so the event thread never
    /// does; one that drops everything says false too.
    var wantsDatagramBytes: Bool { get }

    /// The UDP datagram `PacketBuilder.udp(from:to:payload:)` makes, captured at `time`: the
    /// default builds it and hands it to `capture`.
    func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, payload: [UInt8])

    /// A WireGuard transport datagram sent unsealed, its seal left for later: `seal` makes the
    /// payload. Asked only of a sink that says false to `wantsDatagramBytes`. The default seals
    /// a copy now and captures it as `captureDatagram(time:from:to:payload:)` does.
    func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, sealing seal: PendingTransportSeal)
}

extension CaptureSink {
    public var wantsDatagramBytes: Bool { true }

    public func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, payload: [UInt8]) {
        capture(time: time, packet: PacketBuilder.udp(from: source, to: destination, payload: payload))
    }

    public func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, sealing seal: PendingTransportSeal) {
        captureDatagram(time: time, from: source, to: destination, payload: seal.sealedCopy())
    }
}

/// Keeps captured packets in memory (the default; tests and small runs).
public final class MemoryCaptureSink: CaptureSink {
    public private(set) var packets: [(time: Int64, bytes: [UInt8])] = []

    public init() {}

    public func capture(time: Int64, packet: [UInt8]) {
        packets.append((time, packet))
    }
}

/// Throws captured packets away: interfaces nobody asked to capture, and (in a split run) the
/// interfaces of nodes another process owns, which that process writes.
public final class DiscardingCaptureSink: CaptureSink {
    /// One is enough: it keeps nothing.
    public static let shared = DiscardingCaptureSink()
    public init() {}
    public func capture(time: Int64, packet: [UInt8]) {}
    public var wantsDatagramBytes: Bool { false }
    public func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, payload: [UInt8]) {}
    /// Nothing is sealed for a packet that goes nowhere.
    public func captureDatagram(time: Int64, from source: Endpoint, to destination: Endpoint, sealing seal: PendingTransportSeal) {}
}

/// What a `CaptureSinkFactory` returns for an interface whose sink need not exist before its
/// first packet: one object stands for all of them, and a node makes the real sink (`make`,
/// given `NODE-IFACE`) when that interface captures its first packet (`SimNode.eth0Capture`).
/// The report's witnesses of a hub's clients (two each, 96 bytes) are then made only for the
/// clients that send or receive something.
///
/// Only a simulated node's interfaces may be given one: the node replaces it before the first
/// packet, so it is never handed a packet itself.
public final class DeferredCaptureSink: CaptureSink {
    private let make: (_ name: String) -> CaptureSink
    /// What the sinks it makes answer (`CaptureSink.wantsDatagramBytes`), told before they exist.
    public let wantsDatagramBytes: Bool

    public init(wantsDatagramBytes: Bool = true, making make: @escaping (_ name: String) -> CaptureSink) {
        self.make = make
        self.wantsDatagramBytes = wantsDatagramBytes
    }

    /// The sink of interface `name`, made now.
    func sink(named name: String) -> CaptureSink { make(name) }

    public func capture(time: Int64, packet: [UInt8]) {
        preconditionFailure("a deferred capture sink is replaced by its node before its first packet")
    }
}

/// Makes the capture sink for one interface, named `NODE-IFACE` (e.g. `server-eth0`).
public typealias CaptureSinkFactory = (_ name: String) throws -> CaptureSink
