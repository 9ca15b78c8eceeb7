import XCTest
@testable import WireGuard

/// The device's timer heap: one entry per peer, earliest deadline first, ties by peer creation
/// order (the order the kernel's per-peer timers fire in the simulator, behaviour doc §5.2).
final class TimerHeapTests: XCTestCase {
    /// Pops everything, returning (deadline, serial) in order.
    private func drain(_ heap: inout TimerHeap) -> [[Int64]] {
        var out: [[Int64]] = []
        while let top = heap.top {
            out.append([top.deadline, Int64(top.serial)])
            heap.popTop()
        }
        return out
    }

    func testEarliestDeadlineFirstTiesByPeerCreationOrder() {
        var heap = TimerHeap()
        heap.schedule(3, at: 50)
        heap.schedule(0, at: 70)
        heap.schedule(2, at: 50)
        heap.schedule(1, at: 10)
        XCTAssertEqual(drain(&heap), [[10, 1], [50, 2], [50, 3], [70, 0]])
    }

    func testReschedulingMovesThePeersOnlyEntry() {
        var heap = TimerHeap()
        for serial in 0..<6 { heap.schedule(serial, at: Int64(100 + serial)) }
        heap.schedule(4, at: 5)      // earlier: to the top
        heap.schedule(0, at: 1_000)  // later: to the bottom
        heap.schedule(2, at: nil)    // cancelled
        XCTAssertEqual(heap.count, 5)
        XCTAssertEqual(heap.deadline(of: 4), 5)
        XCTAssertNil(heap.deadline(of: 2))
        XCTAssertNil(heap.deadline(of: 99))
        XCTAssertEqual(drain(&heap), [[5, 4], [101, 1], [103, 3], [105, 5], [1_000, 0]])
        XCTAssertNil(heap.deadline(of: 0))
    }

    /// Random operations against a plain list sorted the same way.
    func testMatchesASortedListUnderRandomUpdates() {
        var heap = TimerHeap()
        var model: [Int: Int64] = [:]
        var random = SeededRandom(seed: 7, label: "timer-heap")
        for _ in 0..<5_000 {
            let serial = Int(random.next() % 64)
            switch random.next() % 4 {
            case 0:
                heap.schedule(serial, at: nil)
                model[serial] = nil
            case 1:
                if let top = heap.top {
                    let expected = model.min { ($0.value, $0.key) < ($1.value, $1.key) }
                    XCTAssertEqual(top.deadline, expected?.value)
                    XCTAssertEqual(top.serial, expected?.key)
                    heap.popTop()
                    model[top.serial] = nil
                }
            default:
                let deadline = Int64(random.next() % 1_000)
                heap.schedule(serial, at: deadline)
                model[serial] = deadline
            }
            XCTAssertEqual(heap.count, model.count)
        }
        let expected = model.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map { [$0.value, Int64($0.key)] }
        XCTAssertEqual(drain(&heap), expected)
    }

    /// A one-peer device's heap keeps no position array; another peer's first entry makes it,
    /// with peer 0's entry where it was.
    func testOnePeerFormAndLeavingIt() {
        var heap = TimerHeap()
        heap.schedule(0, at: 40)
        heap.schedule(0, at: 30)
        XCTAssertEqual(heap.deadline(of: 0), 30)
        XCTAssertNil(heap.deadline(of: 1))
        heap.schedule(0, at: nil)
        XCTAssertNil(heap.deadline(of: 0))
        XCTAssertEqual(heap.count, 0)
        heap.schedule(0, at: 20)
        heap.schedule(5, at: 10)
        heap.schedule(3, at: 25)
        XCTAssertEqual(heap.deadline(of: 0), 20)
        XCTAssertEqual(heap.deadline(of: 5), 10)
        heap.schedule(0, at: 5)
        XCTAssertEqual(drain(&heap), [[5, 0], [10, 5], [25, 3]])
        heap.schedule(2, at: 7)
        heap.removeAll()
        XCTAssertNil(heap.deadline(of: 2))
        heap.schedule(0, at: 9)
        heap.schedule(1, at: 8)
        XCTAssertEqual(drain(&heap), [[8, 1], [9, 0]])
    }
}
