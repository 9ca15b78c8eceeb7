@testable import Sim
import WireGuard
import XCTest

/// The engine's agenda: docs/architecture.md "Determinism": events at the same instant run in the order they were scheduled.
final class EventQueueTests: XCTestCase {
    func testEventsComeOutInTimeOrder() {
        var queue = EventQueue<Int>()
        var random = SeededRandom(seed: 3, label: "queue-test")
        var expected: [(Int64, Int)] = []
        for i in 0..<2000 {
            let time = Int64(random.next() % 500)
            queue.push(at: time, i)
            expected.append((time, i))
        }
        // Stable sort by time = (time, scheduling order).
        let sorted = expected.enumerated().sorted { a, b in
            a.element.0 != b.element.0 ? a.element.0 < b.element.0 : a.offset < b.offset
        }.map(\.element)
        var popped: [(Int64, Int)] = []
        while let (time, value) = queue.pop() { popped.append((time, value)) }
        XCTAssertEqual(popped.map(\.0), sorted.map(\.0))
        XCTAssertEqual(popped.map(\.1), sorted.map(\.1))
    }

    func testTiesRunInSchedulingOrderEvenWhenInterleavedWithPops() {
        var queue = EventQueue<String>()
        queue.push(at: 10, "a")
        queue.push(at: 5, "first")
        queue.push(at: 10, "b")
        XCTAssertEqual(queue.pop()?.payload, "first")
        queue.push(at: 10, "c")
        queue.push(at: 7, "d")
        XCTAssertEqual(queue.pop()?.payload, "d")
        XCTAssertEqual(queue.pop()?.payload, "a")
        XCTAssertEqual(queue.pop()?.payload, "b")
        XCTAssertEqual(queue.pop()?.payload, "c")
        XCTAssertNil(queue.pop())
        XCTAssertTrue(queue.isEmpty)
    }

    /// The deferred lane (timer wake-ups) changes where an event waits, never the order.
    func testDeferredEventsMergeInTimeThenSchedulingOrder() {
        var queue = EventQueue<Int>()
        var random = SeededRandom(seed: 5, label: "queue-lanes")
        var expected: [(time: Int64, value: Int)] = []
        var popped: [(time: Int64, value: Int)] = []
        for i in 0..<3000 {
            if random.next() % 4 == 0, let (time, value) = queue.pop() { popped.append((time, value)) }
            let time = Int64(popped.last?.time ?? 0) + Int64(random.next() % 300)
            queue.push(at: time, i, deferred: random.next() % 3 == 0)
            expected.append((time, i))
        }
        while let (time, value) = queue.pop() { popped.append((time, value)) }
        XCTAssertTrue(queue.isEmpty)
        // Every pop took the earliest pending (time, scheduling order): times never go back, and
        // equal times come out in scheduling order.
        for (a, b) in zip(popped, popped.dropFirst()) {
            XCTAssertTrue(a.time < b.time || (a.time == b.time && a.value < b.value), "\(a) then \(b)")
        }
        XCTAssertEqual(popped.map(\.value).sorted(), expected.map(\.value))
    }

    /// The in-order lane (keys pushed no earlier than its last: arrivals over links of one
    /// latency) changes where an event waits, never the order: every pop is the earliest pending
    /// key of all lanes, with thousands in flight (the lane's storage compacted on the way), ties
    /// at one time broken by origin, and pushes that fall before the lane's last.
    func testInOrderArrivalsMergeWithEveryOtherLaneInKeyOrder() {
        var queue = EventQueue<Int>()
        var random = SeededRandom(seed: 9, label: "queue-in-order")
        // What is pending, sorted by key (the reference: a pop must give its first).
        var pending: [(key: EventKey, value: Int)] = []
        var sequence: UInt64 = 0
        var now: Int64 = 0
        func popAndCheck() {
            guard let (popped, value) = queue.popKeyed() else { return XCTFail("an event was pending") }
            let earliest = pending.removeFirst()
            XCTAssertEqual(popped, earliest.key)
            XCTAssertEqual(value, earliest.value)
            now = max(now, popped.time)
        }
        for i in 0..<40_000 {
            let kind = random.next() % 8
            let time: Int64
            switch kind {
            case 0...3: time = now + 1_000   // an arrival one latency later: in order
            case 4, 5: time = now + Int64(random.next() % 3)   // due now or soon: before the in-order lane's last
            case 6: time = now + 1_000 - Int64(random.next() % 5)   // a little before the last arrival
            default: time = now + 1_000_000 + Int64(random.next() % 1000)   // a timer, deferred
            }
            let origin = Int64(random.next() % 4)
            sequence += 1
            let key = EventKey(time: time, origin: origin, sequence: sequence)
            queue.push(at: time, i, origin: origin, sequence: sequence, deferred: kind == 7)
            var low = 0, high = pending.count
            while low < high {
                let middle = (low + high) / 2
                if pending[middle].key < key { low = middle + 1 } else { high = middle }
            }
            pending.insert((key, i), at: low)
            // Two pops for three pushes at first, so that thousands wait at once; then one each.
            if i >= 20_000 || i % 3 != 0 { popAndCheck() }
        }
        XCTAssertGreaterThan(queue.count, 5000, "thousands wait at once")
        XCTAssertEqual(queue.count, pending.count)
        while !pending.isEmpty { popAndCheck() }
        XCTAssertTrue(queue.isEmpty)
        XCTAssertNil(queue.nextTime)
        XCTAssertNil(queue.popKeyed())
    }

