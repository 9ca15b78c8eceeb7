/// A host route table's IPv4 routes by prefix: (prefix length, masked network) → the positions
/// of the routes with that prefix (several when they differ in metric or table), in the order
/// they were added.
///
/// Open addressing with a multiplicative hash, because a route lookup probes once per prefix
/// length in the table for every packet a node sends (its inner packet, then its UDP datagram):
/// a `Dictionary<UInt64, [Int]>` hashed each probe with SipHash and retained the array it found,
/// about 600 instructions per lookup in SimBench (docs/performance.md, session 9). A prefix's
/// first route is kept in its slot; the rare further ones in a side list.
struct IPv4RouteIndex {
    private struct Slot {
        /// `length << 32 | network`, with bit 63 set; 0: empty.
        var key: UInt64 = 0
        /// The first route's position.
        var first: Int32 = 0
        /// Where the prefix's further routes are in `more`, or -1 when it has only one.
        var more: Int32 = -1
    }

    private var slots: [Slot] = []
    private var more: [[Int]] = []
    private var used = 0
    /// The prefix lengths present, longest first.
    private(set) var lengths: [Int] = []

    private static let occupied: UInt64 = 1 << 63

    private static func key(_ length: Int, _ network: UInt32) -> UInt64 {
        UInt64(length) << 32 | UInt64(network) | occupied
    }

    /// The network of `address` under a prefix of `length` bits.
    @inline(__always)
    static func masked(_ address: UInt32, _ length: Int) -> UInt32 {
        length == 0 ? 0 : address & (~UInt32(0) << UInt32(32 - length))
    }

    @inline(__always)
    private static func home(_ key: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Adds the route at `position` under its prefix (after the prefix's earlier routes).
    mutating func insert(length: Int, network: UInt32, position: Int) {
        precondition(position >= 0 && position < Int(Int32.max), "route positions fit in 32 bits")
        if !lengths.contains(length) { lengths.append(length); lengths.sort(by: >) }
        if (used + 1) * 2 > slots.count { grow() }
        let key = Self.key(length, network)
        let mask = slots.count - 1
        var i = Self.home(key, mask: mask)
        while slots[i].key != 0 {
            if slots[i].key == key {
                if slots[i].more < 0 {
                    slots[i].more = Int32(more.count)
                    more.append([position])
                } else {
                    more[Int(slots[i].more)].append(position)
                }
                return
            }
            i = (i + 1) & mask
        }
        slots[i] = Slot(key: key, first: Int32(position), more: -1)
        used += 1
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: max(16, old.count * 2))
        let mask = slots.count - 1
        for slot in old where slot.key != 0 {
            var i = Self.home(slot.key, mask: mask)
            while slots[i].key != 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }

    /// Calls `body` with the position of each route of prefix `length`/`network`, in the order
    /// they were added, until it returns false.
    @inline(__always)
    func forEachRoute(length: Int, network: UInt32, _ body: (Int) -> Bool) {
        guard !slots.isEmpty else { return }
        let key = Self.key(length, network)
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var i = Self.home(key, mask: mask)
            while slots[i].key != 0 {
                if slots[i].key == key {
                    guard body(Int(slots[i].first)) else { return }
                    if slots[i].more >= 0 {
                        for position in more[Int(slots[i].more)] where !body(position) { return }
                    }
                    return
                }
                i = (i + 1) & mask
            }
        }
    }
}
