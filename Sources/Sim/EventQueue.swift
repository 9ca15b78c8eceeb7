/// The simulator's agenda: a binary min-heap of events ordered by (time, sequence), so that events
/// due at the same simulated nanosecond run in the order they were scheduled.
///
/// The heap holds small fixed-size keys; the payloads live in a slot array recycled through a free
/// list, so sifting moves 24 bytes per step and scheduling does not allocate once warmed up.
struct EventQueue<Payload> {
    private struct Key {
        var time: Int64
        var sequence: UInt64
        var slot: Int32
    }

    private var heap: [Key] = []
    private var payloads: [Payload?] = []
    private var freeSlots: [Int32] = []
    private var nextSequence: UInt64 = 0

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }

    /// The time of the earliest event, if any.
    var nextTime: Int64? { heap.first?.time }

    mutating func push(at time: Int64, _ payload: consuming Payload) {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            payloads[Int(free)] = payload
        } else {
            slot = Int32(payloads.count)
            payloads.append(payload)
        }
        heap.append(Key(time: time, sequence: nextSequence, slot: slot))
        nextSequence &+= 1
        siftUp(heap.count - 1)
    }

    /// Removes and returns the earliest event (ties: the first scheduled).
    mutating func pop() -> (time: Int64, payload: Payload)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        let index = Int(top.slot)
        let payload = payloads[index].take()   // moves the payload out without a copy
        freeSlots.append(top.slot)
        guard let payload else { return nil }
        return (top.time, payload)
    }

    private static func before(_ a: Key, _ b: Key) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        let key = heap[child]
        while child > 0 {
            let parent = (child - 1) >> 1
            guard Self.before(key, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = key
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let key = heap[parent]
        let n = heap.count
        while true {
            var child = 2 * parent + 1
            if child >= n { break }
            if child + 1 < n && Self.before(heap[child + 1], heap[child]) { child += 1 }
            guard Self.before(heap[child], key) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = key
    }
}
