/// Lookup fast paths for the packet path, and the policy that keeps the derived tables fresh.
///
/// A family's `Poptrie` is dropped on every change to that family. Lookups then walk the trie
/// (always exact) and count themselves; once the walks since the last change reach half the
/// trie's node count — so a rebuild, which costs about one pass over the nodes, is paid for by
/// the walks it replaces — the table is rebuilt. Tables are never built for small tries
/// (`compactLookupMinimumNodes`), whose walks are already cheap.
extension AllowedIPs {
    /// Longest-prefix match on an IPv4 address held as a host-order integer
    /// (`IPv4Address.value`). No allocation.
    public func lookup(ipv4 address: UInt32) -> Peer? {
        let slot = peerSlot(ipv4: address)
        return slot == noIndex ? nil : slots[Int(slot)].peer
    }

    /// Longest-prefix match on an IPv6 address given as two host-order halves. No allocation.
    public func lookup(ipv6High high: UInt64, low: UInt64) -> Peer? {
        let slot = peerSlot(ipv6: IPv6Key(high: high, low: low))
        return slot == noIndex ? nil : slots[Int(slot)].peer
    }

    /// Builds the derived lookup tables now for every family large enough, instead of on demand
    /// (benchmarks use this to time the build apart from the lookups).
    public func prepareLookupTables() {
        if compact4 == nil && v4.liveNodes >= compactLookupMinimumNodes && !v4.isEmpty {
            compact4 = Poptrie(building: v4)
        }
        if compact6 == nil && v6.liveNodes >= compactLookupMinimumNodes && !v6.isEmpty {
            compact6 = Poptrie(building: v6)
        }
    }

    /// Memory held by the tries and the derived tables, in bytes (array capacities; the peer
    /// bookkeeping is not counted).
    public var storageBytes: (tries: Int, lookupTables: Int) {
        (v4.allocatedBytes + v6.allocatedBytes,
         (compact4?.allocatedBytes ?? 0) + (compact6?.allocatedBytes ?? 0))
    }

    /// Whether each family currently answers from a derived table (for tests and benchmarks).
    public var usesLookupTables: (ipv4: Bool, ipv6: Bool) { (compact4 != nil, compact6 != nil) }

    @inline(__always)
    func peerSlot(ipv4 key: UInt32) -> UInt32 {
        if let table = compact4 { return table.peerSlot(for: key) }
        if v4.liveNodes >= compactLookupMinimumNodes {
            slowLookups4 += 1
            if slowLookups4 >= v4.liveNodes / 2 {
                let table = Poptrie(building: v4)
                compact4 = table
                return table.peerSlot(for: key)
            }
        }
        let node = v4.longestMatch(key)
        return node == noIndex ? noIndex : v4[node].peerSlot
    }

    @inline(__always)
    func peerSlot(ipv6 key: IPv6Key) -> UInt32 {
        if let table = compact6 { return table.peerSlot(for: key) }
        if v6.liveNodes >= compactLookupMinimumNodes {
            slowLookups6 += 1
            if slowLookups6 >= v6.liveNodes / 2 {
                let table = Poptrie(building: v6)
                compact6 = table
                return table.peerSlot(for: key)
            }
        }
        let node = v6.longestMatch(key)
        return node == noIndex ? noIndex : v6[node].peerSlot
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
