/// A min-heap of (deadline, peer serial) so that the device finds its next timer without
/// scanning every peer. Entries go stale when a peer's deadline changes; the owner pushes the new
/// deadline and discards popped entries that no longer match the peer's state.
struct TimerHeap {
    private(set) var entries: [(deadline: Int64, serial: Int)] = []

    var top: (deadline: Int64, serial: Int)? { entries.first }
    var count: Int { entries.count }

    mutating func push(_ deadline: Int64, _ serial: Int) {
        entries.append((deadline, serial))
        var i = entries.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            entries.swapAt(i, parent)
            i = parent
        }
    }

    mutating func popTop() {
        guard !entries.isEmpty else { return }
        entries.swapAt(0, entries.count - 1)
        entries.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < entries.count, less(l, m) { m = l }
            if r < entries.count, less(r, m) { m = r }
            if m == i { break }
            entries.swapAt(i, m)
            i = m
        }
    }

    mutating func removeAll() { entries.removeAll(keepingCapacity: true) }

    /// Ties broken by peer serial (creation order) for determinism.
    private func less(_ a: Int, _ b: Int) -> Bool {
        let x = entries[a], y = entries[b]
        return x.deadline < y.deadline || (x.deadline == y.deadline && x.serial < y.serial)
    }
}