    func testSlotsAreReusedWithoutMixingPayloads() {
        var queue = EventQueue<Int>()
        for round in 0..<50 {
            queue.push(at: Int64(round), round * 2)
            queue.push(at: Int64(round), round * 2 + 1)
            XCTAssertEqual(queue.pop()?.payload, round * 2)
            XCTAssertEqual(queue.pop()?.payload, round * 2 + 1)
        }
        XCTAssertEqual(queue.count, 0)
    }

    func testSimulationRunsActionsAtOneInstantInSchedulingOrder() throws {
        let sim = try SimTestNetwork.pair()
        for port in [11, 7, 3] {
            sim.schedule(at: SimTestNetwork.second, .send(node: "client", packet: InnerPacketSpec(
                destination: SimTestNetwork.address("10.0.0.1"), proto: .udp, destinationPort: UInt16(port), size: 8)))
        }
        sim.run(until: SimTestNetwork.second)
        let routed = sim.decisions.filter { $0.action == .routedToWG }.compactMap(\.packet)
        // UDP destination port sits at bytes 22-23 of an option-less IPv4 packet.
        XCTAssertEqual(routed.map { Int($0[22]) << 8 | Int($0[23]) }, [11, 7, 3])
    }

    func testRunUntilStopsAtTheGivenTimeAndCanContinue() throws {
        let sim = try SimTestNetwork.pair()
        SimTestNetwork.ping(sim, from: "client", to: "10.0.0.1", at: 1, count: 3)
        sim.run(until: 2 * SimTestNetwork.second - 1)
        XCTAssertEqual(SimTestNetwork.count(sim, node: "server", "delivered"), 1)
        XCTAssertEqual(sim.now, 2 * SimTestNetwork.second - 1)
        sim.run(until: 10 * SimTestNetwork.second)
        XCTAssertEqual(SimTestNetwork.count(sim, node: "server", "delivered"), 3)
        XCTAssertTrue(sim.decisions.allSatisfy { $0.t <= 10 * SimTestNetwork.second })
    }

    func testHoursOfIdleSimulatedTimeRunInstantly() throws {
        let sim = try SimTestNetwork.pair()
        sim.schedule(at: 0, .wgSet(node: "client", peer: .node("server"), allowedIPs: nil, endpoint: nil,
                                   persistentKeepalive: 25, presharedKey: nil, remove: false))
        // Four simulated hours of persistent keepalives every 25 s.
        sim.run(until: 4 * 3600 * SimTestNetwork.second)
        // One persistent keepalive per 25 s idle (14400 / 25 = 576), plus the key-confirming
        // keepalive after each rekey the keepalives themselves trigger every ~125 s.
        let keepalives = SimTestNetwork.count(sim, node: "client", "keepalive-sent")
        let rekeys = SimTestNetwork.count(sim, node: "client", "rekey")
        // The run is deterministic, so the counts are exact: 14400 s / ~125 s per rekey = 115
        // rekeys, and exactly one confirming keepalive for each.
        XCTAssertEqual(rekeys, 115)
        XCTAssertEqual(keepalives, 576 + 115)
    }

    /// A payload kept in its key (`pushInline`) comes out at the place a slotted one would, in
    /// both lanes, interleaved with ordinary payloads.
    func testInlinePayloadsKeepTheirPlaceAmongSlottedOnes() {
        var random = SeededRandom(seed: 9, label: "inline-queue-test")
        var inline = EventQueue<Item>(), slotted = EventQueue<Item>()
        for sequence in 0..<3000 as Range<UInt64> {
            let time = Int64(random.next() % 200)
            let origin = Int64(random.next() % 5)
            let deferred = random.next() % 3 == 0
            if random.next() % 2 == 0 {
                let value = Int32(random.next() % 1_000_000)
                inline.pushInline(at: time, value, origin: origin, sequence: sequence, deferred: deferred)
                slotted.push(at: time, .small(Int(value)), origin: origin, sequence: sequence, deferred: deferred)
            } else {
                inline.push(at: time, .large("e\(sequence)"), origin: origin, sequence: sequence, deferred: deferred)
                slotted.push(at: time, .large("e\(sequence)"), origin: origin, sequence: sequence, deferred: deferred)
            }
            if random.next() % 4 == 0 {
                let a = inline.popKeyed(), b = slotted.popKeyed()
                XCTAssertEqual(a?.key, b?.key)
                XCTAssertEqual(a?.payload, b?.payload)
            }
        }
        XCTAssertEqual(inline.count, slotted.count)
        while let b = slotted.popKeyed() {
            let a = inline.popKeyed()
            XCTAssertEqual(a?.key, b.key)
            XCTAssertEqual(a?.payload, b.payload)
        }
        XCTAssertNil(inline.popKeyed())
    }

