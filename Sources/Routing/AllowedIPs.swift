/// The cryptokey routing table of one WireGuard interface, with the Linux kernel's semantics
/// (wireguard-behaviour.md §1): one compressed binary trie per family mapping prefixes to peers,
/// longest-prefix lookup for both the send path (destination) and the receive filter (source),
/// and for each peer the ordered list of its prefixes that `wg show` prints.
///
/// The tries are the source of truth. For large tables a derived, cache-friendly lookup table
/// (`Poptrie`) answers lookups; it is rebuilt lazily after changes (see `lookup(ipv4:)`).
/// Not thread-safe: one owner mutates and looks up.
public final class AllowedIPs<Peer: Hashable> {
    var v4 = PrefixTrie<UInt32>()
    var v6 = PrefixTrie<IPv6Key>()
    /// Peers that own at least one prefix, by slot; a slot is reused after its peer owns nothing.
    var slots: [PeerSlot] = []
    var slotOfPeer: [Peer: UInt32] = [:]
    var freeSlots: [UInt32] = []
    /// Derived lookup tables and the bookkeeping that decides when to rebuild them.
    var compact4: Poptrie<UInt32>?
    var compact6: Poptrie<IPv6Key>?
    var slowLookups4 = 0
    var slowLookups6 = 0

    /// Below this many trie nodes in a family, lookups always walk the trie (it fits in cache and
    /// building a table would cost more than it saves). Tests set 0 to exercise the table.
    public var compactLookupMinimumNodes = 2048

    /// How many prefixes the table holds (both families).
    public internal(set) var count = 0

    public init() {}

    /// A peer's place in `slots`: the peer and the ends of its prefix list.
    struct PeerSlot {
        var peer: Peer?
        var head: UInt32 = noIndex
        var tail: UInt32 = noIndex
        var count = 0
    }

    /// The most peers that can own prefixes at once (slot numbers are 24 bits). The kernel allows
    /// 2^20 peers per device [compat src/messages.h `MAX_PEERS_PER_DEVICE`], well below this.
    public static var maximumPeers: Int { Int(TrieNode<UInt32>.glue) }

    // MARK: - Changes

    /// Inserts `prefix` for `peer` (§1.4): an exact prefix owned by another peer moves to `peer`;
    /// in every case the prefix goes to the tail of `peer`'s list.
    public func insert(_ prefix: IPPrefix, for peer: Peer) {
        let slot = slotFor(peer)
        let ref: EntryRef
        switch prefix.address {
        case .v4(let a): ref = EntryRef(v4: v4.findOrInsert(a.value, cidr: prefix.length).node)
        case .v6(let a): ref = EntryRef(v6: v6.findOrInsert(IPv6Key(a), cidr: prefix.length).node)
        }
        let previousOwner = peerSlot(of: ref)
        if previousOwner == TrieNode<UInt32>.glue {
            count += 1   // a new node, or a glue node promoted to a peer node
        } else {
            unlink(ref, from: previousOwner)
        }
        setPeerSlot(of: ref, to: slot)
        append(ref, to: slot)
        if previousOwner != slot && previousOwner != TrieNode<UInt32>.glue { releaseSlotIfUnused(previousOwner) }
        invalidate(ref)
    }

    /// Removes `prefix` if, and only if, `peer` owns exactly that prefix (§1.6, kernel 6.16
    /// `WGALLOWEDIP_F_REMOVE_ME`); host bits of `prefix` are ignored. Returns whether it was removed.
    @discardableResult
    public func remove(_ prefix: IPPrefix, for peer: Peer) -> Bool {
        guard let slot = slotOfPeer[peer], let ref = exactEntry(prefix), peerSlot(of: ref) == slot else {
            return false
        }
        removeEntry(ref)
        return true
    }

    /// Removes every prefix `peer` owns (§1.5, the kernel's `remove_by_peer`); glue nodes left with
    /// one child are spliced out, so removing every peer empties both tries.
    public func removeAll(for peer: Peer) {
        guard let slot = slotOfPeer[peer] else { return }
        var ref = slots[Int(slot)].head
        while ref != noIndex {
            let next = links(of: EntryRef(raw: ref)).next
            removeEntry(EntryRef(raw: ref))
            ref = next
        }
    }

    // MARK: - Queries

    /// The peer whose longest matching prefix contains `address` (§1.7), or nil.
    public func lookup(_ address: IPAddress) -> Peer? {
        switch address {
        case .v4(let a): return lookup(ipv4: a.value)
        case .v6(let a): return lookup(ipv6High: a.high, low: a.low)
        }
    }

    /// The longest matching prefix for `address` and its owner, or nil.
    public func lookupEntry(_ address: IPAddress) -> (prefix: IPPrefix, peer: Peer)? {
        let ref: EntryRef
        switch address {
        case .v4(let a):
            let node = v4.longestMatch(a.value)
            guard node != noIndex else { return nil }
            ref = EntryRef(v4: node)
        case .v6(let a):
            let node = v6.longestMatch(IPv6Key(a))
            guard node != noIndex else { return nil }
            ref = EntryRef(v6: node)
        }
        guard let peer = slots[Int(peerSlot(of: ref))].peer else { return nil }
        return (prefix(of: ref), peer)
    }

    /// The receive-path filter (§1.8, `lookup_src`): true when the longest match for a decrypted
    /// packet's source address is the very peer whose key decrypted it.
    public func allowsSource(_ address: IPAddress, from peer: Peer) -> Bool {
        lookup(address) == peer
    }

    /// Every entry whose prefix contains `address`, most specific first (the first is the winner).
    public func explain(_ address: IPAddress) -> [(prefix: IPPrefix, peer: Peer)] {
        let refs: [EntryRef]
        switch address {
        case .v4(let a): refs = v4.allMatches(a.value).map { EntryRef(v4: $0) }
        case .v6(let a): refs = v6.allMatches(IPv6Key(a)).map { EntryRef(v6: $0) }
        }
        return refs.reversed().compactMap { ref in
            slots[Int(peerSlot(of: ref))].peer.map { (prefix(of: ref), $0) }
        }
    }

    /// `peer`'s prefixes in the order of its list, which is the order `wg show` prints (§1.10).
    public func prefixes(of peer: Peer) -> [IPPrefix] {
        guard let slot = slotOfPeer[peer] else { return [] }
        var result: [IPPrefix] = []
        result.reserveCapacity(slots[Int(slot)].count)
        var ref = slots[Int(slot)].head
        while ref != noIndex {
            result.append(prefix(of: EntryRef(raw: ref)))
            ref = links(of: EntryRef(raw: ref)).next
        }
        return result
    }

    /// True when `peer` owns at least one prefix.
    public func hasPrefixes(_ peer: Peer) -> Bool { slotOfPeer[peer] != nil }

    /// True when both tries are empty (no peer node and no glue node left).
    public var isEmpty: Bool { v4.isEmpty && v6.isEmpty }

    /// Trie nodes in use per family, glue included (tests check no glue is left behind).
    public var nodeCounts: (ipv4: Int, ipv6: Int) { (v4.liveNodes, v6.liveNodes) }
}
