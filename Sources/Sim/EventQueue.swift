/// Where an event stands among events due at the same simulated nanosecond: the node (or phase)
/// that scheduled it, then how many events that origin had scheduled before. Ordering by
/// (time, origin, sequence) does not depend on which other nodes share a process, so a run split
/// over several MPI ranks pops every node's events in the order one process would (see
/// `EventOrigin` and docs/mpi.md).
public struct EventKey: Comparable, Hashable, Sendable {
    public var time: Int64
    public var origin: Int64
    public var sequence: UInt64

    public init(time: Int64, origin: Int64, sequence: UInt64) {
        self.time = time
        self.origin = origin
        self.sequence = sequence
    }

    public static func < (a: EventKey, b: EventKey) -> Bool {
        if a.time != b.time { return a.time < b.time }
        if a.origin != b.origin { return a.origin < b.origin }
        return a.sequence < b.sequence
    }
}

/// The origins an `EventKey` names, in the order they run at one instant: each node's set-up
/// (wg-quick bringing it up, in node order), then the scenario's own actions, then what the nodes
/// scheduled while running (in node order). A node's sequence counts everything it scheduled, so
/// it is the same whichever process the node runs in.
public enum EventOrigin {
    /// Events scheduled while node `index` is brought up at time 0.
    public static func setup(_ index: Int) -> Int64 { Int64.min + Int64(index) }
    /// Actions of the scenario (and anything scheduled from outside the engine).
    public static let scenario: Int64 = -1
    /// Events node `index` scheduled while one of its events ran.
    public static func node(_ index: Int) -> Int64 { Int64(index) }
    /// The node an origin belongs to (nil: the scenario).
    public static func nodeIndex(of origin: Int64) -> Int? {
        if origin >= 0 { return Int(origin) }
        if origin == scenario { return nil }
        return Int(origin &- Int64.min)
    }
}

/// The simulator's agenda: a binary min-heap of events ordered by `EventKey` (time, origin,
/// sequence). Callers that do not name an origin get origin 0 and a counter of the queue's own,
/// so their events at one time run in the order they were pushed.
///
/// The heap holds small fixed-size keys; the payloads live in slots of memory the queue manages
/// itself, recycled through a free list, so sifting moves 32 bytes per step and scheduling does
/// not allocate once warmed up. A payload is moved into its slot and out of it: kept as an
/// optional in an array slot, each push assigned over a `nil` (the optional's outlined destroy
/// ran first, ~60 instructions for `SimEvent`) and each pop took it out through the array's
/// uniqueness check. Hence `~Copyable`: one queue owns its slots (`deinit` destroys the
/// payloads still queued).
///
/// Two heaps ("lanes") are merged at `pop`, which yields exactly the order of a single heap:
/// `deferred` events (timer wake-ups, one per node, mostly seconds away) wait in their own heap,
/// so the packet events that make up nearly every pop sift through a heap of the few packets in
/// flight instead of one as large as the node count — which on a hub with thousands of peers cost
/// O(log nodes) cold reads per event.
///
/// A third lane holds keys that came in order: a push no earlier than the last key of `inOrder`
/// is appended there (no sift), any other goes to `near`. Packets crossing links of one latency
/// arrive in the order they were sent, so their arrivals — half of all events on a busy run, and
/// thousands at a time in flight on a generated hub (a packet each microsecond, 1 ms links) —
/// cost an append and a read instead of a sift of O(log in-flight) steps each way; the events
/// due now or soon (replies, the next replayed packet) make a small `near` heap.
///
/// A payload that a small number stands for (a timer wake-up names only its node) is kept in its
/// key instead (`pushInline`, a negative slot), taking no payload slot: a hub whose clients all
/// have sessions has one armed timer per client, and each slot is as large as the largest event.
struct EventQueue<Payload>: ~Copyable {
    private struct Key {
        var time: Int64
        var origin: Int64
        var sequence: UInt64
        /// The payload's slot, or for an inline payload -1 - its value.
        var slot: Int32
    }

    private var near = KeyHeap()
    private var deferred = KeyHeap()
    private var inOrder = KeyRun()
    /// Slot i (< `slotCount`) holds a payload unless i is in `freeSlots`: exactly the slots
    /// the keys of the three lanes name hold one.
    private var payloads: UnsafeMutablePointer<Payload>
    private var slotCapacity = 0
    private var slotCount = 0
    private var freeSlots: [Int32] = []
    private var nextSequence: UInt64 = 0

