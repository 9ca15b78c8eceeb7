/// The cryptokey routing table of one WireGuard interface, with the Linux kernel's semantics
/// (wireguard-behaviour.md §1): one compressed binary trie per family mapping prefixes to peers,
/// longest-prefix lookup for both the send path (destination) and the receive filter (source),
/// and for each peer the ordered list of its prefixes that `wg show` prints.
///
/// A table of at most `inlineEntryLimit` entries keeps them in one small array instead
/// (`InlineEntryList`, looked up by a linear scan): a client's one-entry table then costs one
/// heap block instead of the trie form's six. It takes the trie form when it grows past the
/// limit and goes back once removals leave it at half the limit or less; both forms answer
/// every query alike (the kernel always keeps the trie: the inline form changes memory only).
/// In the trie form the tries are the source of truth, and for large tables a derived,
/// cache-friendly lookup table (`Poptrie`) answers lookups; it is rebuilt lazily after changes.
/// The packet-path lookups are `@inlinable` so they specialise for the caller's `Peer` type.
/// Not thread-safe: one owner mutates and looks up.
public final class AllowedIPs<Peer: Hashable> {
    /// The trie form; nil while the entries are inline.
    @usableFromInline var core: AllowedIPsCore? {
        didSet { unretainedCore = core.map { Unmanaged.passUnretained($0) } }
    }
    // Unchecked (this, `inline` and `peers`): read per lookup, and a table is only used by the
    // thread that owns its device; the runtime checks cost about 75 instructions a lookup.
    /// `core` again, unretained, for the lookups: reading the strong field cost a retain and a
    /// release per lookup (RoutingBench: -18 % on the derived table), and `core` keeps the
    /// object alive while this is set. Changed only with `core`.
    @usableFromInline @exclusivity(unchecked) var unretainedCore: Unmanaged<AllowedIPsCore>?
    /// The small form's entries; empty (no heap block) in the trie form.
    @usableFromInline @exclusivity(unchecked) var inline = InlineEntryList()
    /// Set once a caller tunes the derived lookup tables (`compactLookupMinimumNodes`): those are
    /// built from the trie, so the table keeps the trie form from then on, whatever its size.
    @usableFromInline var keepsTrieForm = false
    /// Peer by slot; nil for a free slot. A slot is reused once its peer owns nothing.
    @usableFromInline @exclusivity(unchecked) var peers: [Peer?] = []
    /// Slot by peer, built once more than `linearSlotLimit` slots have been handed out; until
    /// then a peer's slot is found by comparing it with each of `peers`. A one-entry Swift
    /// dictionary costs a heap block of about 100 bytes, which every client of a generated hub
    /// (one peer) would pay for a search that only a change or `wg show` makes. Positions read
    /// back through `peers` (a hub's 100,000 peers: about 10 bytes a peer, where a dictionary
    /// of peers took about 40); a slot leaves it before it is freed.
    @usableFromInline var slotOfPeer: PositionTable?
    @usableFromInline var freeSlots: [UInt32] = []

    /// Up to this many slots are searched linearly (see `slotOfPeer`).
    @usableFromInline static var linearSlotLimit: Int { 8 }

    /// Up to this many entries (both families) are kept inline and scanned linearly; past it the
    /// table takes the trie form. Measured in release on this project's machine, lookups from
    /// another module on tables of random prefixes: the scan of 16 entries took 14-18 ns, the
    /// trie walk of the same table 29-46 ns (1 entry: 3 ns against 22 ns; the walk pays a fixed
    /// cost for its derived-table check); at 32 entries the two came within 10-40 %.
    @usableFromInline static var inlineEntryLimit: Int { 16 }

    public init() {}

    /// The most peers that can own prefixes at once (slot numbers are 24 bits). The kernel allows
    /// 2^20 peers per device [compat src/messages.h `MAX_PEERS_PER_DEVICE`], well below this.
    public static var maximumPeers: Int { Int(TrieNode<UInt32>.glue) }

    /// How many prefixes the table holds (both families).
    public var count: Int { core?.count ?? inline.count }

