/// A trie node of either family, as the per-peer lists link them: bit 31 set for IPv6, the
/// rest the node's index in that family's trie (the kernel's `peer_list` spans both families).
struct EntryRef: Equatable {
    var raw: UInt32
    init(raw: UInt32) { self.raw = raw }
    init(v4 index: UInt32) { raw = index }
    init(v6 index: UInt32) { raw = index | 0x8000_0000 }
    var isIPv6: Bool { raw & 0x8000_0000 != 0 }
    var index: Int { Int(raw & 0x7FFF_FFFF) }
}

/// Peer slots and the per-peer lists: the bookkeeping behind `insert`, `remove` and `prefixes(of:)`.
extension AllowedIPs {
    func slotFor(_ peer: Peer) -> UInt32 {
        if let slot = slotOfPeer[peer] { return slot }
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[Int(slot)] = PeerSlot(peer: peer)
        } else {
            precondition(slots.count < AllowedIPs.maximumPeers, "AllowedIPs holds at most \(AllowedIPs.maximumPeers) peers")
            slot = UInt32(slots.count)
            slots.append(PeerSlot(peer: peer))
        }
        slotOfPeer[peer] = slot
        return slot
    }

    func releaseSlotIfUnused(_ slot: UInt32) {
        guard slots[Int(slot)].count == 0, let peer = slots[Int(slot)].peer else { return }
        slotOfPeer[peer] = nil
        slots[Int(slot)] = PeerSlot(peer: nil)
        freeSlots.append(slot)
    }

    func peerSlot(of ref: EntryRef) -> UInt32 {
        ref.isIPv6 ? v6[UInt32(ref.index)].peerSlot : v4[UInt32(ref.index)].peerSlot
    }

    func setPeerSlot(of ref: EntryRef, to slot: UInt32) {
        if ref.isIPv6 { v6[UInt32(ref.index)].peerSlot = slot } else { v4[UInt32(ref.index)].peerSlot = slot }
    }

    func links(of ref: EntryRef) -> (previous: UInt32, next: UInt32) {
        if ref.isIPv6 {
            let node = v6[UInt32(ref.index)]
            return (node.previous, node.next)
        }
        let node = v4[UInt32(ref.index)]
        return (node.previous, node.next)
    }

    func setLinks(of ref: EntryRef, previous: UInt32? = nil, next: UInt32? = nil) {
        let index = UInt32(ref.index)
        if ref.isIPv6 {
            if let previous { v6[index].previous = previous }
            if let next { v6[index].next = next }
        } else {
            if let previous { v4[index].previous = previous }
            if let next { v4[index].next = next }
        }
    }

    /// Appends to the tail of the slot's list (`list_add_tail` / `list_move_tail`).
    func append(_ ref: EntryRef, to slot: UInt32) {
        let tail = slots[Int(slot)].tail
        setLinks(of: ref, previous: tail, next: noIndex)
        if tail == noIndex { slots[Int(slot)].head = ref.raw } else { setLinks(of: EntryRef(raw: tail), next: ref.raw) }
        slots[Int(slot)].tail = ref.raw
        slots[Int(slot)].count += 1
    }

    func unlink(_ ref: EntryRef, from slot: UInt32) {
        let (previous, next) = links(of: ref)
        if previous == noIndex { slots[Int(slot)].head = next } else { setLinks(of: EntryRef(raw: previous), next: next) }
        if next == noIndex { slots[Int(slot)].tail = previous } else { setLinks(of: EntryRef(raw: next), previous: previous) }
        setLinks(of: ref, previous: noIndex, next: noIndex)
        slots[Int(slot)].count -= 1
    }

    /// The node holding exactly `prefix` (peer or glue), found by the kernel's insert walk.
    func exactEntry(_ prefix: IPPrefix) -> EntryRef? {
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
    func removeEntry(_ ref: EntryRef) {
        let slot = peerSlot(of: ref)
        guard slot != TrieNode<UInt32>.glue else { return }
        unlink(ref, from: slot)
        setPeerSlot(of: ref, to: TrieNode<UInt32>.glue)
        count -= 1
        if ref.isIPv6 { v6.prune(UInt32(ref.index)) } else { v4.prune(UInt32(ref.index)) }
        releaseSlotIfUnused(slot)
        invalidate(ref)
    }

    func prefix(of ref: EntryRef) -> IPPrefix {
        if ref.isIPv6 {
            let node = v6[UInt32(ref.index)]
            return IPPrefix(uncheckedAddress: .v6(node.key.address), length: node.cidr)
        }
        let node = v4[UInt32(ref.index)]
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