    /// The event loop's `pop(placing:)` yields the keys and payloads `popKeyed` does, in the same
    /// order, for slotted and inline payloads in both lanes, and nil (key untouched) when empty.
    func testPopPlacingTheKeyMatchesPopKeyed() {
        var random = SeededRandom(seed: 11, label: "pop-placing-test")
        var placing = EventQueue<Item>(), keyed = EventQueue<Item>()
        var key = EventKey(time: 0, origin: 0, sequence: 0)
        var popped = 0
        for sequence in 0..<2000 as Range<UInt64> {
            let time = Int64(random.next() % 100)
            let origin = Int64(random.next() % 4)
            let deferred = random.next() % 3 == 0
            if random.next() % 2 == 0 {
                let value = Int32(random.next() % 1000)
                placing.pushInline(at: time, value, origin: origin, sequence: sequence, deferred: deferred)
                keyed.pushInline(at: time, value, origin: origin, sequence: sequence, deferred: deferred)
            } else {
                placing.push(at: time, .large("e\(sequence)"), origin: origin, sequence: sequence, deferred: deferred)
                keyed.push(at: time, .large("e\(sequence)"), origin: origin, sequence: sequence, deferred: deferred)
            }
            if random.next() % 3 == 0, let expected = keyed.popKeyed() {
                XCTAssertEqual(placing.pop(placing: &key), expected.payload)
                XCTAssertEqual(key, expected.key)
                popped += 1
            }
        }
        while let expected = keyed.popKeyed() {
            XCTAssertEqual(placing.pop(placing: &key), expected.payload)
            XCTAssertEqual(key, expected.key)
            popped += 1
        }
        XCTAssertEqual(popped, 2000)
        let last = key
        XCTAssertNil(placing.pop(placing: &key))
        XCTAssertEqual(key, last, "an empty queue leaves the key as it was")
    }
}

extension EventQueueTests {
    /// The queue owns its payloads' memory: every payload pushed is destroyed exactly once,
    /// whether it was popped (then by its taker) or still queued when the queue went away, in
    /// every lane and across the slots' growth and reuse.
    func testEveryPayloadIsDestroyedOnceWhetherPoppedOrLeftQueued() {
        let counter = LifeCounter()
        var random = SeededRandom(seed: 11, label: "queue-payload-lives")
        var popped: [Tracked] = []
        do {
            var queue = EventQueue<Tracked>()
            for i in 0..<3000 {
                let time = Int64(random.next() % 1000)
                // In order (inOrder lane), out of order (near) and deferred pushes.
                queue.push(at: i % 3 == 0 ? Int64(i) : time, Tracked(i, counter), deferred: i % 5 == 0)
                if i % 4 == 0, let (_, payload) = queue.pop() { popped.append(payload) }
            }
            XCTAssertEqual(counter.alive, 3000)
            for _ in 0..<500 { if let (_, payload) = queue.pop() { popped.append(payload) } }
            XCTAssertEqual(Set(popped.map(\.value)).count, popped.count, "no payload popped twice")
        }
        XCTAssertEqual(counter.alive, popped.count, "the payloads left queued went with the queue")
        popped.removeAll()
        XCTAssertEqual(counter.alive, 0)
        XCTAssertEqual(counter.made, 3000)
    }
}

private final class LifeCounter {
    var alive = 0
    var made = 0
}

private final class Tracked {
    let value: Int
    let counter: LifeCounter
    init(_ value: Int, _ counter: LifeCounter) {
        self.value = value
        self.counter = counter
        counter.alive += 1
        counter.made += 1
    }
    deinit { counter.alive -= 1 }
}

/// A payload that the queue may keep in its key (`small`) or in a slot (`large`), for the tests
/// that compare the two ways of queueing.
private enum Item: InlineQueuedPayload, Equatable {
    case small(Int)
    case large(String)
    static func inlined(_ value: Int32) -> Item { .small(Int(value)) }
}
