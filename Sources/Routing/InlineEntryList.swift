/// One entry of an `InlineEntryList`: a prefix of either family, host bits cleared, and the slot
/// of its owner. 24 bytes, against the trie form's object, core, lists, two derived-table holders
/// and node array for the same one entry.
@usableFromInline
struct InlineEntry {
    /// IPv6: the high half of the address; IPv4: the address in the low 32 bits.
    @usableFromInline var high: UInt64
    /// IPv6: the low half of the address; IPv4: 0.
    @usableFromInline var low: UInt64
    @usableFromInline var slot: UInt32
    @usableFromInline var cidr: UInt8
    @usableFromInline var isIPv6: Bool

    init(_ prefix: IPPrefix, slot: UInt32) {
        switch prefix.address {
        case .v4(let a): (high, low, isIPv6) = (UInt64(a.value), 0, false)
        case .v6(let a): (high, low, isIPv6) = (a.high, a.low, true)
        }
        cidr = UInt8(prefix.length)
        self.slot = slot
    }

    var prefix: IPPrefix {
        let address: IPAddress = isIPv6 ? .v6(IPv6Address(high: high, low: low))
                                        : .v4(IPv4Address(UInt32(truncatingIfNeeded: high)))
        return IPPrefix(uncheckedAddress: address, length: Int(cidr))
    }

    /// Same family, length and (masked) address: the same kernel entry (§1.3).
    func isSamePrefix(as other: InlineEntry) -> Bool {
        isIPv6 == other.isIPv6 && cidr == other.cidr && high == other.high && low == other.low
    }

    /// Whether the prefix contains `address` (of the entry's own family only).
    func contains(_ address: IPAddress) -> Bool {
        switch address {
        case .v4(let a): return !isIPv6 && matches(ipv4: a.value)
        case .v6(let a): return isIPv6 && matches(ipv6: IPv6Key(a))
        }
    }

    @inline(__always)
    func matches(ipv4 address: UInt32) -> Bool {
        (UInt32(truncatingIfNeeded: high) ^ address).leadingZeroBitCount >= Int(cidr)
    }

    @inline(__always)
    func matches(ipv6 key: IPv6Key) -> Bool {
        key.commonPrefixLength(with: IPv6Key(high: high, low: low)) >= Int(cidr)
    }
}

/// The small form of an allowed-IPs table: every entry of both families in one array, looked up
/// by a linear longest-prefix scan. A WireGuard client usually holds one or two entries (its
/// server's `0.0.0.0/0`, `::/0` or a VPN range), where the trie form costs ~400 bytes over six
/// heap blocks per device; this form costs the one array.
///
/// The array's order keeps every peer's `wg show` order (§1.10): the kernel appends an inserted
/// entry to the tail of its owner's list, and moves an existing one there (`list_move_tail`,
/// also when the owner does not change), so appending to the array's end, after removing the
/// entry from wherever it was, keeps each peer's entries, read in array order, in list order.
/// Prefixes are unique per family, so the longest match has no ties. Answers equal the trie's
/// for every operation; `AllowedIPs` moves a table between the two forms at its size limit.
@usableFromInline
struct InlineEntryList {
    @usableFromInline private(set) var entries: [InlineEntry] = []

    init() {}

    /// The entries of `core`, peer by peer (slot order), each peer's in its list order.
    init(takingEntriesOf core: AllowedIPsCore) {
        entries.reserveCapacity(core.count)
        for slot in 0..<core.lists.count {
            for prefix in core.prefixes(slot: UInt32(slot)) { entries.append(InlineEntry(prefix, slot: UInt32(slot))) }
        }
    }

    @usableFromInline
    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    /// Bytes of the entries in use (growth slack excluded, as `PrefixTrie.usedBytes`).
    var usedBytes: Int { entries.count * MemoryLayout<InlineEntry>.stride }

    // MARK: - Changes

    /// Whether `prefix` is already an entry (then inserting it adds none).
    @usableFromInline
    func holds(_ prefix: IPPrefix) -> Bool { index(of: InlineEntry(prefix, slot: 0)) != nil }

