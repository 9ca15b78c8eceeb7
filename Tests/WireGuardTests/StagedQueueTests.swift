@testable import WireGuard
import XCTest

/// MAX_STAGED_PACKETS and drop-oldest [compat src/device.c `wg_xmit`], behaviour doc §2 step 4.
final class StagedQueueTests: XCTestCase {
    func testDropOldestOnlyWhileMoreThan128AreHeld() {
        var q = StagedQueue<Int>()
        for i in 0..<129 { XCTAssertEqual(q.append(i), [], "no drop while <= 128 are held before appending") }
        XCTAssertEqual(q.count, 129)
        XCTAssertEqual(q.append(129), [0], "steady state is 129: the oldest goes")
        XCTAssertEqual(q.count, 129)
        XCTAssertEqual(q.append(130), [1])
        XCTAssertEqual(q.takeAll(), Array(2...130))
        XCTAssertTrue(q.isEmpty)
    }

    func testPrependKeepsOrderAtTheFront() {
        var q = StagedQueue<Int>()
        _ = q.append(10)
        _ = q.append(11)
        q.prepend([1, 2, 3])
        XCTAssertEqual(q.takeAll(), [1, 2, 3, 10, 11])
    }

    func testRingWrapsAndGrows() {
        var q = StagedQueue<Int>()
        var expected: [Int] = []
        for i in 0..<50 {
            _ = q.append(i); expected.append(i)
            if i % 3 == 0 { XCTAssertEqual(q.popFirst(), expected.removeFirst()) }
        }
        XCTAssertEqual(q.takeAll(), expected)
    }
}
