/// How bad a lint finding is: `error` (will not work as written), `warning` (works only under
/// conditions the author probably does not meet), `info` (an explanation worth knowing).
public enum LintSeverity: String, Comparable, Sendable, CaseIterable {
    case error, warning, info

    private var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: LintSeverity, b: LintSeverity) -> Bool { a.rank < b.rank }
}

/// One thing `wgsim lint` found: where, how bad, what happens and how to fix it. `related` is the
/// other place when two lines collide (the earlier peer of a duplicate prefix, the other file).
public struct LintFinding: Equatable, Sendable {
    /// The rule's stable name (`duplicate-prefix`).
    public var rule: String
    public var severity: LintSeverity
    public var location: SourceLocation
    public var message: String
    public var fix: String
    public var related: SourceLocation?

    /// A finding of `rule`, at the rule's usual severity unless `severity` is given.
    public init(_ rule: LintRule, _ severity: LintSeverity? = nil, at location: SourceLocation, _ message: String,
                fix: String, related: SourceLocation? = nil) {
        self.rule = rule.id
        self.severity = severity ?? rule.severity
        self.location = location
        self.message = message
        self.fix = fix
        self.related = related
    }
}

/// The rules `wgsim lint` knows, each with a stable name (what `--disable` and the SARIF
/// `ruleId` use), its usual severity and a one-line description. Single-file rules come first,
/// then the rules that need a whole network of files.
public struct LintRule: Hashable, Sendable {
    /// The stable name, as printed and as `--disable` takes it.
    public let id: String
    /// The severity most of its findings have (some findings of a rule are milder or harsher).
    public let severity: LintSeverity
    /// One line: what the rule is about (the SARIF `shortDescription`).
    public let summary: String

    static let duplicatePrefix = LintRule(id: "duplicate-prefix", severity: .error,
        summary: "the same prefix is given to two peers; the later one takes it from the earlier")
    static let hostBits = LintRule(id: "host-bits", severity: .warning,
        summary: "an AllowedIPs entry has bits set past its prefix length, so it means the whole network")
    static let shadowedPrefix = LintRule(id: "shadowed-prefix", severity: .info,
        summary: "a more specific prefix on another peer takes part of a range")
    static let endpointInAllowedIPs = LintRule(id: "endpoint-in-allowed-ips", severity: .error,
        summary: "a peer's endpoint address is inside the tunnel's AllowedIPs, so its UDP would enter the tunnel")
    static let ipv6Leak = LintRule(id: "ipv6-leak", severity: .warning,
        summary: "all IPv4 goes through the tunnel but IPv6 does not")
    static let addressPrefix = LintRule(id: "address-prefix", severity: .info,
        summary: "the interface Address's prefix length and the routes it makes")
    static let mtu = LintRule(id: "mtu", severity: .warning,
        summary: "MTU leaves no room for WireGuard's overhead, or is below IPv6's minimum")
    static let keepalive = LintRule(id: "keepalive", severity: .info,
        summary: "PersistentKeepalive on a peer without an Endpoint")
    static let duplicatePublicKey = LintRule(id: "duplicate-public-key", severity: .error,
        summary: "two [Peer] sections have the same PublicKey and are one peer")
    static let ownPublicKey = LintRule(id: "own-public-key", severity: .error,
        summary: "a [Peer] has the interface's own public key (or its private key) and is ignored")
    static let badKey = LintRule(id: "bad-key", severity: .error,
        summary: "a key that is missing, empty or not 32 bytes of base64")
    static let dns = LintRule(id: "dns", severity: .warning,
        summary: "DNS servers the tunnel cannot reach, or a full tunnel without DNS")
    static let hooks = LintRule(id: "hooks", severity: .warning,
        summary: "PreUp/PostUp commands without their undo, SaveConfig, Table = off")
    static let structure = LintRule(id: "structure", severity: .error,
        summary: "a line wg or wg-quick refuses: unknown or misplaced key, bad value, bad file name")
    static let localLAN = LintRule(id: "local-lan", severity: .info,
        summary: "AllowedIPs holds a common home-router LAN that the local network may also use")
    static let dynamicEndpoint = LintRule(id: "dynamic-endpoint", severity: .info,
        summary: "an Endpoint host name is looked up once, when the interface comes up")
    static let unknownPeer = LintRule(id: "unknown-peer", severity: .error,
        summary: "a peer does not list this node's public key back, so it drops this node's handshakes")
    static let sourceCheckDrop = LintRule(id: "source-check-drop", severity: .error,
        summary: "a packet is dropped after decryption because its source is not in the sender's AllowedIPs there")
    static let addressCollision = LintRule(id: "address-collision", severity: .error,
        summary: "two nodes have the same tunnel address")
    static let hubNoTransit = LintRule(id: "hub-no-transit", severity: .error,
        summary: "traffic between two nodes through a third one does not get through")
    static let noInitiator = LintRule(id: "no-initiator", severity: .error,
        summary: "neither side of a tunnel has an Endpoint for the other, or the port is wrong")
    static let overlappingLANs = LintRule(id: "overlapping-lans", severity: .error,
        summary: "two sites' networks overlap where one node routes to both")
    static let sharedPrivateKey = LintRule(id: "shared-private-key", severity: .error,
        summary: "two files have the same PrivateKey: one WireGuard identity on two machines")
    static let pskMismatch = LintRule(id: "psk-mismatch", severity: .error,
        summary: "the two ends of a tunnel have different PresharedKeys (or only one has one)")

    /// Every rule, in documentation order.
    public static let all: [LintRule] = [
        duplicatePrefix, hostBits, shadowedPrefix, endpointInAllowedIPs, ipv6Leak, addressPrefix, mtu, keepalive,
        duplicatePublicKey, ownPublicKey, badKey, dns, hooks, structure, localLAN, dynamicEndpoint,
        unknownPeer, sourceCheckDrop, addressCollision, hubNoTransit, noInitiator, overlappingLANs, sharedPrivateKey, pskMismatch,
    ]

    /// The rule named `id`, if there is one.
    public static func named(_ id: String) -> LintRule? { all.first { $0.id == id } }
}