    init() {
        payloads = UnsafeMutablePointer<Payload>.allocate(capacity: 0)
    }

    deinit {
        for key in near.keys where key.slot >= 0 { (payloads + Int(key.slot)).deinitialize(count: 1) }
        for key in deferred.keys where key.slot >= 0 { (payloads + Int(key.slot)).deinitialize(count: 1) }
        inOrder.forEachWaiting { key in
            if key.slot >= 0 { (payloads + Int(key.slot)).deinitialize(count: 1) }
        }
        payloads.deallocate()
    }

    var count: Int { near.keys.count + deferred.keys.count + inOrder.count }
    var isEmpty: Bool { near.keys.isEmpty && deferred.keys.isEmpty && inOrder.isEmpty }

    /// The time of the earliest event, if any.
    var nextTime: Int64? {
        switch earliestLane() {
        case .near: return near.keys.first?.time
        case .deferred: return deferred.keys.first?.time
        case .inOrder: return inOrder.first?.time
        }
    }

    /// Schedules `payload` at `time` after every event pushed this way before it at that time;
    /// `deferred` only picks the lane (same order either way).
    mutating func push(at time: Int64, _ payload: consuming Payload, deferred isDeferred: Bool = false) {
        let sequence = nextSequence
        nextSequence &+= 1
        push(at: time, payload, origin: 0, sequence: sequence, deferred: isDeferred)
    }

