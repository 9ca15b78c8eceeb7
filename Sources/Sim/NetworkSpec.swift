import Routing
import WireGuard

/// One simulated host as a scenario describes it: an underlay interface (eth0) with an address,
/// an optional wg0, and extra host routes (`ip route add …`) beyond the ones wg-quick adds.
public struct NodeSpec: Sendable {
    public var name: String
    public var underlay: IPAddress
    public var wireguard: InterfaceSpec?
    public var routes: [RouteSpec]
    /// `net.ipv4.ip_forward=1` / `net.ipv6.conf.all.forwarding=1`: packets for other hosts that
    /// arrive on wg0 or eth0 are routed on (TTL/hop limit decremented) instead of dropped, so a
    /// node can be a site's router with LAN hosts (plain nodes) behind it.
    public var forwarding: Bool

    public init(name: String, underlay: IPAddress, wireguard: InterfaceSpec? = nil, routes: [RouteSpec] = [],
                forwarding: Bool = false) {
        self.name = name
        self.underlay = underlay
        self.wireguard = wireguard
        self.routes = routes
        self.forwarding = forwarding
    }
}

/// A node's wg0 as wg-quick would bring it up: key, port, addresses, MTU and peers.
public struct InterfaceSpec: Sendable {
    /// nil: derived from the scenario seed and the node name (label "NODE/static").
    public var privateKey: PrivateKey?
    public var listenPort: UInt16
    /// wg0 addresses; as wg-quick, each adds the connected route of its prefix.
    public var addresses: [InterfaceAddress]
    public var mtu: Int
    public var peers: [PeerSpec]
    /// wg-quick's `Table`: where the routes of the allowed IPs go (`auto`: the main table, a `/0`
    /// by policy routing; `off`: nowhere; a number: that table, without rules).
    public var table: WgQuickTable
    /// `wg set wg0 fwmark`: the firewall mark of wg0's own UDP datagrams; 0 is off. With
    /// `table: auto` and a `/0` allowed IP, wg-quick sets 51820 when it is off.
    public var fwmark: UInt32

    public init(privateKey: PrivateKey? = nil, listenPort: UInt16 = 51820, addresses: [InterfaceAddress] = [],
                mtu: Int = 1420, peers: [PeerSpec] = [], table: WgQuickTable = .auto, fwmark: UInt32 = 0) {
        self.privateKey = privateKey
        self.listenPort = listenPort
        self.addresses = addresses
        self.mtu = mtu
        self.peers = peers
        self.table = table
        self.fwmark = fwmark
    }
}

