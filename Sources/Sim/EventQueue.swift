/// The simulator's agenda: a binary min-heap of events ordered by (time, sequence), so that events
/// due at the same simulated nanosecond run in the order they were scheduled.
///
/// The heap holds small fixed-size keys; the payloads live in a slot array recycled through a free
/// list, so sifting moves 24 bytes per step and scheduling does not allocate once warmed up.
///
/// Two heaps ("lanes") share one sequence counter and are merged at `pop`, which yields exactly
/// the order of a single heap: `deferred` events (timer wake-ups, one per node, mostly seconds
/// away) wait in their own heap, so the packet events that make up nearly every pop sift through
/// a heap of the few packets in flight instead of one as large as the node count — which on a
/// hub with thousands of peers cost O(log nodes) cold reads per event.
struct EventQueue<Payload> {
    private struct Key {
        var time: Int64
        var sequence: UInt64
        var slot: Int32
    }

    private var near = KeyHeap()
    private var deferred = KeyHeap()
    private var payloads: [Payload?] = []
    private var freeSlots: [Int32] = []
    private var nextSequence: UInt64 = 0

    var count: Int { near.keys.count + deferred.keys.count }
    var isEmpty: Bool { near.keys.isEmpty && deferred.keys.isEmpty }

    /// The time of the earliest event, if any.
    var nextTime: Int64? { earlierLaneIsDeferred() ? deferred.keys.first?.time : near.keys.first?.time }

    /// Schedules `payload` at `time`; `deferred` only picks the lane (same order either way).
    mutating func push(at time: Int64, _ payload: consuming Payload, deferred isDeferred: Bool = false) {
        let sequence = nextSequence
        nextSequence &+= 1
        push(at: time, payload, sequence: sequence, deferred: isDeferred)
    }

    /// Sets aside `count` consecutive sequence numbers and returns the first, for events that
    /// are pushed later (`push(at:_:sequence:)`) but must keep the place among equal-time
    /// events they would have had if pushed now — a repeated action scheduled one repetition
    /// at a time.
    mutating func reserveSequences(_ count: UInt64) -> UInt64 {
        let first = nextSequence
        nextSequence &+= count
        return first
    }

    /// Schedules `payload` at `time` with a sequence number from `reserveSequences`.
    mutating func push(at time: Int64, _ payload: consuming Payload, sequence: UInt64, deferred isDeferred: Bool = false) {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            payloads[Int(free)] = payload
        } else {
            slot = Int32(payloads.count)
            payloads.append(payload)
        }
        let key = Key(time: time, sequence: sequence, slot: slot)
        if isDeferred { deferred.push(key) } else { near.push(key) }
    }

    /// Removes and returns the earliest event (ties: the first scheduled).
    mutating func pop() -> (time: Int64, payload: Payload)? {
        let taken = earlierLaneIsDeferred() ? deferred.pop() : near.pop()
        guard let top = taken else { return nil }
        let index = Int(top.slot)
        let payload = payloads[index].take()   // moves the payload out without a copy
        freeSlots.append(top.slot)
        guard let payload else { return nil }
        return (top.time, payload)
    }

    private func earlierLaneIsDeferred() -> Bool {
        guard let d = deferred.keys.first else { return false }
        guard let n = near.keys.first else { return true }
        return Self.before(d, n)
    }

    private static func before(_ a: Key, _ b: Key) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }

    /// A binary min-heap of keys by (time, sequence).
    private struct KeyHeap {
        var keys: [Key] = []

        mutating func push(_ key: Key) {
            keys.append(key)
            siftUp(keys.count - 1)
        }

        mutating func pop() -> Key? {
            guard let top = keys.first else { return nil }
            let last = keys.removeLast()
            if !keys.isEmpty {
                keys[0] = last
                siftDown(0)
            }
            return top
        }

        private mutating func siftUp(_ start: Int) {
            var child = start
            let key = keys[child]
            while child > 0 {
                let parent = (child - 1) >> 1
                guard EventQueue.before(key, keys[parent]) else { break }
                keys[child] = keys[parent]
                child = parent
            }
            keys[child] = key
        }

        private mutating func siftDown(_ start: Int) {
            var parent = start
            let key = keys[parent]
            let n = keys.count
            while true {
                var child = 2 * parent + 1
                if child >= n { break }
                if child + 1 < n && EventQueue.before(keys[child + 1], keys[child]) { child += 1 }
                guard EventQueue.before(keys[child], key) else { break }
                keys[parent] = keys[child]
                parent = child
            }
            keys[parent] = key
        }
    }
}