    /// Schedules `payload` at the place `EventKey(time, origin, sequence)`; the caller keeps
    /// (origin, sequence) unique.
    mutating func push(at time: Int64, _ payload: consuming Payload, origin: Int64, sequence: UInt64,
                       deferred isDeferred: Bool = false) {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            if slotCount == slotCapacity { growSlots() }
            slot = Int32(slotCount)
            slotCount += 1
        }
        (payloads + Int(slot)).initialize(to: payload)
        let key = Key(time: time, origin: origin, sequence: sequence, slot: slot)
        if isDeferred { deferred.push(key) } else { pushNear(key) }
    }

    /// Twice the slots (16 at first). Every slot below `slotCount` is moved over bitwise, the
    /// free ones' bytes too: they are never read as payloads until a push initializes them.
    private mutating func growSlots() {
        let capacity = max(16, slotCapacity * 2)
        precondition(capacity <= Int(Int32.max), "payload slots fit in 32 bits")
        let grown = UnsafeMutablePointer<Payload>.allocate(capacity: capacity)
        UnsafeMutableRawPointer(grown).copyMemory(from: UnsafeRawPointer(payloads),
                                                  byteCount: slotCount * MemoryLayout<Payload>.stride)
        payloads.deallocate()
        payloads = grown
        slotCapacity = capacity
    }

    /// A key of the near lanes: appended to `inOrder` when no earlier than its last, else sifted.
    @inline(__always)
    private mutating func pushNear(_ key: Key) {
        if let last = inOrder.last, Self.before(key, last) { near.push(key) } else { inOrder.append(key) }
    }

    /// Schedules the payload `value` stands for (`InlineQueuedPayload.inlined`) at the place
    /// `EventKey(time, origin, sequence)`, without a payload slot. `value` must be >= 0.
    mutating func pushInline(at time: Int64, _ value: Int32, origin: Int64, sequence: UInt64,
                             deferred isDeferred: Bool = false) where Payload: InlineQueuedPayload {
        let key = Key(time: time, origin: origin, sequence: sequence, slot: -1 - max(0, value))
        if isDeferred { deferred.push(key) } else { pushNear(key) }
    }

    /// Removes and returns the earliest event.
    mutating func pop() -> (time: Int64, payload: Payload)? {
        guard let (key, payload) = popKeyed() else { return nil }
        return (key.time, payload)
    }

    /// Removes and returns the earliest event with its place.
    mutating func popKeyed() -> (key: EventKey, payload: Payload)? {
        var key = EventKey(time: 0, origin: 0, sequence: 0)
        guard let payload = pop(placing: &key) else { return nil }
        return (key, payload)
    }

    /// Removes and returns the earliest event, if any; its place goes to `key`.
    mutating func pop(placing key: inout EventKey) -> Payload? {
        isEmpty ? nil : popEarliest(placing: &key)
    }

    /// Removes and returns the earliest event of a queue that is not empty (`nextTime` is not
    /// nil); its place goes to `key`. The event loop's pop: the payload is returned plainly, not
    /// as an optional, because an optional payload bound by `guard let` was then destroyed
    /// through the runtime's generic value witnesses of `Optional` (~190 instructions per event;
    /// before that, an optional (key, payload) tuple cost ~300 the same way: docs/performance.md).
    mutating func popEarliest(placing key: inout EventKey) -> Payload {
        let taken: Key?
        switch earliestLane() {
        case .near: taken = near.pop()
        case .deferred: taken = deferred.pop()
        case .inOrder: taken = inOrder.popFirst()
        }
        guard let top = taken else { preconditionFailure("popEarliest is called only on a queue with an event") }
        key = EventKey(time: top.time, origin: top.origin, sequence: top.sequence)
        if top.slot < 0 {
            // Only `pushInline` makes a negative slot, and only for such payloads (the cast is
            // decided when the queue's code is specialized for its payload type).
            return (Payload.self as! InlineQueuedPayload.Type).inlined(-1 - top.slot) as! Payload
        }
        let payload = (payloads + Int(top.slot)).move()
        freeSlots.append(top.slot)
        return payload
    }

    private enum Lane { case near, deferred, inOrder }

    /// The lane whose first key is the earliest (`near` when all are empty).
    @inline(__always)
    private func earliestLane() -> Lane {
        var lane = Lane.near
        var first = near.keys.first
        if let d = deferred.keys.first, first.map({ Self.before(d, $0) }) ?? true {
            lane = .deferred
            first = d
        }
        if let r = inOrder.first, first.map({ Self.before(r, $0) }) ?? true { lane = .inOrder }
        return lane
    }

    private static func before(_ a: Key, _ b: Key) -> Bool {
        if a.time != b.time { return a.time < b.time }
        if a.origin != b.origin { return a.origin < b.origin }
        return a.sequence < b.sequence
    }

    /// Keys in the order they were appended (each no earlier than the one before): read from
    /// the front, the read part dropped once it is more than half of the storage.
    private struct KeyRun {
        private var keys: [Key] = []
        private var head = 0

        var count: Int { keys.count - head }
        var isEmpty: Bool { head == keys.count }
        var first: Key? { head < keys.count ? keys[head] : nil }
        var last: Key? { head < keys.count ? keys[keys.count - 1] : nil }

        mutating func append(_ key: Key) {
            if head == keys.count {
                keys.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 4096 && head * 2 >= keys.count {
                keys.removeFirst(head)
                head = 0
            }
            keys.append(key)
        }

        mutating func popFirst() -> Key? {
            guard head < keys.count else { return nil }
            head += 1
            return keys[head - 1]
        }

        /// Calls `body` with each key not yet read, in order.
        func forEachWaiting(_ body: (Key) -> Void) {
            for i in head..<keys.count { body(keys[i]) }
        }
    }

    /// A binary min-heap of keys by (time, origin, sequence).
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

        // Both sifts work on the keys' memory directly: every index they touch is below the
        // count, and the array subscripts checked bounds and uniqueness on each read and write
        // (siftDown was about 480 instructions a pop).
        private mutating func siftUp(_ start: Int) {
            keys.withUnsafeMutableBufferPointer { heap in
                guard let k = heap.baseAddress else { return }
                var child = start
                let key = k[child]
                while child > 0 {
                    let parent = (child - 1) >> 1
                    guard EventQueue.before(key, k[parent]) else { break }
                    k[child] = k[parent]
                    child = parent
                }
                k[child] = key
            }
        }

        private mutating func siftDown(_ start: Int) {
            keys.withUnsafeMutableBufferPointer { heap in
                guard let k = heap.baseAddress else { return }
                let n = heap.count
                var parent = start
                let key = k[parent]
                while true {
                    var child = 2 * parent + 1
                    if child >= n { break }
                    if child + 1 < n && EventQueue.before(k[child + 1], k[child]) { child += 1 }
                    guard EventQueue.before(k[child], key) else { break }
                    k[parent] = k[child]
                    parent = child
                }
                k[parent] = key
            }
        }
    }
}

/// An event payload that a small non-negative number can stand for, so that `EventQueue` can
/// keep it in the event's key (`pushInline`).
protocol InlineQueuedPayload {
    /// The payload `value` stands for.
    static func inlined(_ value: Int32) -> Self
}
