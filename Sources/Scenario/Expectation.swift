import Sim
import Routing
import WireGuard

/// Something that must hold after a run (`expect:`), checked against the table at a moment or
/// against the decision log.
public struct Expectation {
    /// What is checked: a table lookup at a moment, or decisions in the log.
    public enum Kind {
        /// `at: T, node: N, lookup: ADDRESS, peer: P|none`: the allowed-IPs table at time T (nil: the end).
        case lookup(at: Int64?, node: String, address: IPAddress, peer: String?)
        /// Decisions matching `filter` with `action`: at least one, or exactly `count`.
        case decisions(DecisionFilter, action: String, count: Int?)
    }
    public var kind: Kind
    /// An optional `note:` printed with the result.
    public var note: String?
    public var location: SourceLocation
}

/// Which decisions an expectation is about. Every given field must match; `after` is inclusive,
/// `before` exclusive (simulated nanoseconds).
public struct DecisionFilter: Equatable {
    public var node: String?
    public var iface: String?
    public var dir: String?
    /// An address matches itself; a prefix (extension) matches every address in it.
    public var src: IPPrefix?
    public var dst: IPPrefix?
    public var proto: String?
    /// A node name, a base64 key, or `none` for decisions without a peer.
    public var peer: String?
    public var after: Int64?
    public var before: Int64?

    public init() {}

    /// Whether a decision with these fields matches; fields a decision lacks never match a filter on them.
    public func matches(node: String, iface: String?, dir: String?, src: IPAddress?, dst: IPAddress?,
                        proto: String?, peer: String?, t: Int64) -> Bool {
        if let n = self.node, n != node { return false }
        if let i = self.iface, i != iface { return false }
        if let d = self.dir, d != dir { return false }
        if let s = self.src { guard let a = src, s.contains(a) else { return false } }
        if let s = self.dst { guard let a = dst, s.contains(a) else { return false } }
        if let p = self.proto, p != proto { return false }
        if let p = self.peer { if p == "none" { if peer != nil { return false } } else if p != peer { return false } }
        if let a = after, t < a { return false }
        if let b = before, t >= b { return false }
        return true
    }

    /// `node=ABCD dst=192.168.32.19` — the filter as a person would write it.
    public var summary: String {
        var parts: [String] = []
        if let node { parts.append("node=\(node)") }
        if let iface { parts.append("iface=\(iface)") }
        if let dir { parts.append("dir=\(dir)") }
        if let src { parts.append("src=\(ExpectationText.prefixText(src))") }
        if let dst { parts.append("dst=\(ExpectationText.prefixText(dst))") }
        if let proto { parts.append("proto=\(proto)") }
        if let peer { parts.append("peer=\(peer)") }
        if let after { parts.append("after=\(TimeText.shortest(after))") }
        if let before { parts.append("before=\(TimeText.shortest(before))") }
        return parts.joined(separator: " ")
    }
}

/// How filters print addresses and prefixes.
enum ExpectationText {
    /// A host prefix prints as the bare address.
    static func prefixText(_ p: IPPrefix) -> String {
        p.length == p.address.bitWidth ? p.address.description : p.description
    }
}

/// The decision log's action names (docs/decision-log.md, "Actions").
public enum DecisionActions {
    public static let all: [String] = Action.allCases.filter(\.isContractAction).map(\.rawValue)
}

extension DecisionActions {
    /// Actions the simulator logs beyond the contract's table (documented in docs/scenario-reference.md).
    public static let extensions: [String] = Action.allCases.filter { !$0.isContractAction }.map(\.rawValue)
}