    /// Gives `prefix` to `slot`, at the tail of its list (§1.4). Returns the slot that owned it
    /// before, if another did.
    @usableFromInline
    mutating func insert(_ prefix: IPPrefix, slot: UInt32) -> UInt32? {
        let entry = InlineEntry(prefix, slot: slot)
        var previous: UInt32?
        if let i = index(of: entry) {
            previous = entries[i].slot
            entries.remove(at: i)
        }
        entries.append(entry)
        return previous == slot ? nil : previous
    }

    /// Removes `prefix` if `slot` owns exactly it (§1.6).
    @usableFromInline
    mutating func remove(_ prefix: IPPrefix, slot: UInt32) -> Bool {
        guard let i = index(of: InlineEntry(prefix, slot: slot)), entries[i].slot == slot else { return false }
        entries.remove(at: i)
        return true
    }

    /// Removes all of `slot`'s entries (§1.5).
    @usableFromInline
    mutating func removeAll(slot: UInt32) {
        entries.removeAll { $0.slot == slot }
    }

    /// Hands every entry, in order, to `core` (which gives each peer the same list order).
    func insertAll(into core: AllowedIPsCore) {
        for entry in entries { _ = core.insert(entry.prefix, slot: entry.slot) }
    }

    // MARK: - Queries

    @usableFromInline
    func prefixCount(slot: UInt32) -> Int {
        var count = 0
        for entry in entries where entry.slot == slot { count += 1 }
        return count
    }

    func prefixes(slot: UInt32) -> [IPPrefix] {
        entries.filter { $0.slot == slot }.map(\.prefix)
    }

    /// The owner slot of the longest match for an IPv4 address, or `noIndex`. No allocation.
    @usableFromInline
    func peerSlot(ipv4 address: UInt32) -> UInt32 {
        var bestLength = -1, slot = noIndex
        for entry in entries where !entry.isIPv6 && Int(entry.cidr) > bestLength && entry.matches(ipv4: address) {
            bestLength = Int(entry.cidr)
            slot = entry.slot
        }
        return slot
    }

    /// The owner slot of the longest match for an IPv6 address, or `noIndex`. No allocation.
    @usableFromInline
    func peerSlot(ipv6High high: UInt64, low: UInt64) -> UInt32 {
        let key = IPv6Key(high: high, low: low)
        var bestLength = -1, slot = noIndex
        for entry in entries where entry.isIPv6 && Int(entry.cidr) > bestLength && entry.matches(ipv6: key) {
            bestLength = Int(entry.cidr)
            slot = entry.slot
        }
        return slot
    }

    /// The longest match with its prefix and owner slot.
    @usableFromInline
    func longestMatch(_ address: IPAddress) -> (prefix: IPPrefix, slot: UInt32)? {
        var best: InlineEntry?
        for entry in entries where entry.contains(address) {
            if let current = best, current.cidr >= entry.cidr { continue }
            best = entry
        }
        return best.map { ($0.prefix, $0.slot) }
    }

    /// Every entry containing `address`, most specific first (the trie's path order, reversed).
    func allMatches(_ address: IPAddress) -> [(prefix: IPPrefix, slot: UInt32)] {
        entries.filter { $0.contains(address) }.sorted { $0.cidr > $1.cidr }.map { ($0.prefix, $0.slot) }
    }

    /// The node counts the trie form would have for these entries (peer and glue nodes): the
    /// trie's shape depends only on its set of prefixes, so a scratch trie answers exactly.
    var trieNodeCounts: (ipv4: Int, ipv6: Int) {
        var v4 = PrefixTrie<UInt32>(), v6 = PrefixTrie<IPv6Key>()
        for entry in entries {
            if entry.isIPv6 {
                _ = v6.findOrInsert(IPv6Key(high: entry.high, low: entry.low), cidr: Int(entry.cidr))
            } else {
                _ = v4.findOrInsert(UInt32(truncatingIfNeeded: entry.high), cidr: Int(entry.cidr))
            }
        }
        return (v4.liveNodes, v6.liveNodes)
    }

    private func index(of entry: InlineEntry) -> Int? {
        entries.firstIndex { $0.isSamePrefix(as: entry) }
    }
}
