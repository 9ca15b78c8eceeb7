@testable import Routing
import XCTest

/// `PositionTable`: positions found through the caller's own keys give the answers a dictionary
/// of the same keys gives, through growth and removals (the entries after a removed one shift
/// back, so none is lost behind the hole).
final class PositionTableTests: XCTestCase {
    func testLookupsInsertionsAndRemovalsAgreeWithADictionary() {
        // Keys read back through this array: position i holds keys[i].
        var keys: [String] = []
        var table = PositionTable()
        var reference: [String: Int] = [:]
        var random = SystemRandomNumberGenerator()
        for step in 0..<6000 {
            let key = "n\(Int.random(in: 0..<900, using: &random))"
            let all = keys
            if reference[key] == nil, step % 3 != 2 {
                keys.append(key)
                let now = keys
                table.insert(keys.count - 1, key: key) { now[$0] }
                reference[key] = keys.count - 1
            } else if let position = reference[key] {
                table.remove(key) { all[$0] }
                reference[key] = nil
                // A removed position's key is never read again; give it one no lookup asks for.
                keys[position] = "removed \(position)"
            }
            XCTAssertEqual(table.count, reference.count)
            if step % 97 == 0 {
                let now = keys
                for probe in 0..<900 {
                    XCTAssertEqual(table.position(of: "n\(probe)") { now[$0] }, reference["n\(probe)"], "n\(probe) at step \(step)")
                }
            }
        }
    }

    func testAnEmptyTableFindsNothingAndRemovesNothing() {
        var table = PositionTable()
        XCTAssertNil(table.position(of: 3) { $0 })
        table.remove(3) { $0 }
        XCTAssertEqual(table.count, 0)
    }

    func testReservedRoomHoldsTheKeysWithoutLosingAny() {
        let keys = (0..<1000).map { "node\($0)" }
        var table = PositionTable()
        table.reserveCapacity(10) { keys[$0] }
        for i in keys.indices { table.insert(i, key: keys[i]) { keys[$0] } }
        table.reserveCapacity(5000) { keys[$0] }
        for i in keys.indices { XCTAssertEqual(table.position(of: keys[i]) { keys[$0] }, i) }
        XCTAssertNil(table.position(of: "node1000") { keys[$0] })
    }

    /// `insertUnlessPresent` inserts a new key (as `insert`) and answers a held one's position
    /// without changing the table (as `position(of:)`), through growth.
    func testInsertUnlessPresentIsALookupAndAnInsertion() {
        var keys: [String] = []
        var table = PositionTable()
        var reference: [String: Int] = [:]
        var state: UInt64 = 99
        for _ in 0..<5000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let key = "k\((state >> 33) % 1500)"
            keys.append(key)
            let now = keys
            let held = table.insertUnlessPresent(keys.count - 1, key: key) { now[$0] }
            XCTAssertEqual(held, reference[key], key)
            if held == nil { reference[key] = keys.count - 1 }
            XCTAssertEqual(table.count, reference.count)
        }
        let all = keys
        for (key, position) in reference { XCTAssertEqual(table.position(of: key) { all[$0] }, position) }
    }
}

/// `update` puts a position under a key whether or not the table holds the key: the answers
/// are a dictionary's after `reference[key] = position`, through growth from an empty table.
final class PositionTableUpdateTests: XCTestCase {
    func testUpdateReplacesAHeldPositionAndAddsANewKey() {
        // Position p holds the key keys[p]; several positions share a key, the last one updated wins.
        var random = SystemRandomNumberGenerator()
        let keys = (0..<3000).map { _ in "k\(Int.random(in: 0..<700, using: &random))" }
        var table = PositionTable()
        var reference: [String: Int] = [:]
        for p in keys.indices {
            table.update(p, key: keys[p]) { keys[$0] }
            reference[keys[p]] = p
            XCTAssertEqual(table.count, reference.count)
        }
        for probe in 0..<700 {
            XCTAssertEqual(table.position(of: "k\(probe)") { keys[$0] }, reference["k\(probe)"], "k\(probe)")
        }
        // An earlier position under a held key: it replaces the later one too.
        let key = keys[2999]
        let first = keys.firstIndex(of: key)!
        table.update(first, key: key) { keys[$0] }
        XCTAssertEqual(table.position(of: key) { keys[$0] }, first)
        XCTAssertEqual(table.count, reference.count)
    }
}
