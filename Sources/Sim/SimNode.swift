import Routing
import WireGuard

/// One simulated host's state: eth0 (underlay address, up/down), the kernel route table, an
/// optional wg0 bound to a WireGuard `Device`, the local stack's counters and the capture sinks.
///
/// Its state is `@exclusivity(unchecked)`, as `Device`'s is: the engine drives one node at a time
/// from one thread and never holds overlapping accesses, and the runtime checks showed up on the
/// per-packet profile.
final class SimNode {
    let index: Int
    /// `index` as a decision record stores it (a node count is far below 2^31).
    var position: Int32 { Int32(truncatingIfNeeded: index) }
    let name: String
    @exclusivity(unchecked) var underlay: IPAddress
    @exclusivity(unchecked) var eth0Up = true
    /// IP forwarding (routes packets for other hosts on).
    @exclusivity(unchecked) var forwarding = false
    // Fields are laid out in the order written: the flags, port and ping identifier fill the
    // words the underlay address and `fwmark` end in (184 bytes, a 192-byte malloc chunk, where
    // 193 took 208).
    @exclusivity(unchecked) var wg0Up = false
    let listenPort: UInt16
    /// Which of the capture sinks are still deferred (`eth0Deferred`, `wg0Deferred`).
    @exclusivity(unchecked) private var deferredSinks: UInt8 = 0

    /// Set when the node is made, or (its key pair still being derived when the network is
    /// built, `Simulation.init(keysAhead:)`) just before it is brought up; never changed after.
    @exclusivity(unchecked) var device: Device? {
        didSet { deviceReference = device.map { Unmanaged.passUnretained($0) } }
    }
    /// `device`, for the packet path to use unretained (`device` holds it for the node's life):
    /// bound from the optional field, it was retained and released around every call to it.
    @exclusivity(unchecked) private(set) var deviceReference: Unmanaged<Device>?

    /// wg0 addresses as configured (`ip address add … dev wg0`).
    let wg0Addresses: [InterfaceAddress]
    /// The kernel route table, in a box that nodes set up alike share (`SharedRouteTables`):
    /// `routes` copies it into a box of this node's own before the first change.
    @exclusivity(unchecked) var routeBox = RouteTableBox(HostRouteTable())
    /// The kernel route table (`ip route`).
    var routes: HostRouteTable {
        _read { yield routeBox.table }
        _modify {
            if !isKnownUniquelyReferenced(&routeBox) { routeBox = RouteTableBox(routeBox.table) }
            yield &routeBox.table
        }
    }
    /// wg0's fwmark (`wg set wg0 fwmark`), carried by its own UDP datagrams into the route lookup.
    @exclusivity(unchecked) var fwmark: UInt32 = 0
    /// Next ICMP echo identifier handed to a `ping` run on this node.
    var nextPingIdentifier: UInt16 = 1
    @exclusivity(unchecked) var stack = LocalStack()
    @exclusivity(unchecked) var counters = NodeCounters()

    /// The time of the pending engine event that will call `device.advance`, `Int64.min` for
    /// none (no event is at that time: set-up's are, but nothing schedules a wake-up then).
    @exclusivity(unchecked) private var wakeUpTime = Int64.min
    /// The time of the pending engine event that will call `device.advance`, if any.
    var timerWakeUp: Int64? {
        get { wakeUpTime == .min ? nil : wakeUpTime }
        set { wakeUpTime = newValue ?? .min }
    }
    /// The interfaces' sinks as given, a `DeferredCaptureSink` standing for a sink not made yet
    /// (flagged in `deferredSinks`); read them through `eth0Capture` and `wg0Capture`.
    @exclusivity(unchecked) private var eth0Sink: CaptureSink
    @exclusivity(unchecked) private var wg0Sink: CaptureSink?
    private static let eth0Deferred: UInt8 = 1
    private static let wg0Deferred: UInt8 = 2

