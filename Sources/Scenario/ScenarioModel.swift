import Routing
import Sim
import WireGuard

/// A scenario file, read and fully validated: the network to simulate, what happens in it and
/// what must hold afterwards. Nothing here is half-checked: every node name a peer, endpoint,
/// event or expectation mentions exists, every file it names was read.
public struct Scenario {
    public var name: String
    public var description: String?
    public var seed: UInt64
    /// Wall-clock origin of simulated time 0, Unix nanoseconds (TAI64N timestamps, pcap times).
    public var startUnixNanoseconds: Int64
    /// Stop time; nil runs until no event is left.
    public var duration: Int64?
    public var nodes: [ScenarioNode]
    public var links: [ScenarioLink]
    /// In file order; the simulation runs them in time order, ties in file order.
    public var events: [ScenarioEvent]
    public var expectations: [Expectation]
    /// The scenario file as it was named, for messages.
    public var file: String
    /// The wg0 key pairs of the nodes whose key comes from the seed, being derived beside the
    /// loading of a large file (nil: none started); the run built with the same seed takes them
    /// (`Simulation.prepareKeys(in:seed:derived:)`).
    var derivedKeys: DerivedKeyPairs? = nil

    /// 2026-01-01T00:00:00Z, the default `start-time`.
    public static let defaultStartUnixNanoseconds: Int64 = 1_767_225_600 * 1_000_000_000

    public func node(named name: String) -> ScenarioNode? { nodes.first { $0.name == name } }

    /// What loading noticed that the kernel accepts but probably is not meant: allowed IPs
    /// written with host bits, in peers and in `wg set` events, in file order (nodes, then
    /// events). Moves of entries between peers come from running it (`ScenarioRun.warnings`).
    public var loadWarnings: [ScenarioWarning] {
        var warnings = nodes.flatMap { $0.wireguard?.peers.flatMap(\.warnings) ?? [] }
        for event in events {
            if case .wgSet(_, _, let update?, _, _, _, _) = event.action {
                warnings += update.warnings.map { ScenarioWarning(event.location, $0) }
            }
        }
        return warnings
    }

    /// A time given on the command line for this scenario (`--at 5s`): a duration no later than
    /// the last simulated time its start-time allows. Errors name the scenario file and `option`.
    public func commandLineTime(_ text: String, option: String) throws -> Int64 {
        let time: Int64
        switch DurationText.parse(text) {
        case .success(let t): time = t
        case .failure(let e): throw ScenarioError(file: file, line: nil, "\(option): \(e)")
        }
        let limit = TimeLimit(startUnixNanoseconds: startUnixNanoseconds)
        guard time <= limit.latest else {
            throw ScenarioError(file: file, line: nil, "\(option) \(text.trimmingSpaces) is too late: \(limit.reason)")
        }
        return time
    }
}

/// One simulated host: an underlay address (eth0), an optional wg0 and extra host routes.
public struct ScenarioNode {
    public var name: String
    public var underlay: IPAddress
    public var wireguard: WireGuardInterface?
    public var routes: [RouteSpec]
    /// `forwarding: true` (an extension): the node routes packets for other hosts on, as with
    /// `net.ipv4.ip_forward=1`, so it can be a site's router with LAN hosts behind it.
    public var forwarding: Bool = false
    /// `partition: NAME` (an extension): in a run split over MPI processes, nodes naming the same
    /// partition run in one process, whatever their WireGuard peers (docs/mpi.md). It never
    /// changes what a run does.
    public var partition: String? = nil
    public var location: SourceLocation
    /// The line of each of `routes`.
    public var routeLocations: [SourceLocation] = []
}

/// A node's wg0 as `wireguard:` or a wg-quick file describes it.
public struct WireGuardInterface {
    /// nil: derived from the seed and the node name.
    public var privateKey: PrivateKey?
    public var listenPort: UInt16 = 51820
    public var addresses: [InterfaceAddress] = []
    public var mtu: Int = 1420
    public var peers: [WireGuardPeer] = []
    /// wg-quick's `Table` (`table:`).
    public var table: WgQuickTable = .auto
    /// wg0's firewall mark (`FwMark`, `fwmark:`); 0 is off.
    public var fwmark: UInt32 = 0
    /// What reading the interface's wg-quick file had to say (keys read but not simulated, …).
    public var notes: [ScenarioNote] = []
}

/// One `[Peer]` / `peers:` entry.
public struct WireGuardPeer {
    public var peer: PeerRef
    public var allowedIPs: [IPPrefix] = []
    /// Where each of `allowedIPs` was claimed (its `allowed-ips` item or `AllowedIPs =` line),
    /// so a warning can name the line of each claim when an entry moves between peers. Empty (or
    /// shorter than `allowedIPs`) means the missing claims are on the peer's own `location`.
    public var allowedIPLocations: [SourceLocation] = []
    /// What reading the peer noticed but the kernel accepts (an allowed IP with host bits).
    public var warnings: [ScenarioWarning] = []
    public var endpoint: EndpointRef?
    public var persistentKeepalive: Int?
    public var presharedKey: PresharedKey?
    public var location: SourceLocation
}

/// An underlay link between two nodes; nodes without one share the default segment.
public struct ScenarioLink {
    public var between: (String, String)
    public var properties: LinkProperties
    public var location: SourceLocation
}

/// One thing the simulation does at a simulated time, and the scenario line that asked for it.
/// A `wg set` on two peers is two events; a `send:` with `count:` is one (`SimAction.send`
/// repeats it as it runs).
public struct ScenarioEvent {
    public var at: Int64
    public var location: SourceLocation
    public var action: SimAction
}
