#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Routing
import Sim

/// A generated client node written on one line, converted straight from its bytes: the line
/// `wgsim generate hub` writes for each client (`HubGenerator`),
///
///     p7: {underlay: 100.64.0.9, wireguard: {address: [10.0.0.9/32], peers: [{peer: hub, allowed-ips: [10.0.0.0/8], endpoint: hub}]}}
///
/// gives the `ScenarioNode` `LoadContext.node` gives for it, without the `YAMLNode`s, `YAMLMap`s
/// and `YAMLValue`s the tree path makes on the way (about half the loading thread's work on a
/// million clients: docs/performance.md). It takes only what it reads exactly as the tree path
/// would and accepts: that shape, keys in that order, one space after each `:` and `,`, values
/// of letters, digits and `-_./` (no `-` first), nothing after the last `}`; addresses, prefixes
/// without host bits, peers and endpoints that name other nodes. Anything else — a warning
/// to give, an error to report, another key, a comment — is left to the tree path
/// (`convert` answers nil), so every message and warning stays the tree path's.
///
/// The same reading of a peer converts a generated hub's peer lines (`convertPeer`), one item
/// of its `wireguard: peers:` each.
struct StreamedNodeLine {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The node `value` (a flow mapping's bytes to the end of its line) describes, or nil when
    /// it is not a line this converter takes whole.
    static func convert(_ value: UnsafeBufferPointer<UInt8>, name: String, keyLine: Int, context: LoadContext) -> ScenarioNode? {
        var line = StreamedNodeLine(value)
        return line.node(name: name, keyLine: keyLine, context: context)
    }

    private mutating func node(name: String, keyLine: Int, context: LoadContext) -> ScenarioNode? {
        let location = SourceLocation(file: context.file, line: keyLine)
        guard expect("{underlay: "), let underlayText = token(), let underlay = try? IPAddress(parsing: underlayText),
              expect(", wireguard: {address: [") else { return nil }
        var wireguard = WireGuardInterface()
        repeat {
            guard let text = token(), let address = try? InterfaceAddress(parsing: text) else { return nil }
            wireguard.addresses.append(address)
        } while expect(", ")
        guard expect("], peers: [") else { return nil }
        repeat {
            guard let peer = peer(location: location, context: context), peer.peer != .node(name) else { return nil }
            wireguard.peers.append(peer)
        } while expect(", ")
        guard expect("]}}"), i == bytes.count else { return nil }
        return ScenarioNode(name: name, underlay: underlay, wireguard: wireguard, routes: [], location: location)
    }

    /// The peer `value` (a `peers:` item's flow mapping, from its `{` to the end of its line, as
    /// a generated hub writes its peers: `{peer: p7, allowed-ips: [10.0.0.9/32, 192.168.0.0/24],
    /// endpoint: p7}`) describes, the one `LoadContext.plainPeer` gives for it; nil when it is
    /// not an item this converter takes whole (then the tree path reads it and words whatever is
    /// wrong). A peer naming its own node is taken: `LoadContext.node` refuses it as it does the
    /// tree path's.
    static func convertPeer(_ value: UnsafeBufferPointer<UInt8>, line: Int, context: LoadContext) -> WireGuardPeer? {
        var item = StreamedNodeLine(value)
        guard let peer = item.peer(location: SourceLocation(file: context.file, line: line), context: context),
              item.i == value.count else { return nil }
        return peer
    }

    /// `{peer: NODE, allowed-ips: [PREFIX, …], endpoint: NODE}`: names of nodes, prefixes without
    /// host bits (what `LoadContext.plainPeer` takes), up to its `}`.
    private mutating func peer(location: SourceLocation, context: LoadContext) -> WireGuardPeer? {
        guard expect("{peer: "), let peerName = token(), context.nodeNames.contains(peerName),
              expect(", allowed-ips: [") else { return nil }
        var peer = WireGuardPeer(peer: .node(peerName), location: location)
        repeat {
            var hadHostBits = false
            guard let text = token(), let prefix = try? IPPrefix(parsing: text, hadHostBits: &hadHostBits), !hadHostBits else {
                return nil
            }
            peer.allowedIPs.append(prefix)
        } while expect(", ")
        guard expect("], endpoint: "), let endpoint = token(), endpoint == peerName || context.nodeNames.contains(endpoint),
              expect("}") else { return nil }
        peer.endpoint = .node(endpoint)
        return peer
    }

    /// Skips `literal` if the bytes continue with it.
    private mutating func expect(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - i >= count else { return false }
        // `memcmp`, not `elementsEqual`: ten literals a client line, a million lines.
        let matches = literal.withUTF8Buffer { text in
            memcmp(bytes.baseAddress! + i, text.baseAddress!, count) == 0
        }
        if matches { i += count }
        return matches
    }

    /// A plain scalar of letters, digits and `-_./`, not starting with `-`, ended by `,`, `]` or
    /// `}` (which stays): the values the subset reader reads as they are written.
    private mutating func token() -> String? {
        let start = i
        while i < bytes.count, YAMLSubsetReader.isKeyByte(bytes[i]) { i += 1 }
        guard i > start, i < bytes.count, YAMLSubsetReader.canStartPlain(bytes[start]),
              bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: "]") || bytes[i] == UInt8(ascii: "}") else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
    }
}