    init(index: Int, name: String, underlay: IPAddress, device: Device?, listenPort: UInt16,
         wg0Addresses: [InterfaceAddress], eth0Capture: CaptureSink, wg0Capture: CaptureSink?) {
        self.index = index
        self.name = name
        self.underlay = underlay
        self.device = device
        deviceReference = device.map { Unmanaged.passUnretained($0) }
        self.listenPort = listenPort
        self.wg0Addresses = wg0Addresses
        eth0Sink = eth0Capture
        wg0Sink = wg0Capture
        if eth0Capture is DeferredCaptureSink { deferredSinks |= Self.eth0Deferred }
        if wg0Capture is DeferredCaptureSink { deferredSinks |= Self.wg0Deferred }
    }

    /// eth0's capture sink: what `tcpdump -i eth0` on this node sees. A deferred one is made here,
    /// for the interface's first packet.
    var eth0Capture: CaptureSink {
        if deferredSinks & Self.eth0Deferred != 0 { makeDeferredSinks() }
        return eth0Sink
    }

    /// Whether eth0's sink needs a datagram's bytes when it is captured
    /// (`CaptureSink.wantsDatagramBytes`), asked without making a deferred sink: the sink that
    /// stands for one answers as the sinks it makes do (`DeferredCaptureSink.wantsDatagramBytes`).
    var eth0WantsDatagramBytes: Bool { eth0Sink.wantsDatagramBytes }

    /// wg0's capture sink, nil for a node without WireGuard; made at its first packet when deferred.
    var wg0Capture: CaptureSink? {
        if deferredSinks & Self.wg0Deferred != 0 { makeDeferredSinks() }
        return wg0Sink
    }

    /// Whether the node has a wg0 sink (made or not): reading one does not make it.
    var hasWG0Capture: Bool { wg0Sink != nil }

    /// Makes both deferred sinks at once, in eth0-then-wg0 order (a factory's sinks may count the
    /// order they are made in; made together, they are made in the order `Simulation.init` asks).
    @inline(never)
    private func makeDeferredSinks() {
        if deferredSinks & Self.eth0Deferred != 0 {
            eth0Sink = unsafeDowncast(eth0Sink, to: DeferredCaptureSink.self).sink(named: "\(name)-eth0")
        }
        if deferredSinks & Self.wg0Deferred != 0, let deferred = wg0Sink {
            wg0Sink = unsafeDowncast(deferred, to: DeferredCaptureSink.self).sink(named: "\(name)-wg0")
        }
        deferredSinks = 0
    }

    /// The underlay endpoint wg0's socket is bound to.
    var listenEndpoint: Endpoint { Endpoint(address: underlay, port: listenPort) }

    /// Whether `address` is one of this host's own: the underlay address or a wg0 address
    /// (Linux keeps local addresses in its local table even while the interface is down).
    func isLocal(_ address: IPAddress) -> Bool {
        address == underlay || wg0Addresses.contains { $0.address == address }
    }

    /// The source address Linux would pick for a packet leaving through `device`: the first wg0
    /// address of the family for wg0, else the underlay address.
    func sourceAddress(for destination: IPAddress, via device: Interface?) -> IPAddress {
        let wg0Source = wg0Addresses.first { $0.address.isIPv4 == destination.isIPv4 }?.address
        switch device {
        case .wg0?: return wg0Source ?? underlay
        case .eth0?: return underlay.isIPv4 == destination.isIPv4 ? underlay : (wg0Source ?? underlay)
        default: return wg0Source ?? underlay
        }
    }
}

/// A route table held by reference, so that the many nodes of a generated hub, whose tables are
/// all alike, hold one pointer each instead of the table's own fields (its arrays, sets and
/// dictionaries, about 80 bytes inline). `SimNode.routes` copies before changing a shared one.
final class RouteTableBox {
    @exclusivity(unchecked) var table: HostRouteTable
    init(_ table: HostRouteTable) { self.table = table }
}

/// Per-node tallies for the run summary: packets the node originated. (The decision actions it
/// logged are counted in the simulation's `ActionTally`.)
struct NodeCounters {
    var originated = 0
}
