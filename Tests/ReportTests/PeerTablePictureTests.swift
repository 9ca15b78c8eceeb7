@testable import Report
import Routing
import XCTest

final class PeerTablePictureTests: XCTestCase {
    typealias F = DrawFixtures

    func testTextShowsTreeBarsWithCarveOutAndLegend() {
        let text = PeerTablePicture.text(F.seedTableAt5s, colours: F.colours, matched: F.prefix("192.168.32.19/32"), cells: 32)
        XCTAssertEqual(text, """
            server wg0 at 5s
            wg0
            └── 192.168.32.0/24 ABCD
                └── 192.168.32.19/32 EFGH ◀ matched

            192.168.32.0/24  |AAcAAAAAAAAAAAAAAAAAAAAAAAAAAAAA| ABCD; carved out: 192.168.32.19/32 EFGH
            192.168.32.19/32 |CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC| EFGH
            A = ABCD, C = EFGH; lower case: a narrower entry's range, carved out

            """)
    }

    func testTreeTextDrawsSiblingsAndDeeperLevels() {
        let table = PeerTableSnapshot(node: "hub", t: 0, entries: [
            PeerTableEntry(prefix: F.prefix("10.0.0.0/8"), owner: "a"),
            PeerTableEntry(prefix: F.prefix("10.1.0.0/16"), owner: "b"),
            PeerTableEntry(prefix: F.prefix("10.1.2.0/24"), owner: "c"),
            PeerTableEntry(prefix: F.prefix("10.2.0.0/16"), owner: "b", movedFrom: "a"),
            PeerTableEntry(prefix: F.prefix("fd00::/64"), owner: "a"),
        ], decisionIndex: nil)
        XCTAssertEqual(PeerTablePicture.treeText(table), """
            wg0
            ├── 10.0.0.0/8 a
            │   ├── 10.1.0.0/16 b
            │   │   └── 10.1.2.0/24 c
            │   └── 10.2.0.0/16 b (moved from a)
            └── fd00::/64 a

            """)
    }

    func testEmptyTableSaysSo() {
        let table = PeerTableSnapshot(node: "x", t: 0, entries: [], decisionIndex: nil)
        XCTAssertEqual(PeerTablePicture.text(table, colours: F.colours), "x wg0 at 0s (set-up)\nwg0 (no allowed IPs)\n")
        XCTAssertNoThrow(try DrawnPicture.parse(PeerTablePicture.svg(table, colours: F.colours)))
    }

    /// The seed lesson at 5 s: the .19 carve-out in EFGH's colour inside ABCD's /24 bar.
    func testFigureHasTreeAndBarsWithTheCarveOutInTheNarrowerOwnersColour() throws {
        let figure = try DrawnPicture.parse(PeerTablePicture.figure(F.seedTableAt5s, colours: F.colours))
        XCTAssertEqual(figure.name, "figure")
        XCTAssertEqual(figure.attributes["class"], "peer-table")
        XCTAssertEqual(figure.attributes["data-node"], "server")
        XCTAssertEqual(figure.attributes["data-t"], "5000000000")
        let tree = try XCTUnwrap(figure.find("svg", class: "prefix-tree").first)
        let prefixes = tree.find("g", class: "prefix")
        XCTAssertEqual(prefixes.map { $0.attributes["data-prefix"] }, ["192.168.32.0/24", "192.168.32.19/32"])
        XCTAssertEqual(prefixes.map { $0.attributes["data-owner"] }, ["ABCD", "EFGH"])
        XCTAssertEqual(tree.find("path", class: "edge").count, 2, "an edge from wg0 to the /24 and from the /24 to the /32")
        let bars = try XCTUnwrap(figure.find("svg", class: "address-bars").first)
        XCTAssertEqual(bars.find("rect", class: "range").map { $0.attributes["data-owner"] }, ["ABCD", "EFGH"])
        let carved = try XCTUnwrap(bars.find("rect", class: "carved").first)
        XCTAssertEqual(carved.attributes["data-prefix"], "192.168.32.19/32")
        XCTAssertEqual(carved.attributes["data-within"], "192.168.32.0/24")
        XCTAssertEqual(carved.attributes["fill"], F.colours.colour(of: "EFGH"))
        XCTAssertNotEqual(F.colours.colour(of: "EFGH"), F.colours.colour(of: "ABCD"))
        // .19 of 256 addresses: 19/256 of the 400-pixel bar from its start.
        let range = try XCTUnwrap(bars.find("rect", class: "range").first)
        let start = try XCTUnwrap(Double(range.attributes["x"] ?? "")), x = try XCTUnwrap(Double(carved.attributes["x"] ?? ""))
        XCTAssertEqual(x - start, 400 * 19 / 256, accuracy: 0.01)
        XCTAssertTrue(bars.allText.contains("carved out: 192.168.32.19/32 EFGH"), "the carve-out is named in words too")
    }

