/// A trie node of either family, as the per-peer lists link them: bit 31 set for IPv6, the
/// rest the node's index in that family's trie (the kernel's `peer_list` spans both families).
struct EntryRef: Equatable {
    var raw: UInt32
    init(raw: UInt32) { self.raw = raw }
    init(v4 index: UInt32) { raw = index }
    init(v6 index: UInt32) { raw = index | 0x8000_0000 }
    var isIPv6: Bool { raw & 0x8000_0000 != 0 }
    var index: UInt32 { raw & 0x7FFF_FFFF }
}

/// The non-generic body of `AllowedIPs`: both tries, every peer's prefix list (peers are small
/// integer "slots" here), and the derived lookup tables. Keeping it free of the `Peer` type lets
/// the lookup path run without generic metadata; `AllowedIPs` maps slots to peers.
@usableFromInline
final class AllowedIPsCore {
    /// The ends of one peer's list of trie nodes, in `wg show` order (§1.10).
    struct PeerList {
        var head: UInt32 = noIndex
        var tail: UInt32 = noIndex
        var count = 0
    }

    // `@exclusivity(unchecked)`, as the device's state is: one caller at a time drives a table
    // and never holds overlapping accesses, and the run-time checks of `v4` and `v6` were ~110
    // instructions per lookup (two on every inner packet; docs/performance.md, session 10).
    @exclusivity(unchecked) var v4 = PrefixTrie<UInt32>()
    @exclusivity(unchecked) var v6 = PrefixTrie<IPv6Key>()
    @exclusivity(unchecked) var lists: [PeerList] = []
    @exclusivity(unchecked) var count = 0
    /// Each family's derived lookup table; IPv6 gets only the direct index with jumps.
    let lookup4 = DerivedLookupTable<UInt32>(jumpOnly: false)
    let lookup6 = DerivedLookupTable<IPv6Key>(jumpOnly: true)
    @exclusivity(unchecked) var compactLookupMinimumNodes = AllowedIPsCore.defaultCompactLookupMinimumNodes
    static var defaultCompactLookupMinimumNodes: Int { 2048 }

    init() {}

    /// Gives `prefix` to `slot` (§1.4). Returns the slot that owned it before, if another did.
    @usableFromInline
    func insert(_ prefix: IPPrefix, slot: UInt32) -> UInt32? {
        while lists.count <= Int(slot) { lists.append(PeerList()) }
        let ref: EntryRef
        switch prefix.address {
        case .v4(let a): ref = EntryRef(v4: v4.findOrInsert(a.value, cidr: prefix.length).node)
        case .v6(let a): ref = EntryRef(v6: v6.findOrInsert(IPv6Key(a), cidr: prefix.length).node)
        }
        let previous = owner(of: ref)
        if previous == TrieNode<UInt32>.glue {
            count += 1   // a new node, or a glue node promoted to a peer node
        } else {
            unlink(ref, from: previous)
        }
        setOwner(of: ref, to: slot)
        append(ref, to: slot)
        invalidate(ref)
        return previous == TrieNode<UInt32>.glue || previous == slot ? nil : previous
    }

    /// Removes `prefix` if `slot` owns exactly it (§1.6).
    @usableFromInline
    func remove(_ prefix: IPPrefix, slot: UInt32) -> Bool {
        guard let ref = exactEntry(prefix), owner(of: ref) == slot else { return false }
        removeEntry(ref)
        return true
    }

    /// Removes all of `slot`'s prefixes (§1.5).
    @usableFromInline
    func removeAll(slot: UInt32) {
        guard Int(slot) < lists.count else { return }
        var raw = lists[Int(slot)].head
        while raw != noIndex {
            let next = links(of: EntryRef(raw: raw)).next
            removeEntry(EntryRef(raw: raw))
            raw = next
        }
    }

    @usableFromInline
    func prefixCount(slot: UInt32) -> Int { Int(slot) < lists.count ? lists[Int(slot)].count : 0 }

    func prefixes(slot: UInt32) -> [IPPrefix] {
        guard Int(slot) < lists.count else { return [] }
        var result: [IPPrefix] = []
        result.reserveCapacity(lists[Int(slot)].count)
        var raw = lists[Int(slot)].head
        while raw != noIndex {
            result.append(prefix(of: EntryRef(raw: raw)))
            raw = links(of: EntryRef(raw: raw)).next
        }
        return result
    }

