@testable import Routing
import XCTest

/// `AllowedIPs` finds a peer's slot by a linear search while few peers own prefixes and by a
/// dictionary past `linearSlotLimit`; either way every query answers the same.
final class AllowedIPsSlotIndexTests: XCTestCase {
    private func prefix(_ text: String) -> IPPrefix {
        (try? IPPrefix(parsing: text)) ?? { XCTFail(text); return (try? IPPrefix(parsing: "0.0.0.0/0"))! }()
    }

    func testQueriesAnswerTheSameBelowAndAboveTheLinearLimit() throws {
        let table = AllowedIPs<String>()
        let peers = (0..<(AllowedIPs<String>.linearSlotLimit + 4)).map { "peer\($0)" }
        for (i, peer) in peers.enumerated() {
            table.insert(prefix("10.0.\(i).0/24"), for: peer)
            table.insert(prefix("10.1.\(i).1/32"), for: peer)
            XCTAssertEqual(table.slotOfPeer == nil, i < AllowedIPs<String>.linearSlotLimit, "after \(i + 1) peers")
            for (j, earlier) in peers[...i].enumerated() {
                XCTAssertEqual(table.prefixes(of: earlier), [prefix("10.0.\(j).0/24"), prefix("10.1.\(j).1/32")])
                XCTAssertEqual(table.lookup(IPAddress.v4(IPv4Address(10, 0, UInt8(j), 9))), earlier)
            }
        }
        // A move between peers, removal of every prefix of one, and a slot reused.
        XCTAssertEqual(table.insertReportingOwner(prefix("10.0.3.0/24"), for: "peer9").previousOwner, "peer3")
        XCTAssertEqual(table.prefixes(of: "peer3"), [prefix("10.1.3.1/32")])
        XCTAssertTrue(table.remove(prefix("10.1.3.1/32"), for: "peer3"))
        XCTAssertFalse(table.hasPrefixes("peer3"))
        table.removeAll(for: "peer5")
        XCTAssertFalse(table.hasPrefixes("peer5"))
        XCTAssertNil(table.lookup(IPAddress.v4(IPv4Address(10, 0, 5, 9))))
        table.insert(prefix("10.9.0.0/16"), for: "late")
        XCTAssertEqual(table.prefixes(of: "late"), [prefix("10.9.0.0/16")])
        XCTAssertEqual(table.lookup(IPAddress.v4(IPv4Address(10, 0, 3, 9))), "peer9")
    }

    func testFewPeersNeedNoDictionaryAndFindEachOther() {
        let table = AllowedIPs<String>()
        table.insert(prefix("0.0.0.0/0"), for: "hub")
        XCTAssertNil(table.slotOfPeer)
        XCTAssertEqual(table.lookup(IPAddress.v4(IPv4Address(192, 0, 2, 1))), "hub")
        XCTAssertFalse(table.remove(prefix("0.0.0.0/0"), for: "other"))
        XCTAssertTrue(table.remove(prefix("0.0.0.0/0"), for: "hub"))
        XCTAssertTrue(table.isEmpty)
        XCTAssertEqual(table.prefixes(of: "hub"), [])
    }

    /// Room reserved before a hub's peers are given (`reservePeerCapacity`): the slot index is
    /// made at once, even below the linear limit, answers as without, and ends with the slot
    /// count growth would have given it (no larger table for the reservation).
    func testReservedSlotIndexAnswersAsWithoutAndIsNoLarger() {
        let reserved = AllowedIPs<String>(), plain = AllowedIPs<String>()
        let peers = (0..<100).map { "peer\($0)" }
        for table in [reserved, plain] { table.insert(prefix("10.0.0.0/24"), for: peers[0]) }
        reserved.reservePeerCapacity(peers.count)
        XCTAssertNotNil(reserved.slotOfPeer)
        XCTAssertEqual(reserved.lookup(IPAddress.v4(IPv4Address(10, 0, 0, 9))), peers[0])
        for table in [reserved, plain] {
            for (i, peer) in peers.enumerated() { table.insert(prefix("10.1.\(i).0/24"), for: peer) }
            table.removeAll(for: peers[7])
        }
        XCTAssertEqual(reserved.slotOfPeer?.slotCount, plain.slotOfPeer?.slotCount)
        for (i, peer) in peers.enumerated() {
            XCTAssertEqual(reserved.prefixes(of: peer), plain.prefixes(of: peer), peer)
            XCTAssertEqual(reserved.lookup(IPAddress.v4(IPv4Address(10, 1, UInt8(i), 1))),
                           plain.lookup(IPAddress.v4(IPv4Address(10, 1, UInt8(i), 1))), peer)
        }
    }
}
