/// A min-heap of (deadline, peer serial) so that the device finds its next timer without
/// scanning every peer. It holds at most one entry per peer: `schedule` moves a peer's entry when
/// its deadline changes, through a position index kept by serial.
///
/// Indexed rather than lazy (push the new deadline, skip stale entries when they surface) because
/// on a hub every packet moves its peer's deadline: the lazy heap grew to several entries per
/// peer, and telling a stale entry from a live one read the peer object of whichever peer had
/// gone longest without traffic — a cache miss per packet once the peers outgrow the caches.
///
/// While only peer serial 0 has had an entry (a device with one peer: every client of a
/// generated hub) `positions` stays empty: serial 0's entry, if any, is the only one, at 0. The
/// array is made when another serial is scheduled; a hub's clients each save its heap block
/// (about 48 bytes).
struct TimerHeap {
    private(set) var entries: [(deadline: Int64, serial: Int)] = []
    /// Per peer serial, the entry's position in `entries`, or -1 when the peer has none; empty
    /// while only serial 0 has had entries (`position(of:)`).
    private var positions: [Int32] = []

    var top: (deadline: Int64, serial: Int)? { entries.first }
    var count: Int { entries.count }

    /// The entry's position of peer `serial`, -1 for none.
    private func position(of serial: Int) -> Int {
        if positions.isEmpty { return serial == 0 && !entries.isEmpty ? 0 : -1 }
        return serial < positions.count ? Int(positions[serial]) : -1
    }

    /// Notes `serial`'s entry position (nothing to note while only serial 0 has entries).
    private mutating func setPosition(of serial: Int, _ position: Int) {
        if !positions.isEmpty { positions[serial] = Int32(position) }
    }

    /// The peer's scheduled deadline, if it has one.
    func deadline(of serial: Int) -> Int64? {
        let position = position(of: serial)
        return position < 0 ? nil : entries[position].deadline
    }

    /// Sets (or with nil removes) the peer's deadline.
    mutating func schedule(_ serial: Int, at deadline: Int64?) {
        if serial >= positions.count, serial > 0 || !positions.isEmpty {
            // Leaving the one-peer form: serial 0's entry (if any) is at 0.
            if positions.isEmpty { positions = [entries.isEmpty ? -1 : 0] }
            positions.append(contentsOf: repeatElement(-1, count: serial + 1 - positions.count))
        }
        let position = position(of: serial)
        guard let deadline else {
            if position >= 0 { remove(at: position) }
            return
        }
        if position < 0 {
            entries.append((deadline, serial))
            setPosition(of: serial, entries.count - 1)
            siftUp(entries.count - 1)
            return
        }
        let earlier = deadline < entries[position].deadline
        entries[position].deadline = deadline
        if earlier { siftUp(position) } else { siftDown(position) }
    }

    mutating func popTop() {
        guard !entries.isEmpty else { return }
        remove(at: 0)
    }

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
    }

    private mutating func remove(at position: Int) {
        let last = entries.count - 1
        setPosition(of: entries[position].serial, -1)
        if position != last {
            entries[position] = entries[last]
            setPosition(of: entries[position].serial, position)
        }
        entries.removeLast()
        guard position < entries.count else { return }
        siftUp(position)
        siftDown(position)
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            swapEntries(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < entries.count, less(l, m) { m = l }
            if r < entries.count, less(r, m) { m = r }
            if m == i { break }
            swapEntries(i, m)
            i = m
        }
    }

    private mutating func swapEntries(_ a: Int, _ b: Int) {
        entries.swapAt(a, b)
        setPosition(of: entries[a].serial, a)
        setPosition(of: entries[b].serial, b)
    }

    /// Ties broken by peer serial (creation order) for determinism.
    private func less(_ a: Int, _ b: Int) -> Bool {
        let x = entries[a], y = entries[b]
        return x.deadline < y.deadline || (x.deadline == y.deadline && x.serial < y.serial)
    }
}
