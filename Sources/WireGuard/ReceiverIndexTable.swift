/// The device's receiver indices [compat src/peerlookup.c `index_hashtable`]: each 32-bit index
/// it has handed out, to what the index stands for (`Device.IndexEntry`: a pending handshake or
/// a keypair). Looked up once per received transport message, so once per inner packet.
///
/// Open addressing with linear probing and a multiplicative hash: the indices are random
/// (`Device.newIndex`), so one multiply spreads them. A `Dictionary<UInt32, IndexEntry>` hashed
/// every lookup with SipHash (about 116 instructions in its `find` per transport message,
/// callgrind, docs/performance.md session 12). A removal shifts the entries after it back into
/// the hole (no tombstones), so a lookup stops at the first empty slot and the table never needs
/// cleaning. Nothing iterates it, so its order (the slots') shows nowhere.
struct ReceiverIndexTable<Value> {
    private struct Slot {
        /// `occupied | index`; 0: empty (an index may itself be 0).
        var key: UInt64 = 0
        var value: Value?
    }

    private static var occupied: UInt64 { 1 << 32 }
    private var slots: [Slot] = []
    /// How many indices are in the table.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    init() {}

    @inline(__always)
    private static func home(_ index: UInt32, mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(index) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The slot holding `index`, or nil.
    @inline(__always)
    private func slot(of index: UInt32) -> Int? {
        guard !slots.isEmpty else { return nil }
        let key = Self.occupied | UInt64(index)
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var i = Self.home(index, mask: mask)
            while slots[i].key != 0 {
                if slots[i].key == key { return i }
                i = (i + 1) & mask
            }
            return nil
        }
    }

    /// What `index` stands for, nil when it is not in the table; setting nil removes it.
    subscript(index: UInt32) -> Value? {
        get {
            guard let i = slot(of: index) else { return nil }
            return slots[i].value
        }
        set {
            if let newValue {
                insert(newValue, at: index)
            } else if let i = slot(of: index) {
                remove(slot: i)
            }
        }
    }

    private mutating func insert(_ value: Value, at index: UInt32) {
        if let i = slot(of: index) {
            slots[i].value = value
            return
        }
        // At most three quarters full, so a probe always ends at an empty slot.
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let mask = slots.count - 1
        var i = Self.home(index, mask: mask)
        while slots[i].key != 0 { i = (i + 1) & mask }
        slots[i] = Slot(key: Self.occupied | UInt64(index), value: value)
        count += 1
    }

    /// Empties slot `hole`, then moves back each following entry of the run that may sit there
    /// (one whose home is not cyclically between the hole and it), so every entry stays
    /// reachable from its home without crossing an empty slot.
    private mutating func remove(slot hole: Int) {
        slots[hole] = Slot()
        count -= 1
        let mask = slots.count - 1
        var hole = hole
        var next = (hole + 1) & mask
        while slots[next].key != 0 {
            let home = Self.home(UInt32(truncatingIfNeeded: slots[next].key), mask: mask)
            if (next &- home) & mask >= (next &- hole) & mask {
                slots.swapAt(hole, next)
                hole = next
            }
            next = (next + 1) & mask
        }
    }

    private mutating func grow() {
        var old: [Slot] = []
        swap(&old, &slots)
        slots = Array(repeating: Slot(), count: max(4, old.count * 2))
        let mask = slots.count - 1
        for slot in old where slot.key != 0 {
            var i = Self.home(UInt32(truncatingIfNeeded: slot.key), mask: mask)
            while slots[i].key != 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}
