import Routing
import Sim
import WireGuard

/// A `run:` command line of an event, parsed and checked: `wg set …`, `wg show`,
/// `ip route add|del …`, `ip link set wg0 up|down`.
public enum WGCommand {
    case wgSet([PeerUpdate])
    case wgShow
    case routeAdd(RouteSpec)
    case routeDelete(RouteSpec)
    case linkState(device: String, up: Bool)
}

/// The `peer …` part of `wg set`: what changes on one peer, as wg(8) describes it.
public struct PeerUpdate {
    public var peer: PeerRef
    public var remove = false
    /// nil: allowed-ips not given; otherwise replace (`A,B`), clear (``) or `+A,-B` (several
    /// values for one peer combine as `WGSetArguments` describes).
    public var allowedIPs: AllowedIPsUpdate?
    /// The text given (several values joined by a space), for logs and docs.
    public var allowedIPsText: String?
    public var endpoint: EndpointRef?
    /// 0 turns it off, as `persistent-keepalive off` does.
    public var persistentKeepalive: Int?
    /// `PresharedKey.zero` clears it, as `preshared-key /dev/null` does.
    public var presharedKey: PresharedKey?
}

/// Reads event command lines. `nodes` are the scenario's node names (peers and endpoints may
/// name them); `directory` is where relative file names (preshared-key files) are looked up.
struct CommandLineParser {
    let nodeNames: Set<String>
    let directory: String
    let location: SourceLocation

    func parse(_ line: String) throws -> WGCommand {
        let words: [String]
        switch ShellWords.split(line) {
        case .success(let w): words = w
        case .failure(let problem): throw location.error("in '\(line)': \(problem.reason)")
        }
        guard let tool = words.first else { throw location.error("empty command") }
        switch tool {
        case "wg": return try parseWG(Array(words.dropFirst()), line: line)
        case "ip": return try parseIP(Array(words.dropFirst()), line: line)
        default: throw location.error("unknown command '\(tool)': expected `wg set …`, `wg show`, `ip route add|del …` or `ip link set wg0 up|down`")
        }
    }

    // MARK: wg

    private func parseWG(_ words: [String], line: String) throws -> WGCommand {
        guard let sub = words.first else { throw location.error("`wg` needs `set` or `show`") }
        switch sub {
        case "show", "showconf":
            guard words.count <= 2, words.count == 1 || words[1] == "wg0" || words[1] == "all" else {
                throw location.error("`wg show` takes at most the interface name wg0")
            }
            return .wgShow
        case "set":
            let arguments: WGSetArguments
            do { arguments = try WGSetArguments(parsing: Array(words.dropFirst())) } catch let problem as WGSetArguments.Problem {
                throw location.error(problem.message)
            }
            guard arguments.interface == "wg0" else {
                throw location.error("unknown interface '\(arguments.interface)': nodes have one WireGuard interface, wg0")
            }
            if let option = arguments.deviceOptions.first {
                throw location.error("`wg set wg0 \(option)` is not simulated in events; set it in the node's wireguard: section")
            }
            return .wgSet(try arguments.peers.map(peerUpdate))
        default:
            throw location.error("`wg \(sub)` is not simulated: use `wg set wg0 …` or `wg show`")
        }
    }

    /// One peer of a `wg set` line with its names resolved: the peer, its endpoint, its key file.
    private func peerUpdate(_ peer: WGSetArguments.Peer) throws -> PeerUpdate {
        var update = PeerUpdate(peer: try peerName(peer.name))
        update.remove = peer.remove
        update.allowedIPs = peer.allowedIPs
        update.allowedIPsText = peer.allowedIPsText
        update.endpoint = try peer.endpoint.map(endpoint)
        update.persistentKeepalive = peer.persistentKeepalive
        update.presharedKey = try peer.presharedKey.map(presharedKey)
        return update
    }

    /// A node name, `@NAME`, or a base64 public key.
    func peerName(_ text: String) throws -> PeerRef {
        let name = text.hasPrefix("@") ? String(text.dropFirst()) : text
        if nodeNames.contains(name) { return .node(name) }
        if let key = try? PublicKey(base64: text) { return .key(key) }
        if text.hasPrefix("@") || text.count != 44 {
            throw location.error("peer '\(text)' is neither a node of this scenario nor a base64 public key")
        }
        do { return .key(try PublicKey(base64: text)) } catch {
            throw location.error("peer '\(text)': not a valid base64 public key (\(error))")
        }
    }