/// An interface address as `ip address add 192.168.0.1/16` takes it: the host's own address
/// (host bits kept) and the length of the connected prefix.
public struct InterfaceAddress: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int
    /// The connected route's prefix (host bits masked).
    public let prefix: IPPrefix

    public init(address: IPAddress, prefixLength: Int) throws {
        self.prefix = try IPPrefix(address: address, length: prefixLength)
        self.address = address
        self.prefixLength = prefixLength
    }

    /// `192.168.0.1/16`, or a bare address (/32 or /128), as wg-quick's `Address =` takes it.
    public init(parsing text: String) throws {
        let (address, suffix) = try IPAddress.parsingAddress(beforeSlashIn: text)
        guard suffix?.utf8.contains(UInt8(ascii: "/")) != true else { throw AddressParseError(text, "more than one '/'") }
        var length = address.bitWidth
        if let suffix {
            guard let parsed = Int(suffix) else {
                throw AddressParseError(text, "'\(suffix)' is not a prefix length")
            }
            length = parsed
        }
        try self.init(address: address, prefixLength: length)
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

/// How a scenario names a WireGuard peer: a simulated node (its public key) or a bare key.
public enum PeerRef: Hashable, Sendable {
    case node(String)
    case key(PublicKey)
}

/// Where a peer's datagrams go: a simulated node (its underlay address and listen port) or an
/// explicit address:port.
public enum EndpointRef: Hashable, Sendable {
    case node(String)
    case address(Endpoint)
}

/// One `[Peer]` section.
public struct PeerSpec: Sendable {
    public var peer: PeerRef
    public var allowedIPs: [IPPrefix]
    public var endpoint: EndpointRef?
    /// Seconds; nil or 0: off.
    public var persistentKeepalive: Int?
    public var presharedKey: PresharedKey?

    public init(peer: PeerRef, allowedIPs: [IPPrefix] = [], endpoint: EndpointRef? = nil,
                persistentKeepalive: Int? = nil, presharedKey: PresharedKey? = nil) {
        self.peer = peer
        self.allowedIPs = allowedIPs
        self.endpoint = endpoint
        self.persistentKeepalive = persistentKeepalive
        self.presharedKey = presharedKey
    }
}

/// One host route, as `ip route` shows it: `PREFIX dev DEV [via GW] [metric N] [table T]`.
public struct RouteSpec: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    /// "wg0" or "eth0" (any other name is kept but never carries traffic).
    public var device: String
    public var via: IPAddress?
    public var metric: Int?
    /// nil: the main table. wg-quick puts a full-tunnel default route in table 51820 (or wg0's
    /// fwmark), which its policy rules make unmarked packets consult (PolicyRouting.swift).
    public var table: Int?

    public init(prefix: IPPrefix, device: String, via: IPAddress? = nil, metric: Int? = nil, table: Int? = nil) {
        self.prefix = prefix
        self.device = device
        self.via = via
        self.metric = metric
        self.table = table
    }

    /// `ip route` text: `default`/`10.0.0.0/8`, then dev, via, metric and table when set.
    public var description: String {
        var text = prefix.length == 0 ? "default" : prefix.description
        if let via { text += " via \(via)" }
        text += " dev \(device)"
        if let metric { text += " metric \(metric)" }
        if let table { text += " table \(table)" }
        return text
    }
}

/// Underlay link properties between two nodes.
public struct LinkProperties: Hashable, Sendable {
    /// One-way delay in nanoseconds.
    public var latency: Int64
    /// Each datagram's delay varies uniformly within ±jitter nanoseconds (never below zero),
    /// as netem's uniform jitter does; datagrams may therefore be reordered.
    public var jitter: Int64
    /// Probability in 0...1 that a datagram is lost.
    public var loss: Double
    /// The largest outer IP packet the link carries; larger ones are dropped (no fragmentation).
    public var mtu: Int
    public var up: Bool

    public init(latency: Int64 = 1_000_000, jitter: Int64 = 0, loss: Double = 0, mtu: Int = 1500, up: Bool = true) {
        self.latency = latency
        self.jitter = jitter
        self.loss = loss
        self.mtu = mtu
        self.up = up
    }

    /// The default shared segment: 1 ms, no jitter, no loss, MTU 1500.
    public static let sharedSegment = LinkProperties()
}

/// A point-to-point underlay link between two named nodes.
public struct LinkSpec: Sendable {
    public var between: (String, String)
    public var properties: LinkProperties

    public init(between: (String, String), properties: LinkProperties = LinkProperties()) {
        self.between = between
        self.properties = properties
    }
}

/// A change to a link at a point in simulated time; nil fields stay as they are.
public struct LinkChange: Hashable, Sendable {
    public var latency: Int64?
    public var jitter: Int64?
    public var loss: Double?
    public var mtu: Int?
    public var up: Bool?

    public init(latency: Int64? = nil, jitter: Int64? = nil, loss: Double? = nil, mtu: Int? = nil, up: Bool? = nil) {
        self.latency = latency
        self.jitter = jitter
        self.loss = loss
        self.mtu = mtu
        self.up = up
    }

    func apply(to properties: inout LinkProperties) {
        if let latency { properties.latency = latency }
        if let jitter { properties.jitter = jitter }
        if let loss { properties.loss = loss }
        if let mtu { properties.mtu = mtu }
        if let up { properties.up = up }
    }
}
