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
        if let table = compact4 { return table.peerSlot(for: key, in: v4) }
        if let table = rebuiltTable4() { return table.peerSlot(for: key, in: v4) }
        let node = v4.longestMatch(key)
        return node == noIndex ? noIndex : v4[node].peerSlot
    }

    /// The owner slot of the longest match for an IPv6 address, or `UInt32.max`. No allocation.
    @usableFromInline
    func peerSlot(ipv6High high: UInt64, low: UInt64) -> UInt32 {
        let key = IPv6Key(high: high, low: low)
        if let table = compact6 { return table.peerSlot(for: key, in: v6) }
        if let table = rebuiltTable6() { return table.peerSlot(for: key, in: v6) }
        let node = v6.longestMatch(key)
        return node == noIndex ? noIndex : v6[node].peerSlot
    }

    /// The trie node of the longest match for an IPv4 address, or `noIndex`.
    func entryNode(ipv4 key: UInt32) -> UInt32 {
        if !entriesWanted4 {
            entriesWanted4 = true
            if compact4 != nil { discardTable4() }
        }
        if let table = compact4 { return table.entryNode(for: key, in: v4) }
        if let table = rebuiltTable4() { return table.entryNode(for: key, in: v4) }
        return v4.longestMatch(key)
    }

    /// The trie node of the longest match for an IPv6 address, or `noIndex`.
    func entryNode(ipv6 key: IPv6Key) -> UInt32 {
        if !entriesWanted6 {
            entriesWanted6 = true
            if compact6 != nil { discardTable6() }
        }
        if let table = compact6 { return table.entryNode(for: key, in: v6) }
        if let table = rebuiltTable6() { return table.entryNode(for: key, in: v6) }
        return v6.longestMatch(key)
    }

    func prepareLookupTables() {
        if compact4 == nil && v4.liveNodes >= compactLookupMinimumNodes && !v4.isEmpty { compact4 = makeTable4() }
        if compact6 == nil && v6.liveNodes >= compactLookupMinimumNodes && !v6.isEmpty { compact6 = makeTable6() }
    }

    func discardLookupTables() {
        discardTable4()
        discardTable6()
    }

    /// Drops the derived table of the family `ref` belongs to.
    func invalidate(_ ref: EntryRef) {
        if ref.isIPv6 { discardTable6() } else { discardTable4() }
    }

    // MARK: - Rebuild policy

    /// Counts a trie walk; returns a fresh table once the walks have paid for building one.
    private func rebuiltTable4() -> Poptrie<UInt32>? {
        guard v4.liveNodes >= compactLookupMinimumNodes else { return nil }
        slowLookups4 += 1
        guard slowLookups4 >= v4.liveNodes / 2 else { return nil }
        compact4 = makeTable4()
        return compact4
    }

    private func rebuiltTable6() -> Poptrie<IPv6Key>? {
        guard v6.liveNodes >= compactLookupMinimumNodes else { return nil }
        slowLookups6 += 1
        guard slowLookups6 >= v6.liveNodes / 2 else { return nil }
        compact6 = makeTable6()
        return compact6
    }

    private func makeTable4() -> Poptrie<UInt32> { Poptrie(building: v4, withEntries: entriesWanted4) }
    private func makeTable6() -> Poptrie<IPv6Key> { Poptrie(building: v6, jumpOnly: true, withEntries: entriesWanted6) }

    private func discardTable4() {
        compact4 = nil
        slowLookups4 = 0
    }

    private func discardTable6() {
        compact6 = nil
        slowLookups6 = 0
    }
}