    /// `address:port`, `[v6]:port`, or a node name (its underlay address and listen port).
    func endpoint(_ text: String) throws -> EndpointRef {
        let bare = text.hasPrefix("@") ? String(text.dropFirst()) : text
        if nodeNames.contains(bare) { return .node(bare) }
        if let colon = bare.lastIndex(of: ":"), nodeNames.contains(String(bare[..<colon])) {
            return .node(String(bare[..<colon]))
        }
        do { return .address(try Endpoint(parsing: text)) } catch {
            throw location.error("endpoint '\(text)' is neither a node of this scenario nor address:port (\(error))")
        }
    }

    /// A file holding a base64 key (as wg(8) takes it), `/dev/null` to clear, or — an
    /// extension — the base64 key itself.
    private func presharedKey(_ text: String) throws -> PresharedKey {
        if text == "/dev/null" { return PresharedKey.zero }
        if text.count == 44, let key = try? PresharedKey(base64: text) { return key }
        let path = text.hasPrefix("/") ? text : directory + "/" + text
        let contents = try TextFile.read(path, namedAs: text, at: location,
                                         what: "preshared-key (a file holding a base64 key, /dev/null, or the key itself)")
        let key = contents.trimmingSpaces
        do { return try PresharedKey(base64: key) } catch {
            throw location.error("preshared-key file '\(text)': not a base64 key (\(error))")
        }
    }

    // MARK: ip

    private func parseIP(_ words: [String], line: String) throws -> WGCommand {
        guard words.count >= 2 else { throw location.error("`ip` needs `route add|del …` or `link set wg0 up|down`") }
        switch (words[0], words[1]) {
        case ("route", "add"), ("r", "add"), ("route", "replace"):
            return .routeAdd(try route(Array(words.dropFirst(2))))
        case ("route", "del"), ("route", "delete"), ("r", "del"):
            return .routeDelete(try route(Array(words.dropFirst(2))))
        case ("link", "set"):
            var rest = Array(words.dropFirst(2))
            if rest.first == "dev" { rest.removeFirst() }
            guard rest.count == 2, ["wg0", "eth0"].contains(rest[0]), ["up", "down"].contains(rest[1]) else {
                throw location.error("expected `ip link set wg0 up|down` (or eth0)")
            }
            return .linkState(device: rest[0], up: rest[1] == "up")
        default:
            throw location.error("`ip \(words[0]) \(words[1])` is not simulated: use `ip route add|del …` or `ip link set wg0 up|down`")
        }
    }

    /// `PREFIX [dev DEV] [via ADDR] [metric N]`; at least one of dev/via.
    func route(_ words: [String]) throws -> RouteSpec {
        try RouteText.parse(words, location: location)
    }
}

/// The `ip route` syntax shared by `routes:` entries and `ip route add|del` events.
enum RouteText {
    static func parse(_ words: [String], location: SourceLocation) throws -> RouteSpec {
        guard let first = words.first else { throw location.error("a route needs a prefix, e.g. `10.99.0.0/16 dev wg0`") }
        let prefixText = first == "default" ? "0.0.0.0/0" : first
        let prefix: IPPrefix
        do { prefix = try IPPrefix(parsing: prefixText) } catch {
            throw location.error("route prefix '\(first)': \(error)")
        }
        var device: String?, via: IPAddress?, metric: Int?
        var i = 1
        while i < words.count {
            guard i + 1 < words.count else { throw location.error("route: `\(words[i])` needs a value") }
            let v = words[i + 1]
            switch words[i] {
            case "dev":
                guard v == "wg0" || v == "eth0" else { throw location.error("route: unknown device '\(v)' (nodes have eth0 and wg0)") }
                device = v
            case "via":
                do { via = try IPAddress(parsing: v) } catch { throw location.error("route: via '\(v)': \(error)") }
            case "metric", "preference":
                guard let n = Int(v), n >= 0 else { throw location.error("route: metric must be a whole number, not '\(v)'") }
                metric = n
            default:
                throw location.error("route: unknown word '\(words[i])' (expected dev, via, metric)")
            }
            i += 2
        }
        guard device != nil || via != nil else { throw location.error("route '\(words.joined(separator: " "))' needs `dev wg0|eth0` or `via ADDRESS`") }
        return RouteSpec(prefix: prefix, device: device ?? "eth0", via: via, metric: metric)
    }
}