    /// The longest match with its prefix: (prefix, owner slot). Uses the derived table when one
    /// is current (see `entryNode(ipv4:)`).
    @usableFromInline
    func longestMatch(_ address: IPAddress) -> (prefix: IPPrefix, slot: UInt32)? {
        let ref: EntryRef
        switch address {
        case .v4(let a):
            let node = entryNode(ipv4: a.value)
            guard node != noIndex else { return nil }
            ref = EntryRef(v4: node)
        case .v6(let a):
            let node = entryNode(ipv6: IPv6Key(a))
            guard node != noIndex else { return nil }
            ref = EntryRef(v6: node)
        }
        return (prefix(of: ref), owner(of: ref))
    }

    /// Every owned prefix containing `address`, most specific first, with its owner.
    func allMatches(_ address: IPAddress) -> [(prefix: IPPrefix, slot: UInt32)] {
        let refs: [EntryRef]
        switch address {
        case .v4(let a): refs = v4.allMatches(a.value).map { EntryRef(v4: $0) }
        case .v6(let a): refs = v6.allMatches(IPv6Key(a)).map { EntryRef(v6: $0) }
        }
        return refs.reversed().map { (prefix(of: $0), owner(of: $0)) }
    }

    // MARK: - Per-peer lists

    private func owner(of ref: EntryRef) -> UInt32 {
        ref.isIPv6 ? v6[ref.index].peerSlot : v4[ref.index].peerSlot
    }

    private func setOwner(of ref: EntryRef, to slot: UInt32) {
        if ref.isIPv6 { v6[ref.index].peerSlot = slot } else { v4[ref.index].peerSlot = slot }
    }

    private func links(of ref: EntryRef) -> (previous: UInt32, next: UInt32) {
        if ref.isIPv6 {
            let node = v6[ref.index]
            return (node.previous, node.next)
        }
        let node = v4[ref.index]
        return (node.previous, node.next)
    }

    private func setLinks(of ref: EntryRef, previous: UInt32? = nil, next: UInt32? = nil) {
        if ref.isIPv6 {
            if let previous { v6[ref.index].previous = previous }
            if let next { v6[ref.index].next = next }
        } else {
            if let previous { v4[ref.index].previous = previous }
            if let next { v4[ref.index].next = next }
        }
    }

    /// Appends to the tail of the slot's list (`list_add_tail` / `list_move_tail`).
    private func append(_ ref: EntryRef, to slot: UInt32) {
        let tail = lists[Int(slot)].tail
        setLinks(of: ref, previous: tail, next: noIndex)
        if tail == noIndex { lists[Int(slot)].head = ref.raw } else { setLinks(of: EntryRef(raw: tail), next: ref.raw) }
        lists[Int(slot)].tail = ref.raw
        lists[Int(slot)].count += 1
    }

    private func unlink(_ ref: EntryRef, from slot: UInt32) {
        let (previous, next) = links(of: ref)
        if previous == noIndex { lists[Int(slot)].head = next } else { setLinks(of: EntryRef(raw: previous), next: next) }
        if next == noIndex { lists[Int(slot)].tail = previous } else { setLinks(of: EntryRef(raw: next), previous: previous) }
        setLinks(of: ref, previous: noIndex, next: noIndex)
        lists[Int(slot)].count -= 1
    }

    /// The node holding exactly `prefix` (peer or glue), found by the kernel's insert walk.
    private func exactEntry(_ prefix: IPPrefix) -> EntryRef? {
        switch prefix.address {
        case .v4(let a):
            let (node, exact) = v4.placement(of: a.value, cidr: prefix.length)
            return exact ? EntryRef(v4: node) : nil
        case .v6(let a):
            let (node, exact) = v6.placement(of: IPv6Key(a), cidr: prefix.length)
            return exact ? EntryRef(v6: node) : nil
        }
    }

    /// Takes a peer node off its peer's list, makes it glue and lets the trie prune it (§1.5).
    private func removeEntry(_ ref: EntryRef) {
        let slot = owner(of: ref)
        guard slot != TrieNode<UInt32>.glue else { return }
        unlink(ref, from: slot)
        setOwner(of: ref, to: TrieNode<UInt32>.glue)
        count -= 1
        if ref.isIPv6 { v6.prune(ref.index) } else { v4.prune(ref.index) }
        invalidate(ref)
    }

    private func prefix(of ref: EntryRef) -> IPPrefix {
        if ref.isIPv6 {
            let node = v6[ref.index]
            return IPPrefix(uncheckedAddress: .v6(node.key.address), length: node.cidr)
        }
        let node = v4[ref.index]
        return IPPrefix(uncheckedAddress: .v4(IPv4Address(node.key)), length: node.cidr)
    }
}

extension IPPrefix {
    /// For addresses already masked to `length` (read back from the trie).
    init(uncheckedAddress address: IPAddress, length: Int) {
        self.address = address
        self.length = length
    }
}
