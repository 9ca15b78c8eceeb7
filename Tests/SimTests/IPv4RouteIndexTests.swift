import NetAddress
import Routing
@testable import Sim
import WireGuard
import XCTest

/// The IPv4 route index (open addressing) and the route table's lookups through it agree with a
/// plain scan of the routes.
final class IPv4RouteIndexTests: XCTestCase {
    /// Many prefixes (growing the table several times), several routes for some: every prefix
    /// gives back exactly its routes, in the order they were added, and absent ones give none.
    func testEveryPrefixGivesItsRoutesInOrder() {
        var random = SeededRandom(seed: 3, label: "route-index")
        var index = IPv4RouteIndex()
        var expected: [UInt64: [Int]] = [:]
        var keys: [UInt64] = []
        for position in 0..<3000 {
            let key: UInt64
            if position % 7 == 6 {
                key = keys[Int(random.next() % UInt64(keys.count))]   // a prefix again (another metric or table)
            } else {
                let length = Int(random.next() % 33)
                key = UInt64(length) << 32 | UInt64(IPv4RouteIndex.masked(UInt32(truncatingIfNeeded: random.next()), length))
                if expected[key] == nil { keys.append(key) }
            }
            index.insert(length: Int(key >> 32), network: UInt32(key & 0xffff_ffff), position: position)
            expected[key, default: []].append(position)
        }
        for (key, positions) in expected {
            var found: [Int] = []
            index.forEachRoute(length: Int(key >> 32), network: UInt32(key & 0xffff_ffff)) { found.append($0); return true }
            XCTAssertEqual(found, positions, "prefix \(key)")
        }
        XCTAssertEqual(index.lengths, Set(expected.keys.map { Int($0 >> 32) }).sorted(by: >))
        var none: [Int] = []
        for _ in 0..<500 {
            let network = UInt32(truncatingIfNeeded: random.next()) | 1   // host bits set: never a stored /31 or shorter
            guard expected[UInt64(31) << 32 | UInt64(network)] == nil else { continue }
            index.forEachRoute(length: 31, network: network) { none.append($0); return true }
        }
        XCTAssertEqual(none, [])
    }

    /// Stopping early stops: the body's `false` ends the walk over a prefix's routes.
    func testAWalkStopsWhenTheBodySaysSo() {
        var index = IPv4RouteIndex()
        for position in 0..<4 { index.insert(length: 24, network: 0x0A00_0100, position: position) }
        var seen: [Int] = []
        index.forEachRoute(length: 24, network: 0x0A00_0100) { seen.append($0); return seen.count < 2 }
        XCTAssertEqual(seen, [0, 1])
    }

    /// The table's lookup (through the index) chooses what a scan of every route chooses: the
    /// longest prefix, then the lowest metric, then the earliest added, in the main table.
    func testLookupAgreesWithAScanOfTheRoutes() throws {
        var random = SeededRandom(seed: 11, label: "route-lookup")
        var table = HostRouteTable()
        var routes: [RouteSpec] = []
        for _ in 0..<400 {
            let length = Int(random.next() % 4) * 8 + Int(random.next() % 2) * 4   // 0, 4, 8, …, 28
            let raw = UInt32(0x0A00_0000) | UInt32(truncatingIfNeeded: random.next() % 0x0004_0000)
            let prefix = try IPPrefix(address: .v4(IPv4Address(IPv4RouteIndex.masked(raw, length))), length: length)
            let spec = RouteSpec(prefix: prefix, device: random.next() % 2 == 0 ? "wg0" : "eth0",
                                 metric: Int(random.next() % 3), table: random.next() % 5 == 0 ? 51820 : nil)
            if (try? table.add(spec)) != nil { routes.append(spec) }
        }
        for _ in 0..<2000 {
            let address = IPAddress.v4(IPv4Address(UInt32(0x0A00_0000) | UInt32(truncatingIfNeeded: random.next() % 0x0004_0000)))
            let scanned = routes.enumerated()
                .filter { $0.element.table == nil && $0.element.prefix.contains(address) }
                .min { a, b in
                    if a.element.prefix.length != b.element.prefix.length { return a.element.prefix.length > b.element.prefix.length }
                    if (a.element.metric ?? 0) != (b.element.metric ?? 0) { return (a.element.metric ?? 0) < (b.element.metric ?? 0) }
                    return a.offset < b.offset
                }
            XCTAssertEqual(table.lookup(address)?.spec, scanned?.element, "\(address)")
            XCTAssertEqual(table.lookupPosition(address).map { table.entries[$0].spec }, scanned?.element)
        }
    }
}
