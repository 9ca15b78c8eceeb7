/// Lookup fast paths for the packet path, and the policy that keeps the derived tables fresh.
///
/// A family's `Poptrie` is dropped on every change to that family. Lookups then walk the trie
/// (always exact) and count themselves; once the walks since the last change reach half the
/// trie's node count — so a rebuild, which costs about one pass over the nodes, is paid for by
/// the walks it replaces — the table is rebuilt. Tables are never built for small tries
/// (`compactLookupMinimumNodes`), whose walks are already cheap. IPv6 gets only the direct index
/// with continuations into the trie (jump mode): random IPv6 prefixes are sparse below 16 bits,
/// where full nodes would cost hundreds of bytes per prefix and one read per 6 bits.
///
/// Once `lookupEntry` (which needs the matching prefix, not just the peer) is used on a family,
/// that family's tables are built with entries from then on (4 more bytes per answer).
extension AllowedIPsCore {
    /// The owner slot of the longest match for an IPv4 address, or `UInt32.max`. No allocation.
    @usableFromInline
    func peerSlot(ipv4 key: UInt32) -> UInt32 {
        lookup4.peerSlot(for: key, in: v4, minimumNodes: compactLookupMinimumNodes)
    }

    /// The owner slot of the longest match for an IPv6 address, or `UInt32.max`. No allocation.
    @usableFromInline
    func peerSlot(ipv6High high: UInt64, low: UInt64) -> UInt32 {
        lookup6.peerSlot(for: IPv6Key(high: high, low: low), in: v6, minimumNodes: compactLookupMinimumNodes)
    }

    /// The trie node of the longest match for an IPv4 address, or `noIndex`.
    func entryNode(ipv4 key: UInt32) -> UInt32 {
        lookup4.entryNode(for: key, in: v4, minimumNodes: compactLookupMinimumNodes)
    }

    /// The trie node of the longest match for an IPv6 address, or `noIndex`.
    func entryNode(ipv6 key: IPv6Key) -> UInt32 {
        lookup6.entryNode(for: key, in: v6, minimumNodes: compactLookupMinimumNodes)
    }

    func prepareLookupTables() {
        lookup4.prepare(from: v4, minimumNodes: compactLookupMinimumNodes)
        lookup6.prepare(from: v6, minimumNodes: compactLookupMinimumNodes)
    }

    func discardLookupTables() {
        lookup4.discard()
        lookup6.discard()
    }

    /// Drops the derived table of the family `ref` belongs to.
    func invalidate(_ ref: EntryRef) {
        if ref.isIPv6 { lookup6.discard() } else { lookup4.discard() }
    }
}

/// One family's derived `Poptrie` and the rebuild policy above: the same for IPv4 and IPv6 but
/// for the build mode (`jumpOnly` for IPv6). The trie it is derived from is passed in, so that
/// the table never holds a stale copy of it.
///
/// A class held by a `let`: as a struct in a `var` of the core, every lookup was a mutating
/// call spanning a run-time exclusivity check of that field (callgrind: +9.6 M instructions in
/// `AllowedIPs.lookupEntry` for 200 peers × 20k packets, docs/performance.md).
final class DerivedLookupTable<Key: TrieKey> {
    private(set) var table: Poptrie<Key>?
    /// Trie walks since the last change.
    private var slowLookups = 0
    /// Set once `entryNode` is used: tables then carry trie nodes.
    private var entriesWanted = false
    private let jumpOnly: Bool

    init(jumpOnly: Bool) { self.jumpOnly = jumpOnly }

    func peerSlot(for key: Key, in trie: PrefixTrie<Key>, minimumNodes: Int) -> UInt32 {
        if let table { return table.peerSlot(for: key, in: trie) }
        if let table = rebuilt(from: trie, minimumNodes: minimumNodes) { return table.peerSlot(for: key, in: trie) }
        let node = trie.longestMatch(key)
        return node == noIndex ? noIndex : trie[node].peerSlot
    }

    func entryNode(for key: Key, in trie: PrefixTrie<Key>, minimumNodes: Int) -> UInt32 {
        if !entriesWanted {
            entriesWanted = true
            if table != nil { discard() }
        }
        if let table { return table.entryNode(for: key, in: trie) }
        if let table = rebuilt(from: trie, minimumNodes: minimumNodes) { return table.entryNode(for: key, in: trie) }
        return trie.longestMatch(key)
    }

    /// Builds the table now if the trie is large enough to want one.
    func prepare(from trie: PrefixTrie<Key>, minimumNodes: Int) {
        if table == nil && trie.liveNodes >= minimumNodes && !trie.isEmpty { table = make(from: trie) }
    }

    func discard() {
        table = nil
        slowLookups = 0
    }

    /// Counts a trie walk; returns a fresh table once the walks have paid for building one.
    private func rebuilt(from trie: PrefixTrie<Key>, minimumNodes: Int) -> Poptrie<Key>? {
        guard trie.liveNodes >= minimumNodes else { return nil }
        slowLookups += 1
        guard slowLookups >= trie.liveNodes / 2 else { return nil }
        table = make(from: trie)
        return table
    }

    private func make(from trie: PrefixTrie<Key>) -> Poptrie<Key> {
        Poptrie(building: trie, jumpOnly: jumpOnly, withEntries: entriesWanted)
    }
}