    func testMovedEntryCarriesClassAndPreviousOwner() throws {
        let svg = try DrawnPicture.parse(PeerTablePicture.svg(F.seedTableAt1s, colours: F.colours))
        let moved = try XCTUnwrap(svg.find("g", class: "prefix").first)
        XCTAssertTrue(moved.classes.contains("moved"))
        XCTAssertEqual(moved.attributes["data-from"], "ABCD")
        XCTAssertEqual(moved.attributes["data-owner"], "EFGH")
        XCTAssertTrue(moved.allText.contains("moved from ABCD"))
        XCTAssertEqual(svg.find("rect", class: "range").first?.attributes["data-from"], "ABCD")
    }

    func testMatchedEntryIsMarkedAndOutputIsDeterministic() throws {
        let a = PeerTablePicture.svg(F.seedTableAt5s, colours: F.colours, matched: F.prefix("192.168.32.0/24"))
        XCTAssertEqual(a, PeerTablePicture.svg(F.seedTableAt5s, colours: F.colours, matched: F.prefix("192.168.32.0/24")))
        let svg = try DrawnPicture.parse(a)
        XCTAssertEqual(svg.find("g", class: "matched").map { $0.attributes["data-prefix"] }, ["192.168.32.0/24"])
        XCTAssertTrue(a.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"peer-table\""))
        XCTAssertFalse(PeerTablePicture.figure(F.seedTableAt5s, colours: F.colours).contains("http"), "inline pictures fetch nothing")
    }

    func testLargeTablesDrawTheFirstEntriesAndCountTheRest() throws {
        let owners = (0..<60).map { "p\($0)" }
        let table = PeerTableSnapshot(node: "hub", t: 0, entries: owners.enumerated().map { i, owner in
            PeerTableEntry(prefix: F.prefix("10.0.0.\(i + 2)/32"), owner: owner)
        }, decisionIndex: nil)
        let colours = OwnershipColours(owners: owners)
        let svg = try DrawnPicture.parse(PeerTablePicture.svg(table, colours: colours, limit: 10))
        XCTAssertEqual(svg.find("g", class: "prefix").count, 10)
        XCTAssertEqual(svg.find("rect", class: "range").count, 10)
        XCTAssertEqual(svg.find("text", class: "omitted").map(\.text), ["50 more entries left out", "50 more entries left out"])
        let text = PeerTablePicture.text(table, colours: colours, cells: 8, limit: 3)
        XCTAssertTrue(text.contains("└── 10.0.0.4/32 p2\n… 57 more entries left out\n"), text)
        XCTAssertTrue(text.hasSuffix("A = p0, B = p1, C = p2\n"), text)
        // Past 46 owners the characters repeat, and the legend says so rather than listing them all.
        XCTAssertEqual(colours.letter(of: "p46"), colours.letter(of: "p0"))
        XCTAssertTrue(colours.textLegend(Set(owners)).hasSuffix("~ = p45, and 14 more owners (the characters repeat in this order)"))
    }

    func testOffsetsAndSharesOfNestedPrefixes() {
        XCTAssertEqual(PeerTableLayout.offset(of: F.prefix("192.168.32.128/25"), within: F.prefix("192.168.32.0/24")), 0.5)
        XCTAssertEqual(PeerTableLayout.offset(of: F.prefix("10.192.0.0/10"), within: F.prefix("10.0.0.0/8")), 0.75)
        XCTAssertEqual(PeerTableLayout.share(of: F.prefix("10.192.0.0/10"), within: F.prefix("10.0.0.0/8")), 0.25)
        XCTAssertEqual(PeerTableLayout.offset(of: F.prefix("fd00:8000::/17"), within: F.prefix("fd00::/16")), 0.5)
        XCTAssertEqual(PeerTablePicture.lastAddress(of: F.prefix("192.168.32.0/24")), "192.168.32.255")
        XCTAssertEqual(PeerTablePicture.lastAddress(of: F.prefix("fd00::/112")), "fd00::ffff")
    }
}
