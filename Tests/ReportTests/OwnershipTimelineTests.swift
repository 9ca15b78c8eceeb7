@testable import Report
import Routing
import XCTest

final class OwnershipTimelineTests: XCTestCase {
    typealias F = DrawFixtures

    func testSpansAndMovesFollowTheTables() {
        let snapshot = F.seedSnapshot
        let server = snapshot.ownershipSpans.filter { $0.node == "server" }
        XCTAssertEqual(server.map { "\($0.prefix) \($0.owner) \($0.fromT)-\($0.toT)" }, [
            "192.168.32.0/24 ABCD 5000000000-600000000000",
            "192.168.32.19/32 ABCD 0-1000000000",
            "192.168.32.19/32 EFGH 1000000000-600000000000",
        ])
        XCTAssertEqual(snapshot.moves, [OwnershipMove(node: "server", prefix: F.prefix("192.168.32.19/32"), from: "ABCD", to: "EFGH",
                                                      t: 1_000_000_000)])
        XCTAssertEqual(snapshot.owners, ["ABCD", "server", "EFGH"])
    }

    func testWindowEndsAfterTheLastActivityNotAtTheIdleEnd() {
        XCTAssertEqual(OwnershipTimeline.window(F.seedSnapshot), 9_000_000_000)
        XCTAssertEqual(OwnershipTimeline.tickStep(9_000_000_000), 1_000_000_000)
        XCTAssertEqual(OwnershipTimeline.tickStep(28_000_000_000), 5_000_000_000)
        XCTAssertEqual(OwnershipTimeline.tickStep(3_000_000), 500_000)
    }

    func testTextRowsUseOwnerLettersAndNameTheMove() {
        XCTAssertEqual(OwnershipTimeline.text(F.seedSnapshot, cells: 18), """
            seed: allowed-IPs owners over time, 0s to 9s
                                     0s              9s
            server 192.168.32.19/32 |AACCCCCCCCCCCCCCCC| 0s ABCD, 1s EFGH (moved from ABCD)
            server 192.168.32.0/24  |··········AAAAAAAA| 5s ABCD
            ABCD 192.168.0.0/16     |BBBBBBBBBBBBBBBBBB| 0s server
            EFGH 192.168.0.0/16     |BBBBBBBBBBBBBBBBBB| 0s server
            A = ABCD, B = server, C = EFGH

            """)
        XCTAssertEqual(OwnershipTimeline.text(F.seedSnapshot, node: "ABCD", cells: 4), """
            seed: allowed-IPs owners over time, 0s to 9s
                                 0s 9s
            ABCD 192.168.0.0/16 |BBBB| 0s server
            B = server

            """)
    }

    func testSVGHasOneSpanPerStretchAndAMoveMark() throws {
        let svg = try DrawnPicture.parse(OwnershipTimeline.svg(F.seedSnapshot, standalone: true))
        XCTAssertEqual(svg.attributes["class"], "timeline")
        let spans = svg.find("rect", class: "owner-span")
        XCTAssertEqual(spans.count, 5)
        let moved = spans.filter { $0.attributes["data-prefix"] == "192.168.32.19/32" }
        XCTAssertEqual(moved.map { $0.attributes["data-owner"] }, ["ABCD", "EFGH"])
        XCTAssertEqual(moved.map { $0.attributes["data-from-t"] }, ["0", "1000000000"])
        XCTAssertEqual(moved.map { $0.attributes["data-to-t"] }, ["1000000000", "600000000000"])
        XCTAssertEqual(moved.first?.attributes["data-node"], "server")
        let move = try XCTUnwrap(svg.find("g", class: "move").first)
        XCTAssertEqual(move.attributes["data-prefix"], "192.168.32.19/32")
        XCTAssertEqual(move.attributes["data-from"], "ABCD")
        XCTAssertEqual(move.attributes["data-to"], "EFGH")
        XCTAssertEqual(move.attributes["data-t"], "1000000000")
        XCTAssertEqual(move.find("path", class: "").count, 0)
        XCTAssertEqual(move.children.filter { $0.name == "path" }.count, 2, "a diamond in both owners' colours")
        XCTAssertTrue(svg.allText.contains("EFGH (from ABCD)"))
    }

    func testRowsWithAMoveComeFirstWithinTheirNode() {
        XCTAssertEqual(OwnershipTimeline.rowsOf(F.seedSnapshot).map { "\($0.node) \($0.prefix)" },
                       ["server 192.168.32.19/32", "server 192.168.32.0/24", "ABCD 192.168.0.0/16", "EFGH 192.168.0.0/16"])
    }

    func testRowsBeyondTheLimitAreCountedNotDrawn() throws {
        let svg = try DrawnPicture.parse(OwnershipTimeline.svg(F.seedSnapshot, limit: 2))
        XCTAssertEqual(Set(svg.find("g", class: "row").map { $0.attributes["data-prefix"] ?? "" }).count, 2)
        XCTAssertEqual(svg.find("text", class: "omitted").first?.text, "2 more rows left out (of 4)")
    }
}
