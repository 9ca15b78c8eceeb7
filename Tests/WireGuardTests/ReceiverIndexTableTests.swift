@testable import WireGuard
import XCTest

/// `ReceiverIndexTable`, the device's receiver indices: it must answer exactly as the
/// `Dictionary<UInt32, IndexEntry>` it replaced, through any sequence of adds, replacements and
/// removals (removal shifts entries back, so runs that wrap around the end are the risk).
final class ReceiverIndexTableTests: XCTestCase {
    func testEmptyTableFindsNothing() {
        let table = ReceiverIndexTable<Int>()
        XCTAssertTrue(table.isEmpty)
        XCTAssertEqual(table.count, 0)
        XCTAssertNil(table[0])
        XCTAssertNil(table[0xFFFF_FFFF])
    }

    func testAddReplaceRemove() {
        var table = ReceiverIndexTable<String>()
        table[0] = "zero"
        table[7] = "seven"
        XCTAssertEqual(table[0], "zero")
        XCTAssertEqual(table[7], "seven")
        XCTAssertEqual(table.count, 2)
        table[7] = "SEVEN"
        XCTAssertEqual(table[7], "SEVEN")
        XCTAssertEqual(table.count, 2)
        table[0] = nil
        XCTAssertNil(table[0])
        XCTAssertEqual(table[7], "SEVEN")
        table[0] = nil
        XCTAssertEqual(table.count, 1)
        table[7] = nil
        XCTAssertTrue(table.isEmpty)
        XCTAssertNil(table[7])
    }

    /// Random operations over a small key space (many collisions and long runs, wrapping around
    /// the slots' end) and over the whole 32 bits, checked against a Dictionary after each one.
    func testAgreesWithADictionaryThroughRandomOperations() {
        for keySpace in [UInt32(24), UInt32(600), UInt32.max] {
            var random = SeededRandom(seed: UInt64(keySpace), label: "receiver-index-table")
            var table = ReceiverIndexTable<UInt64>()
            var model: [UInt32: UInt64] = [:]
            var keys: [UInt32] = []
            for step in 0..<20_000 {
                let r = random.next()
                let key: UInt32
                if !keys.isEmpty && r % 3 == 0 {
                    key = keys[Int((r >> 8) % UInt64(keys.count))]
                } else {
                    key = UInt32(truncatingIfNeeded: r >> 16) % (keySpace == .max ? .max : keySpace)
                    keys.append(key)
                }
                if (r >> 40) % 5 < 2 {
                    table[key] = nil
                    model[key] = nil
                } else {
                    table[key] = UInt64(step)
                    model[key] = UInt64(step)
                }
                XCTAssertEqual(table.count, model.count)
                XCTAssertEqual(table[key], model[key])
                if step % 97 == 0 {
                    for k in keys { XCTAssertEqual(table[k], model[k], "key \(k) after step \(step)") }
                }
            }
            for k in keys { XCTAssertEqual(table[k], model[k]) }
        }
    }

    /// A table that was full enough to grow, emptied by removals, finds nothing and takes keys again.
    func testEmptiedAfterGrowingTakesKeysAgain() {
        var table = ReceiverIndexTable<Int>()
        for i in 0..<100 { table[UInt32(i) &* 2_654_435_761] = i }
        XCTAssertEqual(table.count, 100)
        for i in 0..<100 { table[UInt32(i) &* 2_654_435_761] = nil }
        XCTAssertTrue(table.isEmpty)
        for i in 0..<100 { XCTAssertNil(table[UInt32(i) &* 2_654_435_761]) }
        table[5] = 5
        XCTAssertEqual(table[5], 5)
    }
}
