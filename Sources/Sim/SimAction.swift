import Pcap
import Routing
import WireGuard

/// The transport protocol of a packet a scenario `send:` event makes.
public enum InnerProtocol: Hashable, Sendable {
    case udp
    /// One TCP segment (PSH|ACK), as PacketBuilder.datagram makes it.
    case tcp
    /// An echo request (ICMP over IPv4, ICMPv6 over IPv6).
    case icmp
    /// Any IP protocol number; the packet carries `size` zero bytes after the IP header.
    case number(UInt8)
}

/// A packet made up by a scenario `send:` event, as if a local application sent it.
public struct InnerPacketSpec: Hashable, Sendable {
    public var destination: IPAddress
    /// nil: chosen as Linux would (the first wg0 address of the family when routed to wg0, else
    /// the underlay address).
    public var source: IPAddress?
    public var proto: InnerProtocol
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// Payload bytes after the transport header (after the IP header for `.number`); clamped so
    /// the packet fits 65535 bytes.
    public var size: Int

    public init(destination: IPAddress, source: IPAddress? = nil, proto: InnerProtocol = .udp,
                sourcePort: UInt16 = 40000, destinationPort: UInt16 = 9, size: Int = 0) {
        self.destination = destination
        self.source = source
        self.proto = proto
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.size = size
    }
}

/// Something that happens at a scheduled simulated time on a node or link.
public enum SimAction {
    /// `wg set wg0 peer … [allowed-ips …] [endpoint …] [persistent-keepalive …]
    /// [preshared-key …] [remove]`. nil fields are left as they are.
    case wgSet(node: String, peer: PeerRef, allowedIPs: AllowedIPsUpdate?, endpoint: EndpointRef?,
               persistentKeepalive: Int?, presharedKey: PresharedKey?, remove: Bool)
    /// Logs the node's `wg show` text as a `note` decision.
    case wgShow(node: String)
    /// `ip route add …` / `ip route del …`.
    case routeAdd(node: String, RouteSpec)
    case routeDelete(node: String, RouteSpec)
    /// `ip link set DEV up|down` for wg0 or eth0.
    case linkState(node: String, device: String, up: Bool)
    /// `count` ICMP (v4) / ICMPv6 echo requests, `interval` ns apart, `size` payload bytes.
    case ping(node: String, destination: IPAddress, source: IPAddress?, count: Int, interval: Int64, size: Int)
    /// `count` copies of the packet, `interval` ns apart. The repetitions are scheduled one at a
    /// time (each sends one packet and schedules the next), so a large count costs no memory up
    /// front; each keeps its action's place among events due at the same time (`schedule`).
    case send(node: String, packet: InnerPacketSpec, count: Int = 1, interval: Int64 = 0)
    /// Injects a trace's packets at the node as if a local application sent them, keeping their
    /// relative timing; `trace` is the file name decisions cite. The packets are read one at a
    /// time as the replay goes when the trace is streamed (`ReplayTrace`).
    case replay(node: String, trace: String, packets: ReplayTrace)
    case setLink(between: (String, String), LinkChange)
    /// The node's eth0 address changes (roaming); peers learn it from authenticated packets.
    case moveUnderlay(node: String, to: IPAddress)
    /// Puts the node's wg0 under load (as if its handshake queue were flooded) or takes it out:
    /// handshake messages without a valid mac2 are then answered with a cookie reply
    /// (behaviour doc §3.2, §4.5).
    case underLoad(node: String, on: Bool)
}