    /// Below this many trie nodes in a family, lookups always walk the trie (it fits in cache and
    /// building a table would cost more than it saves). Tests set 0 to exercise the table.
    /// Setting it keeps the table in its trie form from then on (see `keepsTrieForm`).
    public var compactLookupMinimumNodes: Int {
        get { core?.compactLookupMinimumNodes ?? AllowedIPsCore.defaultCompactLookupMinimumNodes }
        set {
            keepsTrieForm = true
            trieForm().compactLookupMinimumNodes = newValue
        }
    }

    // MARK: - Changes

    /// Inserts `prefix` for `peer` (§1.4): an exact prefix owned by another peer moves to `peer`;
    /// in every case the prefix goes to the tail of `peer`'s list. Returns false, changing
    /// nothing, only when `peer` is new and `maximumPeers` peers already own prefixes (the kernel
    /// refuses a peer beyond its own, lower, limit with -ENOMEM).
    @discardableResult @inlinable
    public func insert(_ prefix: IPPrefix, for peer: Peer) -> Bool {
        insertReportingOwner(prefix, for: peer).inserted
    }

    /// `insert`, also naming the other peer that owned exactly `prefix` until now (nil when the
    /// prefix was free or already `peer`'s): the kernel moves such an entry without a word
    /// (§1.4), and this is how a caller can say so.
    @inlinable
    public func insertReportingOwner(_ prefix: IPPrefix, for peer: Peer) -> (inserted: Bool, previousOwner: Peer?) {
        guard let slot = slotFor(peer) else { return (false, nil) }
        return (true, insert(prefix, slot: slot).previousOwner)
    }

    /// `insertReportingOwner` for the peer holding `slot` (`slotFor`, looked up once by a caller
    /// inserting several prefixes), also telling whether the previous owner was left with no
    /// prefix (its slot freed).
    @inlinable
    func insert(_ prefix: IPPrefix, slot: UInt32) -> (previousOwner: Peer?, previousOwnerLeftEmpty: Bool) {
        let replaced: UInt32?
        if let core {
            replaced = core.insert(prefix, slot: slot)
        } else if inline.count < Self.inlineEntryLimit || inline.holds(prefix) {
            replaced = inline.insert(prefix, slot: slot)
        } else {
            replaced = trieForm().insert(prefix, slot: slot)
        }
        guard let previous = replaced else { return (nil, false) }
        let owner = peers[Int(previous)]
        return (owner, releaseSlotIfUnused(previous))
    }

    /// Removes `prefix` if, and only if, `peer` owns exactly that prefix (§1.6, kernel 6.16
    /// `WGALLOWEDIP_F_REMOVE_ME`); host bits of `prefix` are ignored. Returns whether it was removed.
    @discardableResult @inlinable
    public func remove(_ prefix: IPPrefix, for peer: Peer) -> Bool {
        guard let slot = slot(of: peer) else { return false }
        if let core {
            guard core.remove(prefix, slot: slot) else { return false }
            inlineIfSmall()
        } else {
            guard inline.remove(prefix, slot: slot) else { return false }
        }
        releaseSlotIfUnused(slot)
        return true
    }

    /// Removes every prefix `peer` owns (§1.5, the kernel's `remove_by_peer`); glue nodes left with
    /// one child are spliced out, so removing every peer empties both tries.
    @inlinable
    public func removeAll(for peer: Peer) {
        guard let slot = slot(of: peer) else { return }
        if let core {
            core.removeAll(slot: slot)
            inlineIfSmall()
        } else {
            inline.removeAll(slot: slot)
        }
        releaseSlotIfUnused(slot)
    }

    // MARK: - Queries

    /// The peer whose longest matching prefix contains `address` (§1.7), or nil.
    @inlinable
    public func lookup(_ address: IPAddress) -> Peer? {
        switch address {
        case .v4(let a): return lookup(ipv4: a.value)
        case .v6(let a): return lookup(ipv6High: a.high, low: a.low)
        }
    }

    /// Longest-prefix match on an IPv4 address held as a host-order integer
    /// (`IPv4Address.value`). No allocation.
    @inlinable
    public func lookup(ipv4 address: UInt32) -> Peer? {
        let slot = unretainedCore?._withUnsafeGuaranteedRef { $0.peerSlot(ipv4: address) } ?? inline.peerSlot(ipv4: address)
        return slot == UInt32.max ? nil : peers[Int(slot)]
    }

