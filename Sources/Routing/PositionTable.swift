/// A hash index of positions in a list the caller keeps: the keys are not stored here but read
/// back from the caller's own items (`keyAt`), so an entry costs one 4-byte slot, at most half
/// the slots used (8–16 bytes an entry). A Swift dictionary of the same positions keeps key and
/// value in every bucket and grows by doubling at 3/4 full: a `[String: Int]` of 100,001 node
/// names has 2^18 buckets of 24 bytes, about 63 bytes a node, where this takes about 10.
///
/// Open addressing with linear probing; removal shifts the following entries back (no
/// tombstones). The caller keeps one rule: every position in the table reads back, through
/// `keyAt`, the key it was inserted under (change an item's key by removing its position under
/// the old key first, and inserting it under the new key once the item has it). Lookups give
/// the same answers as a dictionary would; the order of the slots, which depends on the
/// process's hash seed, is never exposed.
///
/// One array and nothing else (8 bytes, and an optional table too): the slots, a power of two of
/// them, then the count in one more element. Tables that hold it inline (a device's peers by
/// key, an allowed-IPs table's slots by peer) are then no larger than with the optional
/// dictionary they replace.
public struct PositionTable: Sendable {
    /// Position + 1 per slot (0: an empty slot), then the count; empty for a table never grown.
    @usableFromInline var storage: [UInt32] = []

    /// An empty table.
    public init() {}

    /// How many positions the table holds.
    public var count: Int { storage.isEmpty ? 0 : Int(storage[storage.count - 1]) }

    /// How many slots there are (a power of two, or 0).
    @inlinable var slotCount: Int { storage.isEmpty ? 0 : storage.count - 1 }

    /// The position whose item's key is `key`, or nil.
    @inlinable
    public func position<Key: Hashable>(of key: Key, keyAt: (Int) -> Key) -> Int? {
        guard !storage.isEmpty, storage[storage.count - 1] > 0 else { return nil }
        let slots = storage
        let mask = slots.count - 2
        var slot = key.hashValue & mask
        while true {
            let stored = slots[slot]
            if stored == 0 { return nil }
            let position = Int(stored) - 1
            if keyAt(position) == key { return position }
            slot = (slot + 1) & mask
        }
    }

    /// Adds `position` under `key`, which the table must not hold yet (look it up first);
    /// `keyAt` reads the keys of the positions already in the table, if it has to grow.
    public mutating func insert<Key: Hashable>(_ position: Int, key: Key, keyAt: (Int) -> Key) {
        Self.requireStorable(position)
        if (count + 1) * 2 > slotCount { grow(keyAt: keyAt) }
        place(UInt32(position + 1), hash: key.hashValue)
        storage[storage.count - 1] += 1
    }

    /// Adds `position` under `key` unless the table holds `key` already, and then returns the
    /// position it holds (nothing changes): a lookup and an insertion with one hash and one probe.
    public mutating func insertUnlessPresent<Key: Hashable>(_ position: Int, key: Key, keyAt: (Int) -> Key) -> Int? {
        Self.requireStorable(position)
        if (count + 1) * 2 > slotCount { grow(keyAt: keyAt) }
        let mask = slotCount - 1
        var slot = key.hashValue & mask
        while storage[slot] != 0 {
            let held = Int(storage[slot]) - 1
            if keyAt(held) == key { return held }
            slot = (slot + 1) & mask
        }
        storage[slot] = UInt32(position + 1)
        storage[storage.count - 1] += 1
        return nil
    }

    /// Slots hold a position plus one in 32 bits (0 is empty): the one check every way in makes.
    @inline(__always)
    private static func requireStorable(_ position: Int) {
        precondition(position >= 0 && position < Int(UInt32.max), "a position table holds positions below 2^32 - 1")
    }

    /// Puts `position` under `key`: in place of the position the table holds under `key`, if
    /// any, else added. Lookups then answer as after `remove(key)` and `insert(position, key:)`,
    /// with one hash and one probe where those took two of each (naming a million nodes' keys).
    public mutating func update<Key: Hashable>(_ position: Int, key: Key, keyAt: (Int) -> Key) {
        Self.requireStorable(position)
        if (count + 1) * 2 > slotCount { grow(keyAt: keyAt) }
        let mask = slotCount - 1
        var slot = key.hashValue & mask
        while storage[slot] != 0 {
            if keyAt(Int(storage[slot]) - 1) == key {
                storage[slot] = UInt32(position + 1)
                return
            }
            slot = (slot + 1) & mask
        }
        storage[slot] = UInt32(position + 1)
        storage[storage.count - 1] += 1
    }

    /// Takes `key`'s position out of the table, if it is there.
    public mutating func remove<Key: Hashable>(_ key: Key, keyAt: (Int) -> Key) {
        guard count > 0 else { return }
        let mask = slotCount - 1
        var hole = key.hashValue & mask
        while true {
            let stored = storage[hole]
            if stored == 0 { return }
            if keyAt(Int(stored) - 1) == key { break }
            hole = (hole + 1) & mask
        }
        storage[hole] = 0
        storage[storage.count - 1] -= 1
        // Entries after the hole that would not be found past it move back into it.
        var slot = (hole + 1) & mask
        while storage[slot] != 0 {
            let stored = storage[slot]
            let home = keyAt(Int(stored) - 1).hashValue & mask
            // `home` lies cyclically in (hole, slot]: the entry is found from there without the hole.
            let stays = hole <= slot ? (hole < home && home <= slot) : (hole < home || home <= slot)
            if !stays {
                storage[hole] = stored
                storage[slot] = 0
                hole = slot
            }
            slot = (slot + 1) & mask
        }
    }

    /// Room for at least `capacity` positions without growing.
    public mutating func reserveCapacity<Key: Hashable>(_ capacity: Int, keyAt: (Int) -> Key) {
        guard capacity * 2 > slotCount else { return }
        resize(to: Self.slotCount(for: capacity), keyAt: keyAt)
    }

    private mutating func grow<Key: Hashable>(keyAt: (Int) -> Key) {
        resize(to: Self.slotCount(for: count + 1), keyAt: keyAt)
    }

    /// The smallest power of two at least twice `capacity` (and at least 8).
    private static func slotCount(for capacity: Int) -> Int {
        var slots = 8
        while slots < capacity * 2 { slots *= 2 }
        return slots
    }

    private mutating func resize<Key: Hashable>(to newSlotCount: Int, keyAt: (Int) -> Key) {
        let old = storage
        let oldSlots = slotCount
        storage = [UInt32](repeating: 0, count: newSlotCount + 1)
        storage[newSlotCount] = old.isEmpty ? 0 : old[oldSlots]
        for stored in old[..<oldSlots] where stored != 0 {
            place(stored, hash: keyAt(Int(stored) - 1).hashValue)
        }
    }

    /// Puts `stored` in the first empty slot from `hash`'s.
    private mutating func place(_ stored: UInt32, hash: Int) {
        let mask = slotCount - 1
        var slot = hash & mask
        while storage[slot] != 0 { slot = (slot + 1) & mask }
        storage[slot] = stored
    }
}
