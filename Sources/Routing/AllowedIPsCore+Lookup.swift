/// Lookup fast paths for the packet path, and the policy that keeps the derived tables fresh.
///
/// A family's `Poptrie` is dropped on every change to that family. Lookups then walk the trie
/// (always exact) and count themselves; once the walks since the last change reach half the
/// trie's node count — so a rebuild, which costs about one pass over the nodes, is paid for by
/// the walks it replaces — the table is rebuilt. Tables are never built for small tries
/// (`compactLookupMinimumNodes`), whose walks are already cheap. IPv6 gets only the direct index
/// with continuations into the trie (jump mode): random IPv6 prefixes are sparse below 16 bits,
/// where full nodes would cost hundreds of bytes per prefix and one read per 6 bits.
extension AllowedIPsCore {
    /// The owner slot of the longest match for an IPv4 address, or `UInt32.max`. No allocation.
    @usableFromInline
    func peerSlot(ipv4 key: UInt32) -> UInt32 {
        if let table = compact4 { return table.peerSlot(for: key, in: v4) }
        if v4.liveNodes >= compactLookupMinimumNodes {
            slowLookups4 += 1
            if slowLookups4 >= v4.liveNodes / 2 {
                let table = Poptrie(building: v4)
                compact4 = table
                return table.peerSlot(for: key, in: v4)
            }
        }
        let node = v4.longestMatch(key)
        return node == noIndex ? noIndex : v4[node].peerSlot
    }

    /// The owner slot of the longest match for an IPv6 address, or `UInt32.max`. No allocation.
    @usableFromInline
    func peerSlot(ipv6High high: UInt64, low: UInt64) -> UInt32 {
        let key = IPv6Key(high: high, low: low)
        if let table = compact6 { return table.peerSlot(for: key, in: v6) }
        if v6.liveNodes >= compactLookupMinimumNodes {
            slowLookups6 += 1
            if slowLookups6 >= v6.liveNodes / 2 {
                let table = Poptrie(building: v6, jumpOnly: true)
                compact6 = table
                return table.peerSlot(for: key, in: v6)
            }
        }
        let node = v6.longestMatch(key)
        return node == noIndex ? noIndex : v6[node].peerSlot
    }

    func prepareLookupTables() {
        if compact4 == nil && v4.liveNodes >= compactLookupMinimumNodes && !v4.isEmpty {
            compact4 = Poptrie(building: v4)
        }
        if compact6 == nil && v6.liveNodes >= compactLookupMinimumNodes && !v6.isEmpty {
            compact6 = Poptrie(building: v6, jumpOnly: true)
        }
    }

    func discardLookupTables() {
        compact4 = nil
        compact6 = nil
        slowLookups4 = 0
        slowLookups6 = 0
    }

    /// Drops the derived table of the family `ref` belongs to.
    func invalidate(_ ref: EntryRef) {
        if ref.isIPv6 {
            compact6 = nil
            slowLookups6 = 0
        } else {
            compact4 = nil
            slowLookups4 = 0
        }
    }
}