    /// Longest-prefix match on an IPv6 address given as two host-order halves. No allocation.
    @inlinable
    public func lookup(ipv6High high: UInt64, low: UInt64) -> Peer? {
        let slot = unretainedCore?._withUnsafeGuaranteedRef { $0.peerSlot(ipv6High: high, low: low) }
            ?? inline.peerSlot(ipv6High: high, low: low)
        return slot == UInt32.max ? nil : peers[Int(slot)]
    }

    /// The longest matching prefix for `address` and its owner, or nil. Answered by the derived
    /// table when one is current (its first use makes later tables carry prefixes too).
    @inlinable
    public func lookupEntry(_ address: IPAddress) -> (prefix: IPPrefix, peer: Peer)? {
        guard let match = longestMatch(address), let peer = peers[Int(match.slot)] else { return nil }
        return (match.prefix, peer)
    }

    /// `lookupEntry` in two steps: the winning prefix and the slot of its peer (`peer(inSlot:)`).
    /// A hot path binds these instead of the optional (prefix, peer) tuple, which the optimizer
    /// destroyed through the runtime's generic value witnesses (about 130 instructions a lookup).
    public func longestMatch(_ address: IPAddress) -> (prefix: IPPrefix, slot: UInt32)? {
        if let unretainedCore {
            return unretainedCore._withUnsafeGuaranteedRef { $0.longestMatch(address) }
        }
        return inline.longestMatch(address)
    }

    /// The peer a `longestMatch` slot stands for (nil: none, as `lookupEntry` answers then).
    public func peer(inSlot slot: UInt32) -> Peer? { peers[Int(slot)] }

    /// Every entry whose prefix contains `address`, most specific first (the first is the winner).
    public func explain(_ address: IPAddress) -> [(prefix: IPPrefix, peer: Peer)] {
        (core?.allMatches(address) ?? inline.allMatches(address)).compactMap { match in peers[Int(match.slot)].map { (match.prefix, $0) } }
    }

    /// `peer`'s prefixes in the order of its list, which is the order `wg show` prints (§1.10).
    public func prefixes(of peer: Peer) -> [IPPrefix] {
        guard let slot = slot(of: peer) else { return [] }
        return core?.prefixes(slot: slot) ?? inline.prefixes(slot: slot)
    }

    /// True when `peer` owns at least one prefix.
    public func hasPrefixes(_ peer: Peer) -> Bool { slot(of: peer) != nil }

    /// True when both tries are empty (no peer node and no glue node left).
    public var isEmpty: Bool { core.map { $0.v4.isEmpty && $0.v6.isEmpty } ?? inline.isEmpty }

    /// Trie nodes in use per family, glue included (tests check no glue is left behind). In the
    /// inline form, the nodes the trie form would have for the same entries.
    public var nodeCounts: (ipv4: Int, ipv6: Int) {
        guard let core else { return inline.trieNodeCounts }
        return (core.v4.liveNodes, core.v6.liveNodes)
    }

    // MARK: - Derived lookup tables

    /// Builds the derived lookup tables now for every family large enough, instead of on demand
    /// (benchmarks use this to time the build apart from the lookups).
    public func prepareLookupTables() { core?.prepareLookupTables() }

    /// Drops the derived tables (benchmarks use this to time the trie walk on the same table).
    public func discardLookupTables() { core?.discardLookupTables() }

    /// Whether each family currently answers from a derived table (for tests and benchmarks).
    public var usesLookupTables: (ipv4: Bool, ipv6: Bool) {
        guard let core else { return (false, false) }
        return (core.lookup4.table != nil, core.lookup6.table != nil)
    }

    /// Size of the derived tables: nodes and stored answers over both families (0 when not built).
    public var lookupTableShape: (nodes: Int, answers: Int) {
        guard let core else { return (0, 0) }
        return ((core.lookup4.table?.nodeCount ?? 0) + (core.lookup6.table?.nodeCount ?? 0),
         (core.lookup4.table?.answerCount ?? 0) + (core.lookup6.table?.answerCount ?? 0))
    }

