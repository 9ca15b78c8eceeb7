@testable import Sim
import WireGuard
import XCTest

/// `EventQueue.popEarliest(placing:)`, the event loop's pop (a payload, not an optional): it
/// gives the events and places `pop(placing:)` gives, in the same order, with pushes between.
final class EventQueuePopEarliestTests: XCTestCase {
    func testPopEarliestGivesWhatPopGivesInTheSameOrder() {
        var plain = EventQueue<String>()
        var earliest = EventQueue<String>()
        var random = SeededRandom(seed: 11, label: "pop-earliest")
        var fromPlain: [(EventKey, String)] = []
        var fromEarliest: [(EventKey, String)] = []
        var clock: Int64 = 0
        for i in 0..<2000 {
            let time = clock + 1 + Int64(random.next() % 200)  // after everything popped so far
            let origin = Int64(random.next() % 5) - 1
            let isDeferred = random.next() % 3 == 0
            plain.push(at: time, "e\(i)", origin: origin, sequence: UInt64(i), deferred: isDeferred)
            earliest.push(at: time, "e\(i)", origin: origin, sequence: UInt64(i), deferred: isDeferred)
            if random.next() % 3 == 0 {
                var key = EventKey(time: 0, origin: 0, sequence: 0)
                if let payload = plain.pop(placing: &key) { fromPlain.append((key, payload)) }
                if earliest.nextTime != nil {
                    var place = EventKey(time: 0, origin: 0, sequence: 0)
                    let payload = earliest.popEarliest(placing: &place)
                    fromEarliest.append((place, payload))
                    clock = place.time
                }
            }
        }
        var key = EventKey(time: 0, origin: 0, sequence: 0)
        while let payload = plain.pop(placing: &key) { fromPlain.append((key, payload)) }
        while earliest.nextTime != nil {
            let payload = earliest.popEarliest(placing: &key)
            fromEarliest.append((key, payload))
        }
        XCTAssertTrue(plain.isEmpty)
        XCTAssertTrue(earliest.isEmpty)
        XCTAssertEqual(fromEarliest.count, 2000)
        XCTAssertEqual(fromEarliest.map(\.0), fromPlain.map(\.0))
        XCTAssertEqual(fromEarliest.map(\.1), fromPlain.map(\.1))
        // Each pop took the earliest place pending: places never go back.
        for (a, b) in zip(fromEarliest, fromEarliest.dropFirst()) { XCTAssertTrue(a.0 < b.0, "\(a.0) then \(b.0)") }
        // An empty queue's optional pop still says so.
        XCTAssertNil(plain.pop(placing: &key))
    }
}
