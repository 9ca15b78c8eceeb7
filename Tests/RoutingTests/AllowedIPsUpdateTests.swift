import Routing
import XCTest

/// `wg set … allowed-ips VALUE` parsing and application (§1.6, §1.11).
final class AllowedIPsUpdateTests: XCTestCase {
    private func apply(_ value: String, _ table: AllowedIPs<String>, _ peer: String) throws {
        try AllowedIPsUpdate(parsing: value).apply(to: table, peer: peer)
    }

    func test_1_11_PlainListReplacesInListOrder() throws {
        let table = AllowedIPs<String>()
        try apply("10.0.0.0/8,192.168.0.0/16", table, "X")
        try apply("172.16.0.0/12, 10.0.0.0/8", table, "X")
        XCTAssertEqual(table.prefixes(of: "X").map(\.description), ["172.16.0.0/12", "10.0.0.0/8"])
        XCTAssertNil(table.lookup(ip("192.168.1.1")))
    }

    func test_1_10_LaterDuplicateInAReplaceMovesToTheTail() throws {
        let table = AllowedIPs<String>()
        try apply("10.0.0.0/8,192.168.0.0/16,10.0.0.0/8", table, "X")
        XCTAssertEqual(table.prefixes(of: "X").map(\.description), ["192.168.0.0/16", "10.0.0.0/8"])
    }

    func test_1_11_ReplaceTakesPrefixesFromOtherPeers() throws {
        let table = AllowedIPs<String>()
        try apply("10.0.0.0/8", table, "Y")
        try apply("10.0.0.0/8,fd00::/8", table, "X")
        XCTAssertEqual(table.prefixes(of: "Y"), [])
        XCTAssertEqual(table.lookup(ip("10.1.1.1")), "X")
    }

    func test_1_11_EmptyValueClearsThePeer() throws {
        let table = AllowedIPs<String>()
        try apply("10.0.0.0/8,fd00::/8", table, "X")
        let clear = try AllowedIPsUpdate(parsing: "")
        XCTAssertTrue(clear.replacesExisting)
        XCTAssertEqual(clear.changes, [])
        clear.apply(to: table, peer: "X")
        XCTAssertEqual(table.prefixes(of: "X"), [])
        XCTAssertTrue(table.isEmpty)
        // Only whitespace counts as empty too: `wg` strips spaces first.
        XCTAssertTrue(try AllowedIPsUpdate(parsing: "  ").changes.isEmpty)
    }

    func test_1_6_AnyPlusOrMinusMakesTheWholeValueIncremental() throws {
        let update = try AllowedIPsUpdate(parsing: "10.0.0.0/8,-192.168.0.1/32,+172.16.0.0/12")
        XCTAssertFalse(update.replacesExisting)
        XCTAssertEqual(update.changes, [.add(prefix("10.0.0.0/8")), .remove(prefix("192.168.0.1/32")),
                                        .add(prefix("172.16.0.0/12"))])
        let table = AllowedIPs<String>()
        try apply("192.168.0.1/32,1.1.1.1/32", table, "P")
        update.apply(to: table, peer: "P")
        XCTAssertEqual(table.prefixes(of: "P").map(\.description), ["1.1.1.1/32", "10.0.0.0/8", "172.16.0.0/12"])
    }

    func test_1_6_CommitMessageExample() throws {
        // `wg set wg0 peer <PUBKEY> allowed-ips +192.168.88.0/24,-192.168.0.1/32`
        let table = AllowedIPs<String>()
        try apply("192.168.0.1/32", table, "K")
        try apply("+192.168.88.0/24,-192.168.0.1/32", table, "K")
        XCTAssertEqual(table.prefixes(of: "K").map(\.description), ["192.168.88.0/24"])
    }

    func test_1_6_MinusRemovesOnlyWhatThisPeerOwns() throws {
        let table = AllowedIPs<String>()
        try apply("10.0.0.0/8", table, "A")
        try apply("-10.0.0.0/8", table, "B")
        XCTAssertEqual(table.lookup(ip("10.0.0.1")), "A")
    }

    func test_1_6_EntriesApplyInOrder() throws {
        let table = AllowedIPs<String>()
        try apply("+10.0.0.0/8,-10.0.0.0/8", table, "A")
        XCTAssertEqual(table.prefixes(of: "A"), [])
        try apply("-10.0.0.0/8,+10.0.0.0/8", table, "A")
        XCTAssertEqual(table.prefixes(of: "A"), [prefix("10.0.0.0/8")])
    }

    func test_1_6_PlusEntryTakesAPrefixFromAnotherPeer() throws {
        let table = AllowedIPs<String>()
        try apply("10.0.0.0/8", table, "A")
        try apply("+10.0.0.0/8", table, "B")
        XCTAssertEqual(table.prefixes(of: "A"), [])
        XCTAssertEqual(table.lookup(ip("10.0.0.1")), "B")
    }

    func test_1_3_HostBitsWarnAsWgDoes() throws {
        let update = try AllowedIPsUpdate(parsing: "10.0.0.1/24,10.1.0.0/16")
        XCTAssertEqual(update.warnings, ["AllowedIP has nonzero host part: 10.0.0.1/24 (the entry is 10.0.0.0/24)"])
        XCTAssertEqual(update.changes, [.add(prefix("10.0.0.0/24")), .add(prefix("10.1.0.0/16"))])
    }

    func testMalformedElementRejectsTheWholeValue() {
        for bad in ["10.0.0.0/8,", ",10.0.0.0/8", "10.0.0.0/33", "+", "-", "+-10.0.0.0/8", "10.0.0.0/8;1.1.1.1",
                    "fd00::/129", "abc", "1.2.3.4/8,::g"] {
            XCTAssertThrowsError(try AllowedIPsUpdate(parsing: bad), bad)
        }
    }

    func testDescriptionRoundTrips() throws {
        for text in ["10.0.0.0/8,fd00::/8", "+10.0.0.0/8,-192.168.0.1/32", ""] {
            let update = try AllowedIPsUpdate(parsing: text)
            XCTAssertEqual(try AllowedIPsUpdate(parsing: update.description), update)
        }
    }
}
