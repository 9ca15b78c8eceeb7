import Routing
import XCTest

/// The table reports the owner an exact prefix is taken from (the kernel moves it, §1.4); an
/// update reports every entry it took, and whether the loser was left with nothing.
final class MoveWarningRoutingTests: XCTestCase {
    private func p(_ text: String) throws -> IPPrefix { try IPPrefix(parsing: text) }

    func testInsertReportsThePreviousOwnerOnlyWhenAnotherPeerHadExactlyThatPrefix() throws {
        let table = AllowedIPs<String>()
        XCTAssertEqual(table.insertReportingOwner(try p("10.0.0.0/24"), for: "a").previousOwner, nil)
        XCTAssertEqual(table.insertReportingOwner(try p("10.0.0.0/24"), for: "a").previousOwner, nil, "already a's")
        XCTAssertEqual(table.insertReportingOwner(try p("10.0.0.0/16"), for: "b").previousOwner, nil, "a different prefix")
        XCTAssertEqual(table.insertReportingOwner(try p("10.0.0.9/24"), for: "b").previousOwner, "a", "host bits ignored")
        XCTAssertFalse(table.hasPrefixes("a"))
        XCTAssertEqual(table.prefixes(of: "b"), [try p("10.0.0.0/16"), try p("10.0.0.0/24")])
    }

    func testAnUpdateReportsEachEntryTakenAndSaysOnceWhenTheLoserIsLeftEmpty() throws {
        let table = AllowedIPs<String>()
        AllowedIPsUpdate(replacingWith: [try p("10.1.0.0/16"), try p("10.2.0.0/16")]).apply(to: table, peer: "a")
        AllowedIPsUpdate(replacingWith: [try p("10.3.0.0/16")]).apply(to: table, peer: "c")
        let moves = try AllowedIPsUpdate(parsing: "10.1.0.0/16, 10.2.0.0/16, 10.3.0.0/16, 10.4.0.0/16").apply(to: table, peer: "b")
        XCTAssertEqual(moves, [
            AllowedIPsMove(prefix: try p("10.1.0.0/16"), previousOwner: "a", previousOwnerLeftEmpty: false),
            AllowedIPsMove(prefix: try p("10.2.0.0/16"), previousOwner: "a", previousOwnerLeftEmpty: true),
            AllowedIPsMove(prefix: try p("10.3.0.0/16"), previousOwner: "c", previousOwnerLeftEmpty: true),
        ])
        // Taking back one of its own entries after a replace is no move; a partial take leaves the loser some.
        XCTAssertEqual(try AllowedIPsUpdate(parsing: "10.1.0.0/16,10.2.0.0/16").apply(to: table, peer: "b"), [])
        XCTAssertEqual(try AllowedIPsUpdate(parsing: "+10.1.0.0/16").apply(to: table, peer: "a"),
                       [AllowedIPsMove(prefix: try p("10.1.0.0/16"), previousOwner: "b", previousOwnerLeftEmpty: false)])
    }

    func testTheHostBitsWarningNamesTheEntryItReallyIs() throws {
        XCTAssertEqual(AllowedIPsUpdate.hostBitsWarning("10.10.5.7/16", prefix: try p("10.10.5.7/16")),
                       "AllowedIP has nonzero host part: 10.10.5.7/16 (the entry is 10.10.0.0/16)")
        XCTAssertNil(AllowedIPsUpdate.hostBitsWarning("10.10.0.0/16", prefix: try p("10.10.0.0/16")))
        XCTAssertEqual(try AllowedIPsUpdate(parsing: "+2001:db8::1/64").warnings,
                       ["AllowedIP has nonzero host part: 2001:db8::1/64 (the entry is 2001:db8::/64)"])
    }
}