    /// Memory used by the tries and the derived tables, in bytes (array elements in use; array
    /// growth slack and the peer bookkeeping are not counted). In the inline form, `tries` is
    /// the bytes of the inline entries.
    public var storageBytes: (tries: Int, lookupTables: Int) {
        guard let core else { return (inline.usedBytes, 0) }
        return (core.v4.usedBytes + core.v6.usedBytes,
         (core.lookup4.table?.usedBytes ?? 0) + (core.lookup6.table?.usedBytes ?? 0))
    }

    // MARK: - Peer slots

    /// The slot `peer` holds, if it owns any prefix.
    @inlinable
    func slot(of peer: Peer) -> UInt32? {
        if let slotOfPeer { return slotOfPeer.position(of: peer) { peers[$0]! }.map { UInt32($0) } }
        return peers.firstIndex { $0 == peer }.map { UInt32($0) }
    }

    @inlinable
    func slotFor(_ peer: Peer) -> UInt32? {
        if let slot = slot(of: peer) { return slot }
        return newSlot(for: peer)
    }

    /// A slot for `peer`, which holds none (the caller knows: `slotFor` has looked); nil when
    /// `maximumPeers` slots are in use.
    @inlinable
    func newSlot(for peer: Peer) -> UInt32? {
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
            peers[Int(slot)] = peer
        } else {
            guard peers.count < AllowedIPs.maximumPeers else { return nil }
            slot = UInt32(peers.count)
            peers.append(peer)
        }
        let all = peers
        if slotOfPeer != nil {
            slotOfPeer!.insert(Int(slot), key: peer) { all[$0]! }
        } else if peers.count > Self.linearSlotLimit {
            var index = PositionTable()
            for (position, owner) in all.enumerated() { if let owner { index.insert(position, key: owner) { all[$0]! } } }
            slotOfPeer = index
        }
        return slot
    }

    /// Room for `count` peers owning prefixes at once without growing the slot index (a hub
    /// about to be given its peers): the index is sized once, as adding them one by one would
    /// leave it, with no rehash on the way. Lookups answer as before.
    ///
    /// Inlinable, so it specialises for the caller's `Peer` type: the generic code reserved
    /// `peers` through run-time metadata lookups (`swift_getGenericMetadata`), 0.36 µs a call,
    /// which each of a hub's million clients made for its one peer (docs/performance.md,
    /// session 16).
    @inlinable
    public func reservePeerCapacity(_ count: Int) {
        let count = min(count, AllowedIPs.maximumPeers)
        guard count > peers.count else { return }
        peers.reserveCapacity(count)
        guard count > Self.linearSlotLimit else { return }
        let all = peers
        if slotOfPeer == nil {
            var index = PositionTable()
            index.reserveCapacity(count) { all[$0]! }
            for (position, owner) in all.enumerated() { if let owner { index.insert(position, key: owner) { all[$0]! } } }
            slotOfPeer = index
        } else {
            slotOfPeer!.reserveCapacity(count) { all[$0]! }
        }
    }

    /// Frees `slot` if its peer owns no prefix any more; returns whether it did.
    @inlinable @discardableResult
    func releaseSlotIfUnused(_ slot: UInt32) -> Bool {
        guard (core?.prefixCount(slot: slot) ?? inline.prefixCount(slot: slot)) == 0, let peer = peers[Int(slot)] else { return false }
        if slotOfPeer != nil {
            // Scoped: the copy of `peers` goes before `peers` changes (no copy of the array).
            let all = peers
            slotOfPeer!.remove(peer) { all[$0]! }
        }
        peers[Int(slot)] = nil
        freeSlots.append(slot)
        return true
    }

    // MARK: - Forms

    /// The trie form, taking it first if the entries are inline (each entry handed over in
    /// order, so every peer's list keeps its order).
    @usableFromInline
    func trieForm() -> AllowedIPsCore {
        if let core { return core }
        let core = AllowedIPsCore()
        inline.insertAll(into: core)
        inline = InlineEntryList()
        self.core = core
        return core
    }

    /// Goes back to the inline form once removals leave half the limit or fewer entries (half,
    /// so that a table changing around the limit does not rebuild at every change).
    @usableFromInline
    func inlineIfSmall() {
        guard !keepsTrieForm, let core, core.count <= Self.inlineEntryLimit / 2 else { return }
        inline = InlineEntryList(takingEntriesOf: core)
        self.core = nil
    }
}
