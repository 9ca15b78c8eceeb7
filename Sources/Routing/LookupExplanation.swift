/// Why a lookup chose what it chose, in words: every entry whose prefix contains the address,
/// most specific first, and the rule that picked the winner (longest-prefix match, §1.7).
public struct LookupExplanation<Peer: Hashable> {
    public let address: IPAddress
    /// Every matching entry, most specific first; the first is the answer.
    public let matches: [(prefix: IPPrefix, peer: Peer)]

    public init(address: IPAddress, matches: [(prefix: IPPrefix, peer: Peer)]) {
        self.address = address
        self.matches = matches
    }

    /// The winning entry, or nil when nothing matches.
    public var winner: (prefix: IPPrefix, peer: Peer)? { matches.first }
    /// The matching entries that lost, most specific first.
    public var candidates: ArraySlice<(prefix: IPPrefix, peer: Peer)> { matches.dropFirst() }

    /// One line for the verdict, then one per matching entry saying why it won or lost.
    /// `name` turns a peer into text.
    public func lines(name: (Peer) -> String) -> [String] {
        let family = address.isIPv4 ? "IPv4" : "IPv6"
        guard let winner else {
            return ["\(address): no peer — no allowed IP in the \(family) trie contains \(address); "
                    + "a packet to it is dropped (send) or refused (receive)"]
        }
        var lines = ["\(address): peer \(name(winner.peer)) via \(winner.prefix)"]
        let width = matches.map { $0.prefix.description.count }.max() ?? 0
        func padded(_ text: String) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        lines.append("  \(padded(winner.prefix.description))  \(name(winner.peer)): chosen — "
                     + (matches.count == 1
                        ? "the only allowed IP that contains \(address)"
                        : "the longest (most specific) of the \(matches.count) prefixes that contain \(address)"))
        for loser in candidates {
            lines.append("  \(padded(loser.prefix.description))  \(name(loser.peer)): not chosen — "
                         + "/\(loser.prefix.length) also contains \(address) but is less specific than /\(winner.prefix.length)")
        }
        return lines
    }
}

extension AllowedIPs {
    /// `explain(_:)` packaged with the words for why the winner won.
    public func explanation(for address: IPAddress) -> LookupExplanation<Peer> {
        LookupExplanation(address: address, matches: explain(address))
    }
}
